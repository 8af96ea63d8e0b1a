"""Operation events: the audit trail of merges, resets, compressions and garbage collection."""

from __future__ import annotations

import os

from tract_core.operations.actors import current
from tract_core.operations.repo import Repo
from tract_core.storage import Txn
from tract_core.storage.audit_log import add_event
from tract_core.storage.store import now_us


def record_event(tx: Txn, repo: Repo, kind: str, branch: str | None, params: dict, sources: list[str],
                 results: list[str]) -> str:
    """Write one event in the caller's transaction, stamped with the actor, session and trace id;
    return its id."""
    event_id = os.urandom(16).hex()  # an id like uuid4().hex, for less
    actor, trace_id = current()
    add_event(tx, event_id, repo.tract_id, kind, params, actor, trace_id, None, now_us(), branch=branch,
              sources=sources, results=results)
    return event_id


def record_commits(tx: Txn, repo: Repo, branch: str, hashes: list[str]) -> None:
    """The audit event of one commit call (a single commit or a batch): one small row, whatever the
    batch's size, in the commit's own transaction."""
    record_event(tx, repo, "commit", branch, {"commits": len(hashes)} if len(hashes) > 1 else {}, [], hashes)
