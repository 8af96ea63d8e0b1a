"""Queries for pending compressions: proposals persisted until approved or rejected."""

from __future__ import annotations

from sqlalchemy import insert, select, update

from tract_core.storage import hot_reads
from tract_core.storage import schema as s
from tract_core.storage.rows import PendingRow
from tract_core.storage.store import Txn, now_us

_t = s.pending_compressions


def _row(r) -> PendingRow:
    return PendingRow(r.id, r.branch, r.status, r.data, r.created_us, r.updated_us)


def insert_pending(tx: Txn, tract_id: str, pending_id: str, branch: str, data: str) -> None:
    now = now_us()
    tx.conn.execute(insert(_t).values(id=pending_id, tract_id=tract_id, branch=branch, status="pending",
                                      data=data, created_us=now, updated_us=now))


def get_pending(tx: Txn, tract_id: str, pending_id: str) -> PendingRow | None:
    r = tx.conn.execute(select(_t).where(_t.c.tract_id == tract_id, _t.c.id == pending_id)).first()
    return _row(r) if r else None


def list_pending(tx: Txn, tract_id: str, status: str | None = "pending") -> list[PendingRow]:
    q = select(_t).where(_t.c.tract_id == tract_id)
    if status is not None:
        q = q.where(_t.c.status == status)
    return [_row(r) for r in tx.conn.execute(q.order_by(_t.c.created_us, _t.c.id))]


def count_pending(tx: Txn, tract_id: str) -> int:
    return tx.driver.rows(hot_reads.COUNT_PENDING, (tract_id,))[0][0]  # every `status` runs it


def update_pending(tx: Txn, tract_id: str, pending_id: str, status: str, data: str,
                   expect_status: str = "pending") -> bool:
    """Change a proposal only if it is still in `expect_status` (so two approvals cannot both win)."""
    res = tx.conn.execute(update(_t).where(_t.c.tract_id == tract_id, _t.c.id == pending_id,
                                           _t.c.status == expect_status)
                          .values(status=status, data=data, updated_us=now_us()))
    return res.rowcount == 1
