"""What every operation works on: one tract inside a store, with its content kinds and defaults."""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from tract_core.models.commit import CommitInfo
from tract_core.models.enums import Operation, Priority
from tract_core.models.registry import ContentRegistry
from tract_core.operations.refs import DEFAULT_BRANCH, HEAD, branch_ref
from tract_core.storage import CommitRow, Store, Txn, joined
from tract_core.tokens import TokenCounter

DEFAULT_PRIORITIES = {"instruction": Priority.PINNED}
RECENT_ROWS = 256
DEFAULT_MAX_CONTENT_BYTES = 1 << 20  # one commit's content, message or metadata, as UTF-8 JSON
_OPERATIONS = {o.value: o for o in Operation}  # a stored operation's member, without Enum's call


class TractStore:
    """The store as one tract's operations use it: the same, except that a write transaction creates
    the tract first if it is not there yet. So reading a tract never creates it, and a first write
    that fails rolls the tract's creation back with the rest."""

    def __init__(self, store: Store, tract_id: str) -> None:
        self._store = store
        self._tract_id = tract_id
        self._exists = False

    def found(self, tx: Txn) -> bool:
        """Whether the tract is in the store, as `tx` sees it (remembered once true)."""
        self._exists = self._exists or tx.get_ref(self._tract_id, HEAD) is not None
        return self._exists

    def exists(self) -> bool:
        if not self._exists:
            with self._store.read() as tx:
                self.found(tx)
        return self._exists

    @contextmanager
    def write(self, *args, **options) -> Iterator[Txn]:
        with self._store.write(*args, **options) as tx:
            if not self._exists:
                create_tract(tx, self._tract_id)
            yield tx
        # inside a call's one transaction (idempotent calls) nothing is committed yet, and a failure
        # later in the call rolls the tract's creation back: remember it only once committed
        if options.get("join") is False or joined.current(self._store) is None:
            self._exists = True

    def __getattr__(self, name: str):
        return getattr(self._store, name)  # read(), dialect, close(), …: the store's own


@dataclass
class Repo:
    store: TractStore
    tract_id: str
    registry: ContentRegistry
    counter: TokenCounter
    default_priorities: dict[str, Priority] = field(default_factory=lambda: dict(DEFAULT_PRIORITIES))
    # latest annotation per commit, read incrementally (annotations are append-only)
    annotations: dict[str, Priority] = field(default_factory=dict)
    annotation_id: int = 0
    # the commits this process wrote lately (commits never change): the next commit needs its
    # parent's generation and the next compile the new rows, without reading them back
    recent: OrderedDict[str, CommitRow] = field(default_factory=OrderedDict)
    max_content_bytes: int | None = DEFAULT_MAX_CONTENT_BYTES
    # the commits one head reaches (what search last needed), grown as this process commits on it
    reachable: tuple[str, set[str]] | None = None
    # the content models of contents just prepared for a commit (by content hash), so the commit's
    # CommitInfo takes its model as validated instead of parsing and validating its body again
    fresh: dict[str, Any] = field(default_factory=dict)
    # per thread: `branch`, the branch its last commit went on (what a caller reports back without
    # reading HEAD again)
    written: threading.local = field(default_factory=threading.local)

    def generation(self, tx, commit_hash: str) -> int | None:
        known = self.recent.get(commit_hash)
        return known.generation if known is not None else tx.generation(self.tract_id, commit_hash)

    def remember(self, row: CommitRow) -> None:
        self.recent[row.hash] = row
        if len(self.recent) > RECENT_ROWS:
            self.recent.popitem(last=False)

    def default_priority(self, content_type: str | None) -> Priority:
        return self.default_priorities.get(content_type or "", Priority.NORMAL)

    def priority(self, commit_hash: str, content_type: str | None) -> Priority:
        return self.annotations.get(commit_hash) or self.default_priority(content_type)

    def refresh_annotations(self, tx) -> list[tuple[int, str]]:
        """Read annotations made since the last read; return (id, commit) of each."""
        rows = tx.annotations_after(self.tract_id, self.annotation_id)
        for r in rows:
            self.annotations[r.commit_hash] = Priority(r.priority)
            self.annotation_id = r.id
        return [(r.id, r.commit_hash) for r in rows]

    def info(self, row: CommitRow, tags: list[str] | None = None) -> CommitInfo:
        content = self.fresh.pop(row.content_hash, None) if self.fresh else None
        if len(self.fresh) > RECENT_ROWS:  # prepared but never committed (a failed write)
            self.fresh.clear()
        if content is None and row.body is not None:
            content = self.registry.load(json.loads(row.body))
        operation = _OPERATIONS.get(row.operation) or Operation(row.operation)
        return CommitInfo(
            hash=row.hash, tract_id=row.tract_id, parents=row.parents, operation=operation,
            edit_target=row.edit_target, content=content, content_type=row.content_type,
            content_hash=row.content_hash, token_count=row.token_count, message=row.message,
            metadata=json.loads(row.meta) if row.meta else {},
            created_at=datetime.fromtimestamp(row.created_us / 1e6, tz=timezone.utc),
            priority=self.priority(row.edit_target or row.hash, row.content_type), tags=tags or [])


def create_tract(tx: Txn, tract_id: str) -> None:
    """The tract's row, its first branch and a HEAD on it (each left alone if there already)."""
    tx.ensure_tract(tract_id)
    if tx.get_ref(tract_id, HEAD) is None:
        tx.create_ref(tract_id, branch_ref(DEFAULT_BRANCH), None)
        tx.create_ref(tract_id, HEAD, None, branch_ref(DEFAULT_BRANCH))
