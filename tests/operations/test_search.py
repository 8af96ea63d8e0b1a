"""Search over commit contents (SQLite FTS5, PostgreSQL tsvector): newest first, reachable commits
only, filters by kind, role and tag, a snippet around the match."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from tests.conftest import WordCounter
from tract_core import InvalidOperationError, InvalidTagError, Tract


@pytest.fixture
def t(store_url):
    tract = Tract.open(store_url, counter=WordCounter())
    yield tract
    tract.close()


def test_search_finds_words_newest_first_with_the_match_in_context(t):
    t.system("You review pull requests.")
    old = t.user("The database password lives in VAULT_PATH /secrets/db, remember it.")
    t.assistant("Noted.")
    new = t.tool_result("c1", {"stdout": "password rotated on Tuesday"}, name="shell")
    hits = t.search("password")
    assert [h.hash for h in hits] == [new.hash, old.hash]
    assert hits[0].kind == "tool_io" and hits[0].role == "tool"
    assert hits[1].kind == "dialogue" and hits[1].role == "user" and hits[1].short == old.hash[:12]
    assert "database password lives" in hits[1].snippet
    assert [h.hash for h in t.search("PASSWORD Vault")] == [old.hash]  # every word, any case
    assert t.search("password nowhere") == []


def test_a_long_content_shows_the_words_around_the_match(t):
    t.user("filler " * 200 + "the needle is here " + "tail " * 200)
    (hit,) = t.search("needle")
    assert "the needle is here" in hit.snippet
    assert hit.snippet.startswith("…") and hit.snippet.endswith("…") and len(hit.snippet) <= 130


def test_only_commits_the_branch_reaches_are_hits(t):
    t.user("shared fact: the port is 8443")
    t.branch("side", switch=True)
    side = t.user("side idea: try port 9000")
    t.switch("main")
    main = t.user("main decision on the port")
    assert {h.hash for h in t.search("port")} == {main.hash, t.log()[-1].hash}
    assert side.hash in {h.hash for h in t.search("port", branch="side")}
    assert len(t.search("port", all_branches=True)) == 3
    t.reset("HEAD~1", mode="hard")
    assert main.hash not in {h.hash for h in t.search("port")}


def test_compressed_turns_leave_the_branch_and_their_summary_is_found(t):
    for i in range(4):
        t.user(f"turn {i} about kangaroos")
    assert len(t.search("kangaroos")) == 4
    t.compress(from_commit="HEAD~3", to_commit="HEAD~1", content="summary: marsupials discussed",
               mode="manual")
    hits = t.search("kangaroos")
    assert len(hits) == 1 and "turn 3" in hits[0].snippet
    assert len(t.search("marsupials")) == 1
    after = t.user("kangaroos again")
    assert [h.hash for h in t.search("kangaroos")][0] == after.hash


def test_commits_from_another_process_are_seen_by_the_next_search(store_url):
    with Tract.open(store_url, counter=WordCounter()) as one, \
            Tract.open(store_url, counter=WordCounter()) as two:
        one.user("wombats burrow")
        assert len(two.search("wombats")) == 1
        one.user("wombats again")
        two.user("wombats from two")
        assert len(two.search("wombats")) == 3 and len(one.search("wombats")) == 3


def test_filters_by_kind_role_and_tag_without_text(t):
    a = t.user("question one")
    b = t.assistant("answer one")
    c = t.tool_call("grep", {"pattern": "answer"}, "c7")
    t.tag(a.hash[:8], "decision")
    t.tag("HEAD", "decision", "tooling")
    assert [h.hash for h in t.search(role="assistant")] == [c.hash, b.hash]
    assert [h.hash for h in t.search(kind="tool_io")] == [c.hash]
    assert [h.hash for h in t.search(tag="decision")] == [c.hash, a.hash]
    assert [h.hash for h in t.search("answer", tag="decision")] == [c.hash]
    assert [h.hash for h in t.search("answer", kind="dialogue")] == [b.hash]
    assert t.search(tag="decision")[0].tags == ["decision", "tooling"]
    assert len(t.search(limit=2)) == 2 and t.search(limit=0) == []


def test_punctuation_and_case_split_words_alike_on_both_engines(t):
    c = t.user("see src/tract_core/Search.py: def matching_commits() at line 42")
    for q in ("search", "py", "tract core", "matching", "42", "SRC"):
        assert [h.hash for h in t.search(q)] == [c.hash], q


def test_bad_search_arguments_are_refused(t):
    t.user("x")
    for kw in ({"text": "!!!"}, {"text": 3}, {"role": "robot"}, {"limit": -1}, {"kind": ""}):
        with pytest.raises(InvalidOperationError):
            t.search(**kw)
    with pytest.raises(InvalidTagError):
        t.search(tag="bad tag")


def test_the_index_entry_goes_when_gc_removes_the_content(t):
    t.user("keep this")
    t.user("ephemeral zebra")
    t.reset("HEAD~1", mode="hard")
    assert t.search("zebra", all_branches=True) == []
    assert t.gc(orphan_retention_days=0).blobs_removed == 1
    with t.store.write() as tx:
        if tx.dialect == "sqlite":
            n = tx.conn.exec_driver_sql("SELECT count(*) FROM blob_fts_docsize").scalar()
            assert tx.conn.exec_driver_sql("SELECT count(*) FROM blob_fts WHERE blob_fts MATCH "
                                           "'\"zebra\"'").scalar() == 0
        else:
            n = tx.conn.exec_driver_sql("SELECT count(*) FROM blob_search").scalar()
    assert n == 1


def test_accented_and_non_latin_words_are_found(t):
    c = t.user("Die Größe des Cafés: naïve 日本語 ключ")
    for q in ("größe", "CAFÉS", "naïve", "日本語", "Ключ"):
        assert [h.hash for h in t.search(q)] == [c.hash], q
    assert t.search("cafes") == []  # accents are kept, on both engines


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(min_size=1, max_size=200), pick=st.integers(min_value=0))
def test_every_word_of_any_text_finds_its_commit(t, text, pick):
    """Messy text (any Unicode, punctuation, NULs refused by the store aside): each word the text
    holds finds the commit, on both engines alike."""
    from tract_core.storage.search import words

    assume("\x00" not in text and words(text))
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        assume(False)
    c = t.user(text)
    found = words(text)
    word = found[pick % len(found)]
    assert c.hash in {h.hash for h in t.search(word, limit=1000)}, (word, text)


def test_a_huge_output_is_committed_and_found_by_its_start(t):
    t.repo.max_content_bytes = None  # past the default 1 MiB content limit (see test_tract_lifecycle)
    words = " ".join(f"w{i}x{i * 7919 % 100003}" for i in range(200_000))  # 2.6 MB of distinct words
    c = t.tool_result("c1", words, name="dump")
    assert [h.hash for h in t.search("w0x0")] == [c.hash]
    assert t.search("w199999x" + str(199_999 * 7919 % 100003)) == []  # past what is indexed
