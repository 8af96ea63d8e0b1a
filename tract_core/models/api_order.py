"""The order the chat APIs want tool results in: right after the turns that made the call.

A history may hold other turns between a call and its result (the user typed, an instruction was
committed, or `order=` moved things). Both APIs refuse that: a tool result must answer a call of
the assistant turn just before it. Each result is moved to just after the run of turns its call is
merged into; a result whose call is not in the context is left out (compile never emits one).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tract_core.models.compiled import Message

DEFAULT_MARKER = "[Earlier turns of this conversation are not shown.]"


def results_after_calls(messages: Sequence[Message], joins: Callable[[Message], bool]) -> list[Message]:
    """`messages` with each tool result placed after the run of consecutive `joins` turns that holds
    its call (results of one run keep their own order)."""
    call_at = {c.id: i for i, m in enumerate(messages) for c in m.tool_calls}
    run_end = list(range(len(messages)))
    for i in range(len(messages) - 2, -1, -1):
        if joins(messages[i]) and joins(messages[i + 1]):
            run_end[i] = run_end[i + 1]
    after: dict[int, list[Message]] = {}
    for m in messages:
        if m.role == "tool" and m.tool_call_id in call_at:
            after.setdefault(run_end[call_at[m.tool_call_id]], []).append(m)
    out: list[Message] = []
    for i, m in enumerate(messages):
        if m.role != "tool":
            out.append(m)
        out.extend(after.get(i, ()))
    return out


def first_turn_index(messages: Sequence[Message]) -> int | None:
    """Where the first non-system turn is, or None."""
    return next((i for i, m in enumerate(messages) if m.role != "system"), None)
