"""Opening a store that cannot be opened says which store and why, as a StorageError, and never
shows the password of the URL."""

from __future__ import annotations

import pytest

from tract_core import Tract
from tract_core.errors import StorageError


@pytest.mark.parametrize("where, says", [
    ("postgresql://postgres:s3cret@127.0.0.1:1/test", "127.0.0.1:1"),  # nothing listens on port 1
    ("mysql://user:s3cret@localhost/db", "SQLite or PostgreSQL"),
    ("foo://bar", "SQLite or PostgreSQL"),
    ("/proc/no-such-dir/tract.db", "/proc/no-such-dir/tract.db"),
])
def test_an_unopenable_store_is_a_storage_error_naming_it(where, says):
    with pytest.raises(StorageError) as err:
        Tract.open(where)
    assert says in str(err.value)
    assert "s3cret" not in str(err.value)


def test_a_directory_is_not_a_sqlite_store(tmp_path):
    with pytest.raises(StorageError, match="cannot open store"):
        Tract.open(str(tmp_path))
