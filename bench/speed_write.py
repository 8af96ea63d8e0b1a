"""Write-path benchmark (issue 14): tract's commit beside a raw SQLite transaction writing the same bytes.

- commit p50: `Tract.user()` on a SQLite file, against a bare `sqlite3` WAL transaction (synchronous=NORMAL,
  as tract's store) inserting the same text; target ≤ 0.3 ms and ≤ 15× the raw transaction;
- batch: `Tract.commit_many()` of 100 turns, commits per second (target ≥ 20,000/s), beside the raw
  transaction inserting the same 100 texts;
- bytes on disk per agent step (user turn, assistant turn, tool call, tool result, as bench/agent_loop.py)
  over the text and JSON it stores (target ≤ 2×), counted over the empty store (every table's and
  index's first pages, which no step adds to);
- PostgreSQL: commit p50 (target ≤ 1.5 ms) and bytes per step at 100 … 10,000 steps (flat).

    python bench/speed_write.py            # 3 runs, 2,000 commits each, bytes at 100/1,000/10,000 steps
    python bench/speed_write.py --quick    # 3 runs of 300 commits, bytes at 100/300 steps
    python bench/speed_write.py --no-pg
"""

from __future__ import annotations

import argparse
import itertools
import json
import sqlite3
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402
from tract_core import Tract  # noqa: E402

BATCH = 100


def step_text(s: dict) -> int:
    """The text and JSON an agent step gives tract: four texts, the tool's name, arguments and call id."""
    return (len(s["user"]) + len(s["assistant"]) + len(s["result"]) + len(s["tool"])
            + len(json.dumps(s["arguments"])) + 2 * len(s["call_id"]))


def texts(n: int, seed: int = 6) -> list[str]:
    turns = common.Turns(seed)
    return [turns.text(f"[user {i}]") for i in range(n)]


# --- the limit: one bare sqlite3 transaction per commit ---
def raw_sqlite(path: Path, bodies: list[str], batch: int = 1) -> list[float]:
    """Seconds per transaction inserting `batch` rows of the bodies (WAL, synchronous=NORMAL)."""
    con = sqlite3.connect(path, isolation_level=None)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=NORMAL")
    con.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, body TEXT NOT NULL)")
    out = []
    for i in range(0, len(bodies), batch):
        rows = [(b,) for b in bodies[i:i + batch]]
        t0 = time.perf_counter()
        con.execute("BEGIN IMMEDIATE")
        con.executemany("INSERT INTO t (body) VALUES (?)", rows)
        con.execute("COMMIT")
        out.append(time.perf_counter() - t0)
    con.close()
    return out


def tract_commits(url: str, bodies: list[str]) -> list[float]:
    with Tract.open(url, "bench") as t:
        t.system("You are a careful coding agent.")
        out = []
        for b in bodies:
            t0 = time.perf_counter()
            t.user(b)
            out.append(time.perf_counter() - t0)
    return out


def tract_batches(url: str, bodies: list[str]) -> list[float]:
    with Tract.open(url, "bench") as t:
        t.system("You are a careful coding agent.")
        out = []
        for i in range(0, len(bodies), BATCH):
            contents = [{"content_type": "dialogue", "role": "user", "text": b} for b in bodies[i:i + BATCH]]
            t0 = time.perf_counter()
            t.commit_many(contents)
            out.append(time.perf_counter() - t0)
    return out


def fill_steps(url: str, counts: list[int], size: Callable[[], int]) -> list[tuple[int, int, int, int]]:
    """(steps, bytes on disk, bytes over the empty store, text bytes) at each count, one store grown
    to the largest (the empty store: its schema, pages every table and index has before any row)."""
    turns, text, got = common.Turns(), 0, []
    with Tract.open(url, "agent") as t:
        empty = size()
        for i in range(max(counts)):
            s = turns.step(i)
            t.user(s["user"])
            t.assistant(s["assistant"])
            t.tool_call(s["tool"], s["arguments"], s["call_id"])
            t.tool_result(s["call_id"], s["result"])
            text += step_text(s)
            if i + 1 in counts:
                total = size()
                got.append((i + 1, total, total - empty, text))
    return got


def _bytes(size: int, grown: int, count: int) -> str:
    """Bytes per step over the empty store (the ratio's figure), and with the empty store's own."""
    return f"{grown / count:,.0f} B ({size / count:,.0f} B with the empty store)"


def _runs(n_runs: int, measure: Callable[[], float]) -> float:
    return common.median([measure() for _ in range(n_runs)])


def main(argv: list[str] | None = None, out: Callable[[str], None] = print) -> dict:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="300 commits a run, bytes at 100 and 300 steps")
    ap.add_argument("--n", type=int, help="commits a run (default 2,000)")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--steps", type=int, nargs="+", help="step counts for bytes (default 100 1000 10000)")
    ap.add_argument("--no-pg", action="store_true", help="skip PostgreSQL")
    args = ap.parse_args(argv)
    n = args.n or (300 if args.quick else 2_000)
    steps = args.steps or ([100, 300] if args.quick else [100, 1_000, 10_000])
    seeds = itertools.count(6)  # every run its own texts: no run meets texts a cache here has seen
    fig: dict = {}
    out(f"# speed_write: {n} commits a run, median of {args.runs} runs; {common.machine()}")

    def one(kind: str) -> Callable[[], float]:
        def run() -> float:
            bodies = texts(n, next(seeds))
            d = common.scratch_dir(f"write-{kind}")
            try:
                if kind == "raw":
                    return common.median(raw_sqlite(d / "raw.db", bodies))
                if kind == "raw_batch":
                    return common.median(raw_sqlite(d / "raw.db", bodies, BATCH)) / BATCH
                if kind == "commit":
                    return common.median(tract_commits(str(d / "t.db"), bodies))
                return common.median(tract_batches(str(d / "t.db"), bodies)) / BATCH
            finally:
                common.remove(d)
        return run

    raw, commit = _runs(args.runs, one("raw")), _runs(args.runs, one("commit"))
    raw_b, batch = _runs(args.runs, one("raw_batch")), _runs(args.runs, one("batch"))
    fig.update(raw=raw, commit=commit, raw_batch=raw_b, batch=batch)
    rows = [["SQLite commit p50 (Tract.user)", f"{common.ms(commit)} ms", f"{common.ms(raw)} ms",
             common.ratio(commit, raw), "≤ 0.3 ms, ≤ 15×"],
            [f"SQLite commit_many({BATCH}) per commit", f"{1 / batch:,.0f} commits/s",
             f"{1 / raw_b:,.0f} rows/s", common.ratio(batch, raw_b), "≥ 20,000 commits/s"]]

    def sqlite_sizes() -> list[tuple[int, int, int, int]]:
        d = common.scratch_dir("write-bytes")
        try:
            return fill_steps(str(d / "t.db"), steps, lambda: common.sqlite_bytes(d / "t.db"))
        finally:
            common.remove(d)

    for count, size, grown, text in sqlite_sizes():
        fig[f"sqlite_bytes_{count}"] = grown / text
        rows.append([f"SQLite bytes per step, {count:,} steps", _bytes(size, grown, count),
                     f"{text / count:,.0f} B text", f"{grown / text:.2f}×", "≤ 2×"])

    reason = "--no-pg" if args.no_pg else common.pg_reason()
    if reason is None:
        def pg_commit() -> float:
            with common.pg_schema() as (url, _):
                return common.median(tract_commits(url, texts(min(n, 1_000), next(seeds))))

        fig["pg_commit"] = pg = _runs(args.runs, pg_commit)
        rows.append(["PostgreSQL commit p50", f"{common.ms(pg)} ms", f"{common.ms(raw)} ms",
                     common.ratio(pg, raw), "≤ 1.5 ms"])
        with common.pg_schema() as (url, schema):
            for count, size, grown, text in fill_steps(url, steps, lambda: common.pg_bytes(schema)):
                fig[f"pg_bytes_{count}"] = grown / text
                rows.append([f"PostgreSQL bytes per step, {count:,} steps", _bytes(size, grown, count),
                             f"{text / count:,.0f} B text", f"{grown / text:.2f}×", "flat"])
    else:
        out(f"PostgreSQL skipped: {reason}")
    out(common.table(["measure", "tract", "raw sqlite3", "ratio", "target"], rows))
    return fig


if __name__ == "__main__":
    main()
