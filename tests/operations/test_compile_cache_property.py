"""The incremental compile cache, and compile snapshots, give exactly what a compile from scratch gives."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import WordCounter
from tract_core import Tract
from tract_core.operations.compiler import Compiler

OPS = st.sampled_from(["user", "assistant", "call", "result", "result_any", "edit", "annotate",
                       "branch", "switch", "merge", "compile"])


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


STEPS = st.lists(st.tuples(OPS, st.integers(0, 1000), st.sampled_from(["skip", "normal", "pinned"])),
                 min_size=1, max_size=40)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(STEPS)
def test_cached_compile_equals_full_compile(steps):
    run_steps(steps, snapshots=False)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(STEPS)
def test_compile_from_snapshots_equals_full_compile(steps):
    """Snapshots saved every 2 commits and looked for 4 back: a fresh compiler (a new process) at
    every step builds from the nearest one plus the commits since, or from scratch past merges."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr("tract_core.operations.compiler.SNAPSHOT_EVERY", 2)
        mp.setattr("tract_core.operations.compiler.SNAPSHOT_REACH", 2)
        run_steps(steps, snapshots=True)


def run_steps(steps, snapshots: bool) -> None:
    t = Tract.open(":memory:", counter=WordCounter())
    calls: list[str] = []
    branches = ["main"]
    n = 0
    for op, r, prio in steps:
        n += 1
        history = [c for c in t.log() if c.operation.value != "merge"]
        if op == "user":
            t.user(f"question {n} " * (r % 4 + 1))
        elif op == "assistant":
            t.assistant(f"answer {n}")
        elif op == "call":
            cid = f"c{n}"
            calls.append(cid)
            t.tool_call("search", {"q": n}, cid)
        elif op == "result" and calls:
            t.tool_result(calls.pop(r % len(calls)), f"result {n}")
        elif op == "result_any":
            t.tool_result(f"c{r % (n + 1)}", f"stray {n}")
        elif op == "edit" and history:
            target = history[r % len(history)]
            t.commit({"content_type": "dialogue", "role": "user", "text": f"edited {n}"},
                     operation="edit", edit_target=target.hash)
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
        cached = t.compile()
        _same(cached, _full(t))
        if snapshots:
            _same(_full(t, snapshots=True), _full(t))
        with t.store.read() as tx:
            reachable = len(tx.ancestor_hashes(cached.head)) if cached.head else 0
        assert t.status().commit_count == reachable
    budget = max(1, t.compile().token_count // 2)
    try:
        _same(t.compile(budget=budget), _full(t, budget))
    except Exception as err:  # a budget below the pinned part raises the same way both times
        from tract_core import BudgetError

        assert isinstance(err, BudgetError)
    t.close()
