"""Ids by prefix: pending compressions, compile records and operation events, like commit hashes,
can be named by their first hex digits."""

from __future__ import annotations

from sqlalchemy import select

from tract_core.storage import schema as s
from tract_core.storage.store import Txn

TABLES = {"compression": s.pending_compressions, "record": s.compile_records, "event": s.operation_events}


def ids_with_prefix(tx: Txn, kind: str, tract_id: str, prefix: str, limit: int = 6) -> list[str]:
    """Ids of `kind` in the tract starting with the lower-case hex `prefix` (at most `limit`)."""
    t = TABLES[kind]
    q = (select(t.c.id).where(t.c.tract_id == tract_id, t.c.id >= prefix, t.c.id < prefix + "g")
         .order_by(t.c.id).limit(limit))
    return list(tx.conn.scalars(q))
