"""Plain rows handed between storage and the operations above it."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(slots=True)
class CommitRow:
    hash: str
    tract_id: str
    parents: list[str]
    operation: str
    edit_target: str | None
    content_hash: str | None
    message: str | None
    meta: str | None
    created_us: int
    generation: int
    # joined from the blob when read with content
    content_type: str | None = None
    body: str | None = None
    token_count: int = 0


@dataclass(slots=True)
class BlobRow:
    hash: str
    content_type: str
    body: str
    token_count: int


@dataclass(slots=True)
class RefRow:
    name: str
    commit_hash: str | None
    symbolic: str | None


@dataclass(slots=True)
class AnnotationRow:
    id: int
    commit_hash: str
    priority: str
    reason: str | None
    branch: str | None
    created_us: int


@dataclass(slots=True)
class EventRow:
    id: str
    kind: str
    branch: str | None
    params: str
    sources: str
    results: str
    created_us: int


@dataclass(slots=True)
class PendingRow:
    id: str
    branch: str
    status: str
    data: str
    created_us: int
    updated_us: int


@dataclass(slots=True)
class RecordRow:
    id: str
    head: str | None
    entries: str
    token_count: int
    messages_hash: str
    created_us: int
    extra: dict = field(default_factory=dict)
    request: str | None = None   # the tools and settings sent (JSON), when there were any


@dataclass(slots=True)
class SnapshotRow:
    head: str
    format: int
    commits: int
    data: bytes
    distance: int   # how many commits back from the head asked about
