"""Writing a commit: blob, commit row, parents and the ref move, in one transaction, with a
compare-and-swap on the branch so concurrent writers never lose a commit."""

from __future__ import annotations

import json
import random
import time
from typing import Any

from pydantic_core import PydanticSerializationError

from tract_core.errors import (CommitNotFoundError, ContentTooLargeError, ContentValidationError, DetachedHeadError,
                               InvalidOperationError, RefConflictError, TractError, WriteConflictError)
from tract_core.models.enums import Operation, Priority, parse_enum
from tract_core.models.json_object import parse_json_object
from tract_core.models.registry import canonical_json
from tract_core.operations.events import record_commits, record_event
from tract_core.operations.hashing import commit_hash, content_body
from tract_core.operations.refs import RefView, branch_ref, resolve
from tract_core.operations.render import count_tokens
from tract_core.operations.repo import Repo
from tract_core.storage import BlobRow, CommitRow, Txn, now_us
from tract_core.storage.search import content_words

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


def check_size(repo: Repo, text: str | None, what: str) -> None:
    """Refuse a text over the tract's limit before it reaches the store (and every later read)."""
    limit = repo.max_content_bytes
    if text is None or limit is None or len(text) * 4 <= limit:  # 4 bytes per character at most
        return
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > limit:
        raise ContentTooLargeError(
            f"{what} is {size:,} bytes, over this tract's limit of {limit:,} bytes; commit it in smaller "
            "pieces, or store the large data elsewhere and commit a reference to it", field=what)


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
    check_size(repo, body, "content")
    repo.fresh[chash] = model  # what `Repo.info` would rebuild from the body
    return BlobRow(chash, data["content_type"], body, count_tokens(data, repo.counter), content_words(data))


def may_warn(row: CommitRow) -> bool:
    """Whether a new commit may need a warning (Compiler.commit_warnings): a tool result may answer
    no call; nothing else can be wrong once written."""
    return row.content_type == "tool_io" and '"direction":"result"' in (row.body or "")


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
                   metadata: dict | None, after_us: int = 0) -> CommitRow:
    """`after_us`: a time the commit must come after (a batch's commits get distinct, rising times)."""
    check_text(message, "message")
    check_size(repo, message, "message")
    try:
        meta = json.dumps(metadata, sort_keys=True) if metadata else None
    except (TypeError, ValueError) as err:
        raise InvalidOperationError(f"metadata must be a JSON object with string keys ({err})") from None
    check_size(repo, meta, "metadata")
    created = max(now_us(), after_us + 1)
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


def _branch_tip(tx: Txn, repo: Repo, branch: str | None,
                lock_annotations: bool = False) -> tuple[RefView, str, str | None]:
    """The branch to write on and its tip, held against other writers (PostgreSQL); with
    `lock_annotations`, the tract's annotation lock first (the order rewrites take them in)."""
    if lock_annotations:
        tx.lock_annotations(repo.tract_id)
    # PostgreSQL: the branch held, read with the refs in one statement (SQLite's BEGIN IMMEDIATE
    # holds the database already)
    refs, held_tip = tx.lock_branch(repo.tract_id, branch_ref(branch) if branch else None)
    view = RefView({r.name: r for r in refs} or RefView.unborn())
    name = branch or view.branch
    if name is None:
        raise DetachedHeadError(
            "HEAD is detached (checked out at a commit): switch to a branch, or create one "
            "with branch(name, switch=True), before committing")
    tip = view.branch_head(name)  # raises when there is no such branch
    return view, name, tip if tx.dialect == "sqlite" else held_tip


def append_many(repo: Repo, contents: list[Any], *, branch: str | None = None) -> list[CommitRow]:
    """Commit several contents in order, as one transaction: all of them or none (a tool call and
    its result, say). Retried whole on a lost race."""
    if isinstance(contents, (str, bytes, dict)) or not isinstance(contents, (list, tuple)):
        raise InvalidOperationError("commit_many takes a list of contents (each a content model or a "
                                    "dict with content_type)")
    if not contents:
        raise InvalidOperationError("commit_many needs at least one content")
    blobs = []
    for i, content in enumerate(contents):
        try:
            blobs.append(prepare_blob(repo, content))
        except ContentValidationError as err:
            raise type(err)(f"content #{i} of the batch: {err}; nothing was committed",
                            field=err.field) from None
    name = branch
    for attempt in range(MAX_ATTEMPTS):
        if attempt:
            _backoff(attempt)
        try:
            with repo.store.write() as tx:
                _, name, old_tip = _branch_tip(tx, repo, branch)
                tip, rows = old_tip, []
                generation = repo.generation(tx, tip) if tip else -1
                for blob in blobs:
                    generation += 1
                    row = new_commit_row(repo, parents=[tip] if tip else [], generation=generation,
                                         operation=Operation.APPEND.value, blob=blob, edit_target=None,
                                         message=None, metadata=None,
                                         after_us=rows[-1].created_us if rows else 0)
                    rows.append(row)
                    tip = row.hash
                tx.put_blobs(blobs)
                tx.insert_commits(rows)
                if not tx.cas_ref(repo.tract_id, branch_ref(name), old_tip, tip):
                    raise _LostRace
                record_commits(tx, repo, name, [r.hash for r in rows])
            for row in rows:
                repo.remember(row)  # only once they are committed
            return rows
        except (_LostRace, WriteConflictError):
            continue
    raise RefConflictError(f"another writer moved branch {name or 'HEAD'} first; "
                           "nothing of the batch was written, try again")


def append(repo: Repo, content: Any, *, operation: str | Operation = Operation.APPEND,
           edit_target: str | None = None, message: str | None = None,
           metadata: dict[str, Any] | None = None, priority: str | Priority | None = None,
           branch: str | None = None, retry: bool = True, reason: str | None = None,
           event: dict | None = None) -> CommitRow:
    """Commit `content` on the current branch (or `branch`); retried on a lost race. `reason` goes
    with the priority's annotation; `event` (the parameters of a `policy` event naming the new
    commit) is recorded in the same transaction."""
    op = parse_enum(Operation, operation, "operation")
    if op is Operation.MERGE:
        raise InvalidOperationError("merge commits are made by merge(), not commit()")
    if op is Operation.APPEND and edit_target:
        raise InvalidOperationError("edit_target is only for operation='edit'")
    prio = parse_enum(Priority, priority, "priority") if priority is not None else None
    if isinstance(metadata, str):  # JSON text of an object: what strict-schema clients can send
        try:
            metadata = parse_json_object(metadata)
        except ValueError as err:
            raise InvalidOperationError(f"metadata: {err}") from None
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
                view, name, tip = _branch_tip(tx, repo, branch, lock_annotations=prio is not None)
                target = (_edit_target(tx, repo, edit_target, tip, view)
                          if op is Operation.EDIT else None)
                parent_generation = repo.generation(tx, tip) if tip else None
                row = new_commit_row(repo, parents=[tip] if tip else [],
                                     generation=parent_generation + 1 if tip else 0,
                                     operation=op.value, blob=blob, edit_target=target,
                                     message=message, metadata=metadata)
                tx.put_blob(blob)
                write_on_branch(tx, repo, name, row, tip)
                record_commits(tx, repo, name, [row.hash])
                if prio is not None:
                    tx.add_annotation(repo.tract_id, target or row.hash, prio.value, reason, name)
                if event is not None:
                    record_event(tx, repo, "policy", name, event, [], [row.hash])
            repo.remember(row)  # only once it is committed
            return row
        except (_LostRace, WriteConflictError):
            continue
    raise RefConflictError(f"another writer moved branch {name or 'HEAD'} first; "
                           "the commit was not written, try again")
