"""The `tract` CLI: readable output over the same library, errors on stderr with exit status 1."""

from __future__ import annotations

import json

import pytest

from server.cli import main
from tract_core import Tract


@pytest.fixture
def db(sqlite_url):
    with Tract.open(sqlite_url) as t:
        t.system("Be terse.")
        q = t.user("Population of Lyon?")
        t.branch("detail", switch=True)
        t.assistant("About 522,000 (2021).")
        t.switch("main")
        t.assistant("About half a million.")
        t.merge("detail", strategy="auto")
    return sqlite_url, q.hash


def run(capsys, *argv: str) -> str:
    main(list(argv))
    return capsys.readouterr().out


def test_log_graph_draws_the_merge(db, capsys):
    path, _ = db
    out = run(capsys, "--db", path, "log", "--graph")
    lines = out.splitlines()
    assert lines[0].startswith("* ") and "Merge branch 'detail' into main" in lines[0]
    assert lines[1] == "|\\"
    assert any(line.startswith("| * ") and "522,000" in line for line in lines)
    assert "|/" in lines
    assert lines[-1].startswith("* ") and "[pinned] instruction: Be terse." in lines[-1]
    assert len(run(capsys, "--db", path, "log", "-n", "2").splitlines()) == 2


def test_show_status_branch_switch_compile(db, capsys):
    path, q = db
    assert json.loads(run(capsys, "--db", path, "show", q[:8]))["content"]["text"] == "Population of Lyon?"
    assert run(capsys, "--db", path, "status").startswith("On branch main\n5 commits")
    assert "created side" in run(capsys, "--db", path, "branch", "side", "--switch")
    assert "* side" in run(capsys, "--db", path, "branch")
    assert run(capsys, "--db", path, "switch", "main") == "switched to main\n"
    text = run(capsys, "--db", path, "compile")
    assert text.startswith("[system] Be terse.\n[user] Population of Lyon?")
    assert json.loads(run(capsys, "--db", path, "compile", "--format", "openai"))[0]["role"] == "system"
    assert json.loads(run(capsys, "--db", path, "compile", "--format", "anthropic"))["system"] == "Be terse."
    with Tract.open(path) as t:
        t.tool_result("nobody", "a result no call asked for")
    assert run(capsys, "--db", path, "compile").endswith("1 commits dropped (1 result_without_call)\n")


def test_an_error_goes_to_stderr_with_status_1(db, capsys):
    path, _ = db
    with pytest.raises(SystemExit) as exit_:
        main(["--db", path, "show", "ffffffff"])
    assert exit_.value.code == 1
    assert "no commit matches" in capsys.readouterr().err


def test_other_tracts_and_the_default_store(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert "0 commits" in run(capsys, "--tract", "agent-7", "status")
    assert (tmp_path / "tract-mcp" / "tract.db").exists()
    with pytest.raises(SystemExit):
        main(["--help"])
    assert str(tmp_path / "tract-mcp" / "tract.db") in capsys.readouterr().out.replace("\n", "")


def test_pending_approve_reject_and_gc(sqlite_url, capsys):
    with Tract.open(sqlite_url) as t:
        a = t.user("Population of Lyon?")
        b = t.assistant("522,250 (2021)")
        first = t.compress(from_commit=a.hash, to_commit=b.hash, deferred=True)
        second = t.compress(from_commit=a.hash, to_commit=b.hash, deferred=True)
    listing = run(capsys, "--db", sqlite_url, "pending")
    assert first.id in listing and "(summary to be written)" in listing and "522,250" in listing
    assert run(capsys, "--db", sqlite_url, "reject", second.id, "--reason", "dup") == f"rejected {second.id}\n"
    out = run(capsys, "--db", sqlite_url, "approve", first.id, "--summary", "Lyon has 522,250 people.")
    assert out.startswith("approved: ") and "undo with event" in out
    assert run(capsys, "--db", sqlite_url, "pending") == "no pending compressions\n"
    assert run(capsys, "--db", sqlite_url, "gc", "--orphan-days", "0").startswith("removed ")
    assert "[Summary of earlier context]" in run(capsys, "--db", sqlite_url, "compile")


@pytest.mark.anyio
@pytest.mark.slow
async def test_tract_serve_runs_the_mcp_server_on_the_same_store(db):
    import sys
    from pathlib import Path

    from mcp import Client, StdioServerParameters

    path, q = db
    tract = str(Path(sys.executable).parent / "tract")
    async with Client(StdioServerParameters(command=tract, args=["--db", path, "serve"])) as c:
        shown = await c.call_tool("show", {"hash": q})
        assert shown.structured_content["content"]["text"] == "Population of Lyon?"


def test_the_store_timeout_is_an_option_and_checked(sqlite_url, capsys):
    main(["--store-timeout", "2", "--db", sqlite_url, "status"])
    assert "On branch main" in capsys.readouterr().out
    with pytest.raises(SystemExit) as done:
        main(["--db", sqlite_url, "--store-timeout", "0", "status"])
    assert done.value.code == 1
    assert "timeout must be a number of seconds" in capsys.readouterr().err
