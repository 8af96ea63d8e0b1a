"""With tools and settings commits (appended, edited, on branches, merged) and framed token counts,
the incremental compile and compiles from snapshots give what a compile from scratch gives."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tract_core import BudgetError, Tract
from tract_core.errors import CommitNotFoundError
from tract_core.operations.compiler import Compiler
from tract_core.operations.refs import RefView
from tract_core.tokens import OPENAI_FRAMING

OPS = st.sampled_from(["user", "assistant", "call", "result", "tools", "settings", "edit_request",
                       "branch", "switch", "merge"])
STEPS = st.lists(st.tuples(OPS, st.integers(0, 1000)), min_size=1, max_size=30)


class FramedWords:
    """One token per word, framed as the OpenAI cookbook frames messages."""

    framing = OPENAI_FRAMING

    def count(self, text: str) -> int:
        return len(text.split())


def _fresh(t: Tract, budget=None, snapshots: bool = False):
    with t.store.read() as tx:
        return Compiler(t.repo, snapshots=snapshots).compile(tx, RefView.read(tx, t.tract_id).head, budget)


def _same(a, b) -> None:
    assert [m.model_dump() for m in a.messages] == [m.model_dump() for m in b.messages]
    assert (a.commit_hashes, a.token_count, a.dropped) == (b.commit_hashes, b.token_count, b.dropped)
    assert (a.tools, a.settings) == (b.tools, b.settings)


def _tools(n: int, r: int) -> dict:
    names = ["search", "fetch", "calc", "book"]
    return {"content_type": "tools", "tools": [{"name": f"{names[i]}_{n}", "description": f"tool {i}"}
                                               for i in range(r % 4)]}


def run(steps, snapshots: bool) -> None:
    t = Tract.open(":memory:", counter=FramedWords())
    calls: list[str] = []
    requests: list[str] = []
    branches = ["main"]
    for n, (op, r) in enumerate(steps):
        if op == "user":
            t.user(f"question {n} " * (r % 3 + 1))
        elif op == "assistant":
            t.assistant(f"answer {n}")
        elif op == "call":
            calls.append(f"c{n}")
            t.tool_call("search", {"q": n}, f"c{n}")
        elif op == "result" and calls:
            t.tool_result(calls.pop(r % len(calls)), f"result {n}")
        elif op == "tools":
            requests.append(t.commit(_tools(n, r)).hash)
        elif op == "settings":
            requests.append(t.commit({"content_type": "settings", "model": f"m{r % 3}",
                                      "max_tokens": r + 1}).hash)
        elif op == "edit_request" and requests:
            target = requests[r % len(requests)]
            kind = t.show(target).content_type
            content = _tools(n, r + 1) if kind == "tools" else {"content_type": "settings", "top_p": 0.5}
            try:
                t.commit(content, operation="edit", edit_target=target)
            except CommitNotFoundError:  # the target is on another branch
                pass
        elif op == "branch":
            t.branch(f"b{n}", switch=True)
            branches.append(f"b{n}")
        elif op == "switch":
            t.switch(branches[r % len(branches)])
        elif op == "merge":
            other = branches[r % len(branches)]
            if t.merge(other).kind == "conflict":
                t.merge(other, strategy="theirs" if r % 2 else "ours")
        cached = t.compile()
        _same(cached, _fresh(t))
        assert t.status().token_count == cached.token_count
        if snapshots:
            _same(_fresh(t, snapshots=True), _fresh(t))
    budget = max(1, t.compile().token_count // 2)
    try:
        _same(t.compile(budget=budget), _fresh(t, budget))
    except BudgetError:
        with pytest.raises(BudgetError):
            _fresh(t, budget)
    t.close()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(STEPS)
def test_incremental_compile_with_tools_and_settings_equals_a_fresh_one(steps):
    run(steps, snapshots=False)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(STEPS)
def test_snapshot_compile_with_tools_and_settings_equals_a_fresh_one(steps):
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr("tract_core.operations.compiler.SNAPSHOT_EVERY", 2)
        mp.setattr("tract_core.operations.compiler.SNAPSHOT_REACH", 2)
        run(steps, snapshots=True)
