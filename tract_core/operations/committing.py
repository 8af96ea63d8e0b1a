"""Writing a commit: blob, commit row, parents and the ref move, in one transaction, with a
compare-and-swap on the branch so concurrent writers never lose a commit."""

from __future__ import annotations

import json
import random
import time
from typing import Any

from pydantic_core import PydanticSerializationError

from tract_core.errors import (CommitNotFoundError, ContentValidationError, DetachedHeadError,
                               InvalidOperationError, RefConflictError, TractError, WriteConflictError)
from tract_core.models.enums import Operation, Priority, parse_enum
from tract_core.models.registry import canonical_json
from tract_core.operations.hashing import commit_hash, content_body
from tract_core.operations.refs import RefView, branch_ref, resolve
from tract_core.operations.render import count_tokens
from tract_core.operations.repo import Repo
from tract_core.storage import BlobRow, CommitRow, Txn, now_us

MAX_ATTEMPTS = 20


class _LostRace(Exception):
    pass


def _backoff(attempt: int) -> None:
    """Sleep a little, longer after each loss, with jitter so losers do not collide again."""
    time.sleep(random.uniform(0, min(0.1, 0.002 * 2 ** attempt)))


def check_text(value: Any, what: str, error: type[TractError] = InvalidOperationError) -> None:
    """A text kept as given (a message, a reason): a string or None, without NUL characters, which
    PostgreSQL cannot store (SQLite can: refusing them on both keeps the engines alike)."""
    if value is None:
        return
    if not isinstance(value, str):
        raise error(f"{what} must be a string, not {type(value).__name__}")
    if "\x00" in value:
        raise error(f"{what} contains a NUL character (\\x00), which the store cannot keep; remove it")
    check_utf8(value, what, error)


def check_utf8(value: Any, what: str, error: type[TractError] = InvalidOperationError) -> None:
    """Text must have a UTF-8 form to be hashed and stored: a lone surrogate (e.g. '\\ud800', left
    by a bad decode) has none."""
    try:
        canonical_json(value).encode("utf-8")
    except UnicodeEncodeError as err:
        bad = err.object[err.start:err.end]
        raise error(f"{what} holds a lone surrogate ({bad!r}), which is not valid Unicode text and "
                    "cannot be stored; remove it or decode the text properly") from None
    except (TypeError, ValueError):
        pass  # not JSON at all: reported where it is serialised


def prepare_blob(repo: Repo, content: Any) -> BlobRow:
    """Validate content and count its tokens once, before any transaction opens."""
    model = repo.registry.validate(content)
    try:
        data = model.model_dump(mode="json")
    except PydanticSerializationError as err:
        raise ContentValidationError(
            f"content holds a value that is not JSON ({err}); use strings, numbers, booleans, null, "
            "lists and objects", field="content") from None
    try:
        body, chash = content_body(data)
    except UnicodeEncodeError:
        check_utf8(data, "content", ContentValidationError)  # raises, naming the character
        raise
    return BlobRow(chash, data["content_type"], body, count_tokens(data, repo.counter))


def _edit_target(tx: Txn, repo: Repo, target: str | None, parent: str | None, view: RefView) -> str:
    if not target:
        raise InvalidOperationError("an EDIT commit needs edit_target: the hash of the commit it replaces")
    full = resolve(tx, repo.tract_id, target, view)
    row = tx.get_commit(repo.tract_id, full)
    if row.operation == Operation.MERGE.value:
        raise InvalidOperationError(f"commit {full[:12]} is a merge commit and has no content to edit")
    if row.operation == Operation.EDIT.value:
        full = row.edit_target  # edits always name the original turn
    if parent is None or not tx.is_ancestor(full, parent):
        raise CommitNotFoundError(f"edit target {full[:12]} is not on the current branch")
    return full


def new_commit_row(repo: Repo, *, parents: list[str], generation: int, operation: str,
                   blob: BlobRow | None, edit_target: str | None, message: str | None,
                   metadata: dict | None) -> CommitRow:
    check_text(message, "message")
    try:
        meta = json.dumps(metadata, sort_keys=True) if metadata else None
    except (TypeError, ValueError) as err:
        raise InvalidOperationError(f"metadata must be a JSON object with string keys ({err})") from None
    created = now_us()
    h = commit_hash(tract_id=repo.tract_id, content_hash=blob.hash if blob else None, parents=parents,
                    operation=operation, edit_target=edit_target, message=message,
                    metadata=metadata, created_us=created)
    return CommitRow(h, repo.tract_id, parents, operation, edit_target, blob.hash if blob else None,
                     message, meta, created, generation, blob.content_type if blob else None,
                     blob.body if blob else None, blob.token_count if blob else 0)


def write_on_branch(tx: Txn, repo: Repo, branch: str, row: CommitRow, old_tip: str | None) -> None:
    """Insert `row` and move `branch` from `old_tip` to it, or raise _LostRace."""
    tx.insert_commit(row)
    if not tx.cas_ref(repo.tract_id, branch_ref(branch), old_tip, row.hash):
        raise _LostRace


def append(repo: Repo, content: Any, *, operation: str | Operation = Operation.APPEND,
           edit_target: str | None = None, message: str | None = None,
           metadata: dict[str, Any] | None = None, priority: str | Priority | None = None,
           branch: str | None = None, retry: bool = True) -> CommitRow:
    """Commit `content` on the current branch (or `branch`); retried on a lost race."""
    op = parse_enum(Operation, operation, "operation")
    if op is Operation.MERGE:
        raise InvalidOperationError("merge commits are made by merge(), not commit()")
    if op is Operation.APPEND and edit_target:
        raise InvalidOperationError("edit_target is only for operation='edit'")
    prio = parse_enum(Priority, priority, "priority") if priority is not None else None
    if metadata is not None and not isinstance(metadata, dict):
        raise InvalidOperationError("metadata must be a JSON object (dict)")
    check_utf8(metadata, "metadata")
    blob = prepare_blob(repo, content)
    name = branch
    for attempt in range(MAX_ATTEMPTS if retry else 1):
        if attempt:
            _backoff(attempt)
        try:
            with repo.store.write() as tx:
                view = RefView.read(tx, repo.tract_id)
                name = branch or view.branch
                if name is None:
                    raise DetachedHeadError(
                        "HEAD is detached (checked out at a commit): switch to a branch, or create one "
                        "with branch(name, switch=True), before committing")
                tip = view.branch_head(name)  # raises when there is no such branch
                if tx.dialect != "sqlite":  # SQLite's BEGIN IMMEDIATE holds the database already
                    if prio is not None:
                        tx.lock_annotations(repo.tract_id)  # before the ref, as rewrites take them
                    tip = tx.lock_ref(repo.tract_id, branch_ref(name))
                target = (_edit_target(tx, repo, edit_target, tip, view)
                          if op is Operation.EDIT else None)
                parent_generation = repo.generation(tx, tip) if tip else None
                row = new_commit_row(repo, parents=[tip] if tip else [],
                                     generation=parent_generation + 1 if tip else 0,
                                     operation=op.value, blob=blob, edit_target=target,
                                     message=message, metadata=metadata)
                tx.put_blob(blob)
                write_on_branch(tx, repo, name, row, tip)
                if prio is not None:
                    tx.add_annotation(repo.tract_id, target or row.hash, prio.value, None, name)
            repo.remember(row)  # only once it is committed
            return row
        except (_LostRace, WriteConflictError):
            continue
    raise RefConflictError(f"another writer moved branch {name or 'HEAD'} first; "
                           "the commit was not written, try again")
