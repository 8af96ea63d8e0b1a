"""A database error as the StorageError a user can act on: what failed, and what to do."""

from __future__ import annotations

import json

from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

from tract_core.errors import (CorruptStoreError, StorageError, StoreBusyError, StoreTimeoutError,
                               WriteConflictError)
from tract_core.storage.pg_pipeline import refusal

# PostgreSQL errors that mean "a concurrent transaction got in the way", never bad data:
# serialization_failure, deadlock_detected, unique_violation (two writers inserting the same key),
# foreign_key_violation (a commit reusing a blob that gc deleted meanwhile: every write inserts its
# blob, or finds it, in the same transaction, so only a concurrent delete can break the reference)
RACE_SQLSTATES = frozenset({"40001", "40P01", "23505", "23503"})
TIMEOUT_SQLSTATES = frozenset({"57014", "55P03"})  # query_canceled (statement_timeout), lock_not_available
CORRUPT_SQLSTATES = frozenset({"XX001", "XX002"})  # data_corrupted, index_corrupted
SQLITE_CORRUPT = frozenset({"SQLITE_CORRUPT", "SQLITE_NOTADB"})
SQLITE_BUSY = frozenset({"SQLITE_BUSY", "SQLITE_LOCKED"})


def location(engine) -> str:
    """A store as a user names it: the SQLite file, or the URL without its password."""
    if engine.dialect.name == "sqlite":
        return engine.url.database or ":memory:"
    return engine.url.render_as_string(hide_password=True)


def check_command(where: str, dialect: str) -> str:
    return f"tract --{'db' if dialect == 'sqlite' else 'url'} '{where}' check"


def cause(err: BaseException) -> str:
    """The first line of what the driver said (SQLAlchemy appends the SQL and a link)."""
    for said in (getattr(err, "orig", None), err):
        lines = str(said).strip().splitlines() if said is not None else []
        if lines:
            return lines[0]
    return type(err).__name__


# what reading rows that are not what tract wrote raises (a damaged page SQLite did not notice: a
# row missing from an index, a NULL or garbled value); tract's own errors are never among them
DATA_ERRORS = (KeyError, TypeError, UnicodeError, json.JSONDecodeError)


def damaged_data(err: Exception, where: str, dialect: str) -> CorruptStoreError:
    return CorruptStoreError(
        f"tract could not use what it read from the store {where} ({type(err).__name__}: "
        f"{cause(err)[:200]}): the store may be damaged; run `{check_command(where, dialect)}`, and "
        "restore it from a backup if it finds damage")


def is_busy(err: SQLAlchemyError) -> bool:
    """SQLite's "another connection holds the lock"."""
    orig = getattr(err, "orig", None)
    return getattr(orig, "sqlite_errorname", None) in SQLITE_BUSY or "database is locked" in str(orig)


def storage_error(err: SQLAlchemyError, where: str, timeout: float, *, dialect: str,
                  no_wait: bool = False) -> StorageError:
    """The StorageError for `err`, raised by a call on the store `where` (a path or a URL without
    its password) whose timeout is `timeout` seconds."""
    orig = getattr(err, "orig", None)
    why = cause(err)
    sqlstate = getattr(orig, "sqlstate", None)
    code = getattr(orig, "sqlite_errorname", None)
    refused = refusal(why) if sqlstate == "22P02" else None  # a check made by the statement itself
    if refused is not None:
        if refused.startswith("conflict: "):
            return WriteConflictError(f"another writer changed the store at the same time ({refused.removeprefix('conflict: ')}); "
                                      "nothing was written, try again")
        return StorageError(f"{refused}; nothing was written")
    if sqlstate in RACE_SQLSTATES:
        return WriteConflictError(f"another writer changed the store at the same time; nothing was "
                                  f"written, try again ({why})")
    if code in SQLITE_CORRUPT or sqlstate in CORRUPT_SQLSTATES or "Could not decode to UTF-8" in why:
        return CorruptStoreError(
            f"the store {where} is damaged ({why}): run `{check_command(where, dialect)}` to see what is "
            "damaged, and restore it from a backup")
    if dialect == "sqlite" and is_busy(err):
        if no_wait:
            return StoreBusyError(f"the store {where} is locked by another writer; nothing was written")
        return StoreTimeoutError(
            f"another process held the write lock of {where} for more than {timeout:g} s, so nothing "
            "was written: try again, or stop the process holding it (TRACT_STORE_TIMEOUT sets the wait)")
    if isinstance(err, PoolTimeoutError):
        return StoreTimeoutError(
            f"every connection to {where} stayed busy for {timeout:g} s, so the call was abandoned and "
            "nothing was written: try again when fewer calls are running")
    timed_out = sqlstate in TIMEOUT_SQLSTATES or "did not answer" in why or "timeout expired" in why
    if timed_out:
        return StoreTimeoutError(
            f"the database {where} did not answer within {timeout:g} s ({why}); the call was abandoned "
            "and nothing was written: check that the database is running and reachable, then try again "
            "(TRACT_STORE_TIMEOUT sets the limit)")
    if isinstance(err, DBAPIError) and err.connection_invalidated or dialect == "postgresql" and (
            sqlstate is None or sqlstate.startswith("08")):
        return StorageError(
            f"lost the connection to the database {where} ({why}); nothing was written: check that "
            "the database is running and reachable, then try again (tract reconnects by itself)")
    return StorageError(f"the store {where} failed ({why}); nothing was written: if this repeats, run "
                        f"`{check_command(where, dialect)}`")
