"""A tract is created by its first write: reading one never creates it, a write that fails leaves
nothing behind, and its name must look like what it is."""

from __future__ import annotations

import pytest

from tract_core import (ContentTooLargeError, InvalidOperationError, InvalidTractNameError, Tract,
                        TractError, TractNotFoundError)
from tract_core.storage import Store
from tests.conftest import WordCounter

USER = {"content_type": "dialogue", "role": "user"}


@pytest.fixture
def store(store_url):
    s = Store(store_url)
    yield s
    s.close()


def tracts(store: Store) -> list[str]:
    with store.read() as tx:
        return tx.list_tracts()


def test_reading_a_tract_never_creates_it(store):
    t = Tract(store, "reader", counter=WordCounter())
    assert t.log() == [] and t.list_branches()[0].name == "main" and t.pending_compressions() == []
    status = t.status()
    assert (status.branch, status.detached, status.head, status.commit_count) == ("main", False, None, 0)
    assert t.compile().messages == []
    with pytest.raises(TractError):
        t.show("abcd")
    assert tracts(store) == [] and not t.exists


def test_a_failed_write_creates_no_tract(store):
    t = Tract(store, "writer", counter=WordCounter())
    for bad in (lambda: t.commit({"content_type": "nope"}),
                lambda: t.commit({**USER, "text": "x"}, operation="edit", edit_target="abcd"),
                lambda: t.commit({**USER, "text": "x"}, branch="elsewhere"),
                lambda: t.switch("elsewhere"), lambda: t.merge("elsewhere"), lambda: t.reset("abcd"),
                lambda: t.commit({**USER, "text": "x"}, message="a\x00b")):
        try:
            bad()
        except TractError:
            pass
    assert tracts(store) == []
    made = t.user("first words")
    assert tracts(store) == ["writer"] and t.exists
    assert [c.hash for c in Tract(store, "writer", counter=WordCounter()).log()] == [made.hash]


def test_a_branch_is_a_first_write_too(store):
    Tract(store, "b", counter=WordCounter()).branch("idea", switch=True)
    t = Tract(store, "b", counter=WordCounter())
    assert t.status().branch == "idea" and tracts(store) == ["b"]


def test_create_false_names_the_known_tracts(store):
    Tract(store, "alpha", counter=WordCounter()).user("hi")
    Tract(store, "beta", counter=WordCounter()).user("hi")
    with pytest.raises(TractNotFoundError) as err:
        Tract(store, "alhpa", create=False)
    assert "no tract 'alhpa'" in str(err.value) and "'alpha', 'beta'" in str(err.value)
    assert Tract(store, "alpha", create=False, counter=WordCounter()).status().commit_count == 1


def test_known_tracts_are_truncated(store):
    for i in range(12):
        Tract(store, f"t{i:02}", counter=WordCounter()).user("hi")
    with pytest.raises(TractNotFoundError) as err:
        Tract(store, "missing", create=False)
    assert "'t09', …" in str(err.value) and "t10" not in str(err.value)


@pytest.mark.parametrize("name", ["", "   ", " padded", "padded ", "x" * 256, "zero\u200bwidth",
                                  "\ufeffbom", "rtl\u202eevil", "iso\u2066late", "lrm\u200e", "nul\x00",
                                  "new\nline", "tab\t", "nbsp\u00a0x", "lone\ud800", 42, None])
def test_names_that_are_invisible_or_misleading_are_refused(store, name):
    with pytest.raises(InvalidTractNameError):
        Tract(store, name)
    assert tracts(store) == []


@pytest.mark.parametrize("name", ["default", "agent one", "研究-助手", "../x", "HEAD", "refs/heads/main",
                                  "x'; DROP TABLE commits; --", "é" * 255])
def test_unusual_but_visible_names_work_and_stay_apart(store, name):
    Tract(store, name, counter=WordCounter()).user(f"in {name}")
    assert Tract(store, name, counter=WordCounter()).log()[0].content.text == f"in {name}"
    assert tracts(store) == [name]


def test_content_over_the_limit_is_refused_and_nothing_is_written(store):
    t = Tract(store, "big", counter=WordCounter(), max_content_bytes=1000)
    t.user("small")
    for too_big in (lambda: t.user("é" * 501),  # 1,002 bytes of UTF-8 in 501 characters
                    lambda: t.user("ok", message="m" * 1001),
                    lambda: t.user("ok", metadata={"blob": "m" * 1000})):
        with pytest.raises(ContentTooLargeError, match="over this tract's limit of 1,000 bytes"):
            too_big()
    assert len(t.log()) == 1
    assert len(t.user("é" * 400).content.text) == 400  # 800 bytes and the JSON around them: under


def test_the_content_limit_defaults_to_one_mib_and_can_be_lifted(store):
    with pytest.raises(ContentTooLargeError):
        Tract(store, "big", counter=WordCounter()).user("x" * (1 << 20))
    unlimited = Tract(store, "big", counter=WordCounter(), max_content_bytes=None)
    assert unlimited.user("x" * (1 << 20)).token_count == 1
    with pytest.raises(InvalidOperationError):
        Tract(store, "big", max_content_bytes=0)


def test_a_failed_idempotent_first_call_leaves_no_tract_and_the_next_write_creates_it(store):
    from tract_core.idempotency import IdempotencyKeys

    t = Tract(store, "keyed", counter=WordCounter())

    def call():
        t.user("written inside the call's one transaction, then undone")
        raise RuntimeError("the call failed after its write")

    with pytest.raises(RuntimeError):
        IdempotencyKeys(store).run("keyed", "k1", "commit", {}, call)
    assert tracts(store) == [] and t.log() == []
    assert t.user("after").content.text == "after" and tracts(store) == ["keyed"]
