"""Tool results pair with calls by position: the nearest earlier unanswered call of the same id.
Reused ids, parallel calls, strays; every path (fresh, cached, budget, reorder) agrees."""

from __future__ import annotations

import pytest

from tests.api_rules import anthropic_problems, openai_problems
from tract_core import BudgetError, Tract
from tract_core.operations.compiler import Compiler
from tract_core.operations.refs import RefView


def fresh(t: Tract, budget=None):
    with t.store.read() as tx:
        return Compiler(t.repo, snapshots=False).compile(tx, RefView.read(tx, t.tract_id).head, budget)


def reasons(ctx) -> dict[str, str]:
    return {d.commit: d.reason for d in ctx.dropped}


def test_a_reused_call_id_starts_a_new_pair_and_is_rendered_unique(mem):
    mem.user("find me a flight")
    first = mem.tool_call("search_direct_flight", {"from": "SFO"}, "call_1")
    mem.tool_result("call_1", "no direct flight")
    again = mem.tool_call("search_onestop_flight", {"from": "SFO"}, "call_1")  # the model reused the id
    mem.tool_result("call_1", "one flight via DEN")
    mem.assistant("There is one flight via Denver.")
    ctx = mem.compile()
    assert ctx.dropped == []
    assert [m.content for m in ctx.messages if m.role == "tool"] == ["no direct flight", "one flight via DEN"]
    renamed = f"call_1_{again.hash[:8]}"
    assert ctx.renamed_call_ids == {renamed: "call_1"}
    assert [c.id for m in ctx.messages for c in m.tool_calls] == ["call_1", renamed]
    assert ctx.messages[4].tool_call_id == renamed
    assert mem.show(again.hash).content.call_id == "call_1"   # the stored content keeps its id
    request = ctx.to_anthropic()
    assert anthropic_problems(request) == []
    openai = ctx.to_openai()
    assert [c["id"] for m in openai for c in m.get("tool_calls", [])] == ["call_1", "call_1"]
    assert openai_problems(openai) == []
    assert fresh(mem) == ctx                                 # a new process compiles the same
    assert mem.compile() == ctx                              # and again the same ids
    assert first.hash in ctx.commit_hashes


def test_parallel_calls_pair_with_their_results_in_any_order(mem):
    mem.user("weather in two cities")
    mem.tool_call("weather", {"city": "Paris"}, "a")
    mem.tool_call("weather", {"city": "Oslo"}, "b")
    mem.tool_result("b", "snow")
    assert [m.role for m in mem.compile().messages] == ["user", "assistant", "tool"]  # a waits
    mem.tool_result("a", "sun")
    ctx = mem.compile()
    assert [(m.role, m.content) for m in ctx.messages[1:]] == [
        ("assistant", ""), ("assistant", ""), ("tool", "snow"), ("tool", "sun")]
    assert ctx == fresh(mem)
    assert anthropic_problems(ctx.to_anthropic()) == []
    [assistant] = [m for m in ctx.to_openai() if m["role"] == "assistant"]
    assert [c["id"] for c in assistant["tool_calls"]] == ["a", "b"]


def test_a_result_answers_the_nearest_earlier_unanswered_call(mem):
    mem.user("go")
    old = mem.tool_call("t", {"n": 1}, "x")
    mem.tool_call("t", {"n": 2}, "x")
    mem.tool_result("x", "for the second")
    stray = mem.tool_result("nobody", "?")
    ctx = mem.compile()
    assert reasons(ctx) == {old.hash: "unanswered_call", stray.hash: "result_without_call"}
    assert [c.arguments for m in ctx.messages for c in m.tool_calls] == [{"n": 2}]
    assert ctx == fresh(mem)


def test_a_second_result_for_an_answered_call_is_not_sent(mem):
    mem.user("go")
    mem.tool_call("t", {}, "x")
    mem.tool_result("x", "first")
    second = mem.tool_result("x", "second")
    ctx = mem.compile()
    assert reasons(ctx) == {second.hash: "result_without_call"}
    assert ctx == fresh(mem)


def test_skipping_either_side_drops_the_pair_with_reasons(mem):
    mem.user("go")
    call = mem.tool_call("t", {}, "x")
    result = mem.tool_result("x", "r")
    mem.annotate(result.hash, "skip")
    assert reasons(mem.compile()) == {call.hash: "unanswered_call", result.hash: "skip"}
    mem.annotate(result.hash, "normal")
    mem.annotate(call.hash, "skip")
    assert reasons(mem.compile()) == {call.hash: "skip", result.hash: "result_without_call"}
    assert mem.compile() == fresh(mem)


def test_a_result_separated_from_its_call_is_sent_right_after_it(mem):
    mem.user("go")
    mem.tool_call("t", {}, "x")
    mem.user("are you there?")      # the user typed while the tool ran
    mem.assistant("still working")
    mem.tool_result("x", "done")
    ctx = mem.compile()
    assert [m.role for m in ctx.messages] == ["user", "assistant", "user", "assistant", "tool"]
    request = ctx.to_anthropic()
    assert anthropic_problems(request) == []
    assert [b["type"] for b in request["messages"][2]["content"]] == ["tool_result", "text"]
    assert openai_problems(ctx.to_openai()) == []
    assert [m["role"] for m in ctx.to_openai()] == ["user", "assistant", "tool", "user", "assistant"]


def test_budget_keeps_the_user_first_with_a_note_on_what_was_left_out(mem):
    mem.system("be brief")
    mem.user("question " * 20)
    for i in range(3):
        mem.assistant(f"thinking step {i} " * 5)
    full = mem.compile()
    ctx = mem.compile(budget=full.token_count // 2)
    assert ctx.messages[1].role == "assistant"
    assert ctx.omitted is not None and ctx.omitted.turns >= 1 and ctx.omitted.tokens >= 20
    assert f"{ctx.omitted.turns} earlier turn" in ctx.omitted.text
    assert ctx.token_count <= full.token_count // 2
    assert ctx.token_count == sum(mem.repo.counter.count(m.content) for m in ctx.messages) + \
        mem.repo.counter.count(ctx.omitted.text)
    request = ctx.to_anthropic()
    assert request["messages"][0] == {"role": "user", "content": [{"type": "text", "text": ctx.omitted.text}]}
    assert anthropic_problems(request) == []
    assert ctx.to_openai()[1] == {"role": "user", "content": ctx.omitted.text}
    assert {d.reason for d in ctx.dropped} == {"budget"}
    assert ctx == fresh(mem, full.token_count // 2)


def test_a_budget_only_the_system_prompt_fits_raises(mem):
    mem.system("be brief")
    mem.user("a long question " * 10)
    with pytest.raises(BudgetError, match="only the system prompt fits"):
        mem.compile(budget=5)


def test_an_orphan_tool_result_gets_a_warning(mem):
    mem.user("go")
    info = mem.tool_result("never_called", "data")
    assert info.warnings and "never_called" in info.warnings[0]
    mem.tool_call("t", {}, "x")
    assert mem.tool_result("x", "ok").warnings == []


def reused_ids_story(t: Tract) -> None:
    t.system("be brief")
    t.user("find me a flight")
    for name in ("search_direct_flight", "search_onestop_flight"):
        t.tool_call(name, {"to": "東京"}, "call_1")
        t.tool_result("call_1", f"{name}: ✈️ none")
    t.assistant("Nothing yet.")


def test_replay_gives_back_the_rendered_ids_and_the_note(mem):
    reused_ids_story(mem)
    ctx = mem.compile(record=True)
    assert ctx.renamed_call_ids
    assert mem.replay(ctx.record_id).to_anthropic() == ctx.to_anthropic()
    budgeted = mem.compile(budget=ctx.token_count - 3, record=True)
    assert budgeted.omitted is not None
    again = mem.replay(budgeted.record_id)
    assert again.omitted == budgeted.omitted and again.to_anthropic() == budgeted.to_anthropic()
    assert again.dropped == budgeted.dropped and {d.reason for d in again.dropped} == {"budget"}


def test_reorder_with_a_reused_id_warns_only_about_the_pair_it_splits(mem):
    reused_ids_story(mem)
    ctx = mem.compile()
    second_result = ctx.messages[5]
    reordered, warnings = mem.compile(order=[ctx.commit_hashes[3]])  # the first pair's result first
    assert [(w.kind, w.commit) for w in warnings] == [("result_before_call", ctx.commit_hashes[3])]
    assert anthropic_problems(reordered.to_anthropic()) == []
    assert openai_problems(reordered.to_openai()) == []
    _, warnings = mem.compile(order=[second_result.commit_hash, ctx.commit_hashes[2]])
    assert [w.commit for w in warnings] == [second_result.commit_hash]


def test_a_budget_keeps_the_newest_turns_that_fit_and_older_small_ones(mem):
    mem.system("be brief")
    task = mem.user("summarise the log")
    mem.tool_call("read", {"path": "app.log"}, "r1")
    big = mem.tool_result("r1", "line " * 500)
    mem.assistant("The log shows one error.")
    ctx = mem.compile(budget=30)
    assert ctx.commit_hashes[1] == task.hash     # the user's task stays; the big pair goes
    assert {d.commit: d.reason for d in ctx.dropped}[big.hash] == "budget"
    assert ctx.omitted is None and anthropic_problems(ctx.to_anthropic()) == []


def test_the_agent_loop_stays_incremental_with_reused_ids_and_parallel_calls(mem, monkeypatch):
    from tract_core.operations import compiler as compiler_module

    mem.user("go")
    mem.compile()
    full_passes = []
    real = compiler_module.assemble
    monkeypatch.setattr(compiler_module, "assemble", lambda *a, **k: full_passes.append(1) or real(*a, **k))
    for step in range(6):
        mem.tool_call("t", {"step": step}, "a")        # the same id every step
        mem.tool_call("t", {"step": step, "k": 2}, "b")
        mem.compile()
        mem.tool_result("b", f"b {step}")
        mem.tool_result("a", f"a {step}")
        mem.compile()
    assert full_passes == []
    monkeypatch.setattr(compiler_module, "assemble", real)
    assert mem.compile() == fresh(mem)
    assert len(mem.compile().renamed_call_ids) == 10


def test_call_ids_the_anthropic_api_would_refuse_are_spelt_safely(mem):
    mem.user("go")
    mem.tool_call("search", {"q": "東京"}, "functions.search:0")
    mem.tool_result("functions.search:0", "晴れ ☀️")
    mem.tool_call("search", {"q": "Oslo"}, "functions/search:0")   # the same once spelt safely
    mem.tool_result("functions/search:0", "snø")
    ctx = mem.compile()
    request = ctx.to_anthropic()
    assert anthropic_problems(request) == []
    ids = [b["id"] for m in request["messages"] for b in m["content"] if b["type"] == "tool_use"]
    assert ids[0].startswith("functions_search_0_") and ids[0] != ids[1]
    assert [m["tool_calls"][0]["id"] for m in ctx.to_openai() if m.get("tool_calls")] == [
        "functions.search:0", "functions/search:0"]
    assert request["messages"][2]["content"][0]["content"] == "晴れ ☀️"
