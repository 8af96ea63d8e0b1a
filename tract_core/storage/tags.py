"""Queries for tags: names put on commits (many per commit, many commits per name)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import bindparam, delete, select

from tract_core.storage import schema as s
from tract_core.storage.store import Txn, now_us

_t = s.tags
CHUNK = 500


def add_tags(tx: Txn, tract_id: str, commit_hash: str, names: Iterable[str]) -> None:
    now = now_us()
    for name in names:
        tx.conn.execute(tx._insert_ignore(_t).values(tract_id=tract_id, commit_hash=commit_hash, name=name,
                                                     created_us=now))


def remove_tags(tx: Txn, tract_id: str, commit_hash: str, names: list[str]) -> int:
    res = tx.conn.execute(delete(_t).where(_t.c.tract_id == tract_id, _t.c.commit_hash == commit_hash,
                                           _t.c.name.in_(names)))
    return res.rowcount


def tags_by_commit(tx: Txn, tract_id: str, hashes: Iterable[str]) -> dict[str, list[str]]:
    """Each of `hashes` that has tags, with its tag names sorted."""
    hashes = list(set(hashes))
    out: dict[str, list[str]] = {}
    # built once: every `log` runs it, and building it cost more than running it
    q = tx._stmt("tags_by_commit", lambda: select(_t.c.commit_hash, _t.c.name).where(
        _t.c.tract_id == bindparam("b_tract"), _t.c.commit_hash.in_(bindparam("b_hashes", expanding=True)))
        .order_by(_t.c.name))
    for i in range(0, len(hashes), CHUNK):
        rows = tx.conn.execute(q, {"b_tract": tract_id, "b_hashes": hashes[i:i + CHUNK]})
        for h, name in rows:
            out.setdefault(h, []).append(name)
    return out
