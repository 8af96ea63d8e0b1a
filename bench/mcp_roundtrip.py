"""MCP round trip: `commit` on tract-mcp vs `add_observations` on the reference memory server,
both over stdio through the MCP Python SDK's client, with 100 and 10,000 items already stored.

    sh bench/install_peers.sh              # once: the memory server into bench/node_modules
    python bench/mcp_roundtrip.py          # 100 and 10,000 stored items, 300 calls each
    python bench/mcp_roundtrip.py --quick  # 100 and 1,000 stored items, 100 calls each

An item is a committed turn for tract (seeded through the library into the server's SQLite file)
and an observation of one entity for the memory server (seeded into its JSONL file, the format it
writes itself). Every measured call stores one new 300-400 character item and waits for the answer.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402
from mcp import Client, StdioServerParameters  # noqa: E402
from tract_core import Tract  # noqa: E402

MEMORY_JS = Path(__file__).with_name("node_modules") / "@modelcontextprotocol" / "server-memory" / "dist" / "index.js"
WARMUP = 5
TARGET_STORED = 10_000  # where the issue states its targets


def seed_tract(path: str, n: int, turns: common.Turns) -> None:
    with Tract.open(path, "default") as t:
        for i in range(n):
            t.user(turns.text(f"[seed {i}]"))


def seed_memory(path: str, n: int, turns: common.Turns) -> None:
    entity = {"type": "entity", "name": "agent", "entityType": "agent",
              "observations": [turns.text(f"[seed {i}]") for i in range(n)]}
    Path(path).write_text(json.dumps(entity))


async def time_calls(params: StdioServerParameters, tool: str, make_args, calls: int) -> list[float]:
    lat: list[float] = []
    async with Client(params, read_timeout_seconds=60) as client:
        for i in range(WARMUP + calls):
            args = make_args(i)
            t0 = time.perf_counter()
            result = await client.call_tool(tool, args)
            dt = time.perf_counter() - t0
            if result.is_error:
                raise RuntimeError(f"{tool} failed: {result.content}")
            if i >= WARMUP:
                lat.append(dt)
    return lat


def tract_server(path: str) -> StdioServerParameters:
    exe = shutil.which("tract-mcp", path=str(Path(sys.executable).parent))
    if exe:
        return StdioServerParameters(command=exe, args=["--db", path])
    return StdioServerParameters(command=sys.executable, args=["-m", "server", "--db", path])


def main(argv: list[str] | None = None, out=print) -> list[list[object]]:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="100 and 1,000 stored items, 100 calls (< 1 min)")
    ap.add_argument("--stored", type=int, nargs="+", help="items already stored (default 100 10000)")
    ap.add_argument("--calls", type=int, help="measured calls per server and size (default 300)")
    args = ap.parse_args(argv)
    sizes = args.stored or ([100, 1_000] if args.quick else [100, 10_000])
    calls = args.calls or (100 if args.quick else 300)
    node = shutil.which("node")
    memory_reason = (None if node and MEMORY_JS.exists()
                     else "the memory server is not installed: run sh bench/install_peers.sh")
    out(f"# MCP round trip ({common.machine()})")
    rows: list[list[object]] = []
    p50: dict[tuple[str, int], float] = {}
    for n in sizes:
        work = common.scratch_dir("mcp")
        try:
            turns = common.Turns(seed=5)
            db = str(work / "tract.db")
            seed_tract(db, n, turns)
            lat = asyncio.run(time_calls(tract_server(db), "commit", lambda i: {"content": {
                "content_type": "dialogue", "role": "user", "text": turns.text(f"[call {i}]")}}, calls))
            rows.append(["tract-mcp commit", f"{n:,}", len(lat), common.ms(common.median(lat)),
                         common.ms(common.pct(lat, 99))])
            p50["tract", n] = common.median(lat)
            if memory_reason is None:
                mem = str(work / "memory.jsonl")
                seed_memory(mem, n, turns)
                params = StdioServerParameters(command=node, args=[str(MEMORY_JS)],
                                               env={**os.environ, "MEMORY_FILE_PATH": mem})
                lat = asyncio.run(time_calls(params, "add_observations", lambda i: {"observations": [
                    {"entityName": "agent", "contents": [turns.text(f"[call {i}]")]}]}, calls))
                rows.append(["server-memory add_observations", f"{n:,}", len(lat),
                             common.ms(common.median(lat)), common.ms(common.pct(lat, 99))])
                p50["memory", n] = common.median(lat)
        finally:
            common.remove(work)
        out(f"  done: {n:,} stored")
    out("")
    out(common.table(["server and tool (stdio)", "items stored", "calls", "p50 ms", "p99 ms"], rows))
    out("")
    if memory_reason:
        out(f"skipped the memory server: {memory_reason}")
    for n in sizes:
        if ("memory", n) in p50:
            out(f"ratio at {n:,} stored: memory server p50 / tract-mcp p50 = "
                f"{common.ratio(p50['memory', n], p50['tract', n])}")
    if TARGET_STORED not in sizes:
        out(f"note: the issue's targets are stated at {TARGET_STORED:,} stored items; this run has none")
        return rows
    t50 = p50["tract", TARGET_STORED]
    out(f"target: tract-mcp commit p50 <= 3 ms at {TARGET_STORED:,} stored: "
        f"{'met' if t50 <= 3e-3 else 'MISSED'} ({common.ms(t50)} ms)")
    if ("memory", TARGET_STORED) in p50:
        r = p50["memory", TARGET_STORED] / t50
        out(f"target: >= 5x faster than add_observations at {TARGET_STORED:,} stored: "
            f"{'met' if r >= 5 else 'MISSED'} ({r:.1f}x)")
    return rows


if __name__ == "__main__":
    main()
