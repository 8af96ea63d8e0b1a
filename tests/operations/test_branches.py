"""Branches, HEAD, detached HEAD, ORIG_HEAD, reset, delete, log and status."""

from __future__ import annotations

import pytest

from tract_core.errors import (BranchExistsError, BranchNotFoundError, BranchNotMergedError,
                               DetachedHeadError, InvalidOperationError, InvalidRefNameError)


def test_new_tract_starts_on_main(tract):
    s = tract.status()
    assert (s.branch, s.detached, s.head, s.commit_count) == ("main", False, None, 0)
    assert [b.name for b in tract.list_branches()] == ["main"]


def test_branch_switch_and_log_per_branch(tract):
    base = tract.user("base")
    tract.branch("idea", switch=True)
    idea = tract.assistant("on idea")
    tract.switch("main")
    main = tract.assistant("on main")
    assert [c.hash for c in tract.log()] == [main.hash, base.hash]
    assert [c.hash for c in tract.log(branch="idea")] == [idea.hash, base.hash]
    assert [c.hash for c in tract.log(limit=1)] == [main.hash]
    assert {b.name: b.current for b in tract.list_branches()} == {"idea": False, "main": True}
    assert tract.log()[0].parents == [base.hash]


def test_branch_errors(tract):
    tract.user("x")
    tract.branch("b")
    with pytest.raises(BranchExistsError):
        tract.branch("b")
    with pytest.raises(BranchNotFoundError):
        tract.switch("nope")
    for bad in ["", "a b", "..", "-x", "a..b", "HEAD"]:
        with pytest.raises(InvalidRefNameError):
            tract.branch(bad)


def test_detached_head_refuses_commits(tract):
    first = tract.user("one")
    tract.user("two")
    assert tract.checkout(first.hash[:10]) == first.hash
    s = tract.status()
    assert s.detached and s.branch is None and s.head == first.hash
    assert [m.content for m in tract.compile().messages] == ["one"]
    with pytest.raises(DetachedHeadError, match="switch to a branch"):
        tract.user("lost?")
    tract.branch("rescue", switch=True)
    tract.user("kept")
    assert [m.content for m in tract.compile().messages] == ["one", "kept"]


def test_reset_moves_branch_and_sets_orig_head(tract):
    a = tract.user("a")
    b = tract.user("b")
    assert tract.reset(a.hash) == a.hash
    assert tract.status().head == a.hash
    assert tract.show("ORIG_HEAD").hash == b.hash
    tract.reset("ORIG_HEAD", mode="hard")
    assert tract.status().head == b.hash
    with pytest.raises(InvalidOperationError):
        tract.reset(a.hash, mode="mixed")


def test_delete_branch_guards_unmerged_work(tract):
    tract.user("base")
    tract.branch("side", switch=True)
    tract.user("side work")
    with pytest.raises(InvalidOperationError, match="current branch"):
        tract.delete_branch("side")
    tract.switch("main")
    with pytest.raises(BranchNotMergedError):
        tract.delete_branch("side")
    tract.delete_branch("side", force=True)
    assert [b.name for b in tract.list_branches()] == ["main"]
    tract.branch("merged-already")
    tract.delete_branch("merged-already")


def test_diff_reports_added_removed_and_edited(tract):
    q = tract.user("question")
    tract.branch("alt", switch=True)
    e = tract.commit({"content_type": "dialogue", "role": "user", "text": "better question"},
                     operation="edit", edit_target=q.hash)
    extra = tract.assistant("answer")
    d = tract.diff("main", "alt")
    assert d.added == [extra.hash] and d.removed == []
    assert [(x.target, x.before, x.after) for x in d.edited] == [(q.hash, q.hash, e.hash)]
    assert tract.diff("alt", "main").removed == [extra.hash]


def test_status_counts_commits_and_tokens(tract):
    tract.user("hello there")
    s = tract.status()
    assert s.commit_count == 1 and s.token_count == tract.compile().token_count > 0


def test_reset_and_annotate_can_name_another_branch(tract):
    base = tract.user("base")
    tract.branch("side")
    tract.commit({"content_type": "dialogue", "role": "user", "text": "side work"}, branch="side")
    assert tract.reset(base.hash, branch="side") == base.hash
    assert [c.hash for c in tract.log(branch="side")] == [base.hash]
    assert tract.status().branch == "main"
    with pytest.raises(BranchNotFoundError):
        tract.reset(base.hash, branch="nope")
    with pytest.raises(BranchNotFoundError):
        tract.annotate(base.hash, "skip", branch="nope")
