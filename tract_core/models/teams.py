"""Values for teams of agents: sessions, tasks, approvals and audit events."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

SessionStatus = Literal["active", "completed", "abandoned"]
TaskStatus = Literal["pending", "claimed", "done", "failed", "cancelled"]
ApprovalStatus = Literal["pending", "approved", "rejected"]


class SessionInfo(BaseModel):
    id: str
    title: str | None = None
    status: SessionStatus
    created_at: datetime
    ended_at: datetime | None = None


class TaskInfo(BaseModel):
    """A unit of work posted to a session's queue; `attempts` counts claims (an expired lease
    returns the task to `pending`, and after `max_attempts` claims it is `failed`)."""

    id: str
    session_id: str
    title: str
    payload: Any = None
    to: str | None = None
    parent: str | None = None
    status: TaskStatus
    worker: str | None = None
    worker_tract: str | None = None
    lease_expires_at: datetime | None = None
    attempts: int = 0
    max_attempts: int
    result: Any = None
    error: str | None = None
    idempotency_key: str | None = None
    created_at: datetime


class Approval(BaseModel):
    """A change waiting for a decision: a compression or a collaborative collapse."""

    id: str
    kind: Literal["compression", "collapse"]
    tract: str
    session_id: str | None = None
    status: ApprovalStatus
    preview: dict[str, Any] = Field(default_factory=dict)
    requested_by: str | None = None
    created_at: datetime
    decided_by: str | None = None
    decided_at: datetime | None = None
    reason: str | None = None


class AuditEvent(BaseModel):
    """One operation event with who made it, where, and the trace id of the request."""

    id: str
    kind: str
    tract: str
    session_id: str | None = None
    actor: str | None = None
    trace_id: str | None = None
    branch: str | None = None
    parameters: dict[str, Any] = Field(default_factory=dict)
    created_at: datetime
