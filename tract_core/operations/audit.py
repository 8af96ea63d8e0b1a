"""Reading the audit trail: operation events as the user sees them.

Every operation writes an event (operations/events.py); the readers leave commit events out unless
asked (`kind="commit"`, or `kind="all"` for everything): `log()` already lists commits, and an agent
reading its trail wants the operations between them."""

from __future__ import annotations

import json
from datetime import datetime, timezone

from tract_core.errors import EventNotFoundError, InvalidOperationError
from tract_core.models.audit import OperationEvent
from tract_core.models.teams import AuditEvent
from tract_core.operations.inspect import MAX_LIMIT
from tract_core.operations.refs import expand_id
from tract_core.operations.repo import Repo
from tract_core.storage import EventRow, Txn
from tract_core.storage.audit_log import AuditRow, audit_events

ALL = "all"
QUIET = ("commit",)  # kinds the readers leave out unless asked by name


def _time(us: int) -> datetime:
    return datetime.fromtimestamp(us / 1e6, tz=timezone.utc)


def event_model(row: EventRow, audit: AuditRow | None = None) -> OperationEvent:
    who = {"actor": audit.actor, "session_id": audit.session_id, "trace_id": audit.trace_id} if audit else {}
    return OperationEvent(id=row.id, kind=row.kind, branch=row.branch, sources=json.loads(row.sources),
                          results=json.loads(row.results), parameters=json.loads(row.params),
                          created_at=_time(row.created_us), **who)


def audit_model(a: AuditRow) -> AuditEvent:
    e = a.event
    return AuditEvent(id=e.id, kind=e.kind, tract=a.tract_id, session_id=a.session_id, actor=a.actor,
                      trace_id=a.trace_id, branch=e.branch, parameters=json.loads(e.params), created_at=_time(e.created_us))


def _kinds(kind: str | None) -> tuple[str | None, tuple[str, ...]]:
    """(the kind to select, the kinds to leave out) for a reader's `kind=`."""
    if kind is not None and not isinstance(kind, str):
        raise InvalidOperationError("kind must be an event kind (e.g. 'merge', 'commit') or 'all'")
    if kind == ALL:
        return None, ()
    return kind, (() if kind else QUIET)


def trail(tx: Txn, *, session_id: str | None = None, tract_id: str | None = None, since_us: int | None = None,
          kind: str | None = None, limit: int | None = None) -> list[AuditRow]:
    only, exclude = _kinds(kind)
    return audit_events(tx, session_id=session_id, tract_id=tract_id, since_us=since_us, kind=only,
                        exclude=exclude, limit=limit)


def operations(repo: Repo, limit: int | None = None, kind: str | None = None, *,
               before: str | None = None) -> list[OperationEvent]:
    """Events newest first; `before` (an event id or prefix): only the events older than it."""
    if limit is not None and (not isinstance(limit, int) or limit < 0):
        raise InvalidOperationError("limit must be a non-negative integer")
    if limit is not None and limit > MAX_LIMIT:
        limit = None  # more than any trail holds, and more than the database's integers
    with repo.store.read() as tx:
        if before is None:
            return [event_model(r.event, r) for r in trail(tx, tract_id=repo.tract_id, kind=kind, limit=limit)]
        full = expand_id(tx, repo.tract_id, "event", before)
        rows = trail(tx, tract_id=repo.tract_id, kind=kind)
        at = next((i for i, r in enumerate(rows) if r.event.id == full), None)
        if at is None:
            raise EventNotFoundError(f"no operation event {before!r}; operations() lists them")
        rows = rows[at + 1:]
        return [event_model(r.event, r) for r in (rows if limit is None else rows[:limit])]
