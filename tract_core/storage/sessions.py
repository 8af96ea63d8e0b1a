"""Queries on sessions, the tracts that belong to them, and spawn links between tracts."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, insert, select, update

from tract_core.storage.store import Txn
from tract_core.storage.team_tables import sessions as S, session_tracts as M, tract_links as L


@dataclass(slots=True)
class SessionRow:
    session_id: str
    title: str | None
    status: str
    created_us: int
    ended_us: int | None


@dataclass(slots=True)
class LinkRow:
    tract_id: str
    parent_tract: str
    parent_commit: str | None
    purpose: str
    inherit: str
    created_us: int
    collapsed_us: int | None
    collapse_commit: str | None


def _session(r) -> SessionRow:
    return SessionRow(r.session_id, r.title, r.status, r.created_us, r.ended_us)


def create_session(tx: Txn, session_id: str, title: str | None, now: int) -> bool:
    res = tx.conn.execute(tx._insert_ignore(S).values(
        session_id=session_id, title=title, status="active", created_us=now).returning(S.c.session_id))
    return res.first() is not None


def get_session(tx: Txn, session_id: str) -> SessionRow | None:
    r = tx.conn.execute(select(S).where(S.c.session_id == session_id)).first()
    return _session(r) if r else None


def list_sessions(tx: Txn, status: str | None = None) -> list[SessionRow]:
    q = select(S)
    if status is not None:
        q = q.where(S.c.status == status)
    return [_session(r) for r in tx.conn.execute(q.order_by(S.c.created_us, S.c.session_id))]


def end_session(tx: Txn, session_id: str, status: str, now: int) -> bool:
    res = tx.conn.execute(update(S).where(S.c.session_id == session_id, S.c.status == "active")
                          .values(status=status, ended_us=now))
    return res.rowcount == 1


def ended_before(tx: Txn, cut_us: int) -> list[str]:
    return list(tx.conn.scalars(select(S.c.session_id).where(S.c.status != "active",
                                                              S.c.ended_us < cut_us)))


def delete_session(tx: Txn, session_id: str) -> None:
    tx.conn.execute(delete(M).where(M.c.session_id == session_id))
    tx.conn.execute(delete(S).where(S.c.session_id == session_id))


def add_member(tx: Txn, session_id: str, tract_id: str, now: int) -> None:
    tx.conn.execute(tx._insert_ignore(M).values(session_id=session_id, tract_id=tract_id, created_us=now))


def members(tx: Txn, session_id: str) -> list[str]:
    return list(tx.conn.scalars(select(M.c.tract_id).where(M.c.session_id == session_id)
                                .order_by(M.c.created_us, M.c.tract_id)))


def session_of(tx: Txn, tract_id: str) -> str | None:
    return tx.conn.scalar(select(M.c.session_id).where(M.c.tract_id == tract_id).limit(1))


def _link(r) -> LinkRow:
    return LinkRow(r.tract_id, r.parent_tract, r.parent_commit, r.purpose, r.inherit, r.created_us,
                   r.collapsed_us, r.collapse_commit)


def add_link(tx: Txn, child: str, parent: str, parent_commit: str | None, purpose: str, inherit: str,
             now: int) -> None:
    tx.conn.execute(insert(L).values(tract_id=child, parent_tract=parent, parent_commit=parent_commit,
                                     purpose=purpose, inherit=inherit, created_us=now))


def get_link(tx: Txn, child: str) -> LinkRow | None:
    r = tx.conn.execute(select(L).where(L.c.tract_id == child)).first()
    return _link(r) if r else None


def children(tx: Txn, parent: str) -> list[LinkRow]:
    return [_link(r) for r in tx.conn.execute(select(L).where(L.c.parent_tract == parent)
                                               .order_by(L.c.created_us, L.c.tract_id))]


def mark_collapsed(tx: Txn, child: str, commit: str, now: int) -> bool:
    """Record the collapse once: False when the child was collapsed already."""
    res = tx.conn.execute(update(L).where(L.c.tract_id == child, L.c.collapsed_us.is_(None))
                          .values(collapsed_us=now, collapse_commit=commit))
    return res.rowcount == 1


def delete_links(tx: Txn, tract_ids: list[str]) -> None:
    tx.conn.execute(delete(L).where(L.c.tract_id.in_(tract_ids)))
