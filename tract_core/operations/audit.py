"""Reading the audit trail: operation events as the user sees them."""

from __future__ import annotations

import json
from datetime import datetime, timezone

from tract_core.errors import InvalidOperationError
from tract_core.models.audit import OperationEvent
from tract_core.operations.inspect import MAX_LIMIT
from tract_core.operations.repo import Repo
from tract_core.storage import EventRow


def event_model(row: EventRow) -> OperationEvent:
    return OperationEvent(id=row.id, kind=row.kind, branch=row.branch, sources=json.loads(row.sources),
                          results=json.loads(row.results), parameters=json.loads(row.params),
                          created_at=datetime.fromtimestamp(row.created_us / 1e6, tz=timezone.utc))


def operations(repo: Repo, limit: int | None = None, kind: str | None = None) -> list[OperationEvent]:
    """Events newest first."""
    if limit is not None and (not isinstance(limit, int) or limit < 0):
        raise InvalidOperationError("limit must be a non-negative integer")
    if limit is not None and limit > MAX_LIMIT:
        limit = None  # more than any trail holds, and more than the database's integers
    with repo.store.read() as tx:
        return [event_model(r) for r in tx.events(repo.tract_id, limit, kind)]
