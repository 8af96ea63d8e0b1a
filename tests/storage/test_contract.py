"""The storage contract, the same on SQLite and PostgreSQL: blobs, commits, prefixes, refs, ancestry."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests.conftest import WordCounter
from tract_core import Tract
from tract_core.errors import AmbiguousPrefixError, CommitNotFoundError, StorageError
from tract_core.storage import BlobRow, CommitRow, now_us
from tract_core.storage import schema as s


@pytest.fixture
def t(store_url):
    with Tract.open(store_url, counter=WordCounter()) as tract:
        yield tract


def _count(t: Tract, table) -> int:
    with t.store.read() as tx:
        return tx.conn.scalar(select(func.count()).select_from(table))


def test_identical_content_is_stored_once_with_its_token_count(t):
    first = t.user("the same four words")
    second = t.user("the same four words")

    assert first.hash != second.hash
    assert first.content_hash == second.content_hash
    assert _count(t, s.blobs) == 1
    assert _count(t, s.commits) == 2
    with t.store.read() as tx:
        blob = tx.get_blobs([first.content_hash])[first.content_hash]
        assert blob.token_count == 4 == tx.blob_token_count(first.content_hash)
    assert t.show(second.hash).token_count == 4


def test_identical_content_in_two_tracts_shares_the_blob(store_url):
    with Tract.open(store_url, "a", counter=WordCounter()) as a, \
            Tract.open(store_url, "b", counter=WordCounter()) as b:
        ca, cb = a.user("shared words"), b.user("shared words")
        assert ca.content_hash == cb.content_hash
        assert _count(a, s.blobs) == 1
        # but a commit of one tract is not visible from the other
        with pytest.raises(CommitNotFoundError):
            b.show(ca.hash)


def test_commit_rows_and_parents_round_trip(t):
    root = t.system("be brief", message="setup", metadata={"k": [1, 2]})
    child = t.user("hi there")
    with t.store.read() as tx:
        row = tx.get_commit(t.tract_id, child.hash)
        root_row = tx.get_commit(t.tract_id, root.hash)
        both = tx.get_commits(t.tract_id, [root.hash, child.hash, "f" * 64])

    assert row.parents == [root.hash] and root_row.parents == []
    assert (row.generation, root_row.generation) == (1, 0)
    assert root_row.message == "setup" and root_row.meta == '{"k": [1, 2]}'
    assert root_row.content_type == "instruction" and '"be brief"' in root_row.body
    assert row.created_us == int(child.created_at.timestamp() * 1_000_000) or abs(
        row.created_us - child.created_at.timestamp() * 1e6) < 2
    assert set(both) == {root.hash, child.hash}
    assert both[child.hash] == row


def test_two_parent_order_round_trips(t):
    ours, theirs = "a" * 64, "b" * 64
    with t.store.write() as tx:
        for h in (ours, theirs):
            tx.insert_commit(CommitRow(h, t.tract_id, [], "merge", None, None, None, None, now_us(), 0))
        tx.insert_commit(CommitRow("c" * 64, t.tract_id, [theirs, ours], "merge", None, None, "m", None,
                                   now_us(), 1))
    with t.store.read() as tx:
        assert tx.get_commit(t.tract_id, "c" * 64).parents == [theirs, ours]


def _insert_commit(t: Tract, commit_hash: str, parents: list[str], text: str) -> None:
    with t.store.write() as tx:
        body = f'{{"content_type":"freeform","payload":{{"t":"{text}"}}}}'
        tx.put_blob(BlobRow("0" * 60 + commit_hash[:4], "freeform", body, 1))
        tx.insert_commit(CommitRow(commit_hash, t.tract_id, parents, "append", None, "0" * 60 + commit_hash[:4],
                                   None, None, now_us(), len(parents)))


def test_prefix_resolves_when_unique_and_is_ambiguous_when_shared(t):
    one, two = "abcd1" + "0" * 59, "abcd2" + "0" * 59
    _insert_commit(t, one, [], "one")
    _insert_commit(t, two, [one], "two")

    assert t.show("abcd1").hash == one
    assert t.show("ABCD2").hash == two  # prefixes are case-insensitive
    assert t.show(one).hash == one
    with pytest.raises(AmbiguousPrefixError) as err:
        t.show("abcd")
    assert set(err.value.candidates) == {one, two}
    assert "abcd" in str(err.value)


def test_unknown_hash_or_prefix_raises_commit_not_found(t):
    t.user("something")
    for rev in ("ffff", "f" * 64, "not-a-hash"):
        with pytest.raises(CommitNotFoundError):
            t.show(rev)


def test_prefix_of_another_tract_does_not_count(store_url):
    with Tract.open(store_url, "a", counter=WordCounter()) as a, \
            Tract.open(store_url, "b", counter=WordCounter()) as b:
        mine = a.user("mine")
        _insert_commit(b, mine.hash[:4] + "e" * 60 if mine.hash[4] != "e" else mine.hash[:4] + "d" * 60,
                       [], "theirs")
        assert a.show(mine.hash[:4]).hash == mine.hash


def test_cas_ref_with_a_stale_old_value_changes_nothing(t):
    a, b = t.user("a"), t.user("b")
    ref = "refs/heads/topic"
    with t.store.write() as tx:
        assert tx.create_ref(t.tract_id, ref, a.hash)
        assert not tx.create_ref(t.tract_id, ref, b.hash)  # exists already: left alone
    with t.store.write() as tx:
        assert not tx.cas_ref(t.tract_id, ref, b.hash, "f" * 64)  # stale old value
        assert not tx.cas_ref(t.tract_id, ref, None, "f" * 64)  # it is not unborn
        assert not tx.cas_ref(t.tract_id, "refs/heads/missing", None, a.hash)
    with t.store.read() as tx:
        assert tx.get_ref(t.tract_id, ref).commit_hash == a.hash
        assert tx.get_ref(t.tract_id, "refs/heads/missing") is None
    with t.store.write() as tx:
        assert tx.cas_ref(t.tract_id, ref, a.hash, b.hash)
    with t.store.read() as tx:
        assert tx.get_ref(t.tract_id, ref).commit_hash == b.hash


def test_cas_ref_from_unborn(t):
    with t.store.write() as tx:
        tx.create_ref(t.tract_id, "refs/heads/new", None)
        assert tx.cas_ref(t.tract_id, "refs/heads/new", None, "a" * 64)
        assert not tx.cas_ref(t.tract_id, "refs/heads/new", None, "b" * 64)
        assert tx.get_ref(t.tract_id, "refs/heads/new").commit_hash == "a" * 64


def test_ancestors_are_exactly_the_reachable_commits_across_merges(t):
    a, b = t.user("a"), t.user("b")
    t.branch("feature", switch=True)
    c, d = t.user("c"), t.user("d")
    t.branch("elsewhere", switch=True)
    x = t.user("x")  # not reachable from main
    t.switch("main")
    e = t.user("e")
    result = t.merge("feature")
    assert result.kind == "merged"
    m = result.head
    f = t.user("f")

    with t.store.read() as tx:
        assert tx.ancestor_hashes(m) == {a.hash, b.hash, c.hash, d.hash, e.hash, m}
        rows = {r.hash: r for r in tx.ancestors(t.tract_id, f.hash)}
        near = {r.hash for r in tx.ancestors(t.tract_id, f.hash, depth=2)}
        assert tx.is_ancestor(c.hash, m) and not tx.is_ancestor(x.hash, m)
        assert tx.ancestor_hashes(x.hash) == {a.hash, b.hash, c.hash, d.hash, x.hash}
    assert set(rows) == {a.hash, b.hash, c.hash, d.hash, e.hash, m, f.hash}
    assert rows[m].parents == [e.hash, d.hash]
    assert rows[f.hash].body is not None and rows[m].body is None
    assert near == {f.hash, m, e.hash, d.hash}


def test_inserting_a_commit_twice_says_it_exists(t):
    row = CommitRow("d" * 64, t.tract_id, [], "merge", None, None, None, None, now_us(), 0)
    with t.store.write() as tx:
        tx.insert_commit(row)
    with pytest.raises(StorageError, match="exists already"):
        with t.store.write() as tx:
            tx.insert_commit(row)
    assert _count(t, s.commits) == 1


def test_a_read_transaction_sees_one_snapshot(store_url):
    """What SQLite's WAL gives: a read sees the store as of its start, whatever commits meanwhile."""
    with Tract.open(store_url, counter=WordCounter()) as t, \
            Tract.open(store_url, counter=WordCounter()) as other:
        first = t.user("first")
        with t.store.read() as tx:
            assert tx.get_ref(t.tract_id, "refs/heads/main").commit_hash == first.hash
            second = other.user("second")  # commits on another connection
            assert tx.get_ref(t.tract_id, "refs/heads/main").commit_hash == first.hash
            assert tx.get_commit(t.tract_id, second.hash) is None
        with t.store.read() as tx:
            assert tx.get_ref(t.tract_id, "refs/heads/main").commit_hash == second.hash


def test_a_read_transaction_cannot_write(store_url):
    with Tract.open(store_url, counter=WordCounter()) as t:
        with pytest.raises(StorageError):
            with t.store.read() as tx:
                tx.get_ref(t.tract_id, "HEAD")
                tx.ensure_tract("sneaky")
        with t.store.read() as tx:
            assert "sneaky" not in tx.list_tracts()
