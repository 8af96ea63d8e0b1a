"""Small closed vocabularies shared by every layer."""

from __future__ import annotations

from enum import Enum


class Priority(str, Enum):
    """How compile treats a commit: SKIP leaves it out, PINNED keeps it under any budget. IMPORTANT
    is kept by a budget for as long as NORMAL turns remain to drop, and may be compressed, but only
    by a summary that keeps its must-keep facts."""

    SKIP = "skip"
    NORMAL = "normal"
    IMPORTANT = "important"
    PINNED = "pinned"


class Operation(str, Enum):
    """What a commit does to the context: add a turn, replace an earlier one, or join branches."""

    APPEND = "append"
    EDIT = "edit"
    MERGE = "merge"


def parse_enum(enum: type[Enum], value, what: str):
    """Accept an enum member or its value (any case); raise a clear error otherwise."""
    from tract_core.errors import InvalidOperationError

    if isinstance(value, enum):
        return value
    if isinstance(value, str):
        exact = enum._value2member_map_.get(value)  # the usual spelling, at the cost of a dict lookup
        if exact is not None:
            return exact
        for member in enum:
            if value.lower() in (member.value, member.name.lower()):
                return member
    allowed = ", ".join(m.value for m in enum)
    raise InvalidOperationError(f"unknown {what} {value!r}; use one of: {allowed}")
