"""A compression's place in the one approvals queue: its preview (sources, proposed summaries, facts
they lose), and the decision on it (who, when, why) recorded as an approvals row in the transaction
that approves or rejects it, whichever path decides (Tract, Session, MCP, CLI)."""

from __future__ import annotations

import json

from tract_core import clock
from tract_core.compression.facts import missing_facts
from tract_core.models.compression import Fact
from tract_core.operations.actors import current
from tract_core.storage import Txn
from tract_core.storage import approvals as approvals_q
from tract_core.storage import sessions as sessions_q
from tract_core.storage.approvals import ApprovalRow
from tract_core.storage.rows import PendingRow


def fact_of(f) -> Fact:
    """A stored fact of a pending compression (a bare string in older proposals)."""
    return Fact(text=f, kind="number") if isinstance(f, str) else Fact(**f)   # str: older proposals


def preview(data: dict) -> dict:
    joined = "\n".join(s for s in data["summaries"] if s)
    return {"sources": data["range"], "summaries": data["summaries"], "original_tokens": data["original_tokens"],
            "lost_facts": [f.text for f in missing_facts([fact_of(f) for f in data["facts"]], joined)]}


def record(tx: Txn, tract_id: str, row: PendingRow, status: str, data: dict, reason: str | None) -> None:
    """The decision on pending compression `row`, by the current actor, now."""
    approvals_q.insert_approval(tx, ApprovalRow(
        tract_id, row.id, sessions_q.session_of(tx, tract_id), "compression", status, json.dumps(preview(data)),
        "{}", data.get("requested_by"), row.created_us, current()[0], clock.now_us(), reason))
