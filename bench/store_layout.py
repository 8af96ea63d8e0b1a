"""Where a SQLite store's bytes go (issue 14): bytes on disk per agent step, table by table and index by
index (SQLite's `dbstat`), beside the text and JSON a step stores; and the pages one commit writes.

A step is bench/agent_loop.py's (user turn, assistant turn with a tool call, tool result, compile), on
its turns (`common.Turns`); the store is checkpointed, then every table's and index's pages are summed.
Pages per commit: the WAL frames that `COMMITS` more `Tract.user` calls append after a checkpoint,
each frame named by the B-tree its page belongs to (every frame is a 4 KiB page written at COMMIT).

    python bench/store_layout.py                 # 1,000 steps
    python bench/store_layout.py --n 100 1000    # one store grown to the largest, measured at each
"""

from __future__ import annotations

import argparse
import collections
import sqlite3
import struct
import sys
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402
from agent_loop import TractLoop  # noqa: E402
from speed_write import step_text  # noqa: E402

COMMITS = 30  # few enough that the WAL is not checkpointed (1,000 pages) while they are counted


def pages_by_name(path: str) -> dict[str, int]:
    """Bytes of every table and index (FTS5's shadow tables by their own names), after a checkpoint."""
    with sqlite3.connect(path) as con:
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return dict(con.execute("SELECT name, sum(pgsize) FROM dbstat GROUP BY name"))


def main(argv: list[str] | None = None, out: Callable[[str], None] = print) -> dict[int, dict[str, int]]:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, nargs="+", default=[1_000], help="step counts (default 1,000)")
    args = ap.parse_args(argv)
    ns = sorted(args.n)
    out(f"# store layout: bytes per agent step by table and index ({common.machine()})")
    work = common.scratch_dir("store-layout")
    path = str(work / "tract.db")
    got: dict[int, dict[str, int]] = {}
    try:
        loop = TractLoop(path)
        empty = pages_by_name(path)
        turns, text = common.Turns(seed=7), 0
        for i in range(ns[-1]):
            s = turns.step(i)
            loop.step(s)
            text += step_text(s)
            if i + 1 in ns:
                got[i + 1] = pages = pages_by_name(path)
                _report(i + 1, pages, empty, text, common.sqlite_bytes(path), out)
        frames = commit_pages(loop.t, path, turns)
        loop.close()
        out("")
        out(f"## pages one commit writes (Tract.user, {COMMITS} commits): {sum(frames.values()):.1f}")
        out(common.table(["B-tree", "pages/commit"], [[name, f"{n:.2f}"] for name, n in frames.items()]))
    finally:
        common.remove(work)
    return got


def commit_pages(t, path: str, turns: common.Turns) -> dict[str, float]:
    """Pages written per commit, by table or index: the WAL frames of `COMMITS` commits."""
    with sqlite3.connect(path) as con:
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    for i in range(COMMITS):
        t.user(turns.text(f"[more {i}]"))
    with open(f"{path}-wal", "rb") as f:
        wal = f.read()
    size = struct.unpack(">I", wal[8:12])[0]
    pages = [struct.unpack(">I", wal[at:at + 4])[0] for at in range(32, len(wal) - 24, 24 + size)]
    with sqlite3.connect(path) as con:
        owner = dict(con.execute("SELECT pageno, name FROM dbstat"))
    counted = collections.Counter(owner.get(p, "(freed)") for p in pages)
    return {name: n / COMMITS for name, n in counted.most_common()}


def _report(n: int, pages: dict[str, int], empty: dict[str, int], text: int, on_disk: int,
            out: Callable[[str], None]) -> None:
    rows = sorted(((name, (size - empty.get(name, 0)) / n) for name, size in pages.items()),
                  key=lambda r: -r[1])
    total = sum(pages.values())
    out("")
    out(f"## {n:,} steps: {total / n:,.0f} B/step in tables and indexes ({on_disk / n:,.0f} B/step on disk), "
        f"text {text / n:,.0f} B/step, ratio {total / text:.2f}x")
    out(common.table(["table or index", "B/step", "share"],
                     [[name, f"{b:,.0f}", f"{b * n / total:.0%}"] for name, b in rows if b >= 1]))


if __name__ == "__main__":
    main()
