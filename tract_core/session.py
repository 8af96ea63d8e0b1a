"""The `Session` facade: a team of agents' tracts, task queue, approvals and audit trail in one
store. A list of short delegations to operations/ (sessions, tasks, approvals, collapse)."""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timezone
from typing import Any

from tract_core import clock
from tract_core.errors import InvalidOperationError, SessionEndedError, SessionNotFoundError
from tract_core.models.teams import Approval, AuditEvent, SessionInfo, TaskInfo
from tract_core.operations import approvals as approvals_op
from tract_core.operations import audit as audit_op
from tract_core.operations import collapse as collapse_op
from tract_core.operations import retention
from tract_core.operations import tasks as tasks_op
from tract_core.operations.actors import acting_as, traced
from tract_core.operations.teams import link as parent_link
from tract_core.operations.inspect import MAX_LIMIT
from tract_core.storage import Store
from tract_core.storage import sessions as sessions_q
from tract_core.storage import tasks as tasks_q
from tract_core.storage.tasks import TaskRow
from tract_core.tract import Tract

END_STATUSES = ("completed", "abandoned")


def _time(us: int | None) -> datetime | None:
    return None if us is None else datetime.fromtimestamp(us / 1e6, tz=timezone.utc)


def _info(row) -> SessionInfo:
    return SessionInfo(id=row.session_id, title=row.title, status=row.status, created_at=_time(row.created_us),
                       ended_at=_time(row.ended_us))


class Session:
    """A team of agents working in one store.

    >>> s = Session.open(":memory:", title="demo")
    >>> s.status
    'active'
    """

    def __init__(self, store: Store, session_id: str, *, owns_store: bool = False, **tract_options: Any) -> None:
        self.store = store
        self.id = session_id
        self._owns_store = owns_store
        self._options = tract_options
        self._tracts: dict[str, Tract] = {}

    @classmethod
    def open(cls, path_or_url: str = ":memory:", session_id: str | None = None, *, title: str | None = None,
             **tract_options: Any) -> Session:
        """Open session `session_id` (resuming it) or start a new one; `tract_options` go to every
        tract the session opens (counter=, summarizer=, …)."""
        store = Store(path_or_url)
        try:
            session = cls.on(store, session_id, title=title, **tract_options)
        except BaseException:
            store.close()
            raise
        session._owns_store = True
        return session

    @classmethod
    def on(cls, store: Store, session_id: str | None = None, *, title: str | None = None,
           **tract_options: Any) -> Session:
        """The session `session_id` (created if new) in an open store, which stays the caller's."""
        if session_id is not None and (not isinstance(session_id, str) or not session_id.strip()
                                       or len(session_id) > 255 or "\x00" in session_id):
            raise InvalidOperationError("session_id must be a non-empty string of at most 255 characters")
        if title is not None and (not isinstance(title, str) or "\x00" in title):
            raise InvalidOperationError("title must be a text without NUL characters")
        with store.write() as tx:
            if session_id is None:
                session_id = uuid.uuid4().hex
            if sessions_q.get_session(tx, session_id) is None:
                sessions_q.create_session(tx, session_id, title, clock.now_us())
        return cls(store, session_id, **tract_options)

    @classmethod
    def list(cls, path_or_url: str, status: str | None = None) -> list[SessionInfo]:
        store = Store(path_or_url)
        try:
            with store.read() as tx:
                return [_info(r) for r in sessions_q.list_sessions(tx, status)]
        finally:
            store.close()

    @classmethod
    def gc(cls, path_or_url: str, retention_days: float | None = None) -> list[str]:
        """Delete sessions ended more than TRACT_SESSION_RETENTION_DAYS (7) ago; return their ids."""
        store = Store(path_or_url)
        try:
            return retention.purge_ended_sessions(store, retention_days)
        finally:
            store.close()

    def close(self) -> None:
        if self._owns_store:
            self.store.close()

    def __enter__(self) -> Session:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # --- the session itself ---
    def info(self) -> SessionInfo:
        with self.store.read() as tx:
            row = sessions_q.get_session(tx, self.id)
        if row is None:
            raise SessionNotFoundError(f"session {self.id!r} is gone (ended and garbage-collected)")
        return _info(row)

    @property
    def status(self) -> str:
        return self.info().status

    def end(self, status: str = "completed") -> SessionInfo:
        if status not in END_STATUSES:
            raise InvalidOperationError(f"a session ends as one of: {', '.join(END_STATUSES)}")
        with self.store.write() as tx:
            if not sessions_q.end_session(tx, self.id, status, clock.now_us()):
                raise SessionEndedError(f"session {self.id!r} has ended already")
        return self.info()

    def _active(self) -> None:
        if self.status != "active":
            raise SessionEndedError(f"session {self.id!r} has ended; open a new session for new work")

    # --- tracts ---
    def tract(self, name: str) -> Tract:
        """The session's tract `name` (created and made a member if needed)."""
        if name not in self._tracts:
            self._active()
            t = Tract(self.store, name, **self._options)
            with self.store.write() as tx:
                sessions_q.add_member(tx, self.id, name, clock.now_us())
            self._tracts[name] = t
        return self._tracts[name]

    def tracts(self) -> list[str]:
        with self.store.read() as tx:
            return sessions_q.members(tx, self.id)

    # --- tasks ---
    @traced
    def post_task(self, title: str, *, payload: Any = None, to: str | None = None, parent: str | Tract | None = None,
                  idempotency_key: str | None = None, max_attempts: int = tasks_op.MAX_ATTEMPTS) -> Task:
        self._active()
        parent_name = parent.tract_id if isinstance(parent, Tract) else parent
        if parent_name is not None:
            self.tract(parent_name)
        return Task(self, tasks_op.post(self.store, self.id, title, payload=payload, to=to, parent=parent_name,
                                        idempotency_key=idempotency_key, max_attempts=max_attempts))

    @traced
    def claim_task(self, worker: str, *, to: str | None = None, lease_seconds: float = 300) -> Task | None:
        """The oldest pending task (or one whose lease expired), claimed for `worker`; None if none."""
        with acting_as(worker):
            row = tasks_op.claim(self.store, self.id, worker, to=to, lease_seconds=lease_seconds)
        return Task(self, row, lease_seconds) if row else None

    def task(self, task_id: str) -> Task:
        with self.store.read() as tx:
            row = tasks_q.get_task(tx, self.id, task_id)
        if row is None:
            from tract_core.errors import TaskNotFoundError
            raise TaskNotFoundError(f"no task {task_id!r} in session {self.id}; tasks() lists them")
        return Task(self, row)

    def tasks(self, status: str | None = None) -> list[Task]:
        with self.store.read() as tx:
            return [Task(self, r) for r in tasks_q.list_tasks(tx, self.id, status)]

    # --- approvals ---
    def approvals(self, status: str | None = "pending") -> list[Approval]:
        with self.store.read() as tx:
            return approvals_op.list_approvals(tx, sessions_q.members(tx, self.id), self.id, status)

    @traced
    def approve(self, id: str, *, decided_by: str | None = None, summary: str | list[str] | None = None) -> Approval:
        return approvals_op.decide(self.store, self._repo, id, approve=True, tract_ids=self.tracts(),
                                   decided_by=decided_by, summary=summary)

    @traced
    def reject(self, id: str, *, decided_by: str | None = None, reason: str | None = None) -> Approval:
        return approvals_op.decide(self.store, self._repo, id, approve=False, tract_ids=self.tracts(),
                                   decided_by=decided_by, reason=reason)

    def _repo(self, tract_id: str):
        return self.tract(tract_id).repo

    # --- audit ---
    def audit(self, since: datetime | None = None, kind: str | None = None, tract: str | None = None,
              limit: int = 100) -> list[AuditEvent]:
        """The session's operation events, newest first; commits only with `kind="commit"` (or
        `kind="all"`: every event)."""
        if not isinstance(limit, int) or isinstance(limit, bool) or limit < 0:
            raise InvalidOperationError("limit must be a non-negative integer")
        if since is not None and (not isinstance(since, datetime) or since.tzinfo is None):
            raise InvalidOperationError("since must be a timezone-aware datetime")
        since_us = int(since.timestamp() * 1e6) if since else None
        with self.store.read() as tx:
            rows = audit_op.trail(tx, session_id=self.id, since_us=since_us, kind=kind, tract_id=tract,
                                  limit=min(limit, MAX_LIMIT))
        return [audit_op.audit_model(r) for r in rows]


class Task:
    """A task of a session's queue, as last read; the methods change it in the store."""

    def __init__(self, session: Session, row: TaskRow, lease_seconds: float = 300) -> None:
        self._session = session
        self._row = row
        self._lease = lease_seconds

    def __repr__(self) -> str:
        return f"Task({self.id[:12]}, {self.status!r}, {self.title!r})"

    @property
    def info(self) -> TaskInfo:
        r = self._row
        return TaskInfo(id=r.id, session_id=r.session_id, title=r.title,
                        payload=json.loads(r.payload) if r.payload else None, to=r.to_worker, parent=r.parent_tract,
                        status=r.status, worker=r.worker, worker_tract=self.tract_name,
                        lease_expires_at=_time(r.lease_until_us), attempts=r.attempts, max_attempts=r.max_attempts,
                        result=json.loads(r.result) if r.result else None, error=r.error,
                        idempotency_key=r.idempotency_key, created_at=_time(r.created_us))

    def __getattr__(self, name: str):
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self.info, name)

    @property
    def tract_name(self) -> str | None:
        return f"{self._row.parent_tract}/task-{self._row.id[:12]}" if self._row.parent_tract else None

    def tract(self) -> Tract:
        """The worker's own tract for this task, spawned from the task's parent tract on first use."""
        if self.tract_name is None:
            raise InvalidOperationError("this task has no parent tract to work from; post it with parent=")
        parent = self._session.tract(self._row.parent_tract)
        if self.tract_name not in parent.children():
            parent.spawn(self.tract_name, purpose=self._row.title)
        return self._session.tract(self.tract_name)

    @traced
    def heartbeat(self, lease_seconds: float | None = None) -> Task:
        self._row = tasks_op.heartbeat(self._session.store, self._row, lease_seconds or self._lease)
        return self

    @traced
    def complete(self, result: Any = None, *, collapse: bool = True) -> Task:
        """Mark the task done; with `collapse` and a parent tract, the parent gets one commit
        reporting it (the worker tract's collapse), in the same transaction."""
        also = self._collapse_writer(result) if collapse and self._row.parent_tract else None
        with acting_as(self._row.worker):
            self._row = tasks_op.finish(self._session.store, self._row, "done", result=result, also=also)
        return self

    @traced
    def fail(self, error: str) -> Task:
        with acting_as(self._row.worker):
            self._row = tasks_op.finish(self._session.store, self._row, "failed", error=error)
        return self

    @traced
    def cancel(self) -> Task:
        self._row = tasks_op.cancel(self._session.store, self._row.session_id, self._row.id)
        return self

    def _collapse_writer(self, result: Any):
        parent = self._session.tract(self._row.parent_tract)
        text = result if isinstance(result, str) else (json.dumps(result) if result is not None else None)
        linked = parent_link(self._session.store, self.tract_name) is not None
        if linked:
            child = self._session.tract(self.tract_name)
            plan = collapse_op.prepare(child.repo, None, text, "autonomous", None)
        else:
            plan = {"child": self.tract_name, "purpose": self._row.title, "child_head": None,
                    "text": text or "done", "commits": 0, "lost_facts": []}
        blob = collapse_op.report_blob(parent.repo, plan)

        def write(tx) -> str:
            if linked:
                return collapse_op.apply(tx, parent.repo, plan, blob)
            return collapse_op.append_in(tx, parent.repo, blob, f"report of task {self._row.id[:12]}",
                                         {"collapse": {"task": self._row.id}})
        return write
