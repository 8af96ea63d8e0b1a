"""Queries for compile snapshots: list a tract's, read one, save one, prune."""

from __future__ import annotations

from sqlalchemy import bindparam, delete, select

from tract_core.storage import schema as s
from tract_core.storage.store import Txn, now_us

_t = s.compile_snapshots


def snapshot_heads(tx: Txn, tract_id: str) -> list[tuple[str, int, int, int]]:
    """(head, format, commits, generation of the head) of the tract's snapshots (a few per tract),
    the newest generation first; without their data. Finding the one a head descends from is then
    one walk back from the head as far as that one (no walk over the whole reach, which in a store
    of a million commits is one random lookup per step)."""
    c, m = _t.c, s.commits.c
    q = tx._stmt("snapshot_heads", lambda: select(c.head, c.format, c.commits, m.generation)
                 .join(s.commits, (m.hash == c.head) & (m.tract_id == c.tract_id))
                 .where(c.tract_id == bindparam("b_tract")).order_by(m.generation.desc(), c.head))
    return [tuple(r) for r in tx.conn.execute(q, {"b_tract": tract_id})]


def snapshot_data(tx: Txn, tract_id: str, head: str) -> bytes | None:
    c = _t.c
    q = tx._stmt("snapshot_data", lambda: select(c.data).where(
        c.tract_id == bindparam("b_tract"), c.head == bindparam("b_head")))
    data = tx.conn.scalar(q, {"b_tract": tract_id, "b_head": head})
    return bytes(data) if data is not None else None


def save_snapshot(tx: Txn, tract_id: str, head: str, fmt: int, commits: int, data: bytes,
                  replaces: str | None, keep: int) -> None:
    """Save (or overwrite) the snapshot of `head`, drop the one it supersedes, and keep only the
    newest `keep` of the tract (a cache: what is pruned is rebuilt when needed)."""
    c = _t.c
    tx._upsert(_t, {"tract_id": tract_id, "head": head},  # replaces an unreadable one
               {"format": fmt, "commits": commits, "data": data, "created_us": now_us()})
    if replaces and replaces != head:
        tx.conn.execute(delete(_t).where(c.tract_id == tract_id, c.head == replaces))
    newest = select(c.head).where(c.tract_id == tract_id).order_by(c.created_us.desc(), c.head).limit(keep)
    tx.conn.execute(delete(_t).where(c.tract_id == tract_id, c.head.not_in(newest.scalar_subquery())))
