"""From a compile state to the messages sent: priorities, tool pairing, the token budget."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import NamedTuple

from tract_core.errors import BudgetError
from tract_core.models.api_order import DEFAULT_MARKER, first_turn_index
from tract_core.models.compiled import CompiledContext, DroppedCommit, Message, Omission, ToolCall
from tract_core.models.enums import Priority
from tract_core.models.prefix import Prefix
from tract_core.models.request import MergeState, openai_merges
from tract_core.operations.compile_state import CompileState, Entry, gc_paused
from tract_core.operations.pairing import pair_by_position, rendered_id

PriorityOf = Callable[[Entry], Priority]
Count = Callable[[str], int]


class Dropped(NamedTuple):
    at: int                 # index in the state's entries
    tokens: int
    entry: DroppedCommit    # what compile reports


Held = tuple[int, Entry, str]                  # (index in the state, call, its rendered id)


class Seen:
    """The first `n` ids of a dict shared with the sets extended from it (id -> its index): a set
    that grows by one id in O(1) however many calls the branch holds (see models/prefix.py)."""

    __slots__ = ("order", "n")

    def __init__(self, order: dict[str, int] | None = None, n: int | None = None) -> None:
        self.order = {} if order is None else order
        self.n = len(self.order) if n is None else n

    def __contains__(self, key: str) -> bool:
        return self.order.get(key, self.n) < self.n

    def plus(self, key: str) -> Seen:
        if key in self:
            return self
        order = self.order if len(self.order) == self.n else {k: i for k, i in self.order.items() if i < self.n}
        order[key] = self.n
        return Seen(order, self.n + 1)


@dataclass(slots=True)
class Assembled:
    """A compiled context plus what the incremental path needs to extend it by one commit. The
    sequences are `Prefix`es: an extension appends to the lists they share, never copies them."""

    head: str
    messages: Prefix[Message]
    hashes: Prefix[str]
    slots: Prefix[int]                # each message's index in the state's entries (ascending)
    tokens: int                       # of the messages, without the omission marker
    # the commits left out for good (skip, result without a call, budget), in state order, and the
    # same as compile reports them; an open call's drop is in `held` until its result comes
    dropped: Prefix[Dropped]
    dropped_shown: Prefix[DroppedCommit]
    count: Count | None = None        # prices the omission marker
    held: dict[str, tuple[Held, ...]] = field(default_factory=dict)  # open calls per id, oldest first
    call_ids: Seen = field(default_factory=Seen)   # ids of every call sent or held so far
    renamed: dict[str, str] = field(default_factory=dict)
    annotation_id: int = 0
    merges: MergeState | None = None  # openai_merges of `messages`, once counted

    def moved_to(self, head: str) -> Assembled:
        """A copy of this output at `head`, sharing its sequences (`dataclasses.replace` took a
        quarter of an extension: it looks the fields up each time)."""
        return Assembled(head, self.messages, self.hashes, self.slots, self.tokens, self.dropped,
                         self.dropped_shown, self.count, self.held, self.call_ids, self.renamed,
                         self.annotation_id, self.merges)

    def all_dropped(self) -> Sequence[Dropped]:
        """Every commit left out, in state order: the open calls' too."""
        if not self.held:
            return self.dropped
        calls = [_dropped(at, e, "unanswered_call") for stack in self.held.values() for at, e, _ in stack]
        return sorted([*self.dropped, *calls], key=_index)

    def drop(self, d: Dropped) -> None:
        """Leave out one more commit, newer than any left out so far."""
        self.dropped = self.dropped.plus(d)
        self.dropped_shown = self.dropped_shown.plus(d.entry)

    def omission(self) -> Omission | None:
        """The marker turn when the first turn sent is not the user's, counting what came before."""
        i = first_turn_index(self.messages)
        if i is None or self.messages[i].role == "user":
            return None
        before = [d for d in self.all_dropped() if d.at < self.slots[i]]
        tokens = sum(d.tokens for d in before)
        text = (f"[{len(before)} earlier turn{'s' if len(before) != 1 else ''} ({tokens} tokens) "
                "left out of this context.]" if before else DEFAULT_MARKER)
        return Omission(turns=len(before), tokens=tokens, text=text)

    @property
    def total_tokens(self) -> int:
        """The messages' tokens plus the omission marker's, when there is one."""
        marker = self.omission()
        return self.tokens + (self.count(marker.text) if marker is not None and self.count else 0)

    def merge_count(self) -> MergeState:
        if self.merges is None:
            self.merges = openai_merges(self.messages)
        return self.merges

    def context(self, extra_tokens: int = 0, tools: list | None = None, settings=None) -> CompiledContext:
        """The context compile returns: it shares this output's lists (nothing is copied)."""
        marker = self.omission()
        extra = self.count(marker.text) if marker is not None and self.count else 0
        dropped = self.dropped_shown if not self.held else [d.entry for d in self.all_dropped()]
        # every field given: model_construct would inspect each default_factory (most of its cost)
        return CompiledContext.model_construct(
            messages=self.messages, token_count=self.tokens + extra + extra_tokens, commit_hashes=self.hashes,
            tools=tools if tools is not None else [], settings=settings, head=self.head, dropped=dropped,
            record_id=None, cleared=[], renamed_call_ids=dict(self.renamed), omitted=marker)


def _dropped(at: int, e: Entry, reason: str) -> Dropped:
    return Dropped(at, e.tokens, DroppedCommit(commit=e.shown, reason=reason))


def _index(d: Dropped) -> int:
    return d.at


def _call_message(e: Entry, rid: str) -> Message:
    if e.tool[1] == rid:
        return e.message
    return e.message.model_copy(update={"tool_calls": [
        ToolCall(id=rid, name=c.name, arguments=c.arguments) for c in e.message.tool_calls]})


def _result_message(e: Entry, rid: str) -> Message:
    return e.message if e.tool[1] == rid else e.message.model_copy(update={"tool_call_id": rid})


def assemble(state: CompileState, priority_of: PriorityOf, budget: int | None = None,
             annotation_id: int = 0, count: Count | None = None) -> Assembled:
    with gc_paused():  # the pairing makes a small container per call: no collector passes over the state
        out = _assemble(state, priority_of, annotation_id, count)
    return out if budget is None else _fit_budget(out, state, priority_of, budget)


def _assemble(state: CompileState, priority_of: PriorityOf, annotation_id: int, count: Count | None) -> Assembled:
    entries = state.entries.items  # the first len(state.entries) are this state's
    dropped: list[Dropped] = []
    live: list[int] = []
    for i, e in enumerate(state.entries):
        if priority_of(e) is Priority.SKIP:
            dropped.append(_dropped(i, e, "skip"))
        else:
            live.append(i)
    partner, ids, open_calls = pair_by_position([entries[i] for i in live])
    kept: list[int] = []
    messages: list[Message] = []
    renamed: dict[str, str] = {}
    for j, i in enumerate(live):
        e = entries[i]
        if e.tool is None:
            kept.append(i)
            messages.append(e.message)
        elif j in partner:
            rid = ids[j] if e.tool[0] == "call" else ids[partner[j]]
            kept.append(i)
            messages.append(_call_message(e, rid) if e.tool[0] == "call" else _result_message(e, rid))
            if rid != e.tool[1]:
                renamed[rid] = e.tool[1]
        elif e.tool[0] == "result":  # an unanswered call is held (see Assembled.all_dropped)
            dropped.append(_dropped(i, e, "result_without_call"))
    dropped.sort(key=_index)
    held = {cid: tuple((live[j], entries[live[j]], ids[j]) for j in stack)
            for cid, stack in open_calls.items()}
    call_ids = Seen({})
    for j in ids:
        call_ids = call_ids.plus(entries[live[j]].tool[1])
    return Assembled(state.head, Prefix(messages), Prefix([entries[i].shown for i in kept]), Prefix(kept),
                     sum(entries[i].tokens for i in kept), Prefix(dropped), Prefix([d.entry for d in dropped]),
                     count, held, call_ids, renamed, annotation_id)


def _units(out: Assembled) -> list[list[int]]:
    """Positions in `out.messages` grouped so a tool call and its result are one unit."""
    units: list[list[int]] = []
    open_unit: dict[str, list[int]] = {}
    for k, m in enumerate(out.messages):
        if m.role == "tool" and m.tool_call_id in open_unit:
            open_unit.pop(m.tool_call_id).append(k)
            continue
        unit = [k]
        units.append(unit)
        for c in m.tool_calls:
            open_unit[c.id] = unit
    return units


def _fit_budget(out: Assembled, state: CompileState, priority_of: PriorityOf, budget: int) -> Assembled:
    """Keep the newest units that fit, newest first (a tool call and its result are one unit; a
    unit that does not fit is left out and older, smaller ones may still be kept), PINNED ones
    always, IMPORTANT ones before any NORMAL one, and room for the omission marker when the
    context then starts with the assistant."""
    if out.total_tokens <= budget:
        return out
    entries = state.entries.items
    units = _units(out)
    tokens_of = [entries[s].tokens for s in out.slots]
    pinned = [any(priority_of(entries[out.slots[k]]) is Priority.PINNED for k in u) for u in units]
    pinned_tokens = sum(tokens_of[k] for u, p in zip(units, pinned) if p for k in u)
    if pinned_tokens > budget:
        raise BudgetError(f"the pinned commits alone need {pinned_tokens} tokens, over the budget of "
                          f"{budget}; raise the budget or unpin some commits")

    important = [any(priority_of(entries[out.slots[k]]) is Priority.IMPORTANT for k in u) for u in units]

    def newest_that_fit(room: int) -> set[int]:
        drop: set[int] = set()
        for first in (True, False):   # IMPORTANT units take their room before any NORMAL one
            for u, p, imp in zip(reversed(units), reversed(pinned), reversed(important)):
                if p or imp is not first:
                    continue
                cost = sum(tokens_of[k] for k in u)
                if cost <= room:
                    room -= cost
                else:
                    drop.update(u)
        return drop

    reserve = 0
    for _ in range(4):  # the marker's own size depends on what is left out: settle it
        drop = newest_that_fit(budget - pinned_tokens - reserve)
        fitted = _without(out, drop, out.tokens - sum(tokens_of[k] for k in drop), tokens_of)
        if fitted.total_tokens <= budget:
            break
        reserve = max(reserve + 1, fitted.total_tokens - fitted.tokens)
    if fitted.total_tokens > budget:
        raise BudgetError(f"the pinned commits and the note on the turns left out need "
                          f"{fitted.total_tokens} tokens, over the budget of {budget}; raise the budget")
    if first_turn_index(out.messages) is not None and first_turn_index(fitted.messages) is None:
        but_last = {k for u, p in zip(units[:-1], pinned) if not p for k in u}
        need = _without(out, but_last, out.tokens - sum(tokens_of[k] for k in but_last), tokens_of).total_tokens
        raise BudgetError(f"only the system prompt fits in a budget of {budget} tokens (with the latest "
                          f"turn it needs at least {need}); raise the budget")
    return fitted


def _without(out: Assembled, drop: set[int], total: int, tokens_of: list[int]) -> Assembled:
    keep = [k for k in range(len(out.messages)) if k not in drop]
    gone = [Dropped(out.slots[k], tokens_of[k], DroppedCommit(commit=out.hashes[k], reason="budget"))
            for k in sorted(drop)]
    renamed = {rid: orig for rid, orig in out.renamed.items()
               if any(c.id == rid for k in keep for c in out.messages[k].tool_calls)} if drop else out.renamed
    dropped = sorted([*out.all_dropped(), *gone], key=_index)
    return replace(out, messages=Prefix([out.messages[k] for k in keep]), hashes=Prefix([out.hashes[k] for k in keep]),
                   slots=Prefix([out.slots[k] for k in keep]), tokens=total, dropped=Prefix(dropped),
                   dropped_shown=Prefix([d.entry for d in dropped]), renamed=renamed, held={}, merges=None)


def extend_assembled(prev: Assembled, state: CompileState, priority: Priority) -> Assembled:
    """The output after one APPEND, from the previous output: the same a full pass gives, in work
    proportional to the new commit (the lists grow where prev's end, shared, not copied)."""
    new = state.entries[-1]
    at = len(state.entries) - 1
    out = prev.moved_to(state.head)
    if priority is Priority.SKIP:
        out.drop(_dropped(at, new, "skip"))
        return out
    if new.tool is None:
        _append(out, prev, [new.message], [new.shown], [at], new.tokens)
        return out
    direction, call_id = new.tool
    if direction == "call":
        rid = rendered_id(call_id, new.position) if call_id in prev.call_ids else call_id
        out.call_ids = prev.call_ids.plus(call_id)
        out.held = {**prev.held, call_id: prev.held.get(call_id, ()) + ((at, new, rid),)}
        return out
    stack = prev.held.get(call_id)
    if not stack:
        out.drop(_dropped(at, new, "result_without_call"))
        return out
    where, call, rid = stack[-1]
    out.held = dict(prev.held)
    if len(stack) > 1:
        out.held[call_id] = stack[:-1]
    else:
        del out.held[call_id]
    if rid != call_id:
        out.renamed = {**prev.renamed, rid: call_id}
    k = bisect_left(prev.slots, where)  # the call goes back to its place; the result at the end
    if k == len(prev.slots):  # nothing sent since the call (the usual case): both at the end
        _append(out, prev, [_call_message(call, rid), _result_message(new, rid)], [call.shown, new.shown],
                [where, at], call.tokens + new.tokens)
        return out
    out.messages = Prefix([*prev.messages[:k], _call_message(call, rid), *prev.messages[k:], _result_message(new, rid)])
    out.hashes = Prefix([*prev.hashes[:k], call.shown, *prev.hashes[k:], new.shown])
    out.slots = Prefix([*prev.slots[:k], where, *prev.slots[k:], at])
    out.tokens = prev.tokens + call.tokens + new.tokens
    out.merges = None
    return out


def _append(out: Assembled, prev: Assembled, messages: list[Message], hashes: list[str], slots: list[int],
            tokens: int) -> None:
    out.messages = prev.messages.plus(*messages)
    out.hashes = prev.hashes.plus(*hashes)
    out.slots = prev.slots.plus(*slots)
    out.tokens = prev.tokens + tokens
    out.merges = openai_merges(messages, prev.merges) if prev.merges is not None else None
