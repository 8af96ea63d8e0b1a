"""The audit trail: operation events, garbage collection results, reorder warnings."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field


class OperationEvent(BaseModel):
    """One operation (commit, branch move, compress, approve, reject, undo, merge, reset, gc, spawn,
    collapse, …) with the commits it read and made, who made it (`actor`), in which session, and the
    trace id of the request it served."""

    id: str
    kind: str
    branch: str | None
    sources: list[str]
    results: list[str]
    parameters: dict[str, Any] = Field(default_factory=dict)
    created_at: datetime
    actor: str | None = None
    session_id: str | None = None
    trace_id: str | None = None


class GCResult(BaseModel):
    commits_removed: int
    blobs_removed: int
    tokens_freed: int
    records_removed: int = 0
    duration_seconds: float
    event_id: str | None = None


class ReorderWarning(BaseModel):
    """A compile order that the model may misread; the order is still applied."""

    kind: Literal["edit_before_target", "result_before_call"]
    commit: str
    related: str
    detail: str
