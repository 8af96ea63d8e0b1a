"""Agent economy: what driving tract over MCP costs the agent's own context, and how fast it starts.

    python bench/agent_economy.py            # the scripted session, tools/list, start-up (5 spawns each)
    python bench/agent_economy.py --quick    # a shorter session, 3 spawns each

Everything an agent reads is counted in o200k_base tokens (the project's tokenizer) as compact JSON:
a tool's structured result (or its text, for errors), and `tools/list` as name + description +
inputSchema + outputSchema of every tool. The scripted session is a coding agent's: a task, tool
calls with multi-KB outputs, a failed branch, a merge, a budgeted compile, a compression whose
summary the agent writes, approve, undo, gc and replay, all over stdio through the MCP SDK's client
(protocol 2026-07-28, so no sampling: the agent-written path). The script reads results through
`pick()` so that the same calls run on older and newer result shapes.

Start-up is the time from spawn to the `initialize` reply, tract-mcp beside the reference memory
server (`sh bench/install_peers.sh` installs it), in the same run, interleaved; and from spawn to the
reply to the first `tools/list`, sent as soon as `initialize` is answered. tract-mcp answers
`initialize` while the MCP SDK is still loading (server/handshake.py), so the first figure is when
a client sees the server up, the second when the server can serve.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402
from mcp import Client, StdioServerParameters  # noqa: E402

from tract_core.tokens import load_encoding  # noqa: E402

MEMORY_JS = Path(__file__).with_name("node_modules") / "@modelcontextprotocol" / "server-memory" / "dist" / "index.js"
# the same script on main before issue 11 (19a23fa), default session: see bench/RESULTS.md
BASELINE_SESSION_TOKENS = 141_150
SESSION_TOOLS = "core,compression,admin"  # the toolsets whose tools the scripted session calls
TARGETS = {"tools_default": 3000, "tools_all": 8000, "commit": 40, "log20": 1200, "compile_over": 200,
           "compress_over": 300, "approve": 150, "error": 80, "startup": 0.8, "session_share": 0.25}

_enc = None


def tokens(value: Any) -> int:
    global _enc
    if _enc is None:
        _enc = load_encoding("o200k_base")
    text = value if isinstance(value, str) else compact(value)
    return len(_enc.encode(text, disallowed_special=()))


def compact(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def pick(result: dict, *paths: str) -> Any:
    """The first of `paths` ('a.b') present in `result` (old and new result shapes)."""
    for path in paths:
        value: Any = result
        for key in path.split("."):
            value = value.get(key) if isinstance(value, dict) else None
        if value is not None:
            return value
    raise KeyError(f"none of {paths} in {compact(result)[:300]}")


def tract_command(db: str, *extra: str) -> tuple[str, list[str]]:
    exe = shutil.which("tract-mcp", path=str(Path(sys.executable).parent))
    if exe:
        return exe, ["--db", db, *extra]
    return sys.executable, ["-m", "server", "--db", db, *extra]


def tools_list_tokens(tools: list) -> int:
    return tokens([{"name": t.name, "description": t.description, "inputSchema": t.input_schema,
                    "outputSchema": t.output_schema} for t in tools])


# --- the scripted coding session ---
FILE = ("def parse(tokens):\n    out = []\n    for i in range(len(tokens) - 1):\n        out.append(tokens[i])"
        "\n    return out\n")


class Session:
    """A client that records every result it reads and what it cost."""

    def __init__(self, client: Client) -> None:
        self.client = client
        self.reads: list[tuple[str, int, dict | str]] = []
        self.errors: list[tuple[str, int, str]] = []

    async def call(self, tool: str, **args: Any) -> dict:
        result = await self.client.call_tool(tool, args)
        if result.is_error:
            text = " ".join(getattr(c, "text", "") for c in result.content)
            raise RuntimeError(f"{tool} failed: {text}")
        body = result.structured_content
        if body is None:
            body = {"text": " ".join(getattr(c, "text", "") for c in result.content)}
        self.reads.append((tool, tokens(body), body))
        return body

    async def error(self, tool: str, **args: Any) -> str:
        """A call the agent gets wrong: its error message is read back too."""
        result = await self.client.call_tool(tool, args)
        text = " ".join(getattr(c, "text", "") for c in result.content)
        assert result.is_error, f"{tool}({args}) should have failed"
        n = tokens(text)
        self.errors.append((tool, n, text))
        self.reads.append((tool + " (error)", n, text))
        return text

    async def commit(self, content: dict) -> str:
        return pick(await self.call("commit", content=content), "hash")

    def total(self, tool: str | None = None) -> int:
        return sum(n for t, n, _ in self.reads if tool is None or t == tool)


def tool_output(step: int, turns: common.Turns) -> str:
    """Every third result is a multi-KB file read or test run; the others are short."""
    if step % 3 == 0:
        lines = [f"tests/test_parser.py::test_case_{step}_{k} {'FAILED' if k % 7 == 0 else 'PASSED'}"
                 for k in range(40)]
        return "\n".join(lines) + "\n" + FILE * 8 + turns.text(f"[trace {step}]", 600, 900)
    return turns.text(f"[output {step}]", 200, 500)


async def step(s: Session, i: int, turns: common.Turns, tool: str = "run", error: bool = False) -> list[str]:
    hashes = [await s.commit({"content_type": "reasoning", "text": turns.text(f"[think {i}]", 80, 140)})]
    call_id = f"call_{i}"
    hashes.append(await s.commit({"content_type": "tool_io", "tool_name": tool, "call_id": call_id,
                                  "direction": "call", "arguments": {"cmd": turns.text(f"q{i}", 40, 80)}}))
    hashes.append(await s.commit({"content_type": "tool_io", "tool_name": tool, "call_id": call_id,
                                  "direction": "result", "result": tool_output(i, turns), "is_error": error}))
    hashes.append(await s.commit({"content_type": "dialogue", "role": "assistant",
                                  "text": turns.text(f"[note {i}]", 60, 160)}))
    return hashes


async def coding_session(s: Session, steps: int) -> dict[str, Any]:
    turns = common.Turns(seed=11)
    seen: dict[str, Any] = {}
    await s.commit({"content_type": "instruction", "text": "You are a coding agent. Work in small steps, "
                    "run the tests after each change, and explain what you changed."})
    await s.commit({"content_type": "dialogue", "role": "user",
                    "text": "tests/test_parser.py fails since the last release: parse() drops the last token. "
                            "Find out why and fix it without breaking the other callers."})
    history: list[str] = []
    for i in range(steps):
        history += await step(s, i, turns, tool="read_file" if i % 2 else "run_tests")
        if i % 10 == 9:
            await s.call("status")
            seen["log"] = await s.call("log")
    # a dead end on a branch, abandoned
    await s.call("branch", name="try-regex", switch=True)
    for i in range(steps, steps + 2):
        await step(s, i, turns, tool="run_tests", error=True)
    await s.call("switch", name="main")
    # the fix, on a branch, merged
    await s.call("branch", name="fix", switch=True)
    for i in range(steps + 2, steps + 4):
        await step(s, i, turns, tool="edit_file")
    await s.call("switch", name="main")
    await s.call("merge", branch="fix")
    await s.commit({"content_type": "dialogue", "role": "user", "text": "Any news?"})
    seen["log"] = await s.call("log")
    await s.call("show", hash=history[-1])
    # the agent's slips, each read back
    await s.error("show", hash="0000000000ff")
    await s.error("switch", name="no-such-branch")
    await s.error("merge", branch="try-regx")
    await s.error("commit", content={"content_type": "dialogue", "role": "robot", "text": "x"})
    await s.error("compile", budgett=100)
    # a budgeted compile, then the old half of the history compressed with the agent's own summary
    seen["compile"] = await s.call("compile", budget=2000)
    made = await s.call("compress", from_commit=history[0], to_commit=history[len(history) // 2 - 1])
    seen["compress"] = made
    prompts = pick(made, "pending.prompts", "prompts")
    summaries = [f"The agent ran the parser tests and read parser.py {k}: parse() iterates to len(tokens) - 1, "
                 "so the last token is dropped; tests test_case_0_0, _7, _14, _21, _28 and _35 fail. "
                 "Callers in cli.py and fmt.py rely on the full list." for k in range(len(prompts))]
    applied = await s.call("approve", id=pick(made, "pending.id", "id"), summary=summaries)
    seen["approve"] = applied
    await s.call("status")
    await s.call("undo_compression", event_id=pick(applied, "event_id"))
    await s.call("gc")
    recorded = await s.call("compile", budget=2000, record=True)
    await s.call("replay", record_id=pick(recorded, "record_id"))
    return seen


async def run_session(db: str, steps: int) -> tuple[Session, dict[str, Any], int]:
    """The session needs undo_compression and replay (group `compression`) and gc (`admin`) beside the
    default tools: it runs with `--tools SESSION_TOOLS`, as an agent configured for this work would
    (before toolsets, the only toolset: every tool). The later groups (policies, agents) it never
    calls are counted in the `--tools all` line, not in the session."""
    command, args = tract_command(db, "--tools", SESSION_TOOLS)
    if subprocess.run([command, *args, "--help"], capture_output=True).returncode:
        command, args = tract_command(db)
    async with Client(StdioServerParameters(command=command, args=args), read_timeout_seconds=120) as client:
        listed = tools_list_tokens((await client.list_tools()).tools)
        s = Session(client)
        seen = await coding_session(s, steps)
    return s, seen, listed


async def toolset_tokens(db: str, toolset: str) -> tuple[int, int] | None:
    """(tools, tokens) of tools/list with `--tools toolset`; None when the server has no such flag."""
    command, args = tract_command(db, "--tools", toolset)
    try:
        async with Client(StdioServerParameters(command=command, args=args), read_timeout_seconds=30) as client:
            tools = (await client.list_tools()).tools
    except Exception:
        return None
    return len(tools), tools_list_tokens(tools)


# --- start-up ---
INITIALIZE = compact({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
    "protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "bench", "version": "1"}}}) + "\n"


TOOLS_LIST = (compact({"jsonrpc": "2.0", "method": "notifications/initialized"}) + "\n"
              + compact({"jsonrpc": "2.0", "id": 2, "method": "tools/list"}) + "\n")


def time_to_initialize(command: str, args: list[str], env: dict[str, str]) -> tuple[float, float, float]:
    """(wall seconds, CPU seconds of the server) from spawn to the `initialize` reply, and wall
    seconds from spawn to the first `tools/list` reply (the client sends it on reading the first).
    The CPU time (from /proc; NaN elsewhere) tells the server's own cost from the wait for a core on
    a busy machine. tract-mcp answers `initialize` while it loads (server/handshake.py): the second
    figure is when it can serve."""
    t0 = time.perf_counter()
    proc = subprocess.Popen([command, *args], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, env=env)
    try:
        proc.stdin.write(INITIALIZE.encode())
        proc.stdin.flush()
        line = proc.stdout.readline()
        elapsed = time.perf_counter() - t0
        cpu = cpu_seconds(proc.pid)
        if b'"result"' not in line:
            raise RuntimeError(f"{command}: no initialize reply: {line[:200]!r}")
        proc.stdin.write(TOOLS_LIST.encode())
        proc.stdin.flush()
        line = proc.stdout.readline()
        listed = time.perf_counter() - t0
        if b'"tools"' not in line:
            raise RuntimeError(f"{command}: no tools/list reply: {line[:200]!r}")
        return elapsed, cpu, listed
    finally:
        proc.kill()
        proc.wait()


def cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return float("nan")


def startup(work: Path, spawns: int) -> dict[str, list[tuple[float, float, float]]]:
    db = str(work / "startup.db")
    times: dict[str, list[tuple[float, float, float]]] = {"tract-mcp": []}
    node = shutil.which("node")
    memory = node and MEMORY_JS.exists()
    if memory:
        times["server-memory"] = []
    command, args = tract_command(db)
    time_to_initialize(command, args, dict(os.environ))  # creates the store: not what is measured
    for _ in range(spawns):
        times["tract-mcp"].append(time_to_initialize(command, args, dict(os.environ)))
        if memory:
            env = {**os.environ, "MEMORY_FILE_PATH": str(work / "memory.jsonl")}
            times["server-memory"].append(time_to_initialize(node, [str(MEMORY_JS)], env))
    return times


# --- report ---
def verdict(value: float, target: float) -> str:
    return "met" if value <= target else "MISSED"


def main(argv: list[str] | None = None, out=print) -> dict[str, Any]:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="a 20-step session, 3 spawns")
    ap.add_argument("--steps", type=int, help="tool-call steps in the session (default 50)")
    ap.add_argument("--spawns", type=int, help="start-ups timed per server (default 5)")
    ap.add_argument("--no-startup", action="store_true", help="skip the start-up timing")
    args = ap.parse_args(argv)
    steps = args.steps or (20 if args.quick else 50)
    spawns = args.spawns or (3 if args.quick else 5)
    out(f"# Agent economy ({common.machine()})")
    work = common.scratch_dir("economy")
    figures: dict[str, Any] = {}
    try:
        s, seen, listed = asyncio.run(run_session(str(work / "session.db"), steps))
        sets = {name: asyncio.run(toolset_tokens(str(work / "sets.db"), name)) for name in ("core", "all")}
        times = {} if args.no_startup else startup(work, spawns)
    finally:
        common.remove(work)

    per_tool: dict[str, list[int]] = {}
    for tool, n, _ in s.reads:
        per_tool.setdefault(tool, []).append(n)
    out("")
    out(common.table(["tool", "calls", "tokens read", "max per call"],
                     [[t, len(v), f"{sum(v):,}", f"{max(v):,}"] for t, v in sorted(per_tool.items())]))
    session_total = s.total() + listed
    figures.update(session=session_total, tools_listed=listed)
    out("")
    out(f"session: {steps} steps, {len(s.reads)} calls; tokens read back (results + tools/list once): "
        f"{session_total:,} (results {s.total():,}, tools/list {listed:,})")
    if sets["all"]:
        out(f"  (--tools {SESSION_TOOLS}; with --tools all, which adds groups the session never calls, "
            f"tools/list would cost {sets['all'][1]:,} and the session {s.total() + sets['all'][1]:,})")

    rows = []
    default_tools = sets["core"][1] if sets["core"] else listed
    all_tools = sets["all"][1] if sets["all"] else listed
    rows.append(["tools/list, default toolset", f"{default_tools:,}", f"<= {TARGETS['tools_default']:,}",
                 verdict(default_tools, TARGETS["tools_default"])])
    rows.append(["tools/list, all toolsets", f"{all_tools:,}", f"<= {TARGETS['tools_all']:,}",
                 verdict(all_tools, TARGETS["tools_all"])])
    commit_max = max(per_tool.get("commit", [0]))
    rows.append(["commit result (max)", commit_max, f"<= {TARGETS['commit']}", verdict(commit_max, TARGETS["commit"])])
    log = seen["log"]
    entries = len(pick(log, "commits", "entries")) if isinstance(log.get("commits", log.get("entries")), list) else 20
    log_n = tokens(log)
    rows.append([f"log, default ({entries} entries)", f"{log_n:,}", f"<= {TARGETS['log20']:,}",
                 verdict(log_n, TARGETS["log20"])])
    comp = seen["compile"]
    context = tokens({k: comp[k] for k in ("system", "messages") if k in comp})
    over = tokens(comp) - context
    rows.append([f"compile budget=2000: result - context ({context:,})", over, f"<= {TARGETS['compile_over']}",
                 verdict(over, TARGETS["compile_over"])])
    made = seen["compress"]
    prompts = pick(made, "pending.prompts", "prompts")
    text = tokens(prompts)  # the text to summarize as the result carries it (a JSON list of strings)
    over = tokens(made) - text
    rows.append([f"compress, agent-written: result - text ({text:,}; {sum(map(tokens, prompts)):,} unescaped)",
                 f"{over:,}",
                 f"<= {TARGETS['compress_over']}", verdict(over, TARGETS["compress_over"])])
    approve_n = tokens(seen["approve"])
    rows.append(["approve result", f"{approve_n:,}", f"<= {TARGETS['approve']}", verdict(approve_n, TARGETS["approve"])])
    worst = max(s.errors, key=lambda e: e[1])
    rows.append([f"errors (max of {len(s.errors)}: {worst[0]})", worst[1], f"<= {TARGETS['error']}",
                 verdict(worst[1], TARGETS["error"])])
    figures.update(tools_default=default_tools, tools_all=all_tools, commit=commit_max, log=log_n,
                   approve=approve_n, error=worst[1])
    if times:
        wall = {k: common.median([w for w, _, _ in v]) for k, v in times.items()}
        cpu = {k: common.median([c for _, c, _ in v]) for k, v in times.items()}
        listed_at = {k: common.median([t for _, _, t in v]) for k, v in times.items()}
        figures["startup"], figures["startup_cpu"] = wall["tract-mcp"], cpu["tract-mcp"]
        figures["startup_tools_list"] = listed_at["tract-mcp"]
        peer = (f" (server-memory {wall['server-memory']:.2f} s, CPU {cpu['server-memory']:.2f} s)"
                if "server-memory" in wall else " (server-memory not installed: sh bench/install_peers.sh)")
        rows.append([f"start-up to initialize, median of {spawns}{peer}",
                     f"{wall['tract-mcp']:.2f} s (CPU {cpu['tract-mcp']:.2f} s)", f"<= {TARGETS['startup']} s",
                     verdict(wall["tract-mcp"], TARGETS["startup"])])
        peer = (f" (server-memory {listed_at['server-memory']:.2f} s)" if "server-memory" in listed_at else "")
        rows.append([f"start-up to the first tools/list reply{peer}", f"{listed_at['tract-mcp']:.2f} s", "", ""])
    if BASELINE_SESSION_TOKENS and steps == 50:
        share = session_total / BASELINE_SESSION_TOKENS
        figures["share"] = share
        rows.append([f"session vs baseline ({BASELINE_SESSION_TOKENS:,})", f"{share:.1%}",
                     f"<= {TARGETS['session_share']:.0%}", verdict(share, TARGETS["session_share"])])
    out("")
    out(common.table(["measure (o200k_base tokens, compact JSON)", "figure", "target", ""], rows))
    out("")
    out("worst error read back: " + worst[2])
    return figures


if __name__ == "__main__":
    main()
