"""Policies over MCP (the `policy` tool) and from the shell (`tract policy`)."""

from __future__ import annotations

import pytest
from mcp import Client
from server_helpers import call, fails, user

from server.cli import main
from tract_core import Tract


@pytest.mark.anyio
async def test_the_policy_tool_sets_lists_and_removes_and_the_tract_acts_on_it(server):
    async with Client(server) as c:
        assert (await call(c, "policy"))["policies"] == []
        made = await call(c, "policy", action="set", kind="pin", options={"pattern": "(?i)api key"})
        assert made["policies"][0]["kind"] == "pin"
        await call(c, "commit", content=user("hello"))
        pinned = await call(c, "commit", content=user("The API key lives in Vault."))
        assert (await call(c, "show", hash=pinned["hash"]))["priority"] == "pinned"
        listed = (await call(c, "policy", action="list"))["policies"]
        assert [h[:12] for h in listed[0]["pinned"]] == [pinned["hash"]]
        await call(c, "policy", action="set", kind="budget", options={"max_tokens": 6})
        assert (await call(c, "compile"))["tokens"] == 6
        await call(c, "policy", action="remove", kind="budget")
        assert [p["kind"] for p in (await call(c, "policy"))["policies"]] == ["pin"]
        assert "trigger" in await fails(c, "policy", action="set", kind="auto_compress",
                                        options={"target_tokens": 10})
        assert "needs kind" in await fails(c, "policy", action="remove")
        assert "kind" in await fails(c, "policy", action="set", kind="forget")


def run(capsys, *argv: str) -> str:
    main(list(argv))
    return capsys.readouterr().out


def test_tract_policy_sets_lists_and_removes(sqlite_url, capsys):
    Tract.open(sqlite_url).close()
    out = run(capsys, "--db", sqlite_url, "policy", "set", "auto_compress", "trigger_tokens=1000",
              "target_tokens=400", "mode=autonomous")
    assert "auto_compress: trigger_tokens=1000, target_tokens=400, mode=autonomous" in out
    run(capsys, "--db", sqlite_url, "policy", "set", "clear_tool_results", 'exclude_tools=["search"]')
    out = run(capsys, "--db", sqlite_url, "policy")
    assert "clear_tool_results: keep_last=3, min_tokens=500, exclude_tools=['search']" in out
    out = run(capsys, "--db", sqlite_url, "policy", "remove", "auto_compress")
    assert "auto_compress" not in out
    with pytest.raises(SystemExit):
        run(capsys, "--db", sqlite_url, "policy", "set", "budget", "max_tokens=-1")
    assert "max_tokens" in capsys.readouterr().err


def test_tract_approve_force_applies_a_summary_that_drops_must_keep_facts(sqlite_url, capsys):
    with Tract.open(sqlite_url) as t:
        t.system("Be terse.")
        key = t.user("The door code is K-7731.")
        t.annotate(key.hash, "important", must_keep=["K-7731"])
        t.user("Thanks.")
        pending = t.compress(to_commit=key.hash, deferred=True)
    with pytest.raises(SystemExit):
        run(capsys, "--db", sqlite_url, "approve", pending.id, "--summary", "A door code was given.")
    assert "K-7731" in capsys.readouterr().err
    out = run(capsys, "--db", sqlite_url, "approve", pending.id, "--summary", "A door code was given.",
              "--force")
    assert out.startswith("approved")
    with Tract.open(sqlite_url) as t:
        assert t.operations(limit=1)[0].parameters["must_keep_lost"] == ["K-7731"]
