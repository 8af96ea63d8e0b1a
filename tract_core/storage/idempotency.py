"""Queries on `idempotency_keys`: one row per (tract, key) holding the first call's result."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, select, update

from tract_core.storage import schema as s
from tract_core.storage.store import Txn

k = s.idempotency_keys


@dataclass(slots=True)
class KeyRow:
    key: str
    tool: str
    result: str
    created_us: int


def get_key(tx: Txn, tract_id: str, key: str) -> KeyRow | None:
    r = tx.conn.execute(select(k).where(k.c.tract_id == tract_id, k.c.key == key)).first()
    return KeyRow(r.key, r.tool, r.result, r.created_us) if r else None


def reserve_key(tx: Txn, tract_id: str, key: str, tool: str, result: str, created_us: int) -> bool:
    """Insert the key unless it exists; True when this call inserted it."""
    # RETURNING, not rowcount: psycopg reports -1 for INSERT … ON CONFLICT DO NOTHING
    res = tx.conn.execute(tx._insert_ignore(k).values(
        tract_id=tract_id, key=key, tool=tool, result=result, created_us=created_us).returning(k.c.key))
    return res.first() is not None


def update_key(tx: Txn, tract_id: str, key: str, result: str, created_us: int | None = None) -> None:
    values = {"result": result} if created_us is None else {"result": result, "created_us": created_us}
    tx.conn.execute(update(k).where(k.c.tract_id == tract_id, k.c.key == key).values(**values))


def purge_keys(tx: Txn, older_than_us: int) -> int:
    """Forget every key created before `older_than_us`; return how many."""
    return tx.conn.execute(delete(k).where(k.c.created_us < older_than_us)).rowcount
