"""Policies over a long agent loop: auto_compress (autonomous and collaborative) and
clear_tool_results, with the done-when checks of issue 12.

- autonomous auto_compress: N agent turns (user, tool call, tool result, assistant); the compiled
  context must never be above the trigger, and every tool pair must stay valid.
- collaborative auto_compress: whenever the context is above the trigger there is exactly one
  pending proposal; a reviewer approves one every 50 turns.
- clear_tool_results: a coding session whose file reads are large; compiled tokens must fall by at
  least half while `show` still returns every cleared result.

Token counts use a word counter (the policies' logic does not depend on the tokenizer); the
summarizer is a local function (no network). Prints each figure beside its target.

    python bench/policies.py            # N = 2,000 turns
    python bench/policies.py --n 300    # quicker
"""

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tract_core import Tract  # noqa: E402

TRIGGER, TARGET = 2_000, 1_000


class Words:
    def count(self, text: str) -> int:
        return len(text.split())


def summary(system: str, prompt: str) -> str:
    return "Earlier turns looked up items one by one and reported each as ready."


def pairs_valid(ctx) -> bool:
    messages = ctx.to_anthropic()["messages"]
    for i, m in enumerate(messages):
        uses = {b["id"] for b in m["content"] if b["type"] == "tool_use"}
        nxt = messages[i + 1]["content"] if i + 1 < len(messages) else []
        if uses and uses != {b["tool_use_id"] for b in nxt if b["type"] == "tool_result"}:
            return False
        results = {b["tool_use_id"] for b in m["content"] if b["type"] == "tool_result"}
        prev = messages[i - 1]["content"] if i else []
        if results and not results <= {b["id"] for b in prev if b["type"] == "tool_use"}:
            return False
    return True


def turn(t: Tract, i: int) -> None:
    t.user(f"Step {i}: look up item {i} in the catalogue and tell me whether it is ready to ship.")
    t.tool_call("lookup", {"item": i}, f"call-{i}")
    t.tool_result(f"call-{i}", f"item {i}: in stock, 3 units, shelf B{i % 40}, last audit passed " * 3,
                  name="lookup")
    t.assistant(f"Item {i} is in stock (3 units, shelf B{i % 40}) and ready to ship.")


def autonomous(n: int, out) -> bool:
    t = Tract.open(":memory:", counter=Words(), summarizer=summary)
    t.system("You check catalogue items.")
    t.set_policy("auto_compress", trigger_tokens=TRIGGER, target_tokens=TARGET, mode="autonomous")
    worst, valid, started = 0, True, time.perf_counter()
    for i in range(n):
        turn(t, i)
        ctx = t.compile()
        worst = max(worst, ctx.token_count)
        valid = valid and pairs_valid(ctx)
    compressions = sum(e.kind == "compress" for e in t.operations())
    ok = worst <= TRIGGER and valid
    out(f"autonomous    {n} turns: max compiled {worst} tokens (target <= trigger {TRIGGER}), "
        f"pairs valid {valid}, {compressions} compressions, {time.perf_counter() - started:.1f}s "
        f"-> {'OK' if ok else 'FAIL'}")
    return ok


def collaborative(n: int, out) -> bool:
    t = Tract.open(":memory:", counter=Words(), summarizer=summary)
    t.system("You check catalogue items.")
    t.set_policy("auto_compress", trigger_tokens=TRIGGER, target_tokens=TARGET)
    bad_steps, valid, above, started = 0, True, 0, time.perf_counter()
    for i in range(n):
        turn(t, i)
        ctx = t.compile()
        pending = t.pending_compressions()
        valid = valid and pairs_valid(ctx)
        if ctx.token_count > TRIGGER:
            above += 1
            bad_steps += len(pending) != 1
        elif len(pending) > 1:
            bad_steps += 1
        if i % 50 == 49 and pending:
            pending[0].approve()
    ok = bad_steps == 0 and valid
    out(f"collaborative {n} turns: {above} turns above the trigger, {bad_steps} of them without exactly "
        f"one pending proposal (target 0), pairs valid {valid}, {time.perf_counter() - started:.1f}s "
        f"-> {'OK' if ok else 'FAIL'}")
    return ok


def clearing(out) -> bool:
    t = Tract.open(":memory:", counter=Words())
    t.system("You fix bugs in the parser.")
    for i in range(30):
        t.user(f"Read module {i} and find the bug.")
        t.tool_call("read_file", {"path": f"src/parser/mod{i}.py"}, f"r{i}")
        t.tool_result(f"r{i}", f"# src/parser/mod{i}.py\n" + "def parse(tokens):\n    return tokens[1:]\n" * 80,
                      name="read_file")
        t.assistant(f"mod{i}.py drops the first token; the slice should start at 0.")
    before = t.compile().token_count
    t.set_policy("clear_tool_results", keep_last=3, min_tokens=200)
    ctx = t.compile()
    shown = all(t.show(h).content.result.startswith("# src/parser/") for h in ctx.cleared)
    ok = ctx.token_count <= before / 2 and shown and pairs_valid(ctx)
    out(f"clear_tool_results: {before} -> {ctx.token_count} tokens ({ctx.token_count / before:.0%}, target "
        f"<= 50%), {len(ctx.cleared)} results cleared, show returns each {shown} -> {'OK' if ok else 'FAIL'}")
    return ok


def main(argv: list[str] | None = None, out=print) -> bool:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=2_000, help="agent turns")
    args = ap.parse_args(argv)
    return all([autonomous(args.n, out), collaborative(args.n, out), clearing(out)])


if __name__ == "__main__":
    sys.exit(0 if main() else 1)
