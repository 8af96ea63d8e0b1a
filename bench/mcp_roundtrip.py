"""MCP round trip: `commit` on tract-mcp vs `add_observations` on the reference memory server,
both over stdio through the MCP Python SDK's client, with 100 and 10,000 items already stored.

    sh bench/install_peers.sh              # once: the memory server into bench/node_modules
    python bench/mcp_roundtrip.py          # 100 and 10,000 stored items, 300 calls each
    python bench/mcp_roundtrip.py --quick  # 100 and 1,000 stored items, 100 calls each

An item is a committed turn for tract (seeded through the library into the server's SQLite file)
and an observation of one entity for the memory server (seeded into its JSONL file, the format it
writes itself). Every measured call stores one new 300-400 character item and waits for the answer.

The SDK's own floor is measured in the same run: a server built on the SDK (`MCPServer`) whose one
tool takes the same arguments, stores nothing and returns a result of the same shape, over the
SDK's stdio transport and over tract-mcp's (`server.stdio`). tract-mcp's cost above that floor is
what tract itself adds (the library's commit, validation, result serialization).
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
from typing import Any

from pydantic import BaseModel

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402
from mcp import Client, StdioServerParameters  # noqa: E402
from tract_core import Tract  # noqa: E402

MEMORY_JS = Path(__file__).with_name("node_modules") / "@modelcontextprotocol" / "server-memory" / "dist" / "index.js"
WARMUP = 5
TARGET_STORED = 10_000  # where the issue states its targets
TARGET_P50 = 2e-3  # issue 14: commit round trip p50 <= 2 ms over stdio


class Done(BaseModel):
    """What the no-op tool answers: the shape of tract's `commit` result."""

    hash: str
    branch: str
    tokens: int


def serve_noop(transport: str) -> None:
    """A server on the MCP SDK with one tool that does nothing: the SDK's floor for a call."""
    from mcp.server import MCPServer

    mcp = MCPServer("noop")

    @mcp.tool()
    async def commit(content: dict[str, Any]) -> Done:
        """Store nothing."""
        return Done(hash="0123456789ab", branch="main", tokens=len(content.get("text", "")) // 4)

    if transport == "sdk":
        mcp.run()
    else:
        from server.stdio import run_stdio

        run_stdio(mcp)


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
    ap.add_argument("--serve-noop", choices=["sdk", "ours"], help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.serve_noop:
        return serve_noop(args.serve_noop)
    sizes = args.stored or ([100, 1_000] if args.quick else [100, 10_000])
    calls = args.calls or (100 if args.quick else 300)
    node = shutil.which("node")
    memory_reason = (None if node and MEMORY_JS.exists()
                     else "the memory server is not installed: run sh bench/install_peers.sh")
    out(f"# MCP round trip ({common.machine()})")
    rows: list[list[object]] = []
    p50: dict[tuple[str, int | str], float] = {}
    commit_args = lambda turns: lambda i: {"content": {  # noqa: E731
        "content_type": "dialogue", "role": "user", "text": turns.text(f"[call {i}]")}}
    for transport in ("sdk", "ours"):
        lat = asyncio.run(time_calls(StdioServerParameters(
            command=sys.executable, args=[__file__, "--serve-noop", transport]), "commit",
            commit_args(common.Turns(seed=5)), calls))
        label = "SDK transport" if transport == "sdk" else "tract-mcp's transport"
        rows.append([f"no-op tool on the SDK ({label})", "-", len(lat), common.ms(common.median(lat)),
                     common.ms(common.pct(lat, 99))])
        p50["noop", transport] = common.median(lat)
    for n in sizes:
        work = common.scratch_dir("mcp")
        try:
            turns = common.Turns(seed=5)
            db = str(work / "tract.db")
            seed_tract(db, n, turns)
            lat = asyncio.run(time_calls(tract_server(db), "commit", commit_args(turns), calls))
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
    for n in sizes:
        out(f"tract-mcp commit at {n:,} stored: p50 {common.ms(p50['tract', n])} ms, "
            f"{common.ms(p50['tract', n] - p50['noop', 'ours'])} ms above the no-op floor on the same transport "
            f"({common.ms(p50['noop', 'ours'])} ms; SDK transport {common.ms(p50['noop', 'sdk'])} ms)")
    if TARGET_STORED not in sizes:
        out(f"note: the issue's targets are stated at {TARGET_STORED:,} stored items; this run has none")
        return rows
    t50 = p50["tract", TARGET_STORED]
    out(f"target: tract-mcp commit p50 <= {TARGET_P50 * 1e3:g} ms at {TARGET_STORED:,} stored: "
        f"{'met' if t50 <= TARGET_P50 else 'MISSED'} ({common.ms(t50)} ms; the SDK's no-op floor "
        f"{common.ms(p50['noop', 'sdk'])} ms)")
    if ("memory", TARGET_STORED) in p50:
        r = p50["memory", TARGET_STORED] / t50
        out(f"target: >= 5x faster than add_observations at {TARGET_STORED:,} stored: "
            f"{'met' if r >= 5 else 'MISSED'} ({r:.1f}x)")
    return rows


if __name__ == "__main__":
    main()
