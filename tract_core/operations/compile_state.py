"""The state a branch compiles from: entries in order with edits applied, built fully or extended
by one commit (the incremental path)."""

from __future__ import annotations

import gc
import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass

from tract_core.models.compiled import Message
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


@dataclass(slots=True)
class CompileState:
    head: str
    entries: list[Entry]
    # position -> index; shared between a state and the states extended from it, so always check
    # entries[i].position before trusting it
    index: dict[str, int]
    commits: int = 0         # how many commits `head`'s history holds (merges and edits included)
    # the nearest saved snapshot in this history: its commit count and head (0 and None: none)
    snapshot_at: int = 0
    snapshot_head: str | None = None

    def find(self, position: str) -> int | None:
        i = self.index.get(position)
        if i is not None and i < len(self.entries) and self.entries[i].position == position:
            return i
        return None


@contextmanager
def gc_paused() -> Iterator[None]:
    """Hold the cyclic garbage collector while tens of thousands of objects that live on are made:
    otherwise it runs over and over on the way (a third of a cold compile, measured), finding nothing."""
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()


def make_entry(row: CommitRow, position: str) -> Entry:
    data = json.loads(row.body)
    return Entry(position=position, shown=row.hash, content_type=row.content_type, tool=tool_key(data),
                 tokens=row.token_count, message=render(data, row.hash))


def _next(state: CompileState, row: CommitRow, entries: list[Entry]) -> CompileState:
    return CompileState(row.hash, entries, state.index, state.commits + 1, state.snapshot_at,
                        state.snapshot_head)


def _apply(state: CompileState, row: CommitRow, commits: Mapping[str, CommitRow] | None,
           copy: bool) -> CompileState:
    entries = state.entries
    if row.operation == "append":
        entries = entries.copy() if copy else entries
        state.index[row.hash] = len(entries)
        entries.append(make_entry(row, row.hash))
        return _next(state, row, entries)
    if row.operation == "edit":
        entries = entries.copy() if copy else entries
        i = state.find(row.edit_target)
        if i is not None:
            entries[i] = make_entry(row, row.edit_target)
        return _next(state, row, entries)
    # merge: the resolutions chosen for conflicting edits
    resolutions = json.loads(row.meta or "{}").get("resolutions", {})
    if resolutions:
        entries = entries.copy() if copy else entries
        for target, edit_hash in resolutions.items():
            i = state.find(target)
            if i is None:
                continue
            chosen = commits.get(edit_hash) if commits is not None and edit_hash else None
            if chosen is not None:
                entries[i] = make_entry(chosen, target)
    return _next(state, row, entries)


def build_state(commits: Mapping[str, CommitRow], head: str) -> CompileState:
    """Full build from every ancestor of `head` (fetched in one query)."""
    state = CompileState(head, [], {})
    for h in linearize(commits, head):
        state = _apply(state, commits[h], commits, copy=False)
    return state


def replay_onto(state: CompileState, rows: list[CommitRow]) -> CompileState:
    """`state` (owned by the caller) moved forward over single-parent `rows`, oldest first, in place."""
    for row in rows:
        state = _apply(state, row, None, copy=False)
    return state


def extend_state(parent: CompileState, row: CommitRow) -> CompileState:
    """The state of a single-parent commit from its parent's state: work proportional to one commit."""
    return _apply(parent, row, None, copy=True)
