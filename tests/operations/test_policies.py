"""Policies: the tract compresses, clears and pins by itself, and each action names its policy."""

from __future__ import annotations

import pytest
from compress_support import Words, open_tract

from tract_core import InvalidOperationError, Priority, Tract


def pairs_valid(ctx) -> bool:
    """Every tool_result answers a tool_use of the message just before; every tool_use is answered."""
    messages = ctx.to_anthropic()["messages"]
    for i, m in enumerate(messages):
        uses = {b["id"] for b in m["content"] if b["type"] == "tool_use"}
        if uses:
            nxt = messages[i + 1]["content"] if i + 1 < len(messages) else []
            if uses != {b["tool_use_id"] for b in nxt if b["type"] == "tool_result"}:
                return False
        results = {b["tool_use_id"] for b in m["content"] if b["type"] == "tool_result"}
        if results:
            prev = messages[i - 1]["content"] if i else []
            if not results <= {b["id"] for b in prev if b["type"] == "tool_use"}:
                return False
    return True


def agent_step(t: Tract, i: int) -> None:
    t.user(f"step {i}: look up item {i} and report " + "detail " * 6)
    t.tool_call("lookup", {"item": i}, f"call-{i}")
    t.tool_result(f"call-{i}", f"item {i} found " + "data " * 12, name="lookup")
    t.assistant(f"item {i} is ready " + "ok " * 4)


def brief(system: str, prompt: str) -> str:
    return "Earlier steps looked up items and reported them."


def test_autonomous_auto_compress_keeps_an_agent_loop_under_the_trigger():
    t = open_tract(summarizer=brief)
    t.system("You run lookups.")
    t.set_policy("auto_compress", trigger_tokens=300, target_tokens=150, mode="autonomous")
    for i in range(200):
        agent_step(t, i)
        ctx = t.compile()
        assert ctx.token_count <= 300
        assert pairs_valid(ctx)
    events = [e for e in t.operations() if e.kind == "compress"]
    assert len(events) > 20 and all(e.parameters["policy"] == "auto_compress" for e in events)
    assert t.compile().messages[0].content == "You run lookups."   # PINNED stays verbatim


def test_collaborative_auto_compress_keeps_exactly_one_proposal_while_above_the_trigger():
    t = open_tract(summarizer=brief)
    t.system("You run lookups.")
    t.set_policy("auto_compress", trigger_tokens=300, target_tokens=150)
    approved = 0
    for i in range(150):
        agent_step(t, i)
        ctx = t.compile()
        pending = t.pending_compressions()
        assert pairs_valid(ctx)
        if ctx.token_count > 300:
            assert len(pending) == 1
        assert len(pending) <= 1
        if i % 30 == 29 and pending:   # someone decides now and then
            pending[0].approve()
            approved += 1
            ctx = t.compile()
            assert pairs_valid(ctx) and len(t.pending_compressions()) == (ctx.token_count > 300)
    assert approved >= 4
    proposals = [e for e in t.operations() if e.kind == "compress"]
    assert proposals and all(e.parameters["policy"] == "auto_compress" for e in proposals)


def test_autonomous_without_a_summarizer_proposes_for_the_agent_to_write(monkeypatch):
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    monkeypatch.delenv("ANTHROPIC_AUTH_TOKEN", raising=False)
    t = open_tract()
    t.set_policy("auto_compress", trigger_tokens=100, target_tokens=50, mode="autonomous")
    for i in range(6):
        agent_step(t, i)
    pending = t.pending_compressions()
    assert len(pending) == 1 and pending[0].needs_summary and pending[0].prompts


def test_a_failing_summarizer_never_fails_the_commit_and_leaves_an_event():
    def broken(system, prompt):
        raise RuntimeError("model overloaded")

    t = open_tract(summarizer=broken)
    t.set_policy("auto_compress", trigger_tokens=100, target_tokens=50, mode="autonomous")
    for i in range(6):
        agent_step(t, i)
    assert len(t.log()) == 24
    failures = [e for e in t.operations() if e.kind == "policy"]
    assert failures and failures[0].parameters["policy"] == "auto_compress"
    assert "model overloaded" in failures[0].parameters["error"]


def coding_session(t: Tract) -> list[str]:
    t.system("You fix bugs in the parser.")
    results = []
    for i in range(12):
        t.user(f"Now look at module {i}.")
        t.tool_call("read_file", {"path": f"src/mod{i}.py"}, f"r{i}")
        results.append(t.tool_result(f"r{i}", f"# mod{i}\n" + "def f(x):\n    return x + 1\n" * 120,
                                     name="read_file").hash)
        t.assistant(f"Module {i} has an off-by-one in f.")
    return results


def test_clear_tool_results_halves_a_coding_session_and_show_still_has_every_result():
    t = open_tract()
    results = coding_session(t)
    before = t.compile()
    t.set_policy("clear_tool_results", keep_last=3, min_tokens=100)
    after = t.compile()
    assert after.token_count <= before.token_count / 2
    assert after.cleared == results[:-3] and pairs_valid(after)
    stubs = [m.content for m in after.messages if m.role == "tool"][:-3]
    assert all("read_file" in s and "show " in s for s in stubs)
    for h in after.cleared:
        assert h[:12] in " ".join(stubs)
        assert t.show(h).content.result.startswith("# mod")   # the store still has it all
    assert [m.content for m in after.messages if m.role == "tool"][-1].startswith("# mod11")
    t.remove_policy("clear_tool_results")
    assert t.compile() == before


def test_clear_tool_results_leaves_excluded_tools_and_small_results():
    t = open_tract()
    coding_session(t)
    t.set_policy("clear_tool_results", keep_last=0, min_tokens=100, exclude_tools=["read_file"])
    assert t.compile().cleared == []
    t.set_policy("clear_tool_results", keep_last=0, min_tokens=10_000)
    assert t.compile().cleared == []


def test_pin_rules_pin_matching_commits_as_they_are_committed():
    t = open_tract()
    t.set_policy("pin", pattern=r"(?i)\bdeadline\b", role="user")
    plain = t.user("hello")
    rule = t.user("The deadline is Friday.")
    said = t.assistant("The deadline is Friday, noted.")
    assert rule.priority is Priority.PINNED and plain.priority is Priority.NORMAL
    assert said.priority is Priority.NORMAL
    assert t.show(rule.hash).priority is Priority.PINNED
    t.set_policy("pin", tool="read_file", priority="important")
    call = t.tool_call("read_file", {"path": "a.py"}, "r1")
    assert call.priority is Priority.IMPORTANT
    listed = {p.kind: p for p in t.policies()}
    assert listed["pin"].pinned == [call.hash, rule.hash]
    events = [e for e in t.operations() if e.kind == "policy"]
    assert [(e.parameters["policy"], e.results) for e in events] == [("pin", [call.hash]), ("pin", [rule.hash])]
    assert events[0].parameters["priority"] == "important"


def test_a_budget_policy_is_the_default_compile_budget():
    t = open_tract()
    results = coding_session(t)
    full = t.compile().token_count
    t.set_policy("budget", max_tokens=full // 3, action="drop_oldest")
    ctx = t.compile()
    assert ctx.token_count <= full // 3 and ctx.dropped and pairs_valid(ctx)
    assert t.compile(budget=full).token_count == full        # an explicit budget wins
    t.set_policy("budget", max_tokens=full // 3, action="clear_tool_results")
    ctx = t.compile()
    assert ctx.token_count <= full // 3 and ctx.cleared and results[-1] not in ctx.cleared


def test_a_budget_with_action_compress_compresses_after_commits():
    t = open_tract(summarizer=brief)
    t.system("You run lookups.")
    t.set_policy("budget", max_tokens=300, action="compress")
    for i in range(40):
        agent_step(t, i)
        assert t.compile().token_count <= 300
    assert any(e.parameters.get("policy") == "budget" for e in t.operations() if e.kind == "compress")


@pytest.mark.parametrize("kind, options", [
    ("auto_compress", {"target_tokens": 10}),
    ("auto_compress", {"trigger_tokens": 100, "target_tokens": 200}),
    ("auto_compress", {"trigger_ratio": 0.8, "target_tokens": 10}),
    ("auto_compress", {"trigger_tokens": 100, "target_tokens": 10, "mode": "manual"}),
    ("clear_tool_results", {"keep_last": -1}),
    ("pin", {}),
    ("pin", {"pattern": "("}),
    ("budget", {"max_tokens": 0}),
    ("budget", {"max_tokens": 10, "colour": "red"}),
    ("forget", {}),
])
def test_bad_policies_are_refused_with_a_readable_error(kind, options):
    t = open_tract()
    with pytest.raises(InvalidOperationError):
        t.set_policy(kind, **options)
    assert t.policies() == []


def test_policies_are_stored_with_the_tract(store_url):
    with Tract.open(store_url, "agent", counter=Words()) as t:
        t.set_policy("auto_compress", trigger_ratio=0.8, window=1000, target_tokens=400)
        t.set_policy("clear_tool_results")
    with Tract.open(store_url, "agent", counter=Words()) as t:
        listed = {p.kind: p.options for p in t.policies()}
        assert listed["auto_compress"]["trigger_ratio"] == 0.8
        assert listed["clear_tool_results"] == {"keep_last": 3, "min_tokens": 500, "exclude_tools": []}
        t.remove_policy("auto_compress")
        with pytest.raises(InvalidOperationError):
            t.remove_policy("auto_compress")
        assert [p.kind for p in t.policies()] == ["clear_tool_results"]
    with Tract.open(store_url, "other", counter=Words()) as t:
        assert t.policies() == []


def test_an_autonomous_policy_never_applies_a_summary_that_drops_must_keep_facts():
    t = open_tract(summarizer=brief)           # never mentions the key
    t.system("You run lookups.")
    key = t.user("The warehouse door code is K-7731; never share it.").hash
    t.annotate(key, Priority.IMPORTANT, must_keep=["K-7731"])
    t.set_policy("auto_compress", trigger_tokens=300, target_tokens=150, mode="autonomous")
    for i in range(40):
        agent_step(t, i)
    assert any("K-7731" in m.content for m in t.compile().messages)
    kept = [e for e in t.operations() if e.kind == "compress" and e.parameters.get("kept_verbatim")]
    assert kept and kept[0].parameters["policy"] == "auto_compress"
    assert not any(e.parameters.get("forced") for e in t.operations())


def test_a_recorded_compile_with_cleared_results_replays_byte_for_byte():
    t = open_tract()
    coding_session(t)
    t.set_policy("clear_tool_results", keep_last=2, min_tokens=100)
    seen = t.compile(record=True)
    t.remove_policy("clear_tool_results")
    again = t.replay(seen.record_id)
    assert again.messages == seen.messages and again.cleared == seen.cleared and seen.cleared


def test_two_writers_over_the_trigger_at_once_leave_one_proposal(store_url):
    """Two processes (here: two tracts on one store, in threads) cross the trigger together."""
    import threading

    with Tract.open(store_url, "shared", counter=Words()) as t:
        t.system("sys")
        for i in range(3):
            agent_step(t, i)
        t.set_policy("auto_compress", trigger_tokens=100, target_tokens=50)
    tracts = [Tract.open(store_url, "shared", counter=Words()) for _ in range(2)]
    go = threading.Barrier(2)

    def write(t: Tract, n: int) -> None:
        go.wait()
        for i in range(3):
            agent_step(t, 100 * n + i)

    threads = [threading.Thread(target=write, args=(t, n)) for n, t in enumerate(tracts, 1)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    try:
        assert len(tracts[0].pending_compressions()) == 1
        assert [e for e in tracts[0].operations() if e.kind == "policy"] == []
    finally:
        for t in tracts:
            t.close()
