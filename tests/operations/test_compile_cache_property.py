"""The incremental compile cache, and compile snapshots, give exactly what a compile from scratch gives."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from tests.api_rules import anthropic_problems, openai_problems
from tests.conftest import WordCounter
from tract_core import CompressionError, Tract
from tract_core.operations.compiler import Compiler

OPS = st.sampled_from(["user", "assistant", "system", "call", "call", "parallel", "result", "result",
                       "result_any", "edit", "edit_tool", "annotate", "branch", "switch", "merge", "compress",
                       "reorder"])
IDS = ["a", "b", "c"]   # few ids, so they are reused the way real models reuse them


def _full(t: Tract, budget=None, snapshots: bool = False):
    """Compile with a fresh compiler: no cached state or output (and no snapshot unless asked)."""
    fresh = Compiler(t.repo, snapshots=snapshots)
    with t.store.read() as tx:
        from tract_core.operations.refs import RefView

        head = RefView.read(tx, t.tract_id).head
        return fresh.compile(tx, head, budget)


def _same(a, b):
    assert [m.model_dump() for m in a.messages] == [m.model_dump() for m in b.messages]
    assert a.commit_hashes == b.commit_hashes
    assert a.token_count == b.token_count
    assert a.dropped == b.dropped
    assert a.renamed_call_ids == b.renamed_call_ids
    assert a.omitted == b.omitted


def _valid(ctx) -> None:
    if ctx.messages and any(m.role != "system" for m in ctx.messages):
        assert anthropic_problems(ctx.to_anthropic()) == []
    assert openai_problems(ctx.to_openai()) == []


STEPS = st.lists(st.tuples(OPS, st.integers(0, 1000), st.sampled_from(["skip", "normal", "pinned"])),
                 min_size=1, max_size=40)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(STEPS)
def test_cached_compile_equals_full_compile(steps):
    run_steps(steps, snapshots=False)


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(STEPS)
def test_compile_from_snapshots_equals_full_compile(steps):
    """Snapshots saved every 2 commits and looked for 4 back: a fresh compiler (a new process) at
    every step builds from the nearest one plus the commits since, or from scratch past merges."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr("tract_core.operations.compiler.SNAPSHOT_EVERY", 2)
        mp.setattr("tract_core.operations.compiler.SNAPSHOT_REACH", 2)
        run_steps(steps, snapshots=True)


def _tool(r: int, n: int) -> dict:
    """A tool call or result under one of the few ids, as an edit's new content."""
    direction = "call" if r % 2 else "result"
    return {"content_type": "tool_io", "tool_name": "search", "call_id": IDS[r % len(IDS)],
            "direction": direction, "arguments": {"q": n} if direction == "call" else None,
            "result": f"edited result {n}" if direction == "result" else None}


def run_steps(steps, snapshots: bool) -> None:
    t = Tract.open(":memory:", counter=WordCounter())
    open_calls: list[str] = []
    branches = ["main"]
    n = 0
    for op, r, prio in steps:
        n += 1
        history = [c for c in t.log() if c.operation.value != "merge"]
        if op == "user":
            t.user(f"question {n} " * (r % 4 + 1))
        elif op == "assistant":
            t.assistant(f"answer {n}")
        elif op == "system":
            t.system(f"rule {n}")
        elif op in ("call", "parallel"):
            for k in range(1 if op == "call" else r % 3 + 2):  # several calls before any result
                cid = IDS[(r + k) % len(IDS)]
                open_calls.append(cid)
                t.tool_call("search", {"q": n, "k": k}, cid)
        elif op == "result" and open_calls:
            t.tool_result(open_calls.pop(r % len(open_calls)), f"result {n}", is_error=r % 5 == 0)
        elif op == "result_any":
            t.tool_result(IDS[r % len(IDS)] if r % 3 else f"stray{r}", f"stray {n}")
        elif op == "edit" and history:
            target = history[r % len(history)]
            t.commit({"content_type": "dialogue", "role": "user", "text": f"edited {n}"},
                     operation="edit", edit_target=target.hash)
        elif op == "edit_tool" and history:  # a call or result edited into another id or side
            target = history[r % len(history)]
            t.commit(_tool(r // 7, n), operation="edit", edit_target=target.hash)
        elif op == "annotate" and history:
            t.annotate(history[r % len(history)].hash, prio)
        elif op == "branch":
            name = f"b{n}"
            t.branch(name, switch=True)
            branches.append(name)
        elif op == "switch":
            t.switch(branches[r % len(branches)])
        elif op == "merge":
            other = branches[r % len(branches)]
            result = t.merge(other)
            if result.kind == "conflict":
                t.merge(other, strategy="theirs" if r % 2 else "ours")
        elif op == "compress" and len(history) > 1:
            a, b = sorted((r % len(history), (r // 7) % len(history)))
            try:  # a range holding a merge, or only PINNED/SKIP turns, is refused: fine
                t.compress(from_commit=history[-1 - a].hash, to_commit=history[-1 - b].hash, mode="manual",
                           content=f"summary {n}")
                event("compressed")
            except CompressionError:
                event("compression refused")
        elif op == "reorder":
            ctx = t.compile()
            if ctx.commit_hashes:
                picked = [ctx.commit_hashes[(r * k) % len(ctx.commit_hashes)] for k in (1, 3)]
                reordered, _ = t.compile(order=list(dict.fromkeys(picked)))
                _valid(reordered)
        cached = t.compile()
        if cached.renamed_call_ids:
            event("renamed call ids")
        if cached.omitted:
            event("omission marker")
        _same(cached, _full(t))
        _valid(cached)
        assert t.status().token_count == cached.token_count
        if snapshots:
            _same(_full(t, snapshots=True), _full(t))
        with t.store.read() as tx:
            reachable = len(tx.ancestor_hashes(cached.head)) if cached.head else 0
        assert t.status().commit_count == reachable
    from tract_core import BudgetError

    full = t.compile().token_count
    for share in (0.2, 0.5, 0.8):
        budget = max(1, int(full * share))
        try:
            ctx = t.compile(budget=budget)
        except BudgetError:  # a budget below the pinned part raises the same way both times
            with pytest.raises(BudgetError):
                _full(t, budget)
            continue
        _same(ctx, _full(t, budget))
        _valid(ctx)
        assert ctx.token_count <= budget
    t.close()
