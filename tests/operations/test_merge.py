"""Merge: fast-forward, two-parent merge commits, conflicts reported and resolved on request."""

from __future__ import annotations

import pytest

from tract_core.errors import DetachedHeadError, InvalidOperationError


def texts(t):
    return [m.content for m in t.compile().messages]


def test_fast_forward_and_up_to_date(tract):
    tract.user("base")
    tract.branch("f", switch=True)
    tip = tract.user("more")
    tract.switch("main")
    r = tract.merge("f")
    assert (r.kind, r.head) == ("fast_forward", tip.hash)
    assert tract.merge("f").kind == "up_to_date"


def test_both_moved_makes_a_two_parent_commit_in_deterministic_order(tract):
    tract.user("base")
    tract.branch("f", switch=True)
    theirs = tract.user("theirs")
    tract.switch("main")
    ours = tract.user("ours")
    r = tract.merge("f")
    assert r.kind == "merged"
    merge = tract.show(r.head)
    assert merge.parents == [ours.hash, theirs.hash] and merge.content is None
    assert texts(tract) == ["base", "ours", "theirs"]
    assert tract.show("ORIG_HEAD").hash == ours.hash
    assert [c.hash for c in tract.log()][:3] == [r.head, theirs.hash, ours.hash]
    tract.user("after merge")
    assert texts(tract) == ["base", "ours", "theirs", "after merge"]


def _edit(t, target, text):
    return t.commit({"content_type": "dialogue", "role": "user", "text": text},
                    operation="edit", edit_target=target)


def test_edit_edit_conflict_is_reported_then_resolved(tract):
    q = tract.user("q")
    tract.branch("f", switch=True)
    theirs = _edit(tract, q.hash, "their q")
    tract.switch("main")
    ours = _edit(tract, q.hash, "our q")
    before = tract.status().head
    r = tract.merge("f")
    assert r.kind == "conflict" and tract.status().head == before
    (c,) = r.conflicts
    assert (c.kind, c.target, c.ours, c.theirs) == ("edit_edit", q.hash, [ours.hash], [theirs.hash])
    assert tract.merge("f", strategy="ours").kind == "merged"
    assert texts(tract) == ["our q"]
    tract.reset("ORIG_HEAD")
    assert tract.merge("f", strategy="theirs").kind == "merged"
    assert texts(tract) == ["their q"]


def test_skip_edit_conflict(tract):
    q = tract.user("q")
    tract.user("r")
    tract.branch("f", switch=True)
    _edit(tract, q.hash, "their q")
    tract.switch("main")
    tract.annotate(q.hash, "skip")
    r = tract.merge("f")
    assert r.kind == "conflict" and r.conflicts[0].kind == "skip_edit"
    assert texts(tract) == ["r"]
    assert tract.merge("f", strategy="theirs").kind == "fast_forward"   # main had no new commits
    assert texts(tract) == ["their q", "r"]


def test_skip_edit_resolved_ours_keeps_the_skip(tract):
    q = tract.user("q")
    tract.branch("f", switch=True)
    _edit(tract, q.hash, "their q")
    tract.switch("main")
    tract.user("ours moved on")
    tract.annotate(q.hash, "skip")
    assert tract.merge("f").kind == "conflict"
    assert tract.merge("f", strategy="ours").kind == "merged"
    assert texts(tract) == ["ours moved on"]


def test_merge_errors(tract):
    tract.user("x")
    with pytest.raises(InvalidOperationError, match="strategy"):
        tract.merge("main", strategy="mine")
    tract.branch("b")
    tract.checkout(tract.status().head)
    with pytest.raises(DetachedHeadError):
        tract.merge("b")
