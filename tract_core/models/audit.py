"""The audit trail: operation events, garbage collection results, reorder warnings."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field


class OperationEvent(BaseModel):
    """One compress, approve, reject, undo, merge, reset or gc, with the commits it read and made."""

    id: str
    kind: str
    branch: str | None
    sources: list[str]
    results: list[str]
    parameters: dict[str, Any] = Field(default_factory=dict)
    created_at: datetime


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
