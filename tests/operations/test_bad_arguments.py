"""Bad arguments to the public `Tract` methods: each is refused with a typed TractError that says
what to do, and nothing is written (no commit, no branch move)."""

from __future__ import annotations

import pytest
from pydantic import BaseModel

from tract_core import Priority, Tract, TractError
from tract_core.errors import (CompressionError, CompressionNotFoundError, ContentValidationError,
                               InvalidOperationError, InvalidRefNameError, RecordNotFoundError,
                               StorageError)

BAD_CALLS = {
    "commit message not text": (lambda t, h: t.user("m", message=5), InvalidOperationError),
    "commit message a list": (lambda t, h: t.user("m", message=[]), InvalidOperationError),
    "commit metadata not JSON": (lambda t, h: t.user("m", metadata={"k": object()}), InvalidOperationError),
    "content not JSON": (lambda t, h: t.commit({"content_type": "freeform", "payload": {"x": object()}}),
                         ContentValidationError),
    "tool result not JSON": (lambda t, h: t.tool_result("c9", object()), ContentValidationError),
    "commit branch not text": (lambda t, h: t.user("m", branch=3), InvalidRefNameError),
    "annotate branch not text": (lambda t, h: t.annotate(h, "skip", branch=0), InvalidRefNameError),
    "annotate reason a list": (lambda t, h: t.annotate(h, "skip", reason=[]), InvalidOperationError),
    "log branch not text": (lambda t, h: t.log(branch=1), InvalidRefNameError),
    "switch to None": (lambda t, h: t.switch(None), InvalidRefNameError),
    "checkout None": (lambda t, h: t.checkout(None), TractError),
    "delete_branch None": (lambda t, h: t.delete_branch(None), InvalidRefNameError),
    "merge None": (lambda t, h: t.merge(None), InvalidRefNameError),
    "merge message not text": (lambda t, h: t.merge("side", message=5), InvalidOperationError),
    "reset branch not text": (lambda t, h: t.reset(h, branch=-1), InvalidRefNameError),
    "compress commits an int": (lambda t, h: t.compress(5, mode="manual", content="s"), CompressionError),
    "compress content an int": (lambda t, h: t.compress(mode="manual", content=0), CompressionError),
    "compress content a list of ints": (lambda t, h: t.compress(mode="manual", content=[1]),
                                        CompressionError),
    "compress instructions an int": (lambda t, h: t.compress(deferred=True, instructions=0),
                                     CompressionError),
    "compress branch not text": (lambda t, h: t.compress(mode="manual", content="s", branch=2),
                                 InvalidRefNameError),
    "approve summaries an int": (lambda t, h: t.approve_compression(t.compress(deferred=True).id,
                                                                    summaries=3), CompressionError),
    "reject reason a list": (lambda t, h: t.reject_compression(t.compress(deferred=True).id, reason=[]),
                             CompressionError),
    "gc retention None": (lambda t, h: t.gc(orphan_retention_days=None), InvalidOperationError),
    "gc retention NaN": (lambda t, h: t.gc(orphan_retention_days=float("nan")), InvalidOperationError),
    "gc retention infinite": (lambda t, h: t.gc(orphan_retention_days=float("inf")), InvalidOperationError),
    "gc archive retention NaN": (lambda t, h: t.gc(archive_retention_days=float("nan")),
                                 InvalidOperationError),
    "register a list as name": (lambda t, h: t.register_content_type([], BaseModel), ContentValidationError),
    "open None": (lambda t, h: Tract.open(None), StorageError),
    "open a path with NUL": (lambda t, h: Tract.open("a\x00b.db"), StorageError),
    "open with priorities not a dict": (lambda t, h: Tract.open(":memory:", default_priorities="x"),
                                        InvalidOperationError),
}


@pytest.mark.parametrize("name", list(BAD_CALLS))
def test_bad_argument_is_a_typed_error_and_writes_nothing(mem, name):
    call, error = BAD_CALLS[name]
    mem.system("Be terse.")
    first = mem.user("hello").hash
    mem.branch("side", switch=True)
    mem.user("on side")
    mem.switch("main")
    mem.assistant("on main")
    before = ([c.hash for c in mem.log()], mem.list_branches())
    with pytest.raises(error) as raised:
        call(mem, first)
    assert str(raised.value)
    assert ([c.hash for c in mem.log()], mem.list_branches()) == before


def test_commit_returns_the_priority_it_was_given(mem):
    pinned = mem.user("keep me", priority="pinned")
    assert pinned.priority is Priority.PINNED
    assert mem.show(pinned.hash).priority is Priority.PINNED
    skipped = mem.tool_call("ls", {}, "c1", priority=Priority.SKIP)
    assert skipped.priority is Priority.SKIP


def test_huge_limits_mean_no_limit(tract):
    hashes = [tract.user(f"turn {i}").hash for i in range(3)]
    tract.reset(hashes[1])
    assert [c.hash for c in tract.log(limit=10**30)] == hashes[1::-1]
    assert [e.kind for e in tract.operations(limit=10**30)] == ["reset"]


def test_nul_characters_are_refused_alike_on_both_engines(tract):
    """PostgreSQL cannot store NUL in text; SQLite can: refuse it on both, before any write."""
    h = tract.user("hello").hash
    with pytest.raises(InvalidOperationError, match="NUL"):
        tract.user("m", message="a\x00b")
    with pytest.raises(InvalidOperationError, match="NUL"):
        tract.annotate(h, "skip", reason="a\x00b")
    with pytest.raises(RecordNotFoundError):
        tract.replay("a\x00b")
    with pytest.raises(CompressionNotFoundError):
        tract.approve_compression("a\x00b")
    with pytest.raises(CompressionNotFoundError):
        tract.reject_compression("a\x00b")
    assert [c.hash for c in tract.log()] == [h]
    assert tract.show(h).priority is Priority.NORMAL


def test_nul_in_a_tract_id_or_content_type_name_is_refused(store_url):
    with pytest.raises(InvalidOperationError):
        Tract.open(store_url, tract_id="a\x00b")

    class Note(BaseModel):
        content_type: str = "no\x00te"

    with Tract.open(store_url) as t, pytest.raises(ContentValidationError):
        t.register_content_type("no\x00te", Note)


def test_a_detached_pending_compression_says_to_use_the_tract(mem):
    """A PendingCompression rebuilt from JSON (as an MCP client gets it) is not bound to a Tract."""
    mem.user("a")
    pending = mem.compress(deferred=True)
    copy = type(pending).model_validate_json(pending.model_dump_json())
    with pytest.raises(CompressionError, match="approve_compression"):
        copy.approve(["summary"])
    with pytest.raises(CompressionError, match="approve_compression"):
        copy.edit_summary(0, "summary")
    assert mem.pending_compressions()[0].id == pending.id
