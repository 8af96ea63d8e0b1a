"""Each kind of database failure becomes the StorageError a user can act on."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import DatabaseError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

from tract_core.errors import (CorruptStoreError, StorageError, StoreBusyError, StoreTimeoutError,
                               WriteConflictError)
from tract_core.storage.failures import storage_error


class DriverError(Exception):
    def __init__(self, message: str, sqlstate: str | None = None, sqlite_errorname: str | None = None):
        super().__init__(message)
        self.sqlstate = sqlstate
        self.sqlite_errorname = sqlite_errorname


@pytest.mark.parametrize("err, dialect, expected, says", [
    (DatabaseError("SELECT", {}, DriverError("database disk image is malformed", sqlite_errorname="SQLITE_CORRUPT")),
     "sqlite", CorruptStoreError, "tract --db '/x/t.db' check"),
    (DatabaseError("SELECT", {}, DriverError("invalid page in block 7", "XX001")),
     "postgresql", CorruptStoreError, "tract --url '/x/t.db' check"),
    (OperationalError("BEGIN", {}, DriverError("database is locked", sqlite_errorname="SQLITE_BUSY")),
     "sqlite", StoreTimeoutError, "more than 7 s"),
    (OperationalError("SELECT", {}, DriverError("canceling statement due to statement timeout", "57014")),
     "postgresql", StoreTimeoutError, "did not answer within 7 s"),
    (OperationalError("SELECT", {}, DriverError("could not serialize access", "40001")),
     "postgresql", WriteConflictError, "try again"),
    (OperationalError("SELECT", {}, DriverError("server closed the connection unexpectedly")),
     "postgresql", StorageError, "lost the connection"),
    (PoolTimeoutError("QueuePool limit reached"), "postgresql", StoreTimeoutError, "stayed busy for 7 s"),
])
def test_a_database_failure_becomes_an_actionable_storage_error(err, dialect, expected, says):
    found = storage_error(err, "/x/t.db", 7, dialect=dialect)
    assert type(found) is expected
    assert says in str(found)
    assert "SELECT" not in str(found) and "sqlalche.me" not in str(found)


def test_a_busy_lock_in_a_call_that_asked_not_to_wait_is_store_busy():
    err = OperationalError("BEGIN", {}, DriverError("database is locked", sqlite_errorname="SQLITE_BUSY"))
    assert type(storage_error(err, "/x/t.db", 7, dialect="sqlite", no_wait=True)) is StoreBusyError
