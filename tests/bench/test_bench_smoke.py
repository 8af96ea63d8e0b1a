"""The benchmark scripts still run: bench/compile.py at a tiny history prints its table.

Timings are not asserted (speed targets live in bench/, never in timed tests)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench"


def _load(name: str):
    spec = importlib.util.spec_from_file_location(f"bench_{name}", BENCH / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_compile_benchmark_prints_its_table():
    printed: list[str] = []
    rows = _load("compile").main(["--n", "120", "--runs", "1", "--rounds", "10"], out=printed.append)
    text = "\n".join(printed)
    assert "| engine | history" in text and "ratio (sqlite): cold / incremental compile" in text
    measures = {(r[1], r[3]) for r in rows}
    assert {("appends only", "cold"), ("appends only", "incremental"),
            ("appends + edits + annotations", "after edit")} <= measures


def test_compile_fidelity_benchmark_prints_its_table():
    printed: list[str] = []
    stats = _load("compile_fidelity").main(["--quick"], out=printed.append)
    text = "\n".join(printed)
    assert "| measure" in text and "budget 80%: budget used (median, min)" in text
    assert stats["same"] == stats["messages"] > 0 and stats["agree"] == stats["trajectories"]
    for level in stats["levels"].values():  # validity is a rule, not a timing: it holds on any machine
        ok = level["compiles"] - level["budget_error"]
        assert level["anthropic"] == level["openai"] == ok and level["over"] == 0
