"""Queries `tract check` needs: the database's own integrity check, and references to rows that
are not there (refs and parents to missing commits, commits to missing blobs)."""

from __future__ import annotations

from sqlalchemy import and_, func, select

from tract_core.storage import schema as s
from tract_core.storage.store import Txn

SHOWN = 20  # problems listed per kind; the count says how many more


def integrity_problems(tx: Txn) -> list[str]:
    """SQLite: `PRAGMA integrity_check` (every page, index and constraint). PostgreSQL has no
    equivalent built in: every table is read through (a damaged page raises data_corrupted)."""
    if tx.dialect == "sqlite":
        rows = [line for r in tx.conn.exec_driver_sql(f"PRAGMA integrity_check({SHOWN})")
                for line in r[0].splitlines()]
        return [] if rows == ["ok"] else rows
    for table in s.metadata.sorted_tables:
        tx.conn.execute(select(func.count()).select_from(table)).scalar()
    return []


def counts(tx: Txn, tract_id: str) -> tuple[int, int]:
    """(commits, refs) of the tract."""
    commits = tx.conn.scalar(select(func.count()).select_from(s.commits).where(s.commits.c.tract_id == tract_id))
    refs = tx.conn.scalar(select(func.count()).select_from(s.refs).where(s.refs.c.tract_id == tract_id))
    return commits, refs


def dangling_refs(tx: Txn, tract_id: str) -> list[tuple[str, str]]:
    """(ref name, commit hash) of refs pointing at a commit this tract does not have."""
    r, c = s.refs, s.commits
    q = (select(r.c.name, r.c.commit_hash)
         .outerjoin(c, and_(c.c.hash == r.c.commit_hash, c.c.tract_id == tract_id))
         .where(r.c.tract_id == tract_id, r.c.commit_hash.is_not(None), c.c.hash.is_(None))
         .order_by(r.c.name))
    return [tuple(row) for row in tx.conn.execute(q)]


def dangling_parents(tx: Txn, tract_id: str) -> list[tuple[str, str]]:
    """(child, parent) of parent links to a commit that is not in the store."""
    p, child, parent = s.commit_parents, s.commits.alias("child"), s.commits.alias("parent")
    q = (select(p.c.child, p.c.parent).join(child, child.c.hash == p.c.child)
         .outerjoin(parent, parent.c.hash == p.c.parent)
         .where(child.c.tract_id == tract_id, parent.c.hash.is_(None)).order_by(p.c.child))
    return [tuple(row) for row in tx.conn.execute(q)]


def missing_blobs(tx: Txn, tract_id: str) -> list[tuple[str, str]]:
    """(commit, content hash) of commits whose content is not in the store."""
    c, b = s.commits, s.blobs
    q = (select(c.c.hash, c.c.content_hash).outerjoin(b, b.c.hash == c.c.content_hash)
         .where(c.c.tract_id == tract_id, c.c.content_hash.is_not(None), b.c.hash.is_(None))
         .order_by(c.c.hash))
    return [tuple(row) for row in tx.conn.execute(q)]
