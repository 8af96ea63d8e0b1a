"""Reading the audit trail: operation events as the user sees them."""

from __future__ import annotations

import json
from datetime import datetime, timezone

from tract_core.errors import EventNotFoundError, InvalidOperationError
from tract_core.models.audit import OperationEvent
from tract_core.operations.inspect import MAX_LIMIT
from tract_core.operations.refs import expand_id
from tract_core.operations.repo import Repo
from tract_core.storage import EventRow


def event_model(row: EventRow) -> OperationEvent:
    return OperationEvent(id=row.id, kind=row.kind, branch=row.branch, sources=json.loads(row.sources),
                          results=json.loads(row.results), parameters=json.loads(row.params),
                          created_at=datetime.fromtimestamp(row.created_us / 1e6, tz=timezone.utc))


def operations(repo: Repo, limit: int | None = None, kind: str | None = None, *,
               before: str | None = None) -> list[OperationEvent]:
    """Events newest first; `before` (an event id or prefix): only the events older than it."""
    if limit is not None and (not isinstance(limit, int) or limit < 0):
        raise InvalidOperationError("limit must be a non-negative integer")
    if limit is not None and limit > MAX_LIMIT:
        limit = None  # more than any trail holds, and more than the database's integers
    with repo.store.read() as tx:
        if before is None:
            return [event_model(r) for r in tx.events(repo.tract_id, limit, kind)]
        full = expand_id(tx, repo.tract_id, "event", before)
        rows = tx.events(repo.tract_id, None, kind)
        at = next((i for i, r in enumerate(rows) if r.id == full), None)
        if at is None:
            raise EventNotFoundError(f"no operation event {before!r}; operations() lists them")
        rows = rows[at + 1:]
        return [event_model(r) for r in (rows if limit is None else rows[:limit])]
