"""From a compile state to the messages sent: priorities, tool pairing, the token budget."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from tract_core.errors import BudgetError
from tract_core.models.compiled import CompiledContext, Message
from tract_core.models.enums import Priority
from tract_core.operations.compile_state import CompileState, Entry

PriorityOf = Callable[[Entry], Priority]


@dataclass(slots=True)
class Assembled:
    """A compiled context plus what the incremental path needs to extend it by one commit."""

    head: str
    messages: list[Message]
    hashes: list[str]
    tokens: int
    dropped: list[str]
    held: list[Entry] = field(default_factory=list)   # tool calls still waiting for a result
    held_at_tail: bool = True                          # nothing was emitted after the held calls
    annotation_id: int = 0
    # every call id seen; shared with outputs extended from this one, so it may over-report,
    # which only sends the incremental path to a full pass
    call_ids: set[str] = field(default_factory=set)

    def context(self) -> CompiledContext:
        return CompiledContext.model_construct(
            messages=list(self.messages), token_count=self.tokens, commit_hashes=list(self.hashes),
            head=self.head, dropped=list(self.dropped), record_id=None)


def _pair(entries: list[Entry]) -> tuple[set[int], set[int]]:
    """Indexes of tool entries that have their partner (kept), and of those that do not."""
    calls: dict[str, int] = {}
    results: dict[str, int] = {}
    for i, e in enumerate(entries):
        if e.tool is None:
            continue
        direction, call_id = e.tool
        if direction == "call":
            calls.setdefault(call_id, i)
        elif call_id in calls:
            results.setdefault(call_id, i)
    paired = {i for cid, i in calls.items() if cid in results} | set(results.values())
    orphans = {i for i, e in enumerate(entries) if e.tool is not None and i not in paired}
    return paired, orphans


def assemble(state: CompileState, priority_of: PriorityOf, budget: int | None = None,
             annotation_id: int = 0) -> Assembled:
    live = [e for e in state.entries if priority_of(e) is not Priority.SKIP]
    _, orphans = _pair(live)
    dropped = [live[i].shown for i in sorted(orphans)]
    kept = [e for i, e in enumerate(live) if i not in orphans]
    held_at = [i for i in sorted(orphans) if live[i].tool[0] == "call"]
    last_kept = max((i for i in range(len(live)) if i not in orphans), default=-1)
    tail = not held_at or held_at[0] > last_kept
    call_ids = {e.tool[1] for e in live if e.tool is not None}
    if budget is not None:
        kept, over = _fit_budget(kept, priority_of, budget)
        dropped.extend(e.shown for e in over)
    return Assembled(state.head, [e.message for e in kept], [e.shown for e in kept],
                     sum(e.tokens for e in kept), dropped, [live[i] for i in held_at], tail,
                     annotation_id, call_ids)


def _fit_budget(kept: list[Entry], priority_of: PriorityOf, budget: int) -> tuple[list[Entry], list[Entry]]:
    """Drop the oldest NORMAL units until the rest fits; a tool call and its result are one unit."""
    units: list[list[int]] = []
    unit_of_call: dict[str, list[int]] = {}
    for i, e in enumerate(kept):
        if e.tool is not None and e.tool[0] == "result" and e.tool[1] in unit_of_call:
            unit_of_call.pop(e.tool[1]).append(i)
            continue
        unit = [i]
        units.append(unit)
        if e.tool is not None and e.tool[0] == "call":
            unit_of_call[e.tool[1]] = unit
    pinned = [any(priority_of(kept[i]) is Priority.PINNED for i in u) for u in units]
    pinned_tokens = sum(kept[i].tokens for u, p in zip(units, pinned) if p for i in u)
    if pinned_tokens > budget:
        raise BudgetError(f"the pinned commits alone need {pinned_tokens} tokens, over the budget of "
                          f"{budget}; raise the budget or unpin some commits")
    total = sum(e.tokens for e in kept)
    drop: set[int] = set()
    important = [any(priority_of(kept[i]) is Priority.IMPORTANT for i in u) for u in units]
    for last_resort in (False, True):   # IMPORTANT units go only once no NORMAL one is left
        for u, p, imp in zip(units, pinned, important):
            if total <= budget:
                break
            if not p and imp is last_resort:
                drop.update(u)
                total -= sum(kept[i].tokens for i in u)
    return ([e for i, e in enumerate(kept) if i not in drop], [kept[i] for i in sorted(drop)])


def extend_assembled(prev: Assembled, state: CompileState, priority: Priority) -> Assembled | None:
    """The output after one APPEND, from the previous output; None when only a full pass is right."""
    new = state.entries[-1]
    out = Assembled(state.head, prev.messages, prev.hashes, prev.tokens, prev.dropped, prev.held,
                    prev.held_at_tail, prev.annotation_id, prev.call_ids)
    if priority is Priority.SKIP:
        return out
    if new.tool is None:
        out.messages = prev.messages + [new.message]
        out.hashes = prev.hashes + [new.shown]
        out.tokens = prev.tokens + new.tokens
        out.held_at_tail = not prev.held
        return out
    direction, call_id = new.tool
    if direction == "call":
        if call_id in prev.call_ids:
            return None  # a repeated call id: pairing needs the whole history
        prev.call_ids.add(call_id)
        out.held = prev.held + [new]
        out.dropped = prev.dropped + [new.shown]
        return out
    held = [h for h in prev.held if h.tool[1] == call_id]
    if not held:
        if call_id in prev.call_ids:
            return None
        out.dropped = prev.dropped + [new.shown]  # a result with no call is never sent
        return out
    if len(prev.held) == 1 and prev.held_at_tail:
        call = held[0]
        out.messages = prev.messages + [call.message, new.message]
        out.hashes = prev.hashes + [call.shown, new.shown]
        out.tokens = prev.tokens + call.tokens + new.tokens
        out.dropped = [d for d in prev.dropped if d != call.shown]
        out.held = []
        out.held_at_tail = True
        return out
    return None
