"""Queries for tags: names put on commits (many per commit, many commits per name)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import delete

from tract_core.storage import hot_reads
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
    for i in range(0, len(hashes), CHUNK):
        for h, name in hot_reads.tags_of(tx.driver, tract_id, hashes[i:i + CHUNK]):
            out.setdefault(h, []).append(name)
    return out
