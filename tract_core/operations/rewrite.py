"""Rewriting a branch: new commits built on a base, later commits re-applied on top, and the branch
moved with a compare-and-swap. Compression and its undo both rebuild history this way; the old
commits stay in the store."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from tract_core.errors import RefConflictError
from tract_core.operations.committing import new_commit_row
from tract_core.operations.refs import branch_ref
from tract_core.operations.repo import Repo
from tract_core.storage import AnnotationRow, BlobRow, CommitRow, Txn
from tract_core.storage.policies import copy_must_keep


@dataclass(slots=True)
class Chain:
    """The first-parent history of a tip (oldest first) and every ancestor's row."""

    tip: str | None
    rows: dict[str, CommitRow]
    order: list[str]

    def index(self, h: str) -> int | None:
        try:
            return self.order.index(h)
        except ValueError:
            return None

    def reaches(self, start: str, targets: set[str]) -> bool:
        """True when any of `targets` is `start` or one of its ancestors."""
        stack, seen = [start], set()
        while stack:
            h = stack.pop()
            if h in targets:
                return True
            if h in seen or h not in self.rows:
                continue
            seen.add(h)
            stack.extend(self.rows[h].parents)
        return False


def read_chain(tx: Txn, repo: Repo, tip: str | None) -> Chain:
    if tip is None:
        return Chain(None, {}, [])
    rows = {r.hash: r for r in tx.ancestors(repo.tract_id, tip)}
    order: list[str] = []
    h: str | None = tip
    while h is not None:
        order.append(h)
        h = rows[h].parents[0] if rows[h].parents else None
    return Chain(tip, rows, order[::-1])


def latest_annotations(tx: Txn, repo: Repo) -> dict[str, AnnotationRow]:
    latest: dict[str, AnnotationRow] = {}
    for a in tx.annotations_after(repo.tract_id, 0):
        latest[a.commit_hash] = a
    return latest


@dataclass
class Rewriter:
    """Appends commits after `base` (None: a new root) inside the caller's transaction."""

    tx: Txn
    repo: Repo
    branch: str
    base: CommitRow | None
    annotations: dict[str, AnnotationRow]
    copies: dict[str, str] = field(default_factory=dict)   # old hash -> its copy (or restored original)
    made: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.prev = self.base.hash if self.base else None
        self.generation = self.base.generation if self.base else -1

    def _write(self, row: CommitRow) -> str:
        self.tx.insert_commit(row)
        self.prev, self.generation = row.hash, row.generation
        self.made.append(row.hash)
        return row.hash

    def add(self, blob: BlobRow, message: str | None, metadata: dict | None) -> str:
        """A new APPEND commit with fresh content (a summary)."""
        self.tx.put_blob(blob)
        return self._write(new_commit_row(
            self.repo, parents=[self.prev] if self.prev else [], generation=self.generation + 1,
            operation="append", blob=blob, edit_target=None, message=message, metadata=metadata))

    def copy(self, row: CommitRow, others: dict[str, CommitRow]) -> str:
        """Re-apply `row` here: same content, operation, message and metadata; its edit target and
        merge resolutions follow earlier copies; its annotation (priority) comes along."""
        meta = json.loads(row.meta) if row.meta else None
        parents = [self.prev] if self.prev else []
        generation = self.generation + 1
        if row.operation == "merge":
            parents += row.parents[1:]
            generation = max([generation] + [others[p].generation + 1 for p in row.parents[1:] if p in others])
            if meta and meta.get("resolutions"):
                meta = {**meta, "resolutions": {self.copies.get(t, t): self.copies.get(e, e)
                                                for t, e in meta["resolutions"].items()}}
        blob = (BlobRow(row.content_hash, row.content_type, row.body, row.token_count)
                if row.content_hash else None)
        target = self.copies.get(row.edit_target, row.edit_target) if row.edit_target else None
        new = self._write(new_commit_row(
            self.repo, parents=parents, generation=generation, operation=row.operation, blob=blob,
            edit_target=target, message=row.message, metadata=meta))
        self.copies[row.hash] = new
        ann = self.annotations.get(row.hash)
        if ann is not None and row.operation == "append":
            self.tx.add_annotation(self.repo.tract_id, new, ann.priority, ann.reason, ann.branch)
            if ann.priority == "important":   # its must-keep facts come along too
                copy_must_keep(self.tx, self.repo.tract_id, row.hash, new)
        return new

    def move_branch(self, old_tip: str | None) -> str | None:
        if not self.tx.cas_ref(self.repo.tract_id, branch_ref(self.branch), old_tip, self.prev):
            raise RefConflictError(f"branch {self.branch} moved while it was being rewritten; try again")
        return self.prev


def retry_lost_race(write, attempts: int = 5):
    """Run `write()` (one write transaction) again when another writer moved the branch under it;
    each attempt re-reads the branch, so the rewrite lands on the newest tip."""
    for n in range(attempts):
        try:
            return write()
        except RefConflictError:
            if n == attempts - 1:
                raise
