"""Agent-loop benchmark: tract (SQLite, PostgreSQL) vs LangGraph's SqliteSaver on the same steps.

A step appends a user turn, an assistant turn with a tool call, and the tool's result (300-400
characters each), then reads the full context back:
- tract: `user`, `assistant`, `tool_call`, `tool_result` commits, then `compile()`;
- LangGraph: a one-node graph whose state is `messages` with the `add_messages` reducer, checkpointed
  by `SqliteSaver`; `invoke` with the step's three messages, then `get_state` (defaults throughout).

    python bench/agent_loop.py           # N = 100, 1,000, 10,000 (LangGraph's 10,000 projected from
                                         # its first 1,000 steps: its store grows quadratically)
    python bench/agent_loop.py --quick   # N = 100, 200: under a minute
    python bench/agent_loop.py --n 1000 10000 --runs 3 --no-pg   # issue 14's step targets

Each system runs up to the largest N on a fresh store, `--runs` times (default 1); the figures for a
smaller N are those of its first N steps (the same work as a separate run), with the size on disk
taken at that point. The table shows the last run; the target lines the median over the runs of
each run's p50. "raw SQLite" is the limit a step's writes could reach: four bare `sqlite3` WAL
transactions (synchronous=NORMAL, as tract's), each inserting one of the step's texts.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import sys
import time
from pathlib import Path
from typing import Annotated

from typing_extensions import TypedDict

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402
from tract_core import Tract  # noqa: E402

LANGGRAPH_BUDGET_S = 600  # beyond this LangGraph's larger N is projected from its measured growth
LANGGRAPH_MAX = 1_000  # its store grows quadratically: 10,000 steps would need hours and ~250 GB


class RawLoop:
    """The hardware's floor for a step's writes: one bare sqlite3 transaction per commit."""

    def __init__(self, path: str) -> None:
        self.con = sqlite3.connect(path, isolation_level=None)
        self.con.execute("PRAGMA journal_mode=WAL")
        self.con.execute("PRAGMA synchronous=NORMAL")
        self.con.execute("CREATE TABLE turns (id INTEGER PRIMARY KEY, body TEXT NOT NULL)")
        self.n = 1

    def step(self, s: dict) -> int:
        for body in (s["user"], s["assistant"], f'{s["tool"]} {s["arguments"]}', s["result"]):
            self.con.execute("BEGIN")
            self.con.execute("INSERT INTO turns (body) VALUES (?)", (body,))
            self.con.execute("COMMIT")
        self.n += 4
        return self.n

    def close(self) -> None:
        self.con.close()


class TractLoop:
    def __init__(self, url: str) -> None:
        self.t = Tract.open(url, "agent")
        self.t.system("You are a careful coding agent. Keep answers short and cite the files you read.")

    def step(self, s: dict) -> int:
        t = self.t
        t.user(s["user"])
        t.assistant(s["assistant"])
        t.tool_call(s["tool"], s["arguments"], s["call_id"])
        t.tool_result(s["call_id"], s["result"])
        return len(t.compile().messages)

    def close(self) -> None:
        self.t.close()


class LangGraphLoop:
    def __init__(self, path: str) -> None:
        from langchain_core.messages import AIMessage, HumanMessage, SystemMessage, ToolMessage
        from langgraph.checkpoint.sqlite import SqliteSaver
        from langgraph.graph import END, START, StateGraph
        from langgraph.graph.message import add_messages

        # built at run time so this module imports without LangGraph installed
        state = TypedDict("State", {"messages": Annotated[list, add_messages]})
        graph = StateGraph(state)
        graph.add_node("agent", lambda state: {})  # the work under test is the checkpointing
        graph.add_edge(START, "agent")
        graph.add_edge("agent", END)
        self.con = sqlite3.connect(path, check_same_thread=False)
        self.app = graph.compile(checkpointer=SqliteSaver(self.con))
        self.config = {"configurable": {"thread_id": "agent"}}
        self.msg = (HumanMessage, AIMessage, ToolMessage)
        self.app.invoke({"messages": [SystemMessage(
            "You are a careful coding agent. Keep answers short and cite the files you read.")]}, self.config)

    def step(self, s: dict) -> int:
        human, ai, tool = self.msg
        i = s["call_id"]
        self.app.invoke({"messages": [
            human(s["user"], id=f"u{i}"),
            ai(s["assistant"], id=f"a{i}", tool_calls=[{"name": s["tool"], "args": s["arguments"], "id": i}]),
            tool(s["result"], tool_call_id=i, id=f"r{i}")]}, self.config)
        return len(self.app.get_state(self.config).values["messages"])

    def close(self) -> None:
        self.con.close()


def run_loop(loop, n_max: int, checkpoints: list[int], size_of, budget_s: float | None = None,
             check: bool = True, seed: int = 7):
    """Per-step latencies and CPU times, and the size on disk at each checkpoint N. Stops early past
    `budget_s`. Every system of a run gets the same turns; each run its own (`seed`), so that no run
    meets texts a cache in this process has seen already."""
    turns = common.Turns(seed=seed)
    lat: list[float] = []
    cpu: list[float] = []
    sizes: dict[int, int] = {}
    started = time.perf_counter()
    for i in range(n_max):
        s = turns.step(i)
        t0, c0 = time.perf_counter(), time.process_time()
        count = loop.step(s)
        lat.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
        assert not check or count in (3 * (i + 1) + 1, 4 * (i + 1) + 1), count  # the context is complete
        if i + 1 in checkpoints or (i + 1) % 250 == 0:  # the extra sizes feed the projection
            sizes[i + 1] = size_of()
        if budget_s is not None and time.perf_counter() - started > budget_s:
            break
    return lat, cpu, sizes


def project(lat: list[float], sizes: dict[int, int], n: int) -> tuple[float, float, float, float]:
    """LangGraph's p50, p99, total and bytes/step at `n` from its measured linear growth: a step's
    latency grows linearly with the history (it rewrites the whole message list), so the total and
    the size on disk grow quadratically."""
    m = len(lat)
    xs = list(range(m))
    mx, my = sum(xs) / m, sum(lat) / m
    slope = sum((x - mx) * (y - my) for x, y in zip(xs, lat)) / sum((x - mx) ** 2 for x in xs)
    icept = my - slope * mx
    at = lambda i: icept + slope * i  # noqa: E731
    (n1, b1), (n2, b2) = sorted(sizes.items())[-2:]
    # bytes(N) = a N + c N^2 through the two largest measured points
    c = (b2 / n2 - b1 / n1) / (n2 - n1)
    a = b2 / n2 - c * n2
    return at(n // 2), at(int(n * 0.99)), n * icept + slope * n * (n - 1) / 2, a + c * n


def one_run(args, ns: list[int], out=print,
            seed: int = 7) -> dict[str, tuple[list[float], list[float], dict[int, int]]]:
    """Every system once, each on a fresh store, up to the largest N."""
    results: dict[str, tuple[list[float], list[float], dict[int, int]]] = {}
    work = common.scratch_dir("agent-loop")
    try:
        raw_path = str(work / "raw.db")
        loop = RawLoop(raw_path)
        results["raw SQLite"] = run_loop(loop, ns[-1], ns, lambda: common.sqlite_bytes(raw_path), check=False,
                                             seed=seed)
        loop.close()
        path = str(work / "tract.db")
        loop = TractLoop(path)
        results["tract (SQLite)"] = run_loop(loop, ns[-1], ns, lambda: common.sqlite_bytes(path), seed=seed)
        loop.close()
        out("  done: tract (SQLite)")
        reason = None if not args.no_pg else "--no-pg"
        reason = reason or common.pg_reason()
        if reason is None:
            with common.pg_schema() as (url, schema):
                loop = TractLoop(url)
                results["tract (PostgreSQL)"] = run_loop(loop, ns[-1], ns, lambda: common.pg_bytes(schema),
                                                         seed=seed)
                loop.close()
            out("  done: tract (PostgreSQL)")
        else:
            out(f"  skipped tract (PostgreSQL): {reason}")
        if not args.no_langgraph:
            lg_path = str(work / "langgraph.db")
            loop = LangGraphLoop(lg_path)
            results["LangGraph SqliteSaver"] = run_loop(loop, min(ns[-1], args.langgraph_max), ns,
                                                        lambda: common.sqlite_bytes(lg_path), args.langgraph_budget,
                                                        seed=seed)
            loop.close()
            out("  done: LangGraph SqliteSaver")
    finally:
        common.remove(work)
    return results


def main(argv: list[str] | None = None, out=print) -> list[list[object]]:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="N = 100, 200 (under a minute)")
    ap.add_argument("--n", type=int, nargs="+", help="step counts (default 100 1000 10000)")
    ap.add_argument("--no-pg", action="store_true", help="skip tract on PostgreSQL")
    ap.add_argument("--no-langgraph", action="store_true", help="skip LangGraph")
    ap.add_argument("--langgraph-budget", type=float, default=LANGGRAPH_BUDGET_S,
                    help="seconds LangGraph may run before its larger N is projected (default 600)")
    ap.add_argument("--langgraph-max", type=int, default=LANGGRAPH_MAX,
                    help="steps LangGraph runs at most; larger N are projected (default 1000)")
    ap.add_argument("--runs", type=int, default=1, help="runs of every system (medians reported; default 1)")
    args = ap.parse_args(argv)
    ns = sorted(args.n or ([100, 200] if args.quick else [100, 1_000, 10_000]))
    out(f"# agent loop benchmark ({common.machine()})")
    results: dict[str, tuple[list[float], list[float], dict[int, int]]] = {}
    run_p50s: dict[tuple[str, int], list[float]] = {}  # the p50 of each run
    for run in range(args.runs):
        results = one_run(args, ns, out, seed=7 + run)
        for name, (lat, _, _) in results.items():
            for n in ns:
                if len(lat) >= n:
                    run_p50s.setdefault((name, n), []).append(common.median(lat[:n]))
    rows: list[list[object]] = []
    p50s: dict[tuple[str, int], float] = {}
    cpu50s: dict[tuple[str, int], float] = {}
    per_step_bytes: dict[tuple[str, int], float] = {}
    for name, (lat, cpu, sizes) in results.items():
        for n in ns:
            if len(lat) >= n and n in sizes:
                p50, p99, total, bps = common.median(lat[:n]), common.pct(lat[:n], 99), sum(lat[:n]), sizes[n] / n
                cpu50 = common.median(cpu[:n])
                how = "measured"
            else:
                p50, p99, total, bps = project(lat, sizes, n)
                cpu50 = project(cpu, sizes, n)[0]
                how = f"projected from {len(lat):,} measured steps"
            p50s[name, n], cpu50s[name, n], per_step_bytes[name, n] = p50, cpu50, bps
            rows.append([name, f"{n:,}", common.ms(p50), common.ms(p99), common.ms(cpu50), f"{total:.1f}",
                         common.kib(bps), how])
    out("")
    out(common.table(["system", "steps", "p50 ms/step", "p99 ms/step", "CPU p50 ms/step", "total s",
                      "KiB on disk/step", ""], rows))
    out("")
    lg, tr = "LangGraph SqliteSaver", "tract (SQLite)"
    for n in ns:
        if (lg, n) in p50s:
            out(f"ratio at {n:,} steps: LangGraph p50 / tract (SQLite) p50 = "
                f"{common.ratio(p50s[lg, n], p50s[tr, n])} (CPU: {common.ratio(cpu50s[lg, n], cpu50s[tr, n])}); "
                f"bytes/step LangGraph / tract = {common.ratio(per_step_bytes[lg, n], per_step_bytes[tr, n])}")
    for name in results:
        first, last = per_step_bytes[name, ns[0]], per_step_bytes[name, ns[-1]]
        out(f"bytes/step growth {name}: {ns[0]:,} -> {ns[-1]:,} steps = {last / first:.2f}x "
            f"({common.kib(first)} -> {common.kib(last)} KiB)")
    targets(run_p50s, args.runs, out)
    return rows


def targets(run_p50s: dict[tuple[str, int], list[float]], runs: int, out=print) -> None:
    """Issue 14's step targets, on the median over the runs of each run's p50."""
    med = {key: common.median(v) for key, v in run_p50s.items()}
    tr, raw, lg, pg = "tract (SQLite)", "raw SQLite", "LangGraph SqliteSaver", "tract (PostgreSQL)"
    out("")
    out(f"issue 14 targets (median of {runs} run{'s' if runs != 1 else ''}' p50s):")
    if (tr, 1_000) in med:
        p = med[tr, 1_000]
        out(f"  agent step p50 at 1,000 steps <= 1.0 ms: {common.ms(p)} ms "
            f"({'met' if p <= 1e-3 else 'MISSED'}); raw SQLite's 4 transactions: "
            f"{common.ms(med.get((raw, 1_000), float('nan')))} ms, tract / raw = "
            f"{common.ratio(p, med.get((raw, 1_000), float('nan')))}")
        if (lg, 1_000) in med:
            r = med[lg, 1_000] / p
            out(f"  >= 100x faster than LangGraph SqliteSaver at 1,000 steps: {r:.1f}x "
                f"({'met' if r >= 100 else 'MISSED'})")
    if (tr, 1_000) in med and (tr, 10_000) in med:
        r = med[tr, 10_000] / med[tr, 1_000]
        out(f"  10,000-step p50 <= 1.2x the 1,000-step p50: {common.ms(med[tr, 10_000])} ms / "
            f"{common.ms(med[tr, 1_000])} ms = {r:.2f}x ({'met' if r <= 1.2 else 'MISSED'})")
    if (pg, 1_000) in med:
        out(f"  PostgreSQL agent step p50 <= 3 ms: {common.ms(med[pg, 1_000])} ms "
            f"({'met' if med[pg, 1_000] <= 3e-3 else 'MISSED'})")
    for (name, n), values in sorted(run_p50s.items()):
        out(f"  runs' p50s, {name}, {n:,} steps: " + ", ".join(common.ms(v) for v in values) + " ms")


if __name__ == "__main__":
    os.environ.setdefault("LANGCHAIN_TRACING_V2", "false")
    main()
