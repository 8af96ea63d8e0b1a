"""Sessions: open and resume, membership, end, list; one approvals queue; the audit trail;
retention of ended sessions; the 0009 migration over an older store."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlalchemy import inspect, text

from tract_core import Session, Tract, acting_as, clock
from tract_core.errors import (ApprovalNotFoundError, InvalidOperationError, SessionEndedError,
                               SessionNotFoundError)
from tract_core.storage import Store


class WordCounter:
    def count(self, text: str) -> int:
        return len(text.split())


def summarizer(system, prompt):
    return "They deployed api-v2."


@pytest.fixture(autouse=True)
def _real_clock():
    yield
    clock.reset()


def test_open_resume_end_and_list(store_url):
    with Session.open(store_url, title="release") as s:
        s.tract("planner").user("plan it")
        sid = s.id
    with Session.open(store_url, sid) as again:
        assert again.status == "active" and again.info().title == "release"
        assert again.tracts() == ["planner"]
        assert again.tract("planner").compile().messages[0].content == "plan it"
        with Session.open(store_url, "named") as other:
            assert other.id == "named"
        assert [i.id for i in Session.list(store_url, status="active")] == [sid, "named"]
        again.end()
        assert again.status == "completed" and again.info().ended_at is not None
        with pytest.raises(SessionEndedError):
            again.end()
        with pytest.raises(SessionEndedError):
            again.tract("new one")
        with pytest.raises(SessionEndedError):
            again.post_task("late")
        with pytest.raises(InvalidOperationError):
            Session.open(store_url, "x").end("paused")
    assert [i.id for i in Session.list(store_url, status="completed")] == [sid]
    with Tract.open(store_url, "planner") as plain:  # a tract opened without a session still works
        assert plain.compile().messages[0].content == "plan it"


def test_pending_compressions_and_collapses_share_one_queue(store_url):
    with Session.open(store_url, counter=WordCounter(), summarizer=summarizer) as s:
        ops = s.tract("ops")
        ops.system("You deploy.")
        ops.user("deploy api-v2 to staging")
        ops.assistant("done")
        pending = ops.compress(from_commit=ops.log()[1].hash)
        child = ops.spawn("ops/check", purpose="verify staging")
        child.assistant("staging answers 200")
        collapse = child.collapse(requested_by="checker")
        queue = s.approvals()
        assert [(a.kind, a.id) for a in queue] == [("compression", pending.id), ("collapse", collapse.id)]
        assert queue[0].preview["sources"] == pending.source_hashes
        assert queue[0].preview["summaries"] == ["They deployed api-v2."]
        assert [a.id for a in ops.approvals()] == [pending.id, collapse.id]
        approved = s.approve(pending.id, decided_by="alice")
        assert approved.kind == "compression" and approved.status == "approved" and approved.decided_by == "alice"
        assert [m.content for m in ops.compile().messages][1].endswith("They deployed api-v2.")
        assert ops.pending_compressions() == []
        s.reject(collapse.id, decided_by="bob", reason="rerun it")
        assert s.approvals() == []
        decided = {a.id: (a.status, a.decided_by) for a in s.approvals(status=None)}
        assert decided == {pending.id: ("approved", "alice"), collapse.id: ("rejected", "bob")}
        with pytest.raises(ApprovalNotFoundError):
            s.approve("nope")
        with pytest.raises(ApprovalNotFoundError):  # a tract only decides its own approvals
            child.approve(pending.id)


def test_audit_names_actor_session_tract_and_trace(store_url):
    with Session.open(store_url, counter=WordCounter()) as s:
        lead = s.tract("lead")
        lead.system("coordinate")
        with acting_as("lead-agent", trace_id="req-42"):
            child = lead.spawn("lead/a", purpose="p")
            child.assistant("ok")
            child.collapse(mode="autonomous")
            s.post_task("review", parent="lead")
        s.claim_task("w1").complete("fine")
        Tract.open(":memory:").close()
        events = s.audit(limit=10)
        kinds = [e.kind for e in events]
        assert kinds == ["task_done", "task_claimed", "task_posted", "collapse", "spawn"]
        collapse = events[-2]
        assert (collapse.actor, collapse.trace_id, collapse.tract, collapse.session_id) == (
            "lead-agent", "req-42", "lead", s.id)
        assert events[0].actor == "w1" and events[2].trace_id == "req-42"
        assert [e.kind for e in s.audit(kind="collapse")] == ["collapse"]
        assert s.audit(tract="nowhere") == []
        assert len(s.audit(limit=2)) == 2
        assert s.audit(since=datetime.now(timezone.utc).replace(year=2100)) == []
        with pytest.raises(InvalidOperationError):
            s.audit(limit=-1)


def test_gc_deletes_ended_sessions_past_retention_and_never_active_ones(store_url):
    with Session.open(store_url, counter=WordCounter()) as done, \
            Session.open(store_url, counter=WordCounter()) as live:
        d = done.tract("done/lead")
        d.user("old work")
        d.spawn("done/child", purpose="p").assistant("x")
        done.post_task("t", parent="done/lead")
        live.tract("live/lead").user("current work")
        live.post_task("t2")
        done.end()
        clock.advance(6 * 86400)
        assert Session.gc(store_url) == []
        clock.advance(2 * 86400)
        live.tract("live/lead").gc()  # Tract.gc applies session retention too
        assert [i.id for i in Session.list(store_url)] == [live.id]
        with pytest.raises(SessionNotFoundError):
            done.info()
        store = Store(store_url)
        with store.engine.connect() as conn:
            for table, col in (("commits", "tract_id"), ("refs", "tract_id"), ("tracts", "id")):
                left = conn.execute(text(f"SELECT DISTINCT {col} FROM {table}")).scalars().all()
                assert set(left) == {"live/lead"}, table
            assert conn.execute(text("SELECT count(*) FROM tasks")).scalar() == 1
            assert conn.execute(text("SELECT count(*) FROM tract_links")).scalar() == 0
        store.close()
        assert [m.content for m in live.tract("live/lead").compile().messages] == ["current work"]
        assert len(live.tasks()) == 1


def test_retention_days_come_from_the_environment(monkeypatch, sqlite_url):
    monkeypatch.setenv("TRACT_SESSION_RETENTION_DAYS", "1")
    with Session.open(sqlite_url) as s:
        s.end("abandoned")
        clock.advance(86400 + 1)
        assert Session.gc(sqlite_url) == [s.id]
    monkeypatch.setenv("TRACT_SESSION_RETENTION_DAYS", "soon")
    with pytest.raises(InvalidOperationError, match="TRACT_SESSION_RETENTION_DAYS"):
        Session.gc(sqlite_url)


def test_a_store_before_teams_upgrades_with_its_events_intact(store_url):
    old = Store(store_url, migrate_to="0007")  # the revision before 0009
    with old.engine.connect().execution_options(tract_write=True) as conn, conn.begin():
        conn.execute(text("INSERT INTO operation_events (id, tract_id, kind, branch, params, sources, results,"
                          " created_us) VALUES ('e1', 'old', 'reset', 'main', '{}', '[]', '[]', 1000)"))
    old.close()
    with Tract.open(store_url, "old", counter=WordCounter()) as t:
        assert [(e.id, e.kind) for e in t.operations()] == [("e1", "reset")]
    store = Store(store_url)
    try:
        names = set(inspect(store.engine).get_table_names())
        assert {"sessions", "session_tracts", "tract_links", "tasks", "approvals"} <= names
        assert {"active_sessions", "pending_approvals"} <= set(inspect(store.engine).get_view_names())
        with store.engine.connect() as conn:
            assert conn.execute(text("SELECT actor, session_id, trace_id FROM operation_events")).all() == [
                (None, None, None)]
    finally:
        store.close()
