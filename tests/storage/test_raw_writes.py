"""SQLite's write transaction is begun and ended on the driver (no SQLAlchemy Transaction on a
commit's path), and stays one transaction: a statement made through SQLAlchemy inside it joins it,
an exception rolls all of it back, and the engine's commit and rollback events still fire."""

from __future__ import annotations

import pytest
from sqlalchemy import event

from tract_core.storage import Store
from tract_core.storage.driver import Sql


@pytest.fixture(params=["file", "memory"])
def store(request, sqlite_url):
    st = Store(sqlite_url if request.param == "file" else ":memory:")
    yield st
    st.close()


def tracts(store: Store) -> list[str]:
    with store.read() as tx:
        return tx.list_tracts()


def test_a_write_opens_no_sqlalchemy_transaction_and_fires_the_commit_event(store):
    ended = []
    event.listen(store.engine, "commit", lambda conn: ended.append("commit"))
    with store.write() as tx:
        assert not tx.conn.in_transaction()
        assert tx.driver.rows(Sql("SELECT 1")) == [(1,)]
        assert not tx.conn.in_transaction()
    assert ended == ["commit"]


def test_a_statement_through_sqlalchemy_joins_the_write_and_fails_with_it(store):
    ended = []
    event.listen(store.engine, "rollback", lambda conn: ended.append("rollback"))
    with pytest.raises(RuntimeError):
        with store.write() as tx:
            tx.ensure_tract("joined")  # through SQLAlchemy's Connection.execute
            tx.driver.run(Sql("INSERT INTO tracts (id, created_us) VALUES ('raw', 1)"))
            raise RuntimeError("the call failed after writing")
    assert tracts(store) == []
    assert "rollback" in ended
    with pytest.raises(RuntimeError):
        with store.write() as tx:
            tx.driver.run(Sql("INSERT INTO tracts (id, created_us) VALUES ('raw', 1)"))
            raise RuntimeError("no SQLAlchemy statement this time")
    assert tracts(store) == []
    with store.write() as tx:
        tx.driver.run(Sql("INSERT INTO tracts (id, created_us) VALUES ('raw', 1)"))
        tx.ensure_tract("joined")
    assert tracts(store) == ["joined", "raw"]
    with store.write() as tx:  # the next write on the same held connection begins cleanly
        tx.ensure_tract("again")
    assert tracts(store) == ["again", "joined", "raw"]

