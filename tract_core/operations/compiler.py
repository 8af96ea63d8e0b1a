"""Compile with a cache: after an APPEND, work proportional to the new commit, not the history.

States and outputs are cached per commit hash (commits never change); annotations are read
incrementally, and any that touch older commits send the output through a full pass. A process that
starts cold builds the state from the nearest saved compile snapshot plus the commits since, and
saves one when a history has grown by `snapshot_interval` commits since its last.
"""

from __future__ import annotations

import logging
from collections import OrderedDict

from pydantic import BaseModel

from tract_core.errors import BudgetError, CommitNotFoundError, TractError
from tract_core.models.compiled import CompiledContext
from tract_core.models.content import Settings, Tools
from tract_core.operations import compile_budget, snapshot
from tract_core.operations.assemble import Assembled, assemble, extend_assembled
from tract_core.operations.compile_state import (CompileState, Entry, RequestPart, build_state, extend_state,
                                                 gc_paused, load_body, replay_onto)
from tract_core.operations.history import chain_back
from tract_core.operations.render import count_tokens
from tract_core.operations.repo import Repo
from tract_core.storage import Txn
from tract_core.storage.snapshots import save_snapshot, snapshot_data, snapshot_heads
from tract_core.tokens import framing_of

log = logging.getLogger(__name__)
RECENT_DEPTH = 32   # how far back the incremental path looks for a cached state
CACHE_SIZE = 16
ANNOTATION_LOG_TRIM = 1024   # annotations remembered before the ones no cached output needs are dropped
SNAPSHOT_EVERY = 500         # save a compile snapshot each time a history grows by this many commits,
SNAPSHOT_FRACTION = 16       # or by this fraction of it when that is more (see snapshot_interval)
SNAPSHOT_REACH = 2           # a cold compile looks this many intervals back for one
SNAPSHOTS_KEPT = 4           # per tract, newest first (one per line of history that compiles)
SNAPSHOT_WAIT_MS = 20        # how long saving one may wait for the store's write lock


def snapshot_interval(commits: int) -> int:
    """Commits between compile snapshots in a history of `commits`: SNAPSHOT_EVERY, growing with the
    history past SNAPSHOT_EVERY * SNAPSHOT_FRACTION commits, so what all the snapshots of a history
    ever cost to write stays proportional to its length (a snapshot holds the whole state)."""
    return max(SNAPSHOT_EVERY, commits // SNAPSHOT_FRACTION)


class _LRU(OrderedDict):
    def get(self, key, default=None):
        if key in self:
            self.move_to_end(key)
            return self[key]
        return default

    def put(self, key, value) -> None:
        self[key] = value
        self.move_to_end(key)
        while len(self) > CACHE_SIZE:
            self.popitem(last=False)


class Compiler:
    def __init__(self, repo: Repo, snapshots: bool = True) -> None:
        self.repo = repo
        self.snapshots = snapshots  # read and save compile snapshots (off: always build from the commits)
        self.states: _LRU = _LRU()
        self.outputs: _LRU = _LRU()
        self.annotation_log: list[tuple[int, str]] = []
        self._saving: int | None = None
        self.parts: _LRU = _LRU()   # commit hash -> Tools or Settings
        self.chunks = snapshot.Chunks()  # what the last snapshot saved or read was made of

    def clear(self) -> None:
        """Drop the cached states and outputs. Another thread may call this (compile_budget) while
        this compiler works: the caches are replaced, never emptied in place."""
        self.states, self.outputs, self.parts, self.chunks = _LRU(), _LRU(), _LRU(), snapshot.Chunks()

    def refresh(self, tx: Txn) -> None:
        self.annotation_log.extend(self.repo.refresh_annotations(tx))
        if len(self.annotation_log) > ANNOTATION_LOG_TRIM:
            # only annotations newer than the oldest cached output are ever asked about again
            oldest = min((o.annotation_id for o in self.outputs.values()), default=self.repo.annotation_id)
            self.annotation_log = [(i, h) for i, h in self.annotation_log if i > oldest]

    def _priority(self, e: Entry):
        return self.repo.priority(e.position, e.content_type)

    def state(self, tx: Txn, head: str) -> CompileState:
        """The compile state at `head`."""
        return self._state(tx, head)[0]

    def _state(self, tx: Txn, head: str) -> tuple[CompileState, str | None, list[CompileState]]:
        """The state at `head`; when it was extended from a cached state, that state's head and the
        states of each commit applied since (oldest first)."""
        cached = self.states.get(head)
        if cached is not None:
            return cached, None, []
        chain = self._written_chain(head)
        if chain is None:
            row = tx.get_commit(self.repo.tract_id, head)
            if row is None:
                raise CommitNotFoundError(f"no commit {head[:12]} in tract {self.repo.tract_id!r}")
            chain = [row]
            if len(row.parents) != 1 or row.parents[0] not in self.states:
                chain = self._recent_chain(tx, head) if self.states else []  # cold: nothing to extend
        if chain:
            base = chain[-1].parents[0]
            state, steps = self.states.get(base), []
            for r in reversed(chain):
                state = extend_state(state, r)
                self.states.put(state.head, state)
                steps.append(state)
            return state, base, steps
        state = self._from_snapshot(tx, head) if self.snapshots else None
        if state is None:
            with gc_paused(keep=True):
                commits = {r.hash: r for r in tx.ancestors(self.repo.tract_id, head)}
                state = build_state(commits, head)
        self.states.put(head, state)
        return state, None, []

    def _from_snapshot(self, tx: Txn, head: str) -> CompileState | None:
        """The state at `head` from the nearest saved snapshot and the commits since, when they are
        a single-parent chain; None sends the caller to a full build."""
        generation = self.repo.generation(tx, head)  # about the history's length, without walking it
        if generation is None:
            return None
        reach = SNAPSHOT_REACH * snapshot_interval(generation + 1)
        # a single-parent chain of d commits from a snapshot to `head` spans d generations exactly
        for snap_head, fmt, commits, snap_generation in snapshot_heads(tx, self.repo.tract_id):
            distance = generation - snap_generation
            if fmt not in snapshot.READABLE or not 0 <= distance <= reach:
                continue
            since = ({r.hash: r for r in tx.ancestors(self.repo.tract_id, head, depth=distance)}
                     if distance else {})
            rows = chain_back(since, head, snap_head.__eq__)
            if rows is None:
                continue  # on another line of history
            data = snapshot_data(tx, self.repo.tract_id, snap_head)
            if data is None:
                return None
            rows.reverse()
            try:
                state = snapshot.decode(data, snap_head, commits, fmt, self.chunks)
            except snapshot.DecodeError as err:  # a damaged cache entry: build without it
                log.warning("ignoring unreadable compile snapshot of %s: %s", snap_head[:12], err)
                return None
            return replay_onto(state, rows)
        return None

    def save_snapshot(self, head: str | None) -> bool:
        """Save the state at `head` when its history has grown by `snapshot_interval` commits since
        the last snapshot in it. Best effort: a cache write that cannot get the store at once (another
        writer holds it) is skipped, never waited on; the next compile tries again."""
        state = self.states.get(head) if head and self.snapshots else None
        if (state is None or state.commits < SNAPSHOT_EVERY
                or state.commits - state.snapshot_at < snapshot_interval(state.commits)):
            return False
        data = snapshot.encode(state, self.chunks)
        try:
            with self.repo.store.write(wait_ms=SNAPSHOT_WAIT_MS) as tx:
                save_snapshot(tx, self.repo.tract_id, head, snapshot.FORMAT, state.commits, data,
                              replaces=state.snapshot_head, keep=SNAPSHOTS_KEPT)
        except TractError as err:
            log.debug("compile snapshot of %s not saved: %s", head[:12], err)
            return False
        state.snapshot_at, state.snapshot_head = state.commits, head
        return True

    def _written_chain(self, head: str) -> list | None:
        """Single-parent commits from `head` back to a cached state (newest first), when this
        process wrote them all (the agent loop: commit, commit, compile): no query at all."""
        return chain_back(self.repo.recent, head, self.states.__contains__, RECENT_DEPTH)

    def _recent_chain(self, tx: Txn, head: str) -> list:
        """Single-parent commits from `head` back to a cached state (newest first), or []."""
        recent = {r.hash: r for r in tx.ancestors(self.repo.tract_id, head, depth=RECENT_DEPTH)}
        return chain_back(recent, head, self.states.__contains__) or []

    def _only_touches(self, since: int, positions: set[str]) -> bool:
        for i, h in reversed(self.annotation_log):
            if i <= since:
                return True
            if h not in positions:
                return False
        return True

    def _extend(self, base: str | None, steps: list[CompileState]) -> Assembled | None:
        out = self.outputs.get(base) if base else None
        if out is None or not self._only_touches(out.annotation_id, {s.head for s in steps}):
            return None
        for step in steps:
            last = step.entries[-1] if step.entries else None
            if last is None or last.position != step.head:
                return None  # an EDIT: its effect is not at the end
            out = extend_assembled(out, step, self._priority(last))
        return out

    def assembled(self, tx: Txn, head: str, budget: int | None = None) -> Assembled:
        self.refresh(tx)
        state, base, steps = self._state(tx, head)
        ann = self.repo.annotation_id
        if budget is not None:
            return assemble(state, self._priority, budget, ann, self._marker_tokens)
        cached = self.outputs.get(head)
        if cached is not None and cached.annotation_id == ann:
            return cached
        out = self._extend(base, steps)
        if out is None:
            out = assemble(state, self._priority, None, ann, self._marker_tokens)
        out.annotation_id = ann
        self.outputs.put(head, out)
        compile_budget.used(self, len(state.entries))
        return out

    def commit_warnings(self, tx: Txn, row) -> list[str]:
        """What the just-written `row` leaves wrong: a tool result that answers no earlier
        unanswered call of its id is never sent."""
        data = load_body(row.body) if row.content_type == "tool_io" else {}
        if data.get("direction") != "result":
            return []
        out = self.assembled(tx, row.hash)
        last = out.dropped[-1] if out.dropped else None  # the newest commit's drop comes last
        if last is None or last.entry.commit != row.hash or last.entry.reason != "result_without_call":
            return []
        call_id = data["call_id"]
        return [f"tool result {row.hash[:10]} answers no call: no earlier call with id {call_id!r} is "
                "waiting for a result on this branch, so compile leaves it out; commit the call first"]

    def compile(self, tx: Txn, head: str | None, budget: int | None = None) -> CompiledContext:
        if head is None:
            return CompiledContext(messages=[], token_count=0, commit_hashes=[], head=None)
        if budget is None:
            out = self.assembled(tx, head)  # before the state: it takes the incremental path when it can
            state = self.state(tx, head)
            overhead = self.overhead(state)
        else:
            state = self.state(tx, head)
            overhead = self.overhead(state)
            if budget < overhead:
                raise BudgetError(f"the tool definitions and reply priming alone need {overhead} tokens, "
                                  f"over the budget of {budget}; raise the budget or commit fewer tools")
            out = self.assembled(tx, head, budget - overhead)
        tools, settings = state.request.get("tools"), state.request.get("settings")
        return out.context(overhead - self.merge_saving(out), self._model(tools, Tools).tools if tools else [],
                           self._model(settings, Settings) if settings else None)

    def _model(self, part: RequestPart, model: type[BaseModel]):
        """The content of a request part as its model, parsed once per commit."""
        found = self.parts.get(part.shown)
        if found is None:
            found = model.model_validate(part.data)
            self.parts.put(part.shown, found)
        return found

    def overhead(self, state: CompileState) -> int:
        """The request's tokens outside its messages: the tool definitions and the reply priming."""
        tools = state.request.get("tools")
        return framing_of(self.repo.counter).reply_priming + (tools.tokens if tools else 0)

    def merge_saving(self, out: Assembled) -> int:
        """Framing counted per commit that the API does not charge: an assistant turn's text and
        tool calls are one message, framed once (commits count as if each were its own message).
        The count of such merges is carried along as the output grows (see extend_assembled)."""
        if self._saving is None:
            framing = framing_of(self.repo.counter)
            self._saving = framing.per_message + (self.repo.counter.count("assistant") if framing.fields else 0)
        return self._saving * out.merge_count()[0] if self._saving else 0

    def tokens(self, tx: Txn, head: str) -> int:
        """What a compile of `head` without a budget counts (cached like the compile itself)."""
        out = self.assembled(tx, head)  # first: it takes the incremental path when it can
        return out.total_tokens + self.overhead(self.state(tx, head)) - self.merge_saving(out)

    def _marker_tokens(self, text: str) -> int:
        """The omission marker is a user turn of its own: framed like one."""
        return count_tokens({"content_type": "dialogue", "role": "user", "text": text}, self.repo.counter)
