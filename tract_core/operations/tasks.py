"""The task queue of a session: post (idempotent by key), claim under a lease, heartbeat, and
finish (done, failed, cancelled). Every transition is one compare-and-swap on the task's row,
fenced by the claim's attempt number, so a worker whose lease expired and was re-claimed cannot
finish the task a second time. Completing with a report writes the parent's collapse commit in the
same transaction as the state change."""

from __future__ import annotations

import json
import os
import uuid
from typing import Any

from tract_core import clock
from tract_core.errors import IdempotencyKeyError, InvalidOperationError, TaskError, TaskNotFoundError
from tract_core.operations.actors import current
from tract_core.operations.committing import check_text
from tract_core.storage import Store, Txn
from tract_core.storage import tasks as tasks_q
from tract_core.storage import now_us
from tract_core.storage.audit_log import add_event
from tract_core.storage.tasks import TaskRow

TTL_ENV = "TRACT_IDEMPOTENCY_TTL_SECONDS"
DEFAULT_TTL = 24 * 3600
MAX_ATTEMPTS = 3


def key_ttl_us() -> int:
    raw = os.environ.get(TTL_ENV)
    try:
        return int(float(raw) * 1e6) if raw else DEFAULT_TTL * 1_000_000
    except ValueError:
        raise InvalidOperationError(f"{TTL_ENV} must be a number of seconds, not {raw!r}") from None


def task_event(tx: Txn, row: TaskRow, kind: str, params: dict | None = None) -> None:
    """A task transition in the audit trail, under the task's parent tract (or the session)."""
    actor, trace_id = current()
    add_event(tx, uuid.uuid4().hex, row.parent_tract or f"session:{row.session_id}", kind,
              {"task": row.id, **(params or {})}, actor or row.worker, trace_id, row.session_id, now_us())


def post(store: Store, session_id: str, title: str, *, payload: Any = None, to: str | None = None,
         parent: str | None = None, idempotency_key: str | None = None,
         max_attempts: int = MAX_ATTEMPTS) -> TaskRow:
    if not isinstance(title, str) or not title.strip():
        raise InvalidOperationError("a task needs a title (a non-empty text)")
    for value, what in ((title, "title"), (to, "to"), (parent, "parent")):
        check_text(value, what)
    if idempotency_key is not None and (not isinstance(idempotency_key, str) or not idempotency_key.strip()
                                        or len(idempotency_key) > 255 or "\x00" in idempotency_key):
        raise IdempotencyKeyError("idempotency_key must be a non-empty string of at most 255 characters")
    if not isinstance(max_attempts, int) or max_attempts < 1:
        raise InvalidOperationError("max_attempts must be a positive integer")
    try:
        body = json.dumps(payload, sort_keys=True) if payload is not None else None
    except (TypeError, ValueError) as err:
        raise InvalidOperationError(f"payload must be JSON (dicts, lists, strings, numbers): {err}") from None
    now = clock.now_us()
    row = TaskRow(session_id, uuid.uuid4().hex, title.strip(), body, to, parent, "pending", None, None, None,
                  0, max_attempts, None, None, idempotency_key, now, now)
    with store.write() as tx:
        if idempotency_key is not None:
            tasks_q.forget_keys(tx, session_id, now - key_ttl_us())
            first = tasks_q.by_key(tx, session_id, idempotency_key)
            if first is not None:
                return first
        if not tasks_q.insert_task(tx, row):  # a concurrent post with the same key won
            return tasks_q.by_key(tx, session_id, idempotency_key)
        task_event(tx, row, "task_posted", {"title": row.title})
    return row


def claim(store: Store, session_id: str, worker: str, *, to: str | None = None,
          lease_seconds: float = 300) -> TaskRow | None:
    if not isinstance(worker, str) or not worker.strip() or len(worker) > 255:
        raise InvalidOperationError("worker must name the claimer (a non-empty string of at most 255 characters)")
    check_text(worker, "worker")
    if isinstance(lease_seconds, bool) or not isinstance(lease_seconds, (int, float)) or lease_seconds <= 0:
        raise InvalidOperationError("lease_seconds must be a positive number")
    with store.write() as tx:
        while True:
            now = clock.now_us()
            row = tasks_q.next_claimable(tx, session_id, to, now)
            if row is None:
                return None
            if row.status == "claimed" and row.attempts >= row.max_attempts:
                error = f"lease expired {row.attempts} times (last worker {row.worker})"
                tasks_q.set_state(tx, session_id, row.id, expect_status="claimed", status="failed",
                                  error=error, updated_us=now)
                row.status, row.error = "failed", error
                task_event(tx, row, "task_failed", {"error": error})
                continue
            expired = row.status == "claimed"
            lease = now + int(lease_seconds * 1e6)
            tasks_q.set_state(tx, session_id, row.id, expect_status=row.status, worker=worker,
                              status="claimed", attempts=row.attempts + 1, lease_until_us=lease, updated_us=now)
            previous = row.worker
            row.status, row.worker, row.attempts, row.lease_until_us = "claimed", worker, row.attempts + 1, lease
            task_event(tx, row, "task_claimed", {"attempt": row.attempts, "expired_from": previous if expired else None})
            return row


def _mine(tx: Txn, row: TaskRow) -> TaskRow:
    now = clock.now_us()
    fresh = tasks_q.get_task(tx, row.session_id, row.id)
    if fresh is None:
        raise TaskNotFoundError(f"no task {row.id} in session {row.session_id}")
    if fresh.status != "claimed" or fresh.worker != row.worker or fresh.attempts != row.attempts:
        raise TaskError(f"task {row.id[:12]} is no longer held by {row.worker} (it is {fresh.status}"
                        f"{', claimed by ' + fresh.worker if fresh.status == 'claimed' else ''}); "
                        "its lease expired or it was cancelled, so drop this work")
    if fresh.lease_until_us is not None and fresh.lease_until_us < now:
        raise TaskError(f"task {row.id[:12]}'s lease expired; claim a task again")
    return fresh


def heartbeat(store: Store, row: TaskRow, lease_seconds: float = 300) -> TaskRow:
    with store.write() as tx:
        fresh = _mine(tx, row)
        fresh.lease_until_us = clock.now_us() + int(lease_seconds * 1e6)
        tasks_q.set_state(tx, row.session_id, row.id, expect_status="claimed", expect_worker=row.worker,
                          expect_attempts=row.attempts, lease_until_us=fresh.lease_until_us)
        return fresh


def finish(store: Store, row: TaskRow, status: str, *, result: Any = None, error: str | None = None,
           also=None) -> TaskRow:
    """Move a held task to `status` (done or failed); `also(tx)` writes with it (a collapse)."""
    check_text(error, "error")
    try:
        body = json.dumps(result, sort_keys=True) if result is not None else None
    except (TypeError, ValueError) as err:
        raise InvalidOperationError(f"result must be JSON: {err}") from None
    with store.write() as tx:
        fresh = _mine(tx, row)
        extra = also(tx) if also is not None else None
        if not tasks_q.set_state(tx, row.session_id, row.id, expect_status="claimed", expect_worker=row.worker,
                                 expect_attempts=row.attempts, status=status, result=body, error=error,
                                 updated_us=clock.now_us()):
            raise TaskError(f"task {row.id[:12]} changed meanwhile; nothing was written")
        fresh.status, fresh.result, fresh.error = status, body, error
        task_event(tx, fresh, f"task_{status}", {"collapse": extra} if extra else None)
        return fresh


def cancel(store: Store, session_id: str, task_id: str) -> TaskRow:
    with store.write() as tx:
        fresh = tasks_q.get_task(tx, session_id, task_id)
        if fresh is None:
            raise TaskNotFoundError(f"no task {task_id} in session {session_id}")
        if not tasks_q.set_state(tx, session_id, task_id, expect_status=("pending", "claimed"),
                                 status="cancelled", updated_us=clock.now_us()):
            raise TaskError(f"task {task_id[:12]} is {fresh.status}; only pending or claimed tasks can be cancelled")
        fresh.status = "cancelled"
        task_event(tx, fresh, "task_cancelled")
        return fresh
