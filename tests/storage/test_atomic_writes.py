"""Every write is one transaction: a failure part-way through leaves nothing behind."""

from __future__ import annotations

import subprocess
import sys

import pytest
from sqlalchemy import func, select

from tests.conftest import WordCounter
from tract_core import Tract
from tract_core.storage import Txn
from tract_core.storage import schema as s

TABLES = (s.blobs, s.commits, s.commit_parents, s.refs, s.annotations)


@pytest.fixture
def t(store_url):
    with Tract.open(store_url, counter=WordCounter()) as tract:
        tract.system("be brief")
        tract.user("first question")
        yield tract


def snapshot(t: Tract) -> dict[str, object]:
    with t.store.read() as tx:
        counts = {tb.name: tx.conn.scalar(select(func.count()).select_from(tb)) for tb in TABLES}
        refs = [(r.name, r.commit_hash, r.symbolic) for r in tx.list_refs(t.tract_id)]
    return {**counts, "refs": refs}


class Boom(Exception):
    pass


def _explode(*args, **kwargs):
    raise Boom("disk on fire")


def _after(method):
    """`method`, but raising once it has done its work (the row is written, the transaction open)."""
    def run(self, *args, **kwargs):
        method(self, *args, **kwargs)
        raise Boom("failed after writing")
    return run


@pytest.mark.parametrize("failing", [
    pytest.param(("insert_commit", _explode), id="commit-insert-fails-after-blob"),
    pytest.param(("insert_commit", _after(Txn.insert_commit)), id="parents-written-then-fail"),
    pytest.param(("cas_ref", _explode), id="ref-move-fails"),
    pytest.param(("add_annotation", _explode), id="annotation-fails-after-ref-moved"),
])
def test_a_commit_that_fails_midway_leaves_no_trace(t, monkeypatch, failing):
    before = snapshot(t)
    name, replacement = failing
    monkeypatch.setattr(Txn, name, replacement)

    with pytest.raises(Boom):
        t.user("brand new words never stored before", priority="pinned")

    monkeypatch.undo()
    assert snapshot(t) == before
    assert [c.content.text for c in t.log()] == ["first question", "be brief"]
    # and the store still works afterwards
    t.user("after the failure")
    assert len(t.log()) == 3


def test_a_merge_that_fails_at_the_ref_move_leaves_no_merge_commit(t, monkeypatch):
    t.branch("side", switch=True)
    t.user("on the side")
    t.switch("main")
    t.user("on main")
    before = snapshot(t)
    monkeypatch.setattr(Txn, "cas_ref", _explode)

    with pytest.raises(Boom):
        t.merge("side")

    monkeypatch.undo()
    assert snapshot(t) == before
    assert t.merge("side").kind == "merged"


DIE_MIDWAY = """
import os, sys
from tract_core import Tract
from tract_core.storage import Txn

class Words:
    def count(self, text):
        return len(text.split())

def die(self, *args):  # blob and commit row written, branch locked: the process is killed
    os._exit(9)

t = Tract.open(sys.argv[1], counter=Words())
Txn.cas_ref = die
t.user("this commit dies with its writer")
"""


@pytest.mark.slow
def test_a_writer_killed_midway_leaves_nothing_and_no_lock(t, store_url):
    before, tip = snapshot(t), t.log()[0].hash
    proc = subprocess.run([sys.executable, "-c", DIE_MIDWAY, store_url], capture_output=True, timeout=60)
    assert proc.returncode == 9, proc.stderr

    assert snapshot(t) == before
    after = t.user("the next writer is not blocked")
    assert after.parents == [tip] and len(t.log()) == 3
