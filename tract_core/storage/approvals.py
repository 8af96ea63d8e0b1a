"""Queries on the approvals queue (collaborative collapses; pending compressions keep their own
table and are listed beside these, see operations/approvals.py)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, insert, select, update

from tract_core.storage import schema as s
from tract_core.storage.store import Txn
from tract_core.storage.team_tables import approvals as A

P = s.pending_compressions


@dataclass(slots=True)
class ApprovalRow:
    tract_id: str
    id: str
    session_id: str | None
    kind: str
    status: str
    preview: str
    data: str
    requested_by: str | None
    created_us: int
    decided_by: str | None
    decided_us: int | None
    reason: str | None


def _row(r) -> ApprovalRow:
    return ApprovalRow(r.tract_id, r.id, r.session_id, r.kind, r.status, r.preview, r.data, r.requested_by,
                       r.created_us, r.decided_by, r.decided_us, r.reason)


def insert_approval(tx: Txn, row: ApprovalRow) -> None:
    tx.conn.execute(insert(A).values(**{f: getattr(row, f) for f in ApprovalRow.__slots__}))


def get_approval(tx: Txn, approval_id: str) -> ApprovalRow | None:
    r = tx.conn.execute(select(A).where(A.c.id == approval_id)).first()
    return _row(r) if r else None


def list_approvals(tx: Txn, *, tract_ids: list[str] | None = None, session_id: str | None = None,
                   status: str | None = "pending") -> list[ApprovalRow]:
    q = select(A)
    if session_id is not None:
        q = q.where(A.c.session_id == session_id)
    if tract_ids is not None:
        q = q.where(A.c.tract_id.in_(tract_ids))
    if status is not None:
        q = q.where(A.c.status == status)
    return [_row(r) for r in tx.conn.execute(q.order_by(A.c.created_us, A.c.id))]


def pending_for_child(tx: Txn, parent: str, child: str) -> str | None:
    """The id of a collapse of `child` still waiting for a decision, if any."""
    for r in list_approvals(tx, tract_ids=[parent], status="pending"):
        if r.kind == "collapse" and f'"child": "{child}"' in r.data:
            return r.id
    return None


def decide(tx: Txn, approval_id: str, status: str, decided_by: str | None, reason: str | None,
           now: int) -> bool:
    res = tx.conn.execute(update(A).where(A.c.id == approval_id, A.c.status == "pending").values(
        status=status, decided_by=decided_by, reason=reason, decided_us=now))
    return res.rowcount == 1


def compression_tract(tx: Txn, pending_id: str) -> str | None:
    return tx.conn.scalar(select(P.c.tract_id).where(P.c.id == pending_id))


def delete_for_tracts(tx: Txn, tract_ids: list[str]) -> None:
    tx.conn.execute(delete(A).where(A.c.tract_id.in_(tract_ids)))
