"""What every operation works on: one tract inside a store, with its content kinds and defaults."""

from __future__ import annotations

import json
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import datetime, timezone

from tract_core.models.commit import CommitInfo
from tract_core.models.enums import Operation, Priority
from tract_core.models.registry import ContentRegistry
from tract_core.storage import CommitRow, Store
from tract_core.tokens import TokenCounter

DEFAULT_PRIORITIES = {"instruction": Priority.PINNED}
RECENT_ROWS = 256


@dataclass
class Repo:
    store: Store
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
    # the commits one head reaches (what search last needed), grown as this process commits on it
    reachable: tuple[str, set[str]] | None = None

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
        content = self.registry.load(json.loads(row.body)) if row.body is not None else None
        return CommitInfo(
            hash=row.hash, tract_id=row.tract_id, parents=row.parents, operation=Operation(row.operation),
            edit_target=row.edit_target, content=content, content_type=row.content_type,
            content_hash=row.content_hash, token_count=row.token_count, message=row.message,
            metadata=json.loads(row.meta) if row.meta else {},
            created_at=datetime.fromtimestamp(row.created_us / 1e6, tz=timezone.utc),
            priority=self.priority(row.edit_target or row.hash, row.content_type), tags=tags or [])
