"""gc removes what nothing reaches any more, and only that."""

from __future__ import annotations

import pytest
from compress_support import Recorder, open_tract, story

from tract_core import CommitNotFoundError, CompressionError, RecordNotFoundError, Tract


def exists(t: Tract, h: str) -> bool:
    try:
        t.show(h)
        return True
    except CommitNotFoundError:
        return False


def test_gc_keeps_everything_reachable(store_url):
    t = open_tract(store_url)
    h = story(t)
    t.branch("side", switch=True)
    side = t.user("only on side").hash
    t.switch("main")
    result = t.gc(orphan_retention_days=0)
    assert result.commits_removed == 0 and result.blobs_removed == 0 and result.tokens_freed == 0
    assert all(exists(t, x) for x in [*h.values(), side])
    assert result.duration_seconds >= 0 and t.operations(limit=1)[0].kind == "gc"
    t.close()


def test_a_soft_reset_leaves_commits_for_the_orphan_retention(store_url):
    t = open_tract(store_url)
    h = story(t)
    t.reset(h["a1"], mode="soft")
    t.user("a different turn")
    t.reset("HEAD", mode="soft")                        # ORIG_HEAD moves on too
    assert t.gc().commits_removed == 0                  # the reset event protects them for 7 days
    assert exists(t, h["u2"])
    assert t.gc(orphan_retention_days=0).commits_removed == 3
    t.close()


def test_a_hard_reset_discards_at_once(store_url):
    t = open_tract(store_url)
    h = story(t)
    t.reset(h["a1"], mode="hard")
    result = t.gc()
    assert result.commits_removed == 3                  # call, result, u2
    assert result.blobs_removed == 3 and result.tokens_freed == 2 + 6 + 6
    assert not exists(t, h["u2"]) and exists(t, h["a1"])
    event = t.operations(limit=1)[0]
    assert event.kind == "gc" and sorted(event.sources) == sorted([h["call"], h["result"], h["u2"]])
    assert event.parameters["commits_removed"] == 3
    t.close()


def test_orig_head_never_names_a_removed_commit(store_url):
    """gc removed the commit ORIG_HEAD named after a hard reset: the ref goes too, so show,
    reset or checkout of ORIG_HEAD say it points at nothing instead of crashing or moving the
    branch to a commit that no longer exists."""
    t = open_tract(store_url)
    h = story(t)
    t.reset(h["a1"], mode="hard")
    t.gc()
    for call in (lambda: t.show("ORIG_HEAD"), lambda: t.reset("ORIG_HEAD"),
                 lambda: t.checkout("ORIG_HEAD"), lambda: t.branch("back", start="ORIG_HEAD")):
        with pytest.raises(CommitNotFoundError, match="ORIG_HEAD"):
            call()
    assert t.status().head == h["a1"] and t.log()[0].hash == h["a1"]
    t.close()


def test_what_a_hard_reset_left_stays_while_a_branch_reaches_it():
    t = open_tract()
    h = story(t)
    t.branch("keep", start=h["u2"])
    t.reset(h["a1"], mode="hard")
    assert t.gc().commits_removed == 0 and exists(t, h["u2"])


def test_orphans_older_than_the_retention_go(store_url):
    t = open_tract(store_url)
    h = story(t)
    t.branch("scratch", switch=True)
    scratch = t.user("scratch work").hash
    t.switch("main")
    t.delete_branch("scratch", force=True)
    assert t.gc().commits_removed == 0                  # young orphans stay
    assert t.gc(orphan_retention_days=0).commits_removed == 1
    assert not exists(t, scratch) and exists(t, h["u2"])
    t.close()


def test_a_detached_head_protects_its_commit():
    t = open_tract()
    story(t)
    t.branch("tmp", switch=True)
    loose = t.user("on tmp").hash
    t.checkout(loose)
    t.delete_branch("tmp", force=True)
    assert t.gc(orphan_retention_days=0).commits_removed == 0
    t.switch("main")
    assert t.gc(orphan_retention_days=0).commits_removed == 1 and not exists(t, loose)


def test_a_pending_compression_protects_its_sources():
    t = open_tract()
    h = story(t)
    pending = t.compress(from_commit=h["u1"], to_commit=h["a1"], deferred=True)
    t.reset(h["sys"], mode="hard")
    assert t.gc(orphan_retention_days=0).commits_removed == 3      # call, result, u2
    assert exists(t, h["u1"]) and exists(t, h["a1"])
    t.reject_compression(pending.id)
    assert t.gc(orphan_retention_days=0).commits_removed == 2      # now u1 and a1 too


def test_compression_sources_are_archived_until_archive_retention_is_set(store_url):
    t = open_tract(store_url, summarizer=Recorder())
    h = story(t)
    result = t.compress(from_commit=h["u1"], to_commit=h["a1"], mode="autonomous")
    assert t.gc(orphan_retention_days=0).commits_removed == 0
    assert exists(t, h["u1"]) and exists(t, h["u2"])     # sources and the old tip, for undo
    removed = t.gc(orphan_retention_days=0, archive_retention_days=0)
    assert removed.commits_removed == 5                  # u1, a1 and the old call, result, u2
    assert not exists(t, h["u1"]) and not exists(t, h["u2"])
    with pytest.raises(CompressionError, match="garbage-collected"):
        t.undo_compression(result.event_id)
    t.close()


def test_a_blob_stays_while_any_commit_uses_it(store_url):
    t = open_tract(store_url)
    other = Tract.open(store_url, "other", counter=t.repo.counter)
    other.user("in both tracts")
    first = t.user("said twice").hash
    second = t.user("said twice").hash
    third = t.user("in both tracts").hash
    t.reset(first, mode="hard")
    result = t.gc()
    assert result.commits_removed == 2 and result.blobs_removed == 0 and result.tokens_freed == 0
    assert exists(t, first) and not exists(t, second) and not exists(t, third)
    assert [m.content for m in other.compile().messages] == ["in both tracts"]
    other.close()
    t.close()


def test_records_protect_their_commits_only_within_the_retention():
    t = open_tract()
    h = story(t)
    record = t.compile(record=True).record_id
    t.reset(h["sys"], mode="hard")
    assert t.gc().commits_removed == 0                  # the record is young
    assert t.replay(record).commit_hashes[-1] == h["u2"]
    result = t.gc(orphan_retention_days=0)
    assert result.commits_removed == 5 and result.records_removed == 1
    with pytest.raises(RecordNotFoundError):
        t.replay(record)


def test_bad_retention_is_refused():
    from tract_core import InvalidOperationError

    t = open_tract()
    with pytest.raises(InvalidOperationError):
        t.gc(orphan_retention_days=-1)
    with pytest.raises(InvalidOperationError):
        t.gc(archive_retention_days="soon")
