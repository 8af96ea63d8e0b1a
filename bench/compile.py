"""Compile benchmark: cold compile of a long history, incremental compile after one APPEND, and
the same with edits and annotations mixed in.

    python bench/compile.py            # 10,000 commits (the issue's targets)
    python bench/compile.py --quick    # 2,000 commits, under a minute
    python bench/compile.py --pg       # also on PostgreSQL

"cold" = a freshly opened Tract (no compile cache in memory) on an existing store, which starts
from a compile snapshot half a snapshot interval behind the head (312 commits at 10,000: one is
saved every 625 commits there, so that is the average case) and applies the commits since; "cold, from every commit" = the
same with snapshots off (what that first compile costs: every commit read and rendered);
"incremental" = compile right after committing one turn, on a Tract that compiled the previous head.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402
from tract_core import Tract  # noqa: E402
from tract_core.operations.compiler import snapshot_interval  # noqa: E402

TRACT_ID = "bench"
TARGETS = {"commit": 1e-3, "cold": 150e-3, "incremental": 2e-3}  # seconds, at 10,000 commits


def build(url: str, n: int, mixed: bool, turns: common.Turns) -> tuple[list[float], list[float]]:
    """Commit `n` turns (agent steps of 4 commits); with `mixed`, every 25th commit edits an earlier
    turn and every 40th annotates one. Returns each commit's latency and CPU time."""
    lat: list[float] = []
    cpu: list[float] = []
    appended: list[str] = []

    def timed(fn: Callable, *args, **kw):
        t0, c0 = time.perf_counter(), time.process_time()
        info = fn(*args, **kw)
        lat.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
        return info

    with Tract.open(url, TRACT_ID) as t:
        t.system("You are a careful coding agent. Keep answers short and cite the files you read.")
        i = 0
        while len(lat) < n:
            s = turns.step(i)
            appended.append(timed(t.user, s["user"]).hash)
            appended.append(timed(t.assistant, s["assistant"]).hash)
            timed(t.tool_call, s["tool"], s["arguments"], s["call_id"])
            timed(t.tool_result, s["call_id"], s["result"])
            if mixed and i % 6 == 5:  # 1 commit in 25
                target = appended[turns.rng.randrange(len(appended))]
                timed(t.commit, {"content_type": "dialogue", "role": "user", "text": s["user"] + " (edited)"},
                      operation="edit", edit_target=target)
            if mixed and i % 10 == 9:  # an annotation every 40 commits
                t.annotate(appended[turns.rng.randrange(len(appended))], ("pinned", "skip", "normal")[i % 3])
            i += 1
    return lat, cpu


def measure(url: str, runs: int, rounds: int, mixed: bool, turns: common.Turns) -> dict[str, list[float]]:
    names = ("cold, from every commit", "cold", "incremental")
    out: dict[str, list[float]] = {name: [] for name in names}
    cpu: dict[str, list[float]] = {name: [] for name in names}

    def timed_compile(t: Tract, name: str) -> None:
        t0, c0 = time.perf_counter(), time.process_time()
        t.compile()
        out[name].append(time.perf_counter() - t0)
        cpu[name].append(time.process_time() - c0)

    for _ in range(runs):  # what the first compile of this history ever costs: no snapshot to start from
        with Tract.open(url, TRACT_ID, compile_snapshots=False) as t:
            timed_compile(t, "cold, from every commit")
    with Tract.open(url, TRACT_ID) as t:
        # snapshots are saved every snapshot_interval(n) commits, so a new process finds one 0 to
        # that many commits behind its head: put it half way, the average case
        behind = snapshot_interval(t.status().commit_count) // 2
        t.compile(at_commit=t.log(limit=behind + 1)[-1].hash)
    for _ in range(runs):  # a new process: from the snapshot
        with Tract.open(url, TRACT_ID) as t:
            timed_compile(t, "cold")
    with Tract.open(url, TRACT_ID) as t:
        t.compile()
        for i in range(rounds):
            t.user(turns.text(f"[extra {i}]"))
            timed_compile(t, "incremental")
        if mixed:
            out["after edit"], out["after annotate"] = [], []
            cpu["after edit"], cpu["after annotate"] = [], []
            for i in range(max(3, rounds // 5)):
                old = t.log(limit=200)[-1].hash
                t.commit({"content_type": "dialogue", "role": "user", "text": f"edited {i}"},
                         operation="edit", edit_target=old)
                timed_compile(t, "after edit")
                t.annotate(old, "pinned" if i % 2 else "normal")
                timed_compile(t, "after annotate")
    return out, cpu


def run(n: int, runs: int, rounds: int, engines: list[str], out=print) -> list[list[object]]:
    rows: list[list[object]] = []
    for engine in engines:
        for mixed in (False, True):
            scenario = "appends + edits + annotations" if mixed else "appends only"
            turns = common.Turns(seed=6)
            work = common.scratch_dir("compile")
            try:
                if engine == "postgres":
                    with common.pg_schema() as (url, _schema):
                        lat, commit_cpu = build(url, n, mixed, turns)
                        res, cpu = measure(url, runs, rounds, mixed, turns)
                else:
                    url = str(work / "tract.db")
                    lat, commit_cpu = build(url, n, mixed, turns)
                    res, cpu = measure(url, runs, rounds, mixed, turns)
            finally:
                common.remove(work)
            res, cpu = {"commit": lat, **res}, {"commit": commit_cpu, **cpu}
            for name, values in res.items():
                target = TARGETS.get(name) if engine == "sqlite" and not mixed else None
                p50 = common.median(values)
                met = "" if target is None else ("met" if p50 <= target else f"MISSED ({p50 / target:.1f}x)")
                rows.append([engine, scenario, n, name, len(values), common.ms(p50),
                             common.ms(common.pct(values, 99)),
                             common.ms(common.median(cpu[name])) if name in cpu else "",
                             common.ms(target) if target else "", met])
            out(f"  done: {engine}, {scenario}")
    return rows


def main(argv: list[str] | None = None, out=print) -> list[list[object]]:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="2,000 commits, fewer runs (under a minute)")
    ap.add_argument("--n", type=int, help="commits in the history (default 10,000; 2,000 with --quick)")
    ap.add_argument("--runs", type=int, help="cold compiles per store (median reported)")
    ap.add_argument("--rounds", type=int, help="incremental compiles measured (default 100; 20 with --quick)")
    ap.add_argument("--pg", action="store_true", help="also measure on PostgreSQL")
    args = ap.parse_args(argv)
    n = args.n or (2_000 if args.quick else 10_000)
    runs = args.runs or (3 if args.quick else 7)
    rounds = args.rounds or (20 if args.quick else 100)
    engines = ["sqlite"]
    if args.pg:
        reason = common.pg_reason()
        engines.append("postgres") if reason is None else out(f"skipping PostgreSQL: {reason}")
    out(f"# compile benchmark ({common.machine()})")
    rows = run(n, runs, rounds, engines, out)
    out("")
    out(common.table(["engine", "history", "commits", "measure", "samples", "p50 ms", "p99 ms",
                      "CPU p50 ms", "target ms", "target"], rows))
    out("")
    by = {(r[0], r[1], r[3]): r for r in rows}
    for engine in engines:
        base = by.get((engine, "appends only", "cold")), by.get((engine, "appends only", "incremental"))
        if all(base):
            cold, inc = float(base[0][5]), float(base[1][5])
            out(f"ratio ({engine}): cold / incremental compile = {cold / inc:.0f}x "
                f"(what the compile cache saves per step at {n:,} commits)")
    if n != 10_000:
        out(f"note: targets are stated at 10,000 commits; this run has {n:,}")
    return rows


if __name__ == "__main__":
    main()
