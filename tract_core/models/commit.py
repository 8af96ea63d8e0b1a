"""What a user reads back about commits, branches and the state of a tract."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from tract_core.models.enums import Operation, Priority


class CommitInfo(BaseModel):
    """One commit as the user sees it. `content` is None for a merge commit."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    hash: str
    tract_id: str
    parents: list[str]
    operation: Operation
    edit_target: str | None = None
    content: Any = None
    content_type: str | None = None
    content_hash: str | None = None
    token_count: int = 0
    message: str | None = None
    metadata: dict[str, Any] = Field(default_factory=dict)
    created_at: datetime
    priority: Priority = Priority.NORMAL
    warnings: list[str] = Field(default_factory=list, description="What the commit leaves wrong, "
                                "e.g. a tool result that answers no call (it is not sent).")

    @property
    def short(self) -> str:
        return self.hash[:10]


class BranchInfo(BaseModel):
    name: str
    head: str | None
    current: bool = False


class Status(BaseModel):
    tract_id: str
    branch: str | None
    detached: bool
    head: str | None
    commit_count: int
    token_count: int
    pending_compressions: int = 0


class EditedEntry(BaseModel):
    target: str
    before: str | None
    after: str | None


class DiffResult(BaseModel):
    """How the compiled context at `b` differs from the one at `a`."""

    a: str | None
    b: str | None
    added: list[str] = Field(default_factory=list)
    removed: list[str] = Field(default_factory=list)
    edited: list[EditedEntry] = Field(default_factory=list)
    token_delta: int = 0


class MergeConflict(BaseModel):
    """Why a merge needs a choice: both sides edited `target`, or one skipped what the other edited."""

    kind: Literal["edit_edit", "skip_edit"]
    target: str
    ours: list[str]
    theirs: list[str]
    detail: str


class MergeResult(BaseModel):
    kind: Literal["fast_forward", "merged", "conflict", "up_to_date"]
    head: str | None
    conflicts: list[MergeConflict] = Field(default_factory=list)
    merge_base: str | None = None
