"""What compression hands back: a pending proposal to review, or the result of applying one."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field, PrivateAttr

from tract_core.errors import CompressionError

PendingStatus = Literal["pending", "approved", "rejected"]


class Fact(BaseModel):
    """A specific of a commit a summary should keep: `text` as written, `context` the sentence or
    line it came from, `kind` (rule, url, date, path, identifier, quantity, name, title, number) and
    `score`, how likely it is to matter (lists of facts come highest first)."""

    text: str
    kind: str = "name"
    context: str = ""
    commit: str | None = None
    score: float = 0.5

    def __str__(self) -> str:
        return self.text


class CompressResult(BaseModel):
    """A compression applied to a branch. `event_id` is what `undo_compression` takes."""

    event_id: str
    branch: str
    original_tokens: int
    compressed_tokens: int
    ratio: float                      # compressed / original (0.25 means four times smaller)
    source_hashes: list[str]          # the commits the range held; still in the store
    result_hashes: list[str]          # the summary commits and the verbatim (pinned) copies
    new_head: str
    pending_id: str | None = None
    # commits made after the range, re-applied on top: old hash -> new hash
    reapplied: dict[str, str] = Field(default_factory=dict)


class PendingCompression(BaseModel):
    """A compression proposed for review; nothing on the branch changes before `approve()`.

    `summaries[i]` replaces the commits `groups[i]` (PINNED commits between groups stay verbatim).
    A compression made with `deferred=True` has `summaries` of None and `prompts[i]`, the request a
    summary writer (the agent itself) answers; `approve(summaries=[…])` then supplies the text.
    """

    id: str
    branch: str
    status: PendingStatus = "pending"
    mode: str = "collaborative"
    source_hashes: list[str]
    groups: list[list[str]]
    kept: list[str] = Field(default_factory=list)
    summaries: list[str | None]
    prompts: list[str] = Field(default_factory=list)
    original_tokens: int
    summary_tokens: int
    lost_facts: list[Fact] = Field(default_factory=list)
    # must-keep facts of IMPORTANT commits that the summaries lack: approve() refuses them
    must_keep_lost: list[str] = Field(default_factory=list)
    base_head: str
    target_tokens: int | None = None
    instructions: str | None = None
    reason: str | None = None
    event_id: str | None = None
    created_at: datetime
    _tract: Any = PrivateAttr(default=None)

    @property
    def needs_summary(self) -> bool:
        return any(s is None for s in self.summaries)

    def _bound(self):
        if self._tract is None:
            raise CompressionError(
                "this PendingCompression is not attached to a Tract (it was rebuilt from data); call "
                f"tract.approve_compression({self.id!r}) or tract.reject_compression({self.id!r}) instead")
        return self._tract

    def edit_summary(self, i: int, text: str) -> PendingCompression:
        """Replace summary `i` (persisted); recomputes `summary_tokens` and `lost_facts`."""
        fresh = self._bound()._edit_compression_summary(self.id, i, text)
        for name in type(self).model_fields:
            setattr(self, name, getattr(fresh, name))
        return self

    def approve(self, summaries: list[str] | None = None, force: bool = False) -> CompressResult:
        return self._bound().approve_compression(self.id, summaries=summaries, force=force)

    def reject(self, reason: str | None = None) -> PendingCompression:
        return self._bound().reject_compression(self.id, reason)
