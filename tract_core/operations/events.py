"""Operation events: the audit trail of merges, resets, compressions and garbage collection."""

from __future__ import annotations

import uuid

from tract_core.operations.repo import Repo
from tract_core.storage import Txn


def record_event(tx: Txn, repo: Repo, kind: str, branch: str | None, params: dict, sources: list[str],
                 results: list[str]) -> str:
    """Write one event in the caller's transaction; return its id."""
    event_id = uuid.uuid4().hex
    tx.add_event(repo.tract_id, event_id, kind, branch, params, sources, results)
    return event_id
