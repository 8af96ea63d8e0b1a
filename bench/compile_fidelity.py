"""Compile fidelity on the test corpus (tests/corpus): does compile give back exactly what the
agent saw, and is every budgeted compile a request both APIs accept?

    python bench/compile_fidelity.py            # every trajectory, budgets at every 5th turn
    python bench/compile_fidelity.py --quick    # 4 trajectories

Each trajectory is committed turn by turn with the library's shorthands (compiling after each
turn, as an agent loop does), with the default tiktoken counter. Then:
- round trip: `to_openai()` equals the input message for message (arguments as parsed JSON);
- fresh == incremental == from a snapshot: the same context three ways;
- budgets of 20/40/60/80% of the full size, compiled at the end of every 5th message (a prefix of
  the trajectory): how many raise BudgetError, how many of the others are valid for the Messages
  API and for Chat Completions (the SDKs' types plus the ordering rules), and how much of the
  budget they use (token_count / budget).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import common  # noqa: E402
from tests.api_rules import anthropic_problems, openai_problems  # noqa: E402
from tests.corpus.trajectories import api_fields, commit_message, load, names  # noqa: E402
from tract_core import BudgetError, Tract  # noqa: E402
from tract_core.operations import compiler as compiler_module  # noqa: E402
from tract_core.operations.compiler import Compiler  # noqa: E402

SHARES = (0.2, 0.4, 0.6, 0.8)
TARGETS = {"round trip": 1.0, "valid": 1.0, "used": 0.9, "agree": 1.0}


def _cold(t: Tract, head: str, snapshots: bool):
    with t.store.read() as tx:
        return Compiler(t.repo, snapshots=snapshots).compile(tx, head)


def measure(name: str, stats: dict) -> None:
    messages = load(name)
    t = Tract.open(":memory:", "fidelity")
    heads: list[str] = []
    for message in messages:
        commit_message(t, message)
        t.compile()
        heads.append(t.status().head)
    ctx = t.compile()
    got = [api_fields(m) for m in ctx.to_openai()]
    want = [api_fields(m) for m in messages]
    stats["messages"] += len(want)
    stats["same"] += sum(a == b for a, b in zip(got, want)) if len(got) == len(want) else 0
    stats["dropped"] += len(ctx.dropped)
    stats["trajectories"] += 1
    stats["agree"] += ctx == _cold(t, ctx.head, snapshots=False) == _cold(t, ctx.head, snapshots=True)
    for head in heads[4::5] + ([heads[-1]] if len(heads) % 5 else []):
        full = t.compile(at_commit=head).token_count
        for share in SHARES:
            level = stats["levels"].setdefault(share, {"compiles": 0, "budget_error": 0, "anthropic": 0,
                                                       "openai": 0, "used": [], "over": 0})
            budget = int(full * share)
            level["compiles"] += 1
            try:
                small = t.compile(at_commit=head, budget=budget)
            except BudgetError:
                level["budget_error"] += 1
                continue
            level["anthropic"] += not anthropic_problems(small.to_anthropic())
            level["openai"] += not openai_problems(small.to_openai())
            level["used"].append(small.token_count / budget)
            level["over"] += small.token_count > budget
    t.close()


def main(argv: list[str] | None = None, out=print) -> dict:
    args = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    args.add_argument("--quick", action="store_true")
    opts = args.parse_args(argv)
    chosen = names()[:: 4] if opts.quick else names()
    stats: dict = {"messages": 0, "same": 0, "dropped": 0, "trajectories": 0, "agree": 0, "levels": {}}
    saved = compiler_module.SNAPSHOT_EVERY
    compiler_module.SNAPSHOT_EVERY = 8  # so the snapshot path is exercised on these short histories
    try:
        for name in chosen:
            measure(name, stats)
    finally:
        compiler_module.SNAPSHOT_EVERY = saved
    out(f"corpus: {stats['trajectories']} trajectories, {stats['messages']} messages")
    rows = [["round trip: to_openai() == input (messages)", f"{stats['same'] / stats['messages']:.1%}", "100%"],
            ["commits dropped that the input did not drop", stats["dropped"], "0"],
            ["fresh == incremental == snapshot compile (trajectories)",
             f"{stats['agree'] / stats['trajectories']:.1%}", "100%"]]
    for share, level in sorted(stats["levels"].items()):
        ok = level["compiles"] - level["budget_error"]
        rows.append([f"budget {share:.0%}: BudgetError", f"{level['budget_error']} of {level['compiles']}", "-"])
        rows.append([f"budget {share:.0%}: valid Anthropic / OpenAI",
                     f"{level['anthropic'] / ok:.1%} / {level['openai'] / ok:.1%}" if ok else "n/a", "100% / 100%"])
        rows.append([f"budget {share:.0%}: budget used (median, min)",
                     f"{common.median(level['used']):.1%}, {min(level['used'], default=0):.1%}", ">= 90% median"])
        rows.append([f"budget {share:.0%}: over budget", level["over"], "0"])
    out(common.table(["measure", "measured", "target"], rows))
    return stats


if __name__ == "__main__":
    main()
