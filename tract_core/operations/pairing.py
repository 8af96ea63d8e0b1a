"""Which tool result answers which call: by position, as the model saw them.

A result answers the nearest earlier unanswered call with its id; a call that reuses an id starts
a new pair (models do reuse ids within a conversation). A call no later result answers, and a
result with no earlier unanswered call of its id, are not sent. The same rule serves the compiler,
its incremental path, budgets and compression ranges.

The Anthropic API wants tool_use ids unique within a request, so a call whose id an earlier call
on the branch used gets a rendered id, `<id>_<first 8 hex of its commit>`: the same every compile,
whatever the budget; the stored content keeps its own id.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol


class ToolEntry(Protocol):
    position: str
    tool: tuple[str, str] | None


def rendered_id(call_id: str, position: str) -> str:
    return f"{call_id}_{position[:8]}"


def pair_by_position(entries: Sequence[ToolEntry]) -> tuple[dict[int, int], dict[int, str], dict[str, list[int]]]:
    """Over `entries` (the turns sent, in order): each answered call's and result's partner (index ->
    index, both ways), each call's rendered id, and the calls still open per id (oldest first)."""
    open_calls: dict[str, list[int]] = {}
    partner: dict[int, int] = {}
    ids: dict[int, str] = {}
    seen: set[str] = set()
    for i, e in enumerate(entries):
        if e.tool is None:
            continue
        direction, call_id = e.tool
        if direction == "call":
            ids[i] = rendered_id(call_id, e.position) if call_id in seen else call_id
            seen.add(call_id)
            open_calls.setdefault(call_id, []).append(i)
            continue
        stack = open_calls.get(call_id)
        if stack:
            call = stack.pop()
            partner[call], partner[i] = i, call
    return partner, ids, {k: v for k, v in open_calls.items() if v}
