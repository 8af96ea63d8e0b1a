"""Policies: rules a tract applies by itself after each commit or at compile time.

One policy of each kind per tract, stored with it (operations/policies.py applies them):
- auto_compress: compress the oldest turns when the compiled context passes a trigger.
- clear_tool_results: at compile time, old large tool results become a one-line stub.
- pin: new commits that match are PINNED (or IMPORTANT) as they are committed.
- budget: the token budget compile uses by default, and what is done when it is exceeded.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from tract_core.models.enums import Priority


class AutoCompress(BaseModel):
    """Compress the oldest unpinned turns down to `target_tokens` once the branch compiles to more
    than `trigger_tokens` (or `trigger_ratio` of a `window`)."""

    model_config = ConfigDict(extra="forbid")
    trigger_tokens: int | None = Field(None, gt=0)
    trigger_ratio: float | None = Field(None, gt=0, le=1)
    window: int | None = Field(None, gt=0)
    target_tokens: int = Field(gt=0)
    mode: Literal["collaborative", "autonomous"] = "collaborative"

    @model_validator(mode="after")
    def _trigger(self) -> AutoCompress:
        if (self.trigger_tokens is None) == (self.trigger_ratio is None):
            raise ValueError("give trigger_tokens, or trigger_ratio with window")
        if self.trigger_ratio is not None and self.window is None:
            raise ValueError("trigger_ratio needs window (the model's context size in tokens)")
        if self.target_tokens >= self.trigger:
            raise ValueError(f"target_tokens ({self.target_tokens}) must be below the trigger ({self.trigger})")
        return self

    @property
    def trigger(self) -> int:
        return self.trigger_tokens if self.trigger_tokens is not None else int(self.trigger_ratio * self.window)


class ClearToolResults(BaseModel):
    """At compile time, results of tool calls older than the last `keep_last` that cost at least
    `min_tokens` are replaced by a stub naming the tool, the size and the commit to `show`."""

    model_config = ConfigDict(extra="forbid")
    keep_last: int = Field(3, ge=0)
    min_tokens: int = Field(500, ge=0)
    exclude_tools: list[str] = Field(default_factory=list)


class Pin(BaseModel):
    """New commits matching every given field get `priority` as they are committed."""

    model_config = ConfigDict(extra="forbid")
    kind: str | None = None             # content type, e.g. "tool_io", "artifact"
    tool: str | None = None             # tool name of a tool call or result
    pattern: str | None = None          # regular expression searched in the commit's text
    role: str | None = None             # dialogue role, e.g. "user"
    priority: Literal["pinned", "important"] = "pinned"

    @model_validator(mode="after")
    def _something(self) -> Pin:
        if not any((self.kind, self.tool, self.pattern, self.role)):
            raise ValueError("a pin rule needs at least one of kind, tool, pattern, role")
        if self.pattern is not None:
            import re

            try:
                re.compile(self.pattern)
            except re.error as err:
                raise ValueError(f"pattern is not a regular expression: {err}") from None
        return self


class Budget(BaseModel):
    """The budget compile uses when none is given, and what happens past it: `drop_oldest` leaves
    out the oldest turns, `clear_tool_results` first clears old tool results, `compress` compresses
    the oldest turns (after a commit, as auto_compress would) to half the budget."""

    model_config = ConfigDict(extra="forbid")
    max_tokens: int = Field(gt=0)
    action: Literal["compress", "clear_tool_results", "drop_oldest"] = "drop_oldest"


POLICY_MODELS: dict[str, type[BaseModel]] = {
    "auto_compress": AutoCompress, "clear_tool_results": ClearToolResults, "pin": Pin, "budget": Budget}
PolicyKind = Literal["auto_compress", "clear_tool_results", "pin", "budget"]


class PolicyInfo(BaseModel):
    """A policy as set on a tract; for `pin`, the commits it pinned (newest first, at most 50)."""

    kind: PolicyKind
    options: dict
    pinned: list[str] = Field(default_factory=list)


PIN_REASON = "policy:pin"   # the reason of the annotations a pin rule makes
PRIORITY_OF = {"pinned": Priority.PINNED, "important": Priority.IMPORTANT}
