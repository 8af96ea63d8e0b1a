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


def test_agent_economy_prints_every_target_beside_its_figure():
    printed: list[str] = []
    figures = _load("agent_economy").main(["--steps", "6", "--no-startup"], out=printed.append)
    text = "\n".join(printed)
    for measure in ("tools/list, default toolset", "tools/list, all toolsets", "commit result", "log, default",
                    "compile budget=2000", "compress, agent-written", "approve result", "errors (max of 5"):
        assert measure in text, measure
    assert figures["commit"] > 0 and figures["tools_default"] > 0


def test_fact_check_benchmark_meets_its_targets_and_prints_its_misses():
    printed: list[str] = []
    r = _load("fact_check").main([], out=printed.append)
    text = "\n".join(printed)
    assert "recall" in text and "precision" in text and r["lost_answers"] >= 30
    assert r["recall"] >= 0.8 and r["precision"] >= 0.9
    assert len([line for line in printed if line.startswith("miss")]) == len(r["misses"])


def test_policies_benchmark_runs_its_checks():
    printed: list[str] = []
    assert _load("policies").main(["--n", "60"], out=printed.append)
    assert [line.split()[0] for line in printed] == ["autonomous", "collaborative", "clear_tool_results:"]


def test_compile_fidelity_benchmark_prints_its_table():
    printed: list[str] = []
    stats = _load("compile_fidelity").main(["--quick"], out=printed.append)
    text = "\n".join(printed)
    assert "| measure" in text and "budget 80%: budget used (median, min)" in text
    assert stats["same"] == stats["messages"] > 0 and stats["agree"] == stats["trajectories"]
    for level in stats["levels"].values():  # validity is a rule, not a timing: it holds on any machine
        ok = level["compiles"] - level["budget_error"]
        assert level["anthropic"] == level["openai"] == ok and level["over"] == 0


def test_speed_write_benchmark_prints_each_target_beside_the_raw_transaction():
    printed: list[str] = []
    fig = _load("speed_write").main(["--n", "200", "--runs", "1", "--steps", "50", "--no-pg"], out=printed.append)
    text = "\n".join(printed)
    for measure in ("SQLite commit p50 (Tract.user)", "SQLite commit_many(100) per commit",
                    "SQLite bytes per step, 50 steps"):
        assert measure in text, measure
    assert fig["commit"] > 0 and fig["raw"] > 0 and fig["sqlite_bytes_50"] > 0


def test_memory_benchmark_prints_the_resident_size_beside_its_target():
    printed: list[str] = []
    rows = _load("memory").main(["--tracts", "3", "--commits", "40", "--rounds", "1"], out=printed.append)
    text = "\n".join(printed)
    assert "RSS peak (MB)" in text and "target: resident < 500 MB" in text
    assert rows[0][0] == "3 x 40"


def test_agent_loop_prints_the_step_targets_beside_a_raw_sqlite_floor():
    printed: list[str] = []
    _load("agent_loop").main(["--n", "5", "10", "--no-pg", "--no-langgraph", "--runs", "2"], out=printed.append)
    text = "\n".join(printed)
    assert "issue 14 targets (median of 2 runs' p50s)" in text
    assert "runs' p50s, raw SQLite, 10 steps" in text and "runs' p50s, tract (SQLite), 10 steps" in text


def test_audit_events_benchmark_prints_the_event_cost_beside_its_target(capsys):
    rows = _load("audit_events").main(quick=True)
    assert rows[0][0] == "sqlite" and float(rows[0][1]) > 0 and "target ms" in capsys.readouterr().out


def test_store_layout_prints_bytes_per_step_by_table_and_pages_per_commit():
    printed: list[str] = []
    got = _load("store_layout").main(["--n", "5", "10"], out=printed.append)
    text = "\n".join(printed)
    assert "## 10 steps:" in text and "| blobs " in text and "pages one commit writes" in text
    assert set(got) == {5, 10} and got[10]["commits"] > 0


def test_search_benchmark_compares_commits_with_and_without_the_index():
    search = _load("search")
    printed: list[str] = []
    rows = search.main(["--steps", "3", "--no-pg"], out=printed.append)
    assert any(r[1].startswith("commit, median (without index → with)") for r in rows)
    assert any(r[1].startswith("search two common words") for r in rows)
    assert search.hot.INSERT_WORDS is search.INDEXED[0]  # the index is back on after the run
