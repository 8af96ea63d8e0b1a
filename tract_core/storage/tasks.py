"""Queries on the task queue. A claim takes the oldest claimable task under a row lock that other
claimers skip (PostgreSQL `FOR UPDATE SKIP LOCKED`; on SQLite the write transaction's
`BEGIN IMMEDIATE` already holds the database), so each task goes to exactly one worker."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, delete, or_, select, update

from tract_core.storage.store import Txn
from tract_core.storage.team_tables import tasks as T


@dataclass(slots=True)
class TaskRow:
    session_id: str
    id: str
    title: str
    payload: str | None
    to_worker: str | None
    parent_tract: str | None
    status: str
    worker: str | None
    worker_tract: str | None
    lease_until_us: int | None
    attempts: int
    max_attempts: int
    result: str | None
    error: str | None
    idempotency_key: str | None
    created_us: int
    updated_us: int


def _row(r) -> TaskRow:
    return TaskRow(r.session_id, r.id, r.title, r.payload, r.to_worker, r.parent_tract, r.status, r.worker,
                   r.worker_tract, r.lease_until_us, r.attempts, r.max_attempts, r.result, r.error,
                   r.idempotency_key, r.created_us, r.updated_us)


def insert_task(tx: Txn, row: TaskRow) -> bool:
    """Insert unless a live task holds the same idempotency key; True when inserted."""
    values = {f: getattr(row, f) for f in TaskRow.__slots__}
    values["key_created_us"] = row.created_us if row.idempotency_key else None
    res = tx.conn.execute(tx._insert_ignore(T).values(**values).returning(T.c.id))
    return res.first() is not None


def forget_keys(tx: Txn, session_id: str | None, before_us: int) -> None:
    """Drop the idempotency keys set before `before_us`, in one session (None: in every session)."""
    q = update(T).where(T.c.key_created_us < before_us)
    if session_id is not None:
        q = q.where(T.c.session_id == session_id)
    tx.conn.execute(q.values(idempotency_key=None, key_created_us=None))


def by_key(tx: Txn, session_id: str, key: str) -> TaskRow | None:
    r = tx.conn.execute(select(T).where(T.c.session_id == session_id, T.c.idempotency_key == key)).first()
    return _row(r) if r else None


def get_task(tx: Txn, session_id: str, task_id: str) -> TaskRow | None:
    r = tx.conn.execute(select(T).where(T.c.session_id == session_id, T.c.id == task_id)).first()
    return _row(r) if r else None


def list_tasks(tx: Txn, session_id: str, status: str | None = None) -> list[TaskRow]:
    q = select(T).where(T.c.session_id == session_id)
    if status is not None:
        q = q.where(T.c.status == status)
    return [_row(r) for r in tx.conn.execute(q.order_by(T.c.created_us, T.c.id))]


def next_claimable(tx: Txn, session_id: str, to: str | None, now: int) -> TaskRow | None:
    """The oldest pending task, or claimed one whose lease ran out, locked for this transaction."""
    ready = or_(T.c.status == "pending", and_(T.c.status == "claimed", T.c.lease_until_us < now))
    q = select(T).where(T.c.session_id == session_id, ready)
    if to is not None:
        q = q.where(T.c.to_worker == to)
    q = q.order_by(T.c.created_us, T.c.id).limit(1)
    if tx.dialect == "postgresql":
        q = q.with_for_update(skip_locked=True)
    r = tx.conn.execute(q).first()
    return _row(r) if r else None


def set_state(tx: Txn, session_id: str, task_id: str, *, expect_status: str | tuple[str, ...],
              expect_worker: str | None = None, expect_attempts: int | None = None, **values) -> bool:
    """Change a task only if it is still as the caller last saw it (compare-and-swap)."""
    statuses = (expect_status,) if isinstance(expect_status, str) else expect_status
    cond = [T.c.session_id == session_id, T.c.id == task_id, T.c.status.in_(statuses)]
    if expect_worker is not None:
        cond.append(T.c.worker == expect_worker)
    if expect_attempts is not None:
        cond.append(T.c.attempts == expect_attempts)
    return tx.conn.execute(update(T).where(*cond).values(**values)).rowcount == 1


def delete_tasks(tx: Txn, session_id: str) -> int:
    return tx.conn.execute(delete(T).where(T.c.session_id == session_id)).rowcount



