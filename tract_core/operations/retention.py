"""Retention: sessions ended longer ago than TRACT_SESSION_RETENTION_DAYS (default 7) are deleted
with their tracts, spawn links, tasks, approvals and audit events. Active sessions never are. Task
idempotency keys older than their TTL (TRACT_IDEMPOTENCY_TTL_SECONDS, 24 h) are forgotten."""

from __future__ import annotations

import os

from tract_core import clock
from tract_core.errors import InvalidOperationError
from tract_core.operations.tasks import key_ttl_us
from tract_core.storage import Store
from tract_core.storage import approvals as approvals_q
from tract_core.storage import audit_log
from tract_core.storage import sessions as sessions_q
from tract_core.storage import tasks as tasks_q

ENV = "TRACT_SESSION_RETENTION_DAYS"
DAY_US = 86_400 * 1_000_000


def retention_days() -> float:
    raw = os.environ.get(ENV, "7")
    try:
        days = float(raw)
    except ValueError:
        days = -1
    if not 0 <= days <= 100_000:
        raise InvalidOperationError(f"{ENV} must be a number of days, not {raw!r}")
    return days


def purge_ended_sessions(store: Store, days: float | None = None) -> list[str]:
    """Delete sessions ended more than `days` ago (default: the environment's); return their ids."""
    days = retention_days() if days is None else days
    cut = clock.now_us() - int(days * DAY_US)
    with store.write() as tx:
        tasks_q.forget_keys(tx, None, clock.now_us() - key_ttl_us())
        gone = sessions_q.ended_before(tx, cut)
        for session_id in gone:
            tracts = sessions_q.members(tx, session_id)
            audit_log.delete_tracts(tx, tracts)
            if tracts:
                sessions_q.delete_links(tx, tracts)
                approvals_q.delete_for_tracts(tx, tracts)
            tasks_q.delete_tasks(tx, session_id)
            audit_log.delete_session_events(tx, session_id, tracts)
            sessions_q.delete_session(tx, session_id)
    return gone
