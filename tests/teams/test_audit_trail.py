"""The audit trail covers every operation (commit batches, branch moves, merges, resets, compressions,
approvals, spawns, collapses, task transitions, gc), each event with its actor, session, tract and the
trace id the caller passed (`trace_id=`); a commit call writes one event, in its own transaction."""

from __future__ import annotations

import pytest
from sqlalchemy import event

from tract_core import Session, acting_as
from tract_core.errors import InvalidOperationError


class WordCounter:
    def count(self, text: str) -> int:
        return len(text.split())


def summarizer(system, prompt):
    return "They planned the release."


def test_every_kind_of_operation_is_audited_with_actor_session_tract_and_trace(store_url):
    with Session.open(store_url, counter=WordCounter(), summarizer=summarizer) as s:
        lead = s.tract("lead")
        with acting_as("lead-agent"):
            lead.system("You plan.", trace_id="t-commit")
            lead.commit_many([{"content_type": "dialogue", "role": "user", "text": "plan the release"},
                              {"content_type": "dialogue", "role": "assistant", "text": "ok"}],
                             trace_id="t-batch")
            lead.branch("try", trace_id="t-branch")
            lead.switch("try", trace_id="t-switch")
            lead.user("an idea", trace_id="t-idea")
            lead.switch("main")
            lead.merge("try", trace_id="t-merge")
            lead.checkout(lead.log()[1].hash, trace_id="t-checkout")
            lead.switch("main")
            lead.delete_branch("try", trace_id="t-delete")
            lead.user("scratch")
            lead.reset("HEAD~1", trace_id="t-reset")
            pending = lead.compress(from_commit=lead.log()[-2].hash, trace_id="t-compress")
            lead.approve_compression(pending.id, trace_id="t-approve")
            again = lead.compress(from_commit=lead.log()[-2].hash)
            lead.reject_compression(again.id, "not now", trace_id="t-reject")
            child = lead.spawn("lead/a", purpose="check", trace_id="t-spawn")
            child.assistant("checked")
            child.collapse(mode="autonomous", trace_id="t-collapse")
            lead.gc(trace_id="t-gc")
        task = s.post_task("review", parent="lead", trace_id="t-task")
        s.claim_task("w1", trace_id="t-task").complete("fine", trace_id="t-task")
        assert task.id
        events = s.audit(kind="all", limit=1000)
        by_trace = {}
        for e in events:
            assert e.session_id == s.id and e.tract in {"lead", "lead/a"}, e
            by_trace.setdefault(e.trace_id, []).append(e.kind)
        assert by_trace["t-commit"] == ["commit"]
        assert by_trace["t-batch"] == ["commit"]
        assert by_trace["t-branch"] == ["branch_created"]
        assert by_trace["t-switch"] == ["switch"]
        assert by_trace["t-merge"] == ["merge"]
        assert by_trace["t-checkout"] == ["checkout"]
        assert by_trace["t-delete"] == ["branch_deleted"]
        assert by_trace["t-reset"] == ["reset"]
        assert by_trace["t-compress"] == ["compress"]
        assert by_trace["t-approve"] == ["approve"]
        assert by_trace["t-reject"] == ["reject"]
        assert by_trace["t-spawn"] == ["spawn"]
        assert by_trace["t-collapse"] == ["collapse"]
        assert by_trace["t-gc"] == ["gc"]
        assert sorted(by_trace["t-task"]) == ["task_claimed", "task_done", "task_posted"]
        assert {e.actor for e in events if e.trace_id and not e.kind.startswith("task")} == {"lead-agent"}
        assert {e.actor for e in events if e.kind in ("task_claimed", "task_done")} == {"w1"}
        batch = next(e for e in events if e.trace_id == "t-batch")
        assert batch.parameters == {"commits": 2}
        spawn = next(e for e in events if e.kind == "spawn")
        assert spawn.tract == "lead" and spawn.parameters["child"] == "lead/a"


def test_commits_are_left_out_of_the_default_views_and_listed_by_kind(store_url):
    with Session.open(store_url, counter=WordCounter()) as s:
        t = s.tract("solo")
        with acting_as("agent-b", trace_id="req-9"):
            first = t.user("one")
            t.assistant("two")
            t.reset(first.hash)
        assert [e.kind for e in s.audit()] == ["reset"]
        assert [e.kind for e in t.operations()] == ["reset"]
        commits = t.operations(kind="commit")
        assert len(commits) == 2 and commits[1].results == [first.hash]
        assert (commits[0].actor, commits[0].trace_id, commits[0].session_id) == ("agent-b", "req-9", s.id)
        assert [e.kind for e in t.operations(kind="all")] == ["reset", "commit", "commit"]
        assert [e.kind for e in s.audit(kind="commit", tract="solo")] == ["commit", "commit"]


def test_a_commit_call_writes_one_event_with_one_insert_in_its_own_transaction(store_url):
    with Session.open(store_url, counter=WordCounter()) as s:
        t = s.tract("fast")
        t.user("warm up")
        seen: list[str] = []

        def on_sql(conn, cursor, statement, params, context, many):
            seen.append(statement.split("(")[0].strip().upper())

        def on_commit(conn):
            seen.append("COMMIT")

        engine = s.store.engine
        event.listen(engine, "before_cursor_execute", on_sql)
        event.listen(engine, "commit", on_commit)
        try:
            t.user("one more")
            one = list(seen)
            seen.clear()
            t.commit_many([{"content_type": "dialogue", "role": "user", "text": f"turn {i}"} for i in range(5)])
            batch = list(seen)
        finally:
            event.remove(engine, "before_cursor_execute", on_sql)
            event.remove(engine, "commit", on_commit)
        for statements in (one, batch):
            inserts = [i for i, x in enumerate(statements) if x == "INSERT INTO OPERATION_EVENTS"]
            assert len(inserts) == 1, statements
            commit_at = statements.index("COMMIT", inserts[0])
            assert "INSERT INTO COMMITS" in statements[:inserts[0]] and "COMMIT" not in statements[
                max(i for i, x in enumerate(statements[:inserts[0]]) if x == "INSERT INTO COMMITS"):inserts[0]]
            assert commit_at > inserts[0]
        assert len(t.operations(kind="commit")) == 3
        assert t.operations(kind="commit")[0].results == [c.hash for c in reversed(t.log(limit=5))]


def test_a_trace_id_must_be_a_short_text(sqlite_url):
    with Session.open(sqlite_url) as s:
        t = s.tract("x")
        for bad in ("x" * 256, "a\x00b", 7):
            with pytest.raises(InvalidOperationError, match="trace_id"):
                t.user("hi", trace_id=bad)
        assert t.log() == []


def test_direct_compression_decisions_are_recorded_in_the_approvals_queue(store_url):
    with Session.open(store_url, counter=WordCounter(), summarizer=summarizer) as s:
        t = s.tract("ops")
        t.commit_many([{"content_type": "instruction", "text": "You deploy."},
                       {"content_type": "dialogue", "role": "user", "text": "plan the release"},
                       {"content_type": "dialogue", "role": "assistant", "text": "planned"}])
        with acting_as("planner"):
            pending = t.compress(from_commit=t.log()[1].hash)
        queue = t.approvals()
        assert [(a.id, a.kind, a.requested_by) for a in queue] == [(pending.id, "compression", "planner")]
        assert queue[0].preview["summaries"] == ["They planned the release."]
        assert queue[0].preview["sources"] == pending.source_hashes and "lost_facts" in queue[0].preview
        t.approve_compression(pending.id, decided_by="alice")
        second = t.compress(from_commit=t.log()[0].hash)
        with acting_as("bob"):
            t.reject_compression(second.id, "too soon")
        decided = {a.id: (a.status, a.decided_by, a.reason, a.decided_at is not None)
                   for a in s.approvals(status=None)}
        assert decided == {pending.id: ("approved", "alice", None, True),
                           second.id: ("rejected", "bob", "too soon", True)}
        assert [a.id for a in t.approvals(status="approved")] == [pending.id]
        assert [a.id for a in s.approvals(status="rejected")] == [second.id]
        assert s.approvals() == []
