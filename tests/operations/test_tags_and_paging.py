"""Tags on commits (shown by log and show), log and operations paging, listing a store's tracts."""

from __future__ import annotations

import pytest

from tests.conftest import WordCounter
from tract_core import EventNotFoundError, InvalidOperationError, InvalidTagError, Tract, UnknownRevisionError, list_tracts


@pytest.fixture
def t(store_url):
    tract = Tract.open(store_url, counter=WordCounter())
    yield tract
    tract.close()


def test_tags_are_shown_by_log_and_show_and_can_be_removed(t):
    a = t.user("first")
    t.user("second")
    assert t.tag("HEAD~1", "goal", "goal", "v1").tags == ["goal", "v1"]
    assert t.show(a.hash).tags == ["goal", "v1"]
    assert [c.tags for c in t.log()] == [[], ["goal", "v1"]]
    assert t.untag(a.hash[:6], "v1", "never-there").tags == ["goal"]
    assert t.show("HEAD~1").tags == ["goal"]
    for bad in ((), ("",), ("two words",), ("x" * 101,), (3,)):
        with pytest.raises(InvalidTagError):
            t.tag("HEAD", *bad)
    with pytest.raises(UnknownRevisionError):
        t.tag("HEAD~5", "x")


def test_log_pages_with_before_and_filters(t):
    made = [t.user(f"u{i}") if i % 2 == 0 else t.assistant(f"a{i}") for i in range(7)]
    newest = made[::-1]
    page1 = t.log(limit=3)
    page2 = t.log(limit=3, before=page1[-1].hash[:12])
    page3 = t.log(limit=3, before=page2[-1].hash)
    assert [c.hash for c in page1 + page2 + page3] == [c.hash for c in newest]
    assert t.log(before="HEAD~6") == []
    assert [c.hash for c in t.log(role="assistant")] == [made[5].hash, made[3].hash, made[1].hash]
    assert [c.hash for c in t.log(limit=2, kind="dialogue", role="user", before="HEAD")] == [
        made[4].hash, made[2].hash]
    assert t.log(kind="tool_io") == []
    with pytest.raises(InvalidOperationError):
        t.log(role="robot")


def test_log_before_a_merge_commit_continues_into_both_sides(t):
    t.user("base")
    t.branch("side", switch=True)
    t.user("side work")
    t.switch("main")
    t.user("main work")
    t.merge("side")
    assert len(t.log(before="HEAD")) == 3


def test_operations_page_with_before(t):
    t.user("a")
    t.user("b")
    for _ in range(3):
        t.reset("HEAD~1")
        t.reset("ORIG_HEAD")
    events = t.operations()
    assert len(events) == 6
    assert [e.id for e in t.operations(limit=2, before=events[1].id[:8])] == [events[2].id, events[3].id]
    with pytest.raises(EventNotFoundError):
        t.operations(before="ffffffff")


def test_list_tracts_gives_branch_heads_counts_and_sizes(store_url):
    with Tract.open(store_url, "alpha", counter=WordCounter()) as a:
        a.user("one two three")
        head = a.user("four").hash
        a.branch("side")
        with Tract(a.store, "beta", counter=WordCounter()) as b:
            b.user("x")
        summaries = {s.tract_id: s for s in a.tracts()}
    assert set(summaries) == {"alpha", "beta"}
    alpha = summaries["alpha"]
    assert [(br.name, br.head) for br in alpha.branches] == [("main", head), ("side", head)]
    assert alpha.commit_count == 2 and alpha.token_count == 4 and alpha.size_bytes > 20
    assert summaries["beta"].commit_count == 1
    assert [s.tract_id for s in list_tracts(store_url)] == ["alpha", "beta"]


def test_listing_a_missing_sqlite_file_does_not_create_it(tmp_path):
    path = tmp_path / "none.db"
    assert list_tracts(str(path)) == []
    assert not path.exists()
