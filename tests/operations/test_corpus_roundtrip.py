"""The corpus (tests/corpus: agent trajectories with reused call ids, parallel calls, long outputs,
tool errors, CJK/emoji/RTL text) round-trips: committed turn by turn with the shorthands and
compiled after each turn as an agent loop does, `to_openai()` gives back every message, field for
field; a new process compiles the same; the Anthropic shape is a valid request."""

from __future__ import annotations

import pytest

from tests.api_rules import anthropic_problems, openai_problems
from tests.conftest import WordCounter
from tests.corpus.trajectories import api_fields, commit_message, load, names
from tract_core import Tract
from tract_core.operations.compiler import Compiler
from tract_core.operations.refs import RefView


def test_the_corpus_has_the_traffic_it_is_for():
    trajectories = [load(n) for n in names()]
    calls = [c["id"] for m in sum(trajectories, []) for c in m.get("tool_calls") or []]
    assert 10 <= len(trajectories) <= 20
    assert sum(len(t) for t in trajectories) > 300
    assert sum(len(ids) - len(set(ids)) for ids in
               ([c["id"] for m in t for c in m.get("tool_calls") or []] for t in trajectories)) > 20
    assert sum(len(m.get("tool_calls") or []) > 1 for t in trajectories for m in t) > 10
    text = str(trajectories)
    assert all(s in text for s in ("東京", "📁", "القاهرة", "Error:")) and len(calls) > 100


@pytest.mark.parametrize("name", names())
def test_a_trajectory_round_trips_through_compile(name):
    messages = load(name)
    t = Tract.open(":memory:", counter=WordCounter())
    for message in messages:
        commit_message(t, message)
        t.compile()   # the agent loop: the incremental path at every turn
    ctx = t.compile()
    assert ctx.dropped == []
    assert [api_fields(m) for m in ctx.to_openai()] == [api_fields(m) for m in messages]
    with t.store.read() as tx:
        cold = Compiler(t.repo, snapshots=False).compile(tx, RefView.read(tx, t.tract_id).head)
    assert cold == ctx
    assert openai_problems(ctx.to_openai()) == []
    request = ctx.to_anthropic()
    assert anthropic_problems(request) == []
    ids = [b["id"] for m in request["messages"] for b in m["content"] if b["type"] == "tool_use"]
    assert len(ids) == len(set(ids)) == sum(len(m.get("tool_calls") or []) for m in messages)
    t.close()
