"""Queries on the audit columns of operation events (actor, session, trace id) and the deletion of
an ended session's data."""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy import delete, select

from tract_core.storage import schema as s
from tract_core.storage.driver import Sql
from tract_core.storage.gc import delete_unused_blobs
from tract_core.storage.rows import EventRow
from tract_core.storage.store import Txn
from tract_core.storage.team_tables import events as E


_COLUMNS = ("id", "tract_id", "kind", "branch", "params", "sources", "results", "created_us", "actor", "trace_id")


def _insert_sql(p) -> str:
    """The event INSERT as the driver's own SQL (`p` writes a named parameter): a SQLAlchemy statement
    built or compiled per event cost more than the INSERT itself (~0.1-0.4 ms of every commit)."""
    return (f"INSERT INTO operation_events ({', '.join(_COLUMNS)}, session_id) "
            f"VALUES ({', '.join(p(c) for c in _COLUMNS)}, COALESCE({p('session_id')}, "
            f"(SELECT session_id FROM session_tracts WHERE tract_id = {p('member')} LIMIT 1)))")


# run on the driver connection itself (storage/driver.py), as every statement of a commit is
_INSERT = Sql(_insert_sql(lambda n: f":{n}"), _insert_sql(lambda n: f"%({n})s"))


def add_event(tx: Txn, event_id: str, tract_id: str, kind: str, params: dict, actor: str | None,
              trace_id: str | None, session_id: str | None, now_us: int, *, branch: str | None = None,
              sources: list[str] = (), results: list[str] = ()) -> None:
    """An operation event written with its audit columns in one statement: who made it, for which
    request, in which session (`session_id`, else the session the tract belongs to, if any). On
    PostgreSQL it goes with the transaction's next round trip (Driver.send)."""
    tx.driver.send(_INSERT, {
        "id": event_id, "tract_id": tract_id, "kind": kind, "branch": branch,
        "params": json.dumps(params, sort_keys=True) if params else "{}", "sources": _json_list(sources),
        "results": _json_list(results), "created_us": now_us, "actor": actor, "trace_id": trace_id,
        "session_id": session_id, "member": tract_id})  # one parameter used twice: PostgreSQL finds two types


def _json_list(values) -> str:
    return json.dumps(list(values)) if values else "[]"


@dataclass(slots=True)
class AuditRow:
    """An operation event with its audit columns."""
    event: EventRow
    tract_id: str
    actor: str | None
    session_id: str | None
    trace_id: str | None


def audit_events(tx: Txn, *, session_id: str | None = None, tract_id: str | None = None,
                 since_us: int | None = None, kind: str | None = None, exclude: tuple[str, ...] = (),
                 limit: int | None = None) -> list[AuditRow]:
    """Events of a session and/or a tract, newest first; `kind`: only that kind; `exclude`: not these."""
    q = select(E)
    if session_id is not None:
        q = q.where(E.c.session_id == session_id)
    if tract_id is not None:
        q = q.where(E.c.tract_id == tract_id)
    if since_us is not None:
        q = q.where(E.c.created_us >= since_us)
    if kind is not None:
        q = q.where(E.c.kind == kind)
    if exclude:
        q = q.where(E.c.kind.not_in(exclude))
    q = q.order_by(E.c.created_us.desc(), E.c.id.desc())
    if limit is not None:
        q = q.limit(limit)
    return [AuditRow(EventRow(r.id, r.kind, r.branch, r.params, r.sources, r.results, r.created_us),
                     r.tract_id, r.actor, r.session_id, r.trace_id) for r in tx.conn.execute(q)]


TRACT_TABLES = ("annotations", "content_types", "pending_compressions", "compile_records",
                "idempotency_keys", "compile_snapshots", "refs")


def delete_tracts(tx: Txn, tract_ids: list[str]) -> int:
    """Delete tracts with everything they hold; blobs no other tract uses go too. Returns commits."""
    removed = 0
    for tract_id in tract_ids:
        for name in TRACT_TABLES:
            t = s.metadata.tables[name]
            tx.conn.execute(delete(t).where(t.c.tract_id == tract_id))
        c = s.commits
        hashes = list(tx.conn.scalars(select(c.c.hash).where(c.c.tract_id == tract_id)))
        blobs = set(tx.conn.scalars(select(c.c.content_hash).where(c.c.tract_id == tract_id,
                                                                   c.c.content_hash.is_not(None))))
        for i in range(0, len(hashes), 500):
            tx.conn.execute(delete(s.commit_parents).where(s.commit_parents.c.child.in_(hashes[i:i + 500])))
        tx.conn.execute(delete(c).where(c.c.tract_id == tract_id))
        delete_unused_blobs(tx, blobs)
        tx.conn.execute(delete(s.tracts).where(s.tracts.c.id == tract_id))
        removed += len(hashes)
    return removed


def delete_session_events(tx: Txn, session_id: str, tract_ids: list[str]) -> None:
    tx.conn.execute(delete(E).where(E.c.session_id == session_id))
    if tract_ids:
        tx.conn.execute(delete(E).where(E.c.tract_id.in_(tract_ids)))
