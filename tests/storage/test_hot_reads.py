"""The reads every compile, log and status make run as fixed SQL on the driver (storage/hot_reads.py),
and SQLite's read transaction begins and ends on the driver: the same rows as the store's other
queries, on both engines, and a read on SQLite still refuses to write."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from tract_core import Tract
from tract_core.errors import StorageError
from tract_core.storage import schema as s
from tract_core.storage.driver import Sql
from tract_core.storage.tags import tags_by_commit


@pytest.fixture
def merged(store_url):
    """main: sys, a, merge(a-line, b-line); side: b, tagged and annotated."""
    t = Tract.open(store_url, "hot")
    root = t.system("sys").hash
    a = t.user("on main").hash
    t.branch("side", start=root, switch=True)
    b = t.user("on side").hash
    t.switch("main")
    t.merge("side")
    t.tag(b, "zeta", "alpha")
    t.annotate(a, "pinned", "keep")
    yield t, root, a, b, t.log(1)[0].hash
    t.close()


def test_ancestors_walk_both_lines_of_a_merge_with_parents_in_order(merged):
    t, root, a, b, head = merged
    with t.store.read() as tx:
        every = {r.hash: r for r in tx.ancestors("hot", head)}
        near = {r.hash for r in tx.ancestors("hot", head, depth=1)}
        one = tx.get_commit("hot", head)
        other_tract = tx.ancestors("elsewhere", head)
    assert set(every) == {root, a, b, head}
    assert every[head].parents == [a, b] == one.parents  # first parent first
    assert every[a].parents == [root] and every[root].parents == []
    assert every[b].body is not None and every[b].content_type == "dialogue"
    assert near == {head, a, b}
    assert other_tract == []


def test_tags_and_annotations_read_in_order(merged):
    t, root, a, b, head = merged
    with t.store.read() as tx:
        tags = tags_by_commit(tx, "hot", [root, a, b, head])
        notes = tx.annotations_after("hot", 0)
        later = tx.annotations_after("hot", notes[-1].id)
    assert tags == {b: ["alpha", "zeta"]}
    assert [(n.commit_hash, n.priority, n.reason) for n in notes] == [(a, "pinned", "keep")]
    assert later == []


def test_a_sqlite_read_refuses_to_write_through_the_driver_or_sqlalchemy(sqlite_url):
    t = Tract.open(sqlite_url, "ro")
    t.user("hello")
    with pytest.raises(StorageError, match="readonly|read-only|query_only"):
        with t.store.read() as tx:
            tx.driver.run(Sql("DELETE FROM refs"))
    with pytest.raises(StorageError, match="readonly|read-only|query_only"):
        with t.store.read() as tx:
            tx.conn.execute(s.refs.delete())
    assert t.log(1)[0].content.text == "hello"  # nothing was deleted, and the store reads on
    t.user("again")  # and writes: the write after a failed read begins as a write
    assert [c.content.text for c in t.log()] == ["again", "hello"]
    t.close()


def test_sqlalchemy_joins_a_sqlite_read_begun_on_the_driver(sqlite_url):
    t = Tract.open(sqlite_url, "join")
    t.user("hello")
    with t.store.read() as tx:
        raw = tx.driver.raw
        assert raw.in_transaction
        assert tx.conn.execute(text("SELECT count(*) FROM commits")).scalar() == 1  # no second BEGIN
        assert tx.list_refs("join")
    assert not raw.in_transaction  # ended, on the driver and in SQLAlchemy
    with t.store.read() as tx:
        assert not tx.conn.in_transaction()
    t.user("after")  # a write on the same held connection begins IMMEDIATE as before
    assert len(t.log()) == 2
    t.close()


def _walked(tx, tract_id, head):
    from tract_core.storage import hot_reads
    return {r.hash: r for r in tx._rows_to_commits(tx.driver.run(hot_reads.ANCESTORS, (head, tract_id)))}


def test_ancestors_read_from_the_tract_are_what_the_walk_finds(merged):
    """A tract about as large as the reach is read whole and walked in Python: the same commits
    (not the other branch's) as the recursive query."""
    t, root, a, b, head = merged
    t.branch("abandoned", start=a, switch=True)
    t.user("never merged")
    t.switch("main")
    with t.store.read() as tx:
        assert tx._ancestors_by_scan("hot", head) is not None  # 5 commits in the tract, 4 reached
        found = {r.hash: r for r in tx.ancestors("hot", head)}
        assert found == _walked(tx, "hot", head)
        assert set(found) == {root, a, b, head}


def test_ancestors_of_a_short_branch_in_a_long_tract_walk_it(store_url):
    t = Tract.open(store_url, "long")
    root = t.system("sys").hash
    for i in range(6):
        t.user(f"main {i}")
    t.branch("short", start=root, switch=True)
    tip = t.user("short").hash
    with t.store.read() as tx:
        assert tx._ancestors_by_scan("long", tip) is None  # 8 commits held, 2 reached: the walk
        assert {r.hash for r in tx.ancestors("long", tip)} == {root, tip} == set(_walked(tx, "long", tip))
    t.close()


def _walked_within(tx, tract_id, head, depth):
    from tract_core.storage import hot_reads
    return {r.hash: r for r in tx._rows_to_commits(tx.driver.run(hot_reads.ANCESTORS_WITHIN, (head, depth, tract_id)))}


def test_a_walk_of_a_few_steps_reads_the_newest_commits_and_finds_what_the_recursive_query_finds(merged):
    t, root, a, b, head = merged
    newest = t.user("after the merge").hash
    with t.store.read() as tx:
        for depth in range(4):
            assert tx._ancestors_among_newest("hot", newest, depth) is not None
            found = {r.hash: r for r in tx.ancestors("hot", newest, depth=depth)}
            assert found == _walked_within(tx, "hot", newest, depth)
        assert set(found) == {newest, head, a, b, root}
        assert {r.hash for r in tx.ancestors("hot", newest, depth=1)} == {newest, head}
        assert found[head].parents == [a, b]


def test_a_walk_from_an_old_head_falls_back_to_the_recursive_query(store_url):
    t = Tract.open(store_url, "old")
    root = t.system("sys").hash
    old = t.user("old tip").hash
    t.branch("busy", start=root, switch=True)
    for i in range(8):
        t.user(f"busy {i}")
    with t.store.read() as tx:
        assert tx._ancestors_among_newest("old", old, 1) is None  # not among the 4 newest
        assert {r.hash for r in tx.ancestors("old", old, depth=1)} == {old, root} == set(
            _walked_within(tx, "old", old, 1))
    t.close()
