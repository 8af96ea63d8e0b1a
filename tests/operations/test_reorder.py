"""compile(order=...): named commits first, the rest after in their own order; the DAG untouched."""

from __future__ import annotations

import pytest
from compress_support import story

from tract_core import CommitNotFoundError, InvalidOperationError, ReorderWarning


def test_named_commits_come_first_and_the_rest_keep_their_order(t):
    h = story(t)
    log_before, plain = t.log(), t.compile()
    ctx, warnings = t.compile(order=[h["u2"], h["sys"][:12]])
    assert warnings == []
    assert ctx.commit_hashes == [h["u2"], h["sys"], h["u1"], h["a1"], h["call"], h["result"]]
    assert [m.commit_hash for m in ctx.messages] == ctx.commit_hashes
    assert ctx.token_count == plain.token_count and ctx.head == plain.head
    assert t.log() == log_before             # the DAG did not change
    assert t.compile() == plain              # nor did the cached compile


def test_an_empty_order_still_returns_the_pair(t):
    story(t)
    ctx, warnings = t.compile(order=[])
    assert ctx == t.compile() and warnings == []


def test_a_result_placed_before_its_call_is_warned_about(t):
    h = story(t)
    ctx, warnings = t.compile(order=[h["result"]])
    assert ctx.commit_hashes[0] == h["result"]
    assert warnings == [ReorderWarning(kind="result_before_call", commit=h["result"], related=h["call"],
                                       detail="the result of tool call 'c1' comes before the call")]


def test_an_edit_placed_before_its_target_is_warned_about(t):
    h = story(t)
    edit = t.commit({"content_type": "dialogue", "role": "assistant", "text": "Deploying 4813."},
                    operation="edit", edit_target=h["a1"]).hash
    ctx, warnings = t.compile(order=[edit, h["u2"], h["a1"]])
    assert ctx.commit_hashes[:2] == [edit, h["u2"]]
    assert ctx.messages[0].content == "Deploying 4813."
    assert [(w.kind, w.commit, w.related) for w in warnings] == [("edit_before_target", edit, h["a1"])]
    _, fine = t.compile(order=[h["a1"], edit])
    assert fine == []


def test_orders_naming_what_compile_does_not_show_are_refused(t):
    h = story(t)
    t.annotate(h["u1"], "skip")
    with pytest.raises(InvalidOperationError, match="not in the compiled context"):
        t.compile(order=[h["u1"]])
    with pytest.raises(InvalidOperationError, match="twice"):
        t.compile(order=[h["u2"], h["u2"]])
    with pytest.raises(CommitNotFoundError):
        t.compile(order=["abcdef12"])
    with pytest.raises(InvalidOperationError):
        t.compile(order=h["u2"])


def test_reorder_works_with_a_budget_and_at_an_older_commit(t):
    h = story(t)
    ctx, _ = t.compile(at_commit=h["a1"], order=[h["a1"]])
    assert ctx.commit_hashes == [h["a1"], h["sys"], h["u1"]]
    ctx, _ = t.compile(budget=12, order=[h["u2"]])
    assert ctx.commit_hashes[0] == h["u2"] and ctx.token_count <= 12


def test_ordering_by_full_hashes_costs_no_query_per_hash(t):
    """The commits named by full hash are found in the compiled context, not fetched one by one."""
    from sqlalchemy import event

    hashes = [t.user(f"turn {i}").hash for i in range(40)]
    edit = t.commit({"content_type": "dialogue", "role": "user", "text": "turn zero, edited"},
                    operation="edit", edit_target=hashes[0]).hash
    t.compile()
    queries = []
    event.listen(t.store.engine, "before_cursor_execute", lambda *a: queries.append(a[2]))
    ctx, warnings = t.compile(order=[*hashes[:0:-1], edit])
    assert ctx.commit_hashes == [*hashes[:0:-1], edit] and warnings == []
    assert len(queries) < 10, f"{len(queries)} queries for one compile"
