"""The state a branch compiles from: entries in order with edits applied, built fully or extended
by one commit (the incremental path)."""

from __future__ import annotations

import gc
import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from pydantic_core import from_json

from tract_core.models.compiled import Message
from tract_core.models.content import REQUEST_KINDS
from tract_core.models.prefix import Prefix
from tract_core.operations.history import linearize
from tract_core.operations.render import render, tool_key
from tract_core.storage.rows import CommitRow


@dataclass(frozen=True, slots=True)
class Entry:
    position: str            # the APPEND commit that put this turn here
    shown: str               # the commit whose content is shown (the latest edit, or position)
    content_type: str
    tool: tuple[str, str] | None
    tokens: int
    message: Message


@dataclass(frozen=True, slots=True)
class RequestPart:
    """The latest `tools` or `settings` commit on the branch: part of the request, not a turn."""

    position: str            # the APPEND commit that set it
    shown: str               # the commit whose content is shown (the latest edit, or position)
    tokens: int
    data: dict


@dataclass(slots=True)
class CompileState:
    head: str
    # shared with the states extended from this one (see models/prefix.py): never changed in place
    # once another state may see it
    entries: Prefix[Entry]
    # position -> index; shared between a state and the states extended from it, so always check
    # entries[i].position before trusting it
    index: dict[str, int]
    commits: int = 0         # how many commits `head`'s history holds (merges and edits included)
    # the nearest saved snapshot in this history: its commit count and head (0 and None: none)
    snapshot_at: int = 0
    snapshot_head: str | None = None
    # content_type -> RequestPart; replaced, never changed in place, so states may share it
    request: dict[str, RequestPart] = field(default_factory=dict)

    def find(self, position: str) -> int | None:
        i = self.index.get(position)
        if i is not None and i < len(self.entries) and self.entries[i].position == position:
            return i
        return None


@contextmanager
def gc_paused(keep: bool = False) -> Iterator[None]:
    """Hold the cyclic garbage collector while tens of thousands of objects that live on are made:
    otherwise it runs over and over on the way (a third of a cold compile, measured), finding nothing.

    `keep`: what was made is kept (a cache): it goes to the collector's oldest generation on the way
    out. Left young, the first collection after the pause goes over all of it, and again as it ages
    (20 ms for a 10,000-turn state); `gc.freeze()` then `gc.unfreeze()` moves every tracked object
    there at once, without looking at any. Not when the process froze objects itself (they would be
    unfrozen)."""
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            if keep and gc.get_freeze_count() == 0:
                gc.freeze()
                gc.unfreeze()
            gc.enable()


def make_entry(row: CommitRow, position: str) -> Entry:
    return entry_of(row, position, load_body(row.body))


def entry_of(row: CommitRow, position: str, data: Any) -> Entry:
    """`make_entry` with the body parsed already (`data`); Entry's fields in order (a cold build
    makes one per turn)."""
    return Entry(position, row.hash, row.content_type, tool_key(data), row.token_count, render(data, row.hash))


def _next(state: CompileState, row: CommitRow, entries: Prefix[Entry],
          request: dict[str, RequestPart] | None = None) -> CompileState:
    return CompileState(row.hash, entries, state.index, state.commits + 1, state.snapshot_at,
                        state.snapshot_head, state.request if request is None else request)


def _request_part(row: CommitRow, position: str) -> RequestPart:
    return RequestPart(position, row.hash, row.token_count, json.loads(row.body))


def _set_part(parts: dict[str, RequestPart], row: CommitRow, target: str) -> dict[str, RequestPart] | None:
    """The request parts with `row` shown for the part set at `target`; None when `row` does not
    replace the current part (the target is an older one, or of another kind)."""
    if row.operation == "append":
        return {**parts, row.content_type: _request_part(row, row.hash)}
    current = parts.get(row.content_type)
    if current is None or current.position != target:
        return None
    return {**parts, row.content_type: _request_part(row, target)}


def _changed(entries: Prefix[Entry], copy: bool) -> list[Entry]:
    """The list to change entries in: a copy when other states share it."""
    return list(entries) if copy else entries.items


def _apply(state: CompileState, row: CommitRow, commits: Mapping[str, CommitRow] | None,
           copy: bool) -> CompileState:
    entries = state.entries
    if row.content_type in REQUEST_KINDS and row.operation in ("append", "edit"):
        return _next(state, row, entries, _set_part(state.request, row, row.edit_target or row.hash))
    if row.operation == "append":
        state.index[row.hash] = len(entries)
        return _next(state, row, entries.plus(make_entry(row, row.hash)))  # shares the list: no copy
    if row.operation == "edit":
        i = state.find(row.edit_target)
        if i is not None:
            items = _changed(entries, copy)
            items[i] = make_entry(row, row.edit_target)
            entries = Prefix(items)
        return _next(state, row, entries)
    # merge: the resolutions chosen for conflicting edits
    resolutions = json.loads(row.meta or "{}").get("resolutions", {})
    request = None
    if resolutions:
        items = _changed(entries, copy)
        for target, edit_hash in resolutions.items():
            chosen = commits.get(edit_hash) if commits is not None and edit_hash else None
            if chosen is not None and chosen.content_type in REQUEST_KINDS:
                request = _set_part(request or state.request, chosen, target) or request
                continue
            i = state.find(target)
            if i is None:
                continue
            if chosen is not None:
                items[i] = make_entry(chosen, target)
        entries = Prefix(items)
    return _next(state, row, entries, request)


def _plain_append(row: CommitRow) -> bool:
    return row.operation == "append" and row.content_type not in REQUEST_KINDS


def load_body(body: str) -> Any:
    """`json.loads(body)`, parsed by pydantic-core's parser (a quarter of the time for a turn's
    body); what that parser refuses (a lone surrogate's escape, or not JSON) goes to `json.loads`,
    which gives the same value or error as ever."""
    try:
        return from_json(body)
    except (TypeError, ValueError):
        return json.loads(body)


def loads_all(bodies: list[str]) -> list:
    """`[load_body(b) for b in bodies]`, in one parse of them all joined (a history's worth of
    turns at once); one by one when that fails (so a body that is no JSON fails as `json.loads`)."""
    try:
        out = from_json(f"[{','.join(bodies)}]")
    except (TypeError, ValueError):
        out = None
    if out is None or len(out) != len(bodies):
        out = [load_body(b) for b in bodies]
    return out


def build_state(commits: Mapping[str, CommitRow], head: str) -> CompileState:
    """Full build from every ancestor of `head` (fetched in one query): `_apply` over each commit,
    oldest first, with the appends of turns (nearly all commits) taken in place."""
    order = linearize(commits, head)
    plain = [_plain_append(commits[h]) for h in order]
    data = iter(loads_all([commits[h].body for h, p in zip(order, plain) if p]))
    items: list[Entry] = []
    state = CompileState(head, Prefix(items), {})
    index = state.index
    for n, (h, p) in enumerate(zip(order, plain)):
        row = commits[h]
        if p:
            index[h] = len(items)
            items.append(entry_of(row, h, next(data)))
            continue
        state.entries, state.commits = Prefix(items), n
        state = _apply(state, row, commits, copy=False)
        items = state.entries.items  # the same list: an edit or merge changes it in place
    return CompileState(head, Prefix(items), index, len(order), request=state.request)


def replay_onto(state: CompileState, rows: list[CommitRow]) -> CompileState:
    """`state` (owned by the caller) moved forward over single-parent `rows`, oldest first, in place."""
    for row in rows:
        state = _apply(state, row, None, copy=False)
    return state


def extend_state(parent: CompileState, row: CommitRow) -> CompileState:
    """The state of a single-parent commit from its parent's state: work proportional to one commit."""
    return _apply(parent, row, None, copy=True)
