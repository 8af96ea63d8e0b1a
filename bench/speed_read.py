"""The read path of an agent step (issue 14): a compile after the step's four commits, a compile with
nothing new, `log(10)` and `status()`, beside an empty bare-sqlite3 read transaction (the floor).

    python bench/speed_read.py --n 1000 --runs 3          # SQLite
    python bench/speed_read.py --n 1000 --runs 3 --pg     # and PostgreSQL

Each run builds a fresh store of N agent steps, timing the compile after each of the last
`--tail` steps; medians of the runs' p50s are printed.
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402
from tract_core import Tract  # noqa: E402


def p50_of(fn, rounds: int) -> float:
    times = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return common.median(times)


def one_run(url: str, n: int, tail: int, raw_path: str | None) -> dict[str, float]:
    t = Tract.open(url, "agent")
    t.system("You are a careful coding agent.")
    turns = common.Turns(seed=7)
    after: list[float] = []
    for i in range(n):
        s = turns.step(i)
        t.user(s["user"])
        t.assistant(s["assistant"])
        t.tool_call(s["tool"], s["arguments"], s["call_id"])
        t.tool_result(s["call_id"], s["result"])
        t0 = time.perf_counter()
        t.compile()
        if i >= n - tail:
            after.append(time.perf_counter() - t0)
    out = {"compile after a step": common.median(after),
           "compile, nothing new": p50_of(t.compile, 300),
           "log(10)": p50_of(lambda: t.log(10), 300),
           "status()": p50_of(t.status, 300)}
    t.close()
    if raw_path:
        con = sqlite3.connect(raw_path, isolation_level=None)

        def empty_read():
            con.execute("BEGIN")
            con.execute("SELECT name, commit_hash, symbolic FROM refs WHERE tract_id = ?", ("agent",)).fetchall()
            con.execute("COMMIT")
        out["raw: BEGIN, refs, COMMIT"] = p50_of(empty_read, 300)
        con.close()
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--tail", type=int, default=200)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--pg", action="store_true")
    args = ap.parse_args()
    engines = ["SQLite"] + (["PostgreSQL"] if args.pg else [])
    for engine in engines:
        runs = []
        for _ in range(args.runs):
            if engine == "SQLite":
                work = common.scratch_dir("speed-read")
                try:
                    runs.append(one_run(str(work / "t.db"), args.n, args.tail, str(work / "t.db")))
                finally:
                    common.remove(work)
            else:
                with common.pg_schema() as (url, _):
                    runs.append(one_run(url, args.n, args.tail, None))
        print(f"{engine}, {args.n} steps, median of {args.runs} runs' p50:")
        for key in runs[0]:
            vals = [r[key] for r in runs]
            print(f"  {key:28s} {common.median(vals) * 1e6:8.0f} µs   ({', '.join(f'{v * 1e6:.0f}' for v in vals)})")


if __name__ == "__main__":
    main()
