"""`Store.one_transaction()`: every write (and later read) inside joins one transaction, committed
at the end or not at all; a failed write block inside is undone alone (a savepoint)."""

from __future__ import annotations

import pytest

from tests.conftest import WordCounter
from tract_core import Tract
from tract_core.errors import CommitNotFoundError


def test_writes_inside_commit_together_or_not_at_all(store_url):
    with Tract.open(store_url, counter=WordCounter()) as t:
        with pytest.raises(RuntimeError):
            with t.store.one_transaction():
                t.user("one")
                t.user("two")
                assert [c.content.text for c in t.log()] == ["two", "one"]  # a read sees them
                raise RuntimeError("the call failed after writing")
        assert t.log() == []

        opened = []
        with t.store.one_transaction(opened.append):
            t.user("one")
            with pytest.raises(CommitNotFoundError):
                t.annotate("ffff", "skip")  # a failed block: undone alone, the rest goes on
            t.user("two")
        assert len(opened) == 1
    with Tract.open(store_url, counter=WordCounter()) as other:
        assert [c.content.text for c in other.log()] == ["two", "one"]


def test_nothing_opens_before_the_first_write(store_url):
    with Tract.open(store_url, counter=WordCounter()) as t:
        opened = []
        with t.store.one_transaction(opened.append):
            t.compile()
            assert opened == []
            t.user("one")
            assert len(opened) == 1
        assert len(t.log()) == 1
