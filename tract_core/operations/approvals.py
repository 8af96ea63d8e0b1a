"""One approvals queue: pending compressions (their own table) and collaborative collapses (the
approvals table), read together and decided through one entry point. A decision is recorded with
who made it, when and why (for compressions, as an approvals row beside the pending one)."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import datetime, timezone

from tract_core import clock
from tract_core.errors import ApprovalNotFoundError, CollapseError, InvalidOperationError
from tract_core.models.teams import Approval
from tract_core.operations import collapse
from tract_core.operations import compress as compression
from tract_core.operations import compress_decision
from tract_core.operations.actors import acting_as, current
from tract_core.operations.committing import check_text
from tract_core.operations.events import record_event
from tract_core.operations.repo import Repo
from tract_core.storage import Store, Txn
from tract_core.storage import approvals as approvals_q
from tract_core.storage import pending as pending_q
from tract_core.storage.approvals import ApprovalRow

STATUSES = ("pending", "approved", "rejected", None)


def _time(us: int | None) -> datetime | None:
    return None if us is None else datetime.fromtimestamp(us / 1e6, tz=timezone.utc)


def _model(row: ApprovalRow) -> Approval:
    return Approval(id=row.id, kind=row.kind, tract=row.tract_id, session_id=row.session_id, status=row.status,
                    preview=json.loads(row.preview), requested_by=row.requested_by,
                    created_at=_time(row.created_us), decided_by=row.decided_by,
                    decided_at=_time(row.decided_us), reason=row.reason)


def list_approvals(tx: Txn, tract_ids: list[str], session_id: str | None, status: str | None) -> list[Approval]:
    if status not in STATUSES:
        raise InvalidOperationError(f"status must be one of pending, approved, rejected or None, not {status!r}")
    rows = approvals_q.list_approvals(tx, session_id=session_id, status=status) if session_id else []
    rows += [r for r in approvals_q.list_approvals(tx, tract_ids=tract_ids, status=status)
             if r.session_id != session_id or session_id is None]
    decided = {r.id for r in approvals_q.list_approvals(tx, tract_ids=tract_ids, status=None)}
    out = [_model(r) for r in rows]
    for tract_id in tract_ids:
        for p in pending_q.list_pending(tx, tract_id, status):
            if p.id not in decided:
                data = json.loads(p.data)
                out.append(Approval(id=p.id, kind="compression", tract=tract_id, session_id=session_id,
                                    status=p.status, preview=compress_decision.preview(data),
                                    requested_by=data.get("requested_by"), created_at=_time(p.created_us)))
    return sorted(out, key=lambda a: (a.created_at, a.id))


def decide(store: Store, repo_for: Callable[[str], Repo], approval_id: str, *, approve: bool,
           tract_ids: list[str] | None, decided_by: str | None = None, reason: str | None = None,
           summary: str | Sequence[str] | None = None) -> Approval:
    """Approve or reject approval `approval_id` (within `tract_ids` when given)."""
    check_text(decided_by, "decided_by")
    check_text(reason, "reason")
    valid = isinstance(approval_id, str) and "\x00" not in approval_id
    with store.read() as tx:
        row = approvals_q.get_approval(tx, approval_id) if valid else None
        tract_id = row.tract_id if row else (approvals_q.compression_tract(tx, approval_id) if valid else None)
    if tract_id is None or (tract_ids is not None and tract_id not in tract_ids):
        raise ApprovalNotFoundError(f"no approval {approval_id!r} here; approvals() lists them")
    repo = repo_for(tract_id)
    decided_by = decided_by or current()[0]  # else the actor `acting_as` names (the MCP client)
    with acting_as(decided_by):
        if row is None:
            return _decide_compression(store, repo, approval_id, approve, decided_by, reason, summary)
        return _decide_collapse(store, repo, row, approve, decided_by, reason, summary)


def _decide_compression(store, repo, pending_id, approve, decided_by, reason, summary) -> Approval:
    """Through the compression's own approve/reject, which record the decision in the queue."""
    if approve:
        texts = [summary] if isinstance(summary, str) else summary
        compression.approve(repo, pending_id, list(texts) if texts is not None else None)
    else:
        compression.reject(repo, pending_id, reason)
    with store.read() as tx:
        return _model(approvals_q.get_approval(tx, pending_id))


def _decide_collapse(store, repo, row: ApprovalRow, approve, decided_by, reason, summary) -> Approval:
    if row.status != "pending":
        raise CollapseError(f"approval {row.id} was already {row.status}")
    plan = json.loads(row.data)
    if summary is not None:
        check_text(summary if isinstance(summary, str) else None, "summary", CollapseError)
        plan["text"] = summary if isinstance(summary, str) else "\n".join(summary)
    blob = collapse.report_blob(repo, plan) if approve else None
    with store.write() as tx:
        if not approvals_q.decide(tx, row.id, "approved" if approve else "rejected", decided_by, reason,
                                  clock.now_us()):
            raise CollapseError(f"approval {row.id} was decided meanwhile")
        if approve:
            collapse.apply(tx, repo, plan, blob, approval=row.id)
        else:
            record_event(tx, repo, "reject", None, {"approval": row.id, "child": plan["child"],
                                                    "reason": reason}, [], [])
        return _model(approvals_q.get_approval(tx, row.id))
