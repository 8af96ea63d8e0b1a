"""Compile snapshots: a new process compiles a long history from the nearest saved state plus the
commits since, gets exactly what a build from scratch gives, and never depends on the cache."""

from __future__ import annotations

import json
import time
import zlib

import pytest
from sqlalchemy import select, update

from tests.conftest import WordCounter
from tract_core import Tract
from tract_core.operations import compiler as compiler_module
from tract_core.operations import snapshot
from tract_core.operations.compiler import Compiler
from tract_core.operations.refs import RefView
from tract_core.storage import Store, Txn
from tract_core.storage import schema as s


@pytest.fixture(autouse=True)
def small_snapshots(monkeypatch):
    monkeypatch.setattr(compiler_module, "SNAPSHOT_EVERY", 5)
    monkeypatch.setattr(compiler_module, "SNAPSHOT_FRACTION", 16)  # interval 5 up to 80 commits
    monkeypatch.setattr(compiler_module, "SNAPSHOTS_KEPT", 3)


def snapshot_heads(t: Tract) -> list[str]:
    c = s.compile_snapshots.c
    with t.store.read() as tx:
        return list(tx.conn.scalars(select(c.head).where(c.tract_id == t.tract_id).order_by(c.created_us)))


def from_scratch(t: Tract):
    with t.store.read() as tx:
        return Compiler(t.repo, snapshots=False).compile(tx, RefView.read(tx, t.tract_id).head)


def same(a, b) -> None:
    assert [m.model_dump() for m in a.messages] == [m.model_dump() for m in b.messages]
    assert (a.commit_hashes, a.token_count, a.dropped, a.head) == (b.commit_hashes, b.token_count, b.dropped, b.head)


def agent_turns(t: Tract, start: int, steps: int) -> None:
    for i in range(start, start + steps):
        t.user(f"question {i}")
        t.tool_call("search", {"q": i}, f"call{i}")
        t.tool_result(f"call{i}", f"result {i}")


def history_reads(monkeypatch) -> list:
    """The depth of every ancestor read from now on (None: the whole history)."""
    reads: list = []
    real = Txn.ancestors
    monkeypatch.setattr(Txn, "ancestors", lambda self, *a, **k: reads.append(k.get("depth")) or real(self, *a, **k))
    return reads


def test_a_new_process_compiles_from_the_snapshot_and_the_commits_since(store_url, monkeypatch):
    with Tract.open(store_url, "agent", counter=WordCounter()) as t:
        t.system("be brief")
        agent_turns(t, 0, 3)
        first = t.user("first question")
        t.commit({"content_type": "dialogue", "role": "user", "text": "first question, edited"},
                 operation="edit", edit_target=first.hash)
        t.compile()
        saved = snapshot_heads(t)
        assert saved == [t.status().head]  # 12 commits: past the 5 between snapshots
        agent_turns(t, 3, 1)  # 3 commits the snapshot does not hold
    reads = history_reads(monkeypatch)
    with Tract.open(store_url, "agent", counter=WordCounter()) as fresh:
        ctx = fresh.compile()
        assert None not in reads and 3 in reads  # the snapshot plus the 3 commits since, no full read
        same(ctx, from_scratch(fresh))
        assert "first question, edited" in [m.content for m in ctx.messages]
        assert ctx.messages[-1].content == "result 3"


def test_the_snapshot_line_moves_forward_and_old_ones_are_dropped(mem):
    mem.system("be brief")
    seen = []
    for step in range(6):
        agent_turns(mem, step, 2)  # 6 commits a step: a snapshot each time
        mem.compile()
        seen.append(snapshot_heads(mem))
    assert all(len(heads) == 1 for heads in seen)  # each supersedes the one it was built on
    assert len({heads[0] for heads in seen}) == 6
    for name in ("b1", "b2", "b3", "b4"):  # four lines of history from main: the newest 3 are kept
        mem.switch("main")
        mem.branch(name, switch=True)
        agent_turns(mem, 100 + len(name), 2)
        mem.compile()
    assert len(snapshot_heads(mem)) == 3


def test_compile_is_the_same_after_gc_removes_a_snapshot_commit(store_url):
    with Tract.open(store_url, "gc", counter=WordCounter()) as t:
        agent_turns(t, 0, 2)
        keep = t.status().head
        agent_turns(t, 2, 2)
        t.compile()
        doomed = snapshot_heads(t)
        assert doomed == [t.status().head]
        t.reset(keep, mode="hard")
        t.gc(orphan_retention_days=0)
        assert snapshot_heads(t) == []  # it went with its commit
        same(t.compile(), from_scratch(t))


def test_an_unreadable_snapshot_is_ignored_and_replaced(sqlite_url, caplog):
    with Tract.open(sqlite_url, "bad", counter=WordCounter()) as t:
        agent_turns(t, 0, 3)
        t.compile()
        [head] = snapshot_heads(t)
        with t.store.write() as tx:
            tx.conn.execute(update(s.compile_snapshots).values(data=b"not a snapshot"))
    with Tract.open(sqlite_url, "bad", counter=WordCounter()) as fresh:
        same(fresh.compile(), from_scratch(fresh))
        assert "unreadable compile snapshot" in caplog.text
        with fresh.store.read() as tx:
            data = tx.conn.scalar(select(s.compile_snapshots.c.data))
        assert data != b"not a snapshot"  # rewritten from the full build
    with Tract.open(sqlite_url, "bad", counter=WordCounter()) as again:
        same(again.compile(), from_scratch(again))


def test_a_snapshot_of_another_format_is_not_used(sqlite_url, monkeypatch):
    with Tract.open(sqlite_url, "fmt", counter=WordCounter()) as t:
        agent_turns(t, 0, 3)
        t.compile()
    monkeypatch.setattr("tract_core.operations.snapshot.READABLE", (2,))  # as if written by a later version
    reads = history_reads(monkeypatch)
    with Tract.open(sqlite_url, "fmt", counter=WordCounter()) as fresh:
        ctx = fresh.compile()
        assert None in reads  # built from the commits
        same(ctx, from_scratch(fresh))


def _format_2(state) -> bytes:
    """A snapshot as the previous version wrote it (format 2): each hash in full, messages whole."""
    flat: list = []
    for e in state.entries:
        flat += (e.position, "" if e.shown == e.position else e.shown, e.content_type,
                 e.tool[0] if e.tool else "", e.tool[1] if e.tool else "", e.tokens)
    parts = {kind: [p.position, p.shown, p.tokens, p.data] for kind, p in state.request.items()}
    return zlib.compress(json.dumps(flat).encode() + b"\n" + snapshot._messages.dump_json(
        [e.message for e in state.entries]) + b"\n" + json.dumps(parts).encode())


def test_a_snapshot_the_previous_version_wrote_is_still_read(sqlite_url, monkeypatch):
    with Tract.open(sqlite_url, "old", counter=WordCounter()) as t:
        t.system("be brief")
        t.commit({"content_type": "settings", "temperature": 0.5})
        first = t.user("to be edited").hash
        agent_turns(t, 0, 3)
        t.commit({"content_type": "dialogue", "role": "user", "text": "edited"}, operation="edit",
                 edit_target=first)
        t.compile()
        [head] = snapshot_heads(t)
        with t.store.read() as tx:
            old = _format_2(t._compiler.state(tx, head))
        with t.store.write() as tx:
            tx.conn.execute(update(s.compile_snapshots).values(data=old, format=2))
        agent_turns(t, 3, 1)
    reads = history_reads(monkeypatch)
    with Tract.open(sqlite_url, "old", counter=WordCounter()) as fresh:
        ctx = fresh.compile()
        assert None not in reads  # from the old snapshot and the commits since
        same(ctx, from_scratch(fresh))
        assert ctx.settings.temperature == 0.5
        assert [m.content for m in ctx.messages][1:3] == ["edited", "question 0"]


def _chunks_of(data: bytes) -> bytes:
    """What the chunks of a snapshot hold, decompressed, one after the other."""
    header, rest = data.split(b"\n", 1)
    out, at = [], 0
    for size in json.loads(header)["chunks"]:
        out.append(zlib.decompress(rest[at:at + size]))
        at += size
    return b"".join(out)


def test_a_snapshot_reuses_the_chunks_of_the_last_one_that_did_not_change(sqlite_url, monkeypatch):
    monkeypatch.setattr(snapshot, "CHUNK", 4)
    made: list[int] = []
    real = snapshot._chunk
    monkeypatch.setattr(snapshot, "_chunk", lambda entries: made.append(len(entries)) or real(entries))
    with Tract.open(sqlite_url, "chunks", counter=WordCounter()) as t:
        t.system("be brief")
        first = t.user("first")
        agent_turns(t, 0, 3)
        t.compile()                     # 11 turns: chunks of 4, 4 and 3
        assert made == [4, 4, 3]
        agent_turns(t, 3, 2)
        t.compile()                     # 17: the first two reused, the third grew, one more
        assert made[3:] == [4, 4, 1]
        t.commit({"content_type": "dialogue", "role": "user", "text": "edited"}, operation="edit",
                 edit_target=first.hash)
        agent_turns(t, 5, 2)
        t.compile()                     # 23: the edit changed the first chunk, the next three are
        assert made[6:] == [4, 4, 3]    # reused, the fifth grew and a sixth is new
    with Tract.open(sqlite_url, "chunks", counter=WordCounter()) as fresh:
        same(fresh.compile(), from_scratch(fresh))
        agent_turns(fresh, 7, 2)
        fresh.compile()                 # 29: the chunks of the snapshot it read reused too,
        assert made[9:] == [4, 4, 1]    # the sixth grew, two more


def test_a_snapshot_stores_each_commit_hash_once(sqlite_url):
    with Tract.open(sqlite_url, "once", counter=WordCounter()) as t:
        t.system("be brief")
        agent_turns(t, 0, 3)
        t.compile()
        hashes = [c.hash for c in t.log(limit=50)]
        with t.store.read() as tx:
            [(fmt, data)] = tx.conn.execute(select(s.compile_snapshots.c.format, s.compile_snapshots.c.data))
    raw = _chunks_of(data)
    assert fmt == snapshot.FORMAT
    assert [raw.count(h.encode()) for h in hashes] == [1] * len(hashes)
    assert b"tool_call_id\":null" not in raw and b"is_error" not in raw  # defaults left out


def test_saving_a_snapshot_never_waits_for_another_writer(sqlite_url):
    with Tract.open(sqlite_url, "busy", counter=WordCounter()) as t:
        agent_turns(t, 0, 3)
        other = Store(sqlite_url)
        try:
            with other.write():  # another process holds SQLite's write lock
                started = time.monotonic()
                ctx = t.compile()
                assert time.monotonic() - started < 5  # not the 30 s a commit would wait
                assert len(ctx.messages) == 9
        finally:
            other.close()
        assert snapshot_heads(t) == []  # skipped, not half-written
        t.compile()
        assert snapshot_heads(t) == [t.status().head]  # the next compile saves it


def test_short_histories_save_no_snapshot(mem):
    agent_turns(mem, 0, 1)
    mem.compile()
    assert snapshot_heads(mem) == []


def test_compile_snapshots_can_be_turned_off(sqlite_url, monkeypatch):
    with Tract.open(sqlite_url, "off", counter=WordCounter(), compile_snapshots=False) as t:
        agent_turns(t, 0, 3)
        t.compile()
        assert snapshot_heads(t) == []
    with Tract.open(sqlite_url, "off", counter=WordCounter()) as t:
        t.compile()  # saves one
        assert len(snapshot_heads(t)) == 1
    reads = history_reads(monkeypatch)
    with Tract.open(sqlite_url, "off", counter=WordCounter(), compile_snapshots=False) as t:
        same(t.compile(), from_scratch(t))
    assert None in reads  # built from the commits although a snapshot exists


def test_long_histories_save_snapshots_less_often(mem, monkeypatch):
    """Past SNAPSHOT_EVERY * SNAPSHOT_FRACTION commits the interval grows with the history, so the
    bytes all its snapshots ever cost stay proportional to its length (each holds the whole state)."""
    monkeypatch.setattr(compiler_module, "SNAPSHOT_FRACTION", 4)
    saves: list[int] = []
    real = compiler_module.save_snapshot
    monkeypatch.setattr(compiler_module, "save_snapshot",
                        lambda tx, tract_id, head, fmt, commits, *a, **k:
                        saves.append(commits) or real(tx, tract_id, head, fmt, commits, *a, **k))
    for step in range(100):  # 300 commits, compiled after each step as an agent does
        agent_turns(mem, step, 1)
        mem.compile()
    gaps = [b - a for a, b in zip(saves, saves[1:])]
    assert saves[0] == 6 and gaps[:2] == [6, 6]  # every 5 commits (rounded up to a step) at first
    assert all(b - a >= b // 4 for a, b in zip(saves, saves[1:]))  # then a quarter of the history
    assert gaps[-1] > 50 and len(saves) < 300 // 5 // 2
    assert all(later >= earlier for earlier, later in zip(gaps, gaps[1:]))
    assert compiler_module.snapshot_interval(10_000) == 2_500  # with the fixture's 5 and 4


def test_a_new_process_skips_another_branchs_snapshot_and_uses_its_own(store_url, monkeypatch):
    with Tract.open(store_url, "agent", counter=WordCounter()) as t:
        t.system("be brief")
        agent_turns(t, 0, 3)
        t.compile()
        t.branch("side", switch=True)
        agent_turns(t, 10, 2)
        t.compile()                     # a snapshot on side
        t.switch("main")
        agent_turns(t, 20, 3)
        t.compile()                     # one on main, as many generations from the root as side's head
        assert len(snapshot_heads(t)) == 2
        t.switch("side")
        agent_turns(t, 30, 1)           # side moves on past its snapshot
    reads = history_reads(monkeypatch)
    with Tract.open(store_url, "agent", counter=WordCounter()) as fresh:
        ctx = fresh.compile()
        assert None not in reads        # from side's own snapshot: no full read of the history
        same(ctx, from_scratch(fresh))
        assert ctx.messages[-1].content == "result 30" and "result 20" not in [m.content for m in ctx.messages]
