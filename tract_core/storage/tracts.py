"""Store-wide queries: the tracts a store holds, their branches and sizes."""

from __future__ import annotations

from sqlalchemy import LargeBinary, cast, func, select

from tract_core.storage import schema as s
from tract_core.storage.store import Txn

BRANCH_PREFIX = "refs/heads/"


def tract_sizes(tx: Txn) -> list[tuple[str, int, int, int]]:
    """(tract_id, commits, tokens, bytes of content) of every tract, in one aggregate query; a content
    used by several commits counts once per commit."""
    t, c, b = s.tracts, s.commits, s.blobs
    size = (func.octet_length(b.c.body) if tx.dialect == "postgresql"
            else func.length(cast(b.c.body, LargeBinary)))
    q = (select(t.c.id, func.count(c.c.hash), func.coalesce(func.sum(b.c.token_count), 0),
                func.coalesce(func.sum(size), 0))
         .select_from(t.outerjoin(c, c.c.tract_id == t.c.id).outerjoin(b, b.c.hash == c.c.content_hash))
         .group_by(t.c.id).order_by(t.c.id))
    return [(tid, int(n), int(tokens), int(size_)) for tid, n, tokens, size_ in tx.conn.execute(q)]


def branch_heads(tx: Txn) -> list[tuple[str, str, str | None]]:
    """(tract_id, branch name, head commit) of every branch in the store."""
    r = s.refs.c
    q = (select(r.tract_id, r.name, r.commit_hash).where(r.name.startswith(BRANCH_PREFIX))
         .order_by(r.tract_id, r.name))
    return [(tid, name.removeprefix(BRANCH_PREFIX), h) for tid, name, h in tx.conn.execute(q)]
