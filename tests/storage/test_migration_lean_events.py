"""Revision 0011 (the events' session index holds only events made in a session): a store written by
revision 0010 upgrades with its audit trail intact, a session's events are found through the index,
and commits made outside a session add nothing to it."""

from __future__ import annotations

from sqlalchemy import text

from tests.conftest import WordCounter
from tract_core import Tract
from tract_core.storage import Store
from tract_core.storage.audit_log import audit_events
from tract_core.storage.engine import current_revision, head_revision

EVENTS = [("e1", "s1", 1000), ("e2", None, 2000), ("e3", "s1", 3000), ("e4", "s2", 4000)]


def write_revision_0010_events(store: Store) -> None:
    with store.engine.connect().execution_options(tract_write=True) as conn, conn.begin():
        conn.execute(text("INSERT INTO tracts (id, created_us) VALUES ('old', 1000)"))
        for event_id, session_id, at in EVENTS:
            conn.execute(text(
                "INSERT INTO operation_events (id, tract_id, kind, branch, params, sources, results, created_us,"
                " actor, session_id, trace_id) VALUES (:id, 'old', 'commit', 'main', '{}', '[]', :r, :t,"
                " 'agent-a', :s, NULL)"), {"id": event_id, "r": f'["{event_id * 32}"]', "t": at, "s": session_id})


def _session_index_entries(store: Store) -> int:
    with store.read() as tx:
        if store.dialect == "sqlite":
            return tx.conn.exec_driver_sql("SELECT count(*) FROM operation_events INDEXED BY "
                                           "ix_events_session_created WHERE session_id IS NOT NULL").scalar()
        definition = tx.conn.exec_driver_sql(
            "SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_events_session_created' "
            "AND schemaname = current_schema()").scalar()
        assert "WHERE (session_id IS NOT NULL)" in definition
        return tx.conn.exec_driver_sql(
            "SELECT count(*) FROM operation_events WHERE session_id IS NOT NULL").scalar()


def test_a_revision_0010_audit_trail_reads_the_same_after_0011(store_url):
    old = Store(store_url, migrate_to="0010")
    write_revision_0010_events(old)
    old.close()

    with Tract.open(store_url, "old", counter=WordCounter()) as t:
        assert current_revision(t.store.engine) == head_revision()
        with t.store.read() as tx:
            assert [a.event.id for a in audit_events(tx, session_id="s1")] == ["e3", "e1"]
            assert [a.event.id for a in audit_events(tx, tract_id="old")] == ["e4", "e3", "e2", "e1"]
            assert audit_events(tx, session_id="s1")[0].event.results == f'["{"e3" * 32}"]'
        t.user("a commit outside any session")
        with t.store.read() as tx:
            assert len(audit_events(tx, tract_id="old")) == 5
            assert [a.event.id for a in audit_events(tx, session_id="s2")] == ["e4"]
        assert _session_index_entries(t.store) == 3


def test_the_session_query_uses_the_partial_index(sqlite_url):
    with Tract.open(sqlite_url, "t", counter=WordCounter()) as t:
        t.user("hello")
        with t.store.read() as tx:
            sql = tx.conn.exec_driver_sql(
                "SELECT sql FROM sqlite_master WHERE name = 'ix_events_session_created'").scalar()
            plan = " ".join(r[-1] for r in tx.conn.exec_driver_sql(
                "EXPLAIN QUERY PLAN SELECT * FROM operation_events WHERE session_id = 's1' "
                "ORDER BY created_us DESC, id DESC"))
    assert "WHERE session_id IS NOT NULL" in sql
    assert "ix_events_session_created" in plan
