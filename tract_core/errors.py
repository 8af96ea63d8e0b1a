"""Every error tract raises: one module, one base class.

Each exception a user can cause says what was wrong and what to do about it.
"""

from __future__ import annotations


class TractError(Exception):
    """Base class of every error tract raises on purpose."""


class ContentValidationError(TractError, ValueError):
    """Content does not match its kind's model."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class UnknownContentTypeError(ContentValidationError):
    """A `content_type` that is neither built in nor registered on this tract."""


class CommitNotFoundError(TractError, LookupError):
    """No commit matches the given hash or prefix."""


class AmbiguousPrefixError(TractError, LookupError):
    """A hash prefix matches more than one commit."""

    def __init__(self, prefix: str, candidates: list[str], what: str = "commits") -> None:
        shown = ", ".join(c[:12] for c in candidates[:5])
        super().__init__(
            f"prefix {prefix!r} is ambiguous: it matches {len(candidates)} {what} ({shown}…); "
            "give more characters"
        )
        self.prefix = prefix
        self.candidates = candidates


class BranchNotFoundError(TractError, LookupError):
    """No branch of that name."""


class BranchExistsError(TractError):
    """A branch of that name exists already."""


class InvalidRefNameError(TractError, ValueError):
    """A branch name that cannot be used."""


class DetachedHeadError(TractError):
    """An operation that needs a branch was asked for while HEAD is detached."""


class RefConflictError(TractError):
    """Another writer moved the ref between our read and our write (compare-and-swap lost)."""


class BranchNotMergedError(TractError):
    """Deleting a branch whose commits are not merged anywhere, without force."""


class InvalidOperationError(TractError, ValueError):
    """An argument names an operation, mode, strategy or priority that does not exist,
    or an EDIT that has no valid target."""


class MergeConflictError(TractError):
    """A merge could not be completed without a choice from the user."""


class BudgetError(TractError):
    """The pinned part of the context alone exceeds the token budget."""


class CompressionError(TractError):
    """A compression could not be made or applied; the store is unchanged."""


class CompressionNotFoundError(CompressionError, LookupError):
    """No pending compression (or compression event) with that id."""


class StaleCompressionError(CompressionError):
    """The range a pending compression summarises is no longer on its branch."""


class RecordNotFoundError(TractError, LookupError):
    """No compile record with that id (or it was garbage-collected)."""


class StorageError(TractError):
    """The store could not be opened, migrated or written."""


class IdempotencyKeyError(TractError):
    """An idempotency key reused for a different call, or whose first call is still running."""


class WriteConflictError(RefConflictError, StorageError):
    """A concurrent writer's transaction collided with ours (on PostgreSQL: a serialization failure,
    deadlock or unique violation); nothing was written and the call can simply be repeated."""


class SessionNotFoundError(TractError, LookupError):
    """No session with that id in this store."""


class SessionEndedError(TractError):
    """A session that was ended takes no new tracts or tasks."""


class TaskError(TractError):
    """A task transition that is not allowed (e.g. completing a task that is not yours any more)."""


class TaskNotFoundError(TaskError, LookupError):
    """No task with that id in the session."""


class CollapseError(TractError):
    """A collapse that cannot be made: not a spawned tract, collapsed already, or nothing to report."""


class ApprovalNotFoundError(TractError, LookupError):
    """No approval (pending compression or collapse) with that id."""


class StoreTimeoutError(StorageError):
    """The store did not answer, or another writer held its lock, for longer than the store's
    timeout (`Tract.open(..., timeout=)`, `TRACT_STORE_TIMEOUT`); the call was abandoned."""


class StoreBusyError(StorageError):
    """A call asked not to wait found the store (or the tract) in use; nothing was written."""


class CorruptStoreError(StorageError):
    """The store's data is damaged; `tract check` says where, a backup restores it."""


class InvalidTractNameError(InvalidOperationError):
    """A tract name that cannot be used (empty, too long, or holding invisible or control characters)."""


KNOWN_SHOWN = 10  # tracts named by a TractNotFoundError


class TractNotFoundError(TractError, LookupError):
    """A tract that was never written, asked for by a read."""

    def __init__(self, name: str, known: list[str]) -> None:
        shown = ", ".join(repr(k) for k in known[:KNOWN_SHOWN]) + (", …" if len(known) > KNOWN_SHOWN else "")
        super().__init__(f"no tract {name!r} in this store; known tracts: {shown or 'none yet'} "
                         "(a commit creates a tract)")
        self.name = name
        self.known = known


class ContentTooLargeError(ContentValidationError):
    """A commit's content, message or metadata is larger than the tract's limit."""


class UnknownRevisionError(CommitNotFoundError):
    """A revision (`HEAD`, `HEAD~N`, `<branch>~N`, `<branch>`, a hash prefix) that names no commit."""


class InvalidTagError(TractError, ValueError):
    """A tag name that cannot be used."""


class EventNotFoundError(TractError, LookupError):
    """No operation event with that id (or prefix)."""


class FactsLostError(CompressionError):
    """A summary leaves out must-keep facts of IMPORTANT commits; `facts` lists them."""

    def __init__(self, message: str, facts: list[str] | None = None) -> None:
        super().__init__(message)
        self.facts = list(facts or [])
