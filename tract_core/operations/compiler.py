"""Compile with a cache: after an APPEND, work proportional to the new commit, not the history.

States and outputs are cached per commit hash (commits never change); annotations are read
incrementally, and any that touch older commits send the output through a full pass.
"""

from __future__ import annotations

from collections import OrderedDict

from tract_core.errors import CommitNotFoundError
from tract_core.models.compiled import CompiledContext
from tract_core.operations.assemble import Assembled, assemble, extend_assembled
from tract_core.operations.compile_state import CompileState, Entry, build_state, extend_state
from tract_core.operations.repo import Repo
from tract_core.storage import Txn

RECENT_DEPTH = 32   # how far back the incremental path looks for a cached state
CACHE_SIZE = 16


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
    def __init__(self, repo: Repo) -> None:
        self.repo = repo
        self.states: _LRU = _LRU()
        self.outputs: _LRU = _LRU()
        self.annotation_log: list[tuple[int, str]] = []

    def clear(self) -> None:
        self.states.clear()
        self.outputs.clear()

    def refresh(self, tx: Txn) -> None:
        self.annotation_log.extend(self.repo.refresh_annotations(tx))

    def _priority(self, e: Entry):
        return self.repo.priority(e.position, e.content_type)

    def state(self, tx: Txn, head: str) -> tuple[CompileState, str | None]:
        """The state at `head` and, when it came from extending one parent's state, that parent."""
        cached = self.states.get(head)
        if cached is not None:
            return cached, None
        row = tx.get_commit(self.repo.tract_id, head)
        if row is None:
            raise CommitNotFoundError(f"no commit {head[:12]} in tract {self.repo.tract_id!r}")
        parent_state = self.states.get(row.parents[0]) if len(row.parents) == 1 else None
        if parent_state is not None:  # the common case: one commit since the last compile
            state = extend_state(parent_state, row)
            self.states.put(head, state)
            return state, row.parents[0]
        recent = {r.hash: r for r in tx.ancestors(self.repo.tract_id, head, depth=RECENT_DEPTH)}
        chain: list = []
        h: str | None = head
        while h is not None and h in recent and h not in self.states:
            row = recent[h]
            if row.operation == "merge" or len(row.parents) != 1:
                chain = None
                break
            chain.append(row)
            h = row.parents[0]
        if chain is not None and h is not None and h in self.states:
            state = self.states.get(h)
            parent = h
            for row in reversed(chain):
                parent = state.head
                state = extend_state(state, row)
                self.states.put(state.head, state)
            return state, parent if len(chain) == 1 else None
        commits = {r.hash: r for r in tx.ancestors(self.repo.tract_id, head)}
        state = build_state(commits, head)
        self.states.put(head, state)
        return state, None

    def _only_touches(self, since: int, position: str) -> bool:
        for i, h in reversed(self.annotation_log):
            if i <= since:
                return True
            if h != position:
                return False
        return True

    def assembled(self, tx: Txn, head: str, budget: int | None = None) -> Assembled:
        self.refresh(tx)
        state, parent = self.state(tx, head)
        ann = self.repo.annotation_id
        if budget is not None:
            return assemble(state, self._priority, budget, ann)
        cached = self.outputs.get(head)
        if cached is not None and cached.annotation_id == ann:
            return cached
        out = None
        prev = self.outputs.get(parent) if parent else None
        last = state.entries[-1] if state.entries else None
        if (prev is not None and last is not None and last.position == head
                and self._only_touches(prev.annotation_id, head)):
            out = extend_assembled(prev, state, self._priority(last))
            if out is not None:
                out.annotation_id = ann
        if out is None:
            out = assemble(state, self._priority, None, ann)
        self.outputs.put(head, out)
        return out

    def compile(self, tx: Txn, head: str | None, budget: int | None = None) -> CompiledContext:
        if head is None:
            return CompiledContext(messages=[], token_count=0, commit_hashes=[], head=None)
        return self.assembled(tx, head, budget).context()
