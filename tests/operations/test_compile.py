"""Compile: edits resolved, SKIP left out, tool pairs kept whole, budgets, API shapes, time travel."""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone

import pytest

from tract_core import BudgetError, Priority, Tract
from tract_core.errors import CommitNotFoundError, InvalidOperationError


def texts(ctx):
    return [m.content for m in ctx.messages]


def test_edit_shows_in_place_and_history_is_kept(mem):
    mem.system("rules")
    q = mem.user("what is 2+2")
    mem.assistant("4")
    e1 = mem.commit({"content_type": "dialogue", "role": "user", "text": "what is 3+3"},
                    operation="edit", edit_target=q.hash)
    mem.commit({"content_type": "dialogue", "role": "user", "text": "what is 4+4"},
               operation="edit", edit_target=e1.hash)  # editing an edit edits the original turn
    assert texts(mem.compile()) == ["rules", "what is 4+4", "4"]
    history = mem.edit_history(q.hash)
    assert [c.content.text for c in history] == ["what is 2+2", "what is 3+3", "what is 4+4"]
    assert all(c.edit_target == q.hash for c in history[1:])


def test_edit_needs_a_target_on_the_branch(mem):
    mem.user("a")
    with pytest.raises(InvalidOperationError, match="edit_target"):
        mem.commit({"content_type": "output", "text": "x"}, operation="edit")
    mem.branch("side", switch=True)
    other = mem.user("only on side")
    mem.switch("main")
    with pytest.raises(CommitNotFoundError, match="not on the current branch"):
        mem.commit({"content_type": "output", "text": "x"}, operation="edit", edit_target=other.hash)


def test_skip_leaves_out_and_latest_annotation_wins(mem):
    a = mem.user("keep")
    b = mem.user("noise")
    mem.annotate(b.hash, Priority.SKIP)
    assert texts(mem.compile()) == ["keep"]
    mem.annotate(b.hash, "normal", reason="needed after all")
    assert texts(mem.compile()) == ["keep", "noise"]
    assert mem.show(b.hash).priority is Priority.NORMAL
    assert mem.show(a.hash).priority is Priority.NORMAL


def test_tool_call_and_result_are_never_split(mem):
    mem.user("look it up")
    mem.tool_call("search", {"q": "x"}, "c1")
    assert [m.role for m in mem.compile().messages] == ["user"]          # call waits for its result
    mem.tool_result("c1", "found")
    mem.tool_result("ghost", "no call made this")                       # never sent
    ctx = mem.compile()
    assert [m.role for m in ctx.messages] == ["user", "assistant", "tool"]
    assert [d.reason for d in ctx.dropped] == ["result_without_call"]
    mem.annotate(ctx.messages[2].commit_hash, "skip")                     # skipping the result
    assert [m.role for m in mem.compile().messages] == ["user"]          # drops its call too


def test_budget_drops_oldest_normal_units_and_keeps_pinned(mem):
    mem.system("one two three")                        # 3 tokens, pinned by default
    old = mem.user("a b c d")                          # 4
    mem.tool_call("t", {}, "c1")                       # 1 ("t" + "{}")
    mem.tool_result("c1", "r r r")                     # 3
    mem.user("e f")                                    # 2
    full = mem.compile()
    assert full.token_count == 3 + 4 + 2 + 3 + 2
    ctx = mem.compile(budget=7)
    assert texts(ctx) == ["one two three", "e f"]      # the tool pair went as one unit
    assert {"commit": old.hash, "reason": "budget"} in [d.model_dump() for d in ctx.dropped]
    assert ctx.token_count == 5
    mem.annotate(old.hash, "pinned")
    assert texts(mem.compile(budget=9)) == ["one two three", "a b c d", "e f"]
    with pytest.raises(BudgetError, match="pinned"):
        mem.compile(budget=6)
    with pytest.raises(InvalidOperationError):
        mem.compile(budget=-1)


def test_default_priorities_are_configurable(store_url):
    from tests.conftest import WordCounter
    from tract_core import Tract

    t = Tract.open(store_url, default_priorities={"instruction": "normal", "reasoning": "skip"},
                   counter=WordCounter())
    t.system("rules")
    t.commit({"content_type": "reasoning", "text": "private thoughts"})
    assert texts(t.compile()) == ["rules"]
    assert texts(t.compile(budget=0)) == []
    t.close()


def test_to_anthropic_shapes_blocks_and_merges_roles(mem):
    mem.system("be brief")
    mem.user("hi")
    mem.user("are you there?")
    mem.assistant("checking")
    mem.tool_call("ping", {"host": "a"}, "c1")
    mem.tool_call("ping", {"host": "b"}, "c2")
    mem.tool_result("c1", {"ok": True})
    mem.tool_result("c2", "timeout", is_error=True)
    mem.user("and?")
    req = mem.compile().to_anthropic()
    assert req["system"] == "be brief"
    roles = [m["role"] for m in req["messages"]]
    assert roles == ["user", "assistant", "user"]
    assistant = req["messages"][1]["content"]
    assert [b["type"] for b in assistant] == ["text", "tool_use", "tool_use"]
    assert assistant[1] == {"type": "tool_use", "id": "c1", "name": "ping", "input": {"host": "a"}}
    last = req["messages"][2]["content"]
    assert [b["type"] for b in last] == ["tool_result", "tool_result", "text"]
    assert last[1]["is_error"] is True and last[0]["content"] == '{"ok": true}'


def test_to_openai_puts_parallel_calls_in_one_message(mem):
    mem.user("go")
    mem.tool_call("ping", {"host": "a"}, "c1")
    mem.tool_call("ping", {"host": "b"}, "c2")
    mem.tool_result("c1", "up")
    mem.tool_result("c2", "down")
    msgs = mem.compile().to_openai()
    assert [m["role"] for m in msgs] == ["user", "assistant", "tool", "tool"]
    assert [c["id"] for c in msgs[1]["tool_calls"]] == ["c1", "c2"]
    assert msgs[1]["tool_calls"][0]["function"] == {"name": "ping", "arguments": '{"host": "a"}'}
    assert msgs[2] == {"role": "tool", "tool_call_id": "c1", "content": "up"}


def test_compile_at_commit_and_at_time(mem):
    first = mem.user("one")
    time.sleep(0.01)
    between = datetime.now(timezone.utc)
    time.sleep(0.01)
    mem.user("two")
    assert texts(mem.compile(at_commit=first.hash[:8])) == ["one"]
    assert texts(mem.compile(at_time=between)) == ["one"]
    with pytest.raises(CommitNotFoundError):
        mem.compile(at_time=between - timedelta(days=1))
    with pytest.raises(InvalidOperationError, match="timezone"):
        mem.compile(at_time=datetime.now())


def test_at_time_sees_the_branch_as_it_was_before_later_rewrites(mem):
    """A compression, reset or merge after `at_time` moved the branch; compile(at_time=...) still
    shows what the branch held then (not the older commits the rewritten branch still has)."""
    a, b, c = mem.user("a"), mem.assistant("b"), mem.user("c")
    time.sleep(0.01)
    then = datetime.now(timezone.utc)
    time.sleep(0.01)
    mem.assistant("d")
    assert texts(mem.compile(at_time=then)) == ["a", "b", "c"]
    mem.compress(from_commit=b.hash, to_commit=c.hash, mode="manual", content="b and c")
    assert texts(mem.compile(at_time=then)) == ["a", "b", "c"]
    mem.reset(a.hash)
    assert texts(mem.compile(at_time=then)) == ["a", "b", "c"]
    mem.branch("side", start=c.hash)
    mem.merge("side")                                  # a fast-forward back to c
    assert texts(mem.compile(at_time=then)) == ["a", "b", "c"]
    assert texts(mem.compile()) == ["a", "b", "c"]
    with pytest.raises(CommitNotFoundError):
        mem.compile(at_time=then - timedelta(days=1))


def test_all_kinds_render(mem):
    mem.commit({"content_type": "artifact", "name": "notes.md", "mime_type": "text/markdown", "text": "# N"})
    mem.commit({"content_type": "reasoning", "text": "think"})
    mem.commit({"content_type": "output", "text": "done"})
    mem.commit({"content_type": "freeform", "payload": {"k": 1}})
    ctx = mem.compile()
    assert [(m.role, m.content) for m in ctx.messages] == [
        ("user", "[artifact notes.md (text/markdown)]\n# N"), ("assistant", "think"),
        ("assistant", "done"), ("user", '{"k": 1}')]


def test_empty_tract_compiles_to_nothing(mem):
    ctx = mem.compile()
    assert ctx.messages == [] and ctx.token_count == 0 and ctx.head is None


def test_compile_after_append_reads_only_the_new_commit(mem, monkeypatch):
    from tract_core.operations import assemble as assemble_module
    from tract_core.storage import Txn

    for i in range(50):
        mem.user(f"turn {i}")
    mem.compile()
    history_reads, full_passes = [], []
    real_ancestors, real_assemble = Txn.ancestors, assemble_module.assemble
    monkeypatch.setattr(Txn, "ancestors", lambda self, *a, **k: history_reads.append(k.get("depth")) or
                        real_ancestors(self, *a, **k))
    monkeypatch.setattr("tract_core.operations.compiler.assemble",
                        lambda *a, **k: full_passes.append(1) or real_assemble(*a, **k))
    mem.assistant("new")
    mem.tool_call("t", {}, "c9")
    mem.compile()
    mem.tool_result("c9", "ok")
    ctx = mem.compile()
    assert None not in history_reads and full_passes == []  # only bounded reads of recent commits
    assert [m.content for m in ctx.messages][-3:] == ["new", "", "ok"] and len(ctx.messages) == 53


def test_compile_after_own_commits_reads_no_commit_back(mem, monkeypatch):
    from tract_core.storage import Txn

    mem.user("first")
    mem.compile()
    reads = []
    for name in ("ancestors", "get_commit", "get_commits"):
        real = getattr(Txn, name)
        monkeypatch.setattr(Txn, name, lambda self, *a, _real=real, _name=name, **k:
                            reads.append(_name) or _real(self, *a, **k))
    mem.user("second")
    mem.tool_call("t", {"q": 1}, "c1")
    mem.tool_result("c1", "ok")
    ctx = mem.compile()
    assert reads == []  # the rows this Tract just wrote are known: nothing is read back
    assert [m.role for m in ctx.messages] == ["user", "user", "assistant", "tool"]


def test_commits_by_another_writer_are_read_from_the_store(store_url):
    with Tract.open(store_url, "shared") as a, Tract.open(store_url, "shared") as b:
        a.user("from a")
        assert [m.content for m in b.compile().messages] == ["from a"]
        b.user("from b")
        a.user("a again")  # a's parent is b's commit, which a never wrote
        assert [m.content for m in a.compile().messages] == ["from a", "from b", "a again"]
        assert b.compile().commit_hashes == a.compile().commit_hashes


def test_the_annotation_log_stays_bounded_and_compile_stays_right(mem, monkeypatch):
    from tract_core.operations import compiler

    monkeypatch.setattr(compiler, "ANNOTATION_LOG_TRIM", 10)
    turns = [mem.user(f"turn {i}") for i in range(5)]
    mem.compile()
    for round_ in range(60):
        mem.annotate(turns[round_ % 5].hash, "skip" if round_ % 2 else "normal")
        mem.user(f"more {round_}")
        ctx = mem.compile()
    # what the cached outputs (one per head, CACHE_SIZE of them) may still ask about, and no more
    assert len(mem._compiler.annotation_log) <= 10 + compiler.CACHE_SIZE < 60
    skipped = {turns[i].hash for i in range(5) if (55 + i) % 2}  # the last round that touched each
    assert [h for h in ctx.commit_hashes if h in skipped] == []
    assert len(ctx.messages) == 5 - len(skipped) + 60
