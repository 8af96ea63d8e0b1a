"""Queries for usage observations: the input tokens a provider reported beside tract's own count."""

from __future__ import annotations

from sqlalchemy import delete, insert, select

from tract_core.storage import schema as s
from tract_core.storage.store import Txn, now_us

_t = s.usage_observations


def add_observation(tx: Txn, tract_id: str, record_id: str | None, counted: int, provider: int,
                    keep: int) -> None:
    """Store one observation and drop all but the newest `keep` of the tract."""
    tx.conn.execute(insert(_t).values(tract_id=tract_id, record_id=record_id, counted_tokens=counted,
                                      provider_tokens=provider, created_us=now_us()))
    newest = select(_t.c.id).where(_t.c.tract_id == tract_id).order_by(_t.c.id.desc()).limit(keep)
    kept = [r.id for r in tx.conn.execute(newest)]
    tx.conn.execute(delete(_t).where(_t.c.tract_id == tract_id, _t.c.id.not_in(kept)))


def newest_observations(tx: Txn, tract_id: str, limit: int) -> list[tuple[int, int]]:
    """(counted, provider) of the newest `limit` observations of the tract, newest first."""
    q = (select(_t.c.counted_tokens, _t.c.provider_tokens).where(_t.c.tract_id == tract_id)
         .order_by(_t.c.id.desc()).limit(limit))
    return [(r.counted_tokens, r.provider_tokens) for r in tx.conn.execute(q)]
