"""Queries garbage collection needs: the whole commit graph of a tract, and deletions."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import delete, func, select

from tract_core.storage import schema as s
from tract_core.storage.search import unindex_blobs
from tract_core.storage.store import Txn

CHUNK = 500


@dataclass(slots=True)
class GraphNode:
    parents: list[str]
    created_us: int
    content_hash: str | None


def commit_graph(tx: Txn, tract_id: str) -> dict[str, GraphNode]:
    """Every commit of the tract with its parents, in two queries."""
    c, p = s.commits.c, s.commit_parents.c
    nodes = {r.hash: GraphNode([], r.created_us, r.content_hash) for r in tx.conn.execute(
        select(c.hash, c.created_us, c.content_hash).where(c.tract_id == tract_id))}
    edges = tx.conn.execute(select(p.child, p.position, p.parent)
                            .join(s.commits, s.commits.c.hash == p.child)
                            .where(c.tract_id == tract_id).order_by(p.child, p.position))
    for child, _, parent in edges:
        nodes[child].parents.append(parent)
    return nodes


def _chunks(items: list[str]) -> Iterable[list[str]]:
    for i in range(0, len(items), CHUNK):
        yield items[i:i + CHUNK]


def delete_commits(tx: Txn, tract_id: str, hashes: list[str]) -> None:
    """Remove commits with their parent links, annotations, tags and must-keep facts (blobs are handled separately;
    their search index rows go with them).

    On SQLite the store's newest annotation stays (until a newer one exists): SQLite gives a new row
    the largest id + 1, so deleting it would hand its id out again, and a reader that has read every
    annotation up to that id would never see the new one."""
    a = s.annotations.c
    newest = tx.conn.scalar(select(func.max(a.id))) if tx.dialect == "sqlite" else None
    for part in _chunks(hashes):
        tx.conn.execute(delete(s.commit_parents).where(s.commit_parents.c.child.in_(part)))
        tx.conn.execute(delete(s.annotations).where(a.tract_id == tract_id, a.commit_hash.in_(part),
                                                    a.id != (newest or 0)))
        tx.conn.execute(delete(s.tags).where(s.tags.c.tract_id == tract_id, s.tags.c.commit_hash.in_(part)))
        tx.conn.execute(delete(s.must_keep).where(s.must_keep.c.tract_id == tract_id,
                                                  s.must_keep.c.commit_hash.in_(part)))
        tx.conn.execute(delete(s.commits).where(s.commits.c.tract_id == tract_id,
                                                s.commits.c.hash.in_(part)))


def delete_unused_blobs(tx: Txn, candidates: Iterable[str]) -> tuple[int, int]:
    """Delete those of `candidates` that no commit of any tract uses; return (count, tokens)."""
    removed = tokens = 0
    for part in _chunks(sorted(set(candidates))):
        used = set(tx.conn.scalars(select(s.commits.c.content_hash).where(
            s.commits.c.content_hash.in_(part)).distinct()))
        gone = [h for h in part if h not in used]
        if not gone:
            continue
        tokens += sum(tx.conn.scalars(select(s.blobs.c.token_count).where(s.blobs.c.hash.in_(gone))))
        unindex_blobs(tx, gone)
        removed += tx.conn.execute(delete(s.blobs).where(s.blobs.c.hash.in_(gone))).rowcount
    return removed, tokens
