"""clear_tool_results on messy traffic: whatever the turns, the pairs stay valid, only older large
results become stubs, and every other message is exactly what compile gives without the policy."""

from __future__ import annotations

from compress_support import open_tract
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_policies import pairs_valid

step = st.one_of(
    st.tuples(st.just("user"), st.integers(1, 30)),
    st.tuples(st.just("call"), st.integers(0, 5)),
    st.tuples(st.just("result"), st.integers(0, 5), st.integers(1, 300)),
    st.tuples(st.just("assistant"), st.integers(1, 30)),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps=st.lists(step, max_size=25), keep_last=st.integers(0, 3), min_tokens=st.integers(0, 200))
def test_clearing_keeps_pairs_and_changes_only_older_large_results(steps, keep_last, min_tokens):
    t = open_tract()
    t.system("sys")
    for s in steps:
        if s[0] == "user":
            t.user("w " * s[1])
        elif s[0] == "assistant":
            t.assistant("w " * s[1])
        elif s[0] == "call":
            t.tool_call("grep", {"n": s[1]}, f"id{s[1]}")
        else:
            t.tool_result(f"id{s[1]}", "w " * s[2], name="grep")
    plain = t.compile()
    t.set_policy("clear_tool_results", keep_last=keep_last, min_tokens=min_tokens)
    cleared = t.compile()
    assert pairs_valid(cleared) == pairs_valid(plain)
    assert cleared.commit_hashes == plain.commit_hashes
    results = [m.commit_hash for m in plain.messages if m.role == "tool"]
    older = results[:max(0, len(results) - keep_last)]
    assert set(cleared.cleared) <= set(older)
    for before, after in zip(plain.messages, cleared.messages):
        if after.commit_hash in cleared.cleared:
            assert after.content.startswith("[tool result cleared: grep returned")
            assert t.show(after.commit_hash).token_count >= min_tokens
            assert after.tool_call_id == before.tool_call_id
        else:
            assert after == before
    assert cleared.token_count <= plain.token_count
    assert cleared.token_count < plain.token_count or not cleared.cleared
