"""Naming commits: HEAD~N, <branch>~N, <branch>, ^N and hash prefixes, everywhere a commit is named;
and ids of compressions, compile records and events by prefix."""

from __future__ import annotations

import pytest

from tests.conftest import WordCounter
from tract_core import AmbiguousPrefixError, CommitNotFoundError, Tract, UnknownRevisionError, short_id


@pytest.fixture
def four(store_url):
    t = Tract.open(store_url, counter=WordCounter())
    hashes = [t.user(f"turn {i}").hash for i in range(4)]
    yield t, hashes
    t.close()


def test_head_and_branch_with_tilde_walk_back_first_parents(four):
    t, h = four
    assert t.show("HEAD").hash == h[3]
    assert t.show("HEAD~").hash == h[2]
    assert t.show("HEAD~1").hash == h[2]
    assert t.show("HEAD~3").hash == h[0]
    assert t.show("main~2").hash == h[1]
    assert t.show("main").hash == h[3]
    assert t.show(h[3][:7] + "~2").hash == h[1]
    assert t.show("HEAD~1~1").hash == h[1]
    assert t.show("HEAD^").hash == h[2] and t.show("HEAD^0").hash == h[3]


def test_a_revision_past_the_root_or_badly_formed_is_an_unknown_revision(four):
    t, _ = four
    for rev in ("HEAD~4", "HEAD~99999999999", "HEAD~" + "9" * 5000, "HEAD^" + "9" * 50, "main~x", "nobranch~1", "HEAD^2", "~1", "zzzz", "", "  "):
        with pytest.raises(UnknownRevisionError):
            t.show(rev)
    assert issubclass(UnknownRevisionError, CommitNotFoundError)  # callers catching the old error still do


def test_second_parent_of_a_merge(store_url):
    with Tract.open(store_url, counter=WordCounter()) as t:
        t.user("base")
        t.branch("side", switch=True)
        side = t.user("on side").hash
        t.switch("main")
        ours = t.user("on main").hash
        merged = t.merge("side")
        assert merged.kind == "merged"
        assert t.show("HEAD^2").hash == side
        assert t.show("HEAD^1").hash == ours == t.show("HEAD~1").hash
        assert t.show("side").hash == side


def test_revisions_work_wherever_a_commit_is_named(four):
    t, h = four
    assert t.diff("HEAD~2", "HEAD").added == [h[2], h[3]]
    assert t.compile(at_commit="HEAD~2").commit_hashes == h[:2]
    t.annotate("HEAD~1", "skip")
    assert t.show(h[2]).priority.value == "skip"
    edit = t.commit({"content_type": "dialogue", "role": "user", "text": "turn 0 fixed"},
                    operation="edit", edit_target="HEAD~3")
    assert edit.edit_target == h[0]
    assert t.branch("old", start="main~3").head == h[1]
    assert t.checkout("HEAD~1") == h[3]
    t.switch("main")
    assert t.reset("HEAD~1") == h[3]
    assert [c.hash for c in t.log()] == h[::-1]


def test_ids_of_compressions_records_and_events_by_prefix(store_url):
    with Tract.open(store_url, counter=WordCounter()) as t:
        for i in range(4):
            t.user(f"turn {i} with some words")
        pending = t.compress(from_commit="HEAD~3", to_commit="HEAD~1", content="a summary",
                             mode="collaborative")
        result = t.approve_compression(short_id(pending.id))
        assert result.pending_id == pending.id
        undone = t.undo_compression(result.event_id[:8])
        assert undone.parameters["event"] == result.event_id
        rec = t.compile(record=True).record_id
        assert t.replay(rec[:12]).record_id == rec


def test_an_ambiguous_id_prefix_names_the_kind_of_id(mem, monkeypatch):
    from tract_core.operations import refs

    monkeypatch.setattr(refs, "ids_with_prefix", lambda *a, **k: ["abcd1" + "0" * 27, "abcd2" + "0" * 27])
    with pytest.raises(AmbiguousPrefixError, match="pending compressions"):
        mem.approve_compression("abcd")


def test_short_id_is_twelve_hex_digits(mem):
    c = mem.user("hi")
    assert short_id(c.hash) == c.short == c.hash[:12]
    assert short_id(None) is None
