"""Compression over real histories: merges, several handles on one store, lost races, the cache."""

from __future__ import annotations

import pytest
from compress_support import Recorder, Words, open_tract, story, texts

from tract_core import CompressionError, Tract
from tract_core.operations.compress import SUMMARY_HEADER
from tract_core.storage import Txn


def fresh_compile(t: Tract):
    """The compile of a second handle on the same store: no cache shared with `t`."""
    return Tract(t.store, t.tract_id, counter=Words()).compile()


def test_merges_after_the_range_are_reapplied_with_their_second_parent():
    t = open_tract()
    sys_ = t.system("Be brief.").hash
    t.branch("side", switch=True)
    side = t.user("side note: use port 8443").hash
    t.switch("main")
    u1 = t.user("first question").hash
    a1 = t.assistant("first answer").hash
    assert t.merge("side").kind == "merged"
    t.user("after the merge")
    t.compress(from_commit=u1, to_commit=a1, mode="manual", content="A first exchange.")
    assert texts(t) == ["Be brief.", SUMMARY_HEADER + "A first exchange.", "side note: use port 8443",
                        "after the merge"]
    merge = t.log()[1]
    assert merge.operation.value == "merge" and merge.parents[1] == side
    assert fresh_compile(t) == t.compile()
    assert sys_ in [c.hash for c in t.log()]


def test_a_merge_that_brings_in_the_range_blocks_compressing_it():
    t = open_tract()
    t.system("Be brief.")
    u1 = t.user("first question").hash
    t.branch("side", switch=True)
    t.user("side work")
    t.switch("main")
    t.assistant("first answer")
    t.merge("side")
    with pytest.raises(CompressionError, match="merge"):
        t.compress(from_commit=u1, to_commit=u1, mode="manual", content="x")
    with pytest.raises(CompressionError, match="merge commit"):
        t.compress(from_commit=u1, mode="manual", content="x")


def test_the_cached_compile_matches_a_fresh_one_after_compress_and_undo():
    t = open_tract(summarizer=Recorder())
    h = story(t)
    t.annotate(h["a1"], "pinned")
    t.compile()
    result = t.compress(from_commit=h["u1"], to_commit=h["result"], mode="autonomous")
    t.assistant("more")
    assert t.compile() == fresh_compile(t)
    t.undo_compression(result.event_id)
    assert t.compile() == fresh_compile(t)
    assert t.log()[-3].priority.value == "pinned"


def test_a_second_handle_cannot_approve_what_the_first_approved(sqlite_url):
    one = open_tract(sqlite_url, summarizer=Recorder())
    two = open_tract(sqlite_url)
    h = story(one)
    pending = one.compress(from_commit=h["u1"], to_commit=h["a1"])
    [seen] = two.pending_compressions()
    seen.approve()
    with pytest.raises(CompressionError, match="already approved"):
        pending.approve()
    assert one.pending_compressions() == [] and one.status().pending_compressions == 0
    one.close()
    two.close()


def test_a_lost_race_is_retried_on_the_new_tip(monkeypatch):
    t = open_tract(summarizer=Recorder())
    h = story(t)
    real = Txn.cas_ref
    lost = []

    def cas_once_lost(self, tract_id, name, old, new):
        if not lost and name == "refs/heads/main":
            lost.append(name)
            return False
        return real(self, tract_id, name, old, new)

    monkeypatch.setattr(Txn, "cas_ref", cas_once_lost)
    t.compress(from_commit=h["u1"], to_commit=h["a1"], mode="autonomous")
    assert lost and texts(t)[1] == SUMMARY_HEADER + Recorder().answer
    assert len(t.operations(limit=None)) == 1          # the lost attempt left no event behind


def test_operations_lists_every_kind_newest_first(store_url):
    t = open_tract(store_url, summarizer=Recorder())
    h = story(t)
    t.branch("side")
    t.merge("side")                                     # up to date: no event
    t.switch("side")
    t.user("side work")
    t.switch("main")
    t.merge("side")
    pending = t.compress(from_commit=h["u1"], to_commit=h["a1"])
    t.reject_compression(pending.id)
    result = t.compress(from_commit=h["u1"], to_commit=h["a1"]).approve()
    t.undo_compression(result.event_id)
    t.reset(h["u2"], mode="soft")
    t.gc()
    kinds = [e.kind for e in t.operations()]
    assert kinds == ["gc", "reset", "undo", "approve", "compress", "reject", "compress", "merge", "switch",
                     "switch", "branch_created"]
    assert [e.kind for e in t.operations(limit=2)] == ["gc", "reset"]
    times = [e.created_at for e in t.operations()]
    assert times == sorted(times, reverse=True)
    t.close()
