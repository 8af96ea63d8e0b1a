"""Queries for compile snapshots: find the nearest one behind a commit, save one, prune."""

from __future__ import annotations

from sqlalchemy import bindparam, delete, exists, select

from tract_core.storage import schema as s
from tract_core.storage.rows import SnapshotRow
from tract_core.storage.store import Txn, now_us

_t = s.compile_snapshots


def nearest_snapshot(tx: Txn, tract_id: str, head: str, reach: int) -> SnapshotRow | None:
    """The snapshot of `head` or of its nearest ancestor within `reach` commits, or None."""
    c = _t.c
    if not tx.conn.scalar(select(exists().where(c.tract_id == tract_id))):
        return None  # most tracts never have one: skip the walk

    def build():
        anc = tx._ancestor_cte(depth=True)
        return (select(anc.c.h, c.format, c.commits, c.data, anc.c.d)
                .join(_t, (c.head == anc.c.h) & (c.tract_id == bindparam("b_tract")))
                .order_by(anc.c.d).limit(1))

    found = tx.conn.execute(tx._stmt("nearest_snapshot", build),
                            {"b_head": head, "b_depth": reach, "b_tract": tract_id}).first()
    if found is None:
        return None
    h, fmt, commits, data, distance = found
    return SnapshotRow(h, fmt, commits, bytes(data), distance)


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
