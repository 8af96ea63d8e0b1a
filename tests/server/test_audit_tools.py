"""Over MCP and the CLI, the audit trail names the actor (the MCP client's name, or who decided) and the
trace id a client sends in a request's `_meta` (`trace_id`, or W3C `traceparent`); compressions decided
with the `approve`/`reject` tools or `tract approve`/`reject` are recorded in the approvals queue."""

from __future__ import annotations

import pytest
from mcp import Client
from mcp.types import Implementation
from server_helpers import call

from server.app import build_server
from server.cli import main
from tract_core import Session, Tract

TURN = {"content_type": "dialogue", "role": "user", "text": "deploy api-v2"}


def session_with(pool) -> Session:
    s = Session.on(pool.store, "team")
    t = s.tract("lead")
    t.system("You coordinate.")
    t.user("plan the release")
    t.assistant("planned")
    return s


@pytest.mark.anyio
@pytest.mark.parametrize("mode", ["auto", "legacy"])
async def test_events_name_the_client_and_the_trace_id_of_the_request(pool, mode):
    s = session_with(pool)
    server = build_server(pool, tools="core,admin,agents")
    async with Client(server, mode=mode, client_info=Implementation(name="planner-ui", version="1")) as c:
        made = await c.call_tool("commit", {"tract": "lead", "content": TURN}, meta={"trace_id": "req-7"})
        assert not made.is_error, made.content[0].text
        await c.call_tool("commit", {"tract": "lead", "turns": [TURN, TURN]}, meta={"trace_id": "req-8"})
        await c.call_tool("branch", {"tract": "lead", "name": "alt"},
                          meta={"traceparent": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"})
        pending = await call(c, "compress", tract="lead", mode="collaborative", content="They planned it.",
                             from_commit=Tract(pool.store, "lead").log()[-2].hash)
        await call(c, "approve", tract="lead", id=pending["id"])
        lines = (await call(c, "operations", tract="lead", kind="commit"))["lines"]
        assert [line.split(" commits")[1] for line in lines] == [
            " by planner-ui trace=req-8", " by planner-ui trace=req-7", "", "", ""]
        assert ": 0 → 2 commits" in lines[0]   # a batch of turns: one event
        audit = (await call(c, "audit", session_id="team", kind="all", limit=50))["events"]
    commit = next(e for e in s.audit(kind="commit") if e.trace_id == "req-7")
    assert (commit.actor, commit.tract, commit.session_id) == ("planner-ui", "lead", "team")
    branch = s.audit(kind="branch_created")[0]
    assert (branch.actor, branch.trace_id) == ("planner-ui", "4bf92f3577b34da6a3ce929d0e0e4736")
    decided = s.approvals(status="approved")
    assert [(a.id[:len(pending["id"])], a.kind, a.decided_by) for a in decided] == [
        (pending["id"], "compression", "planner-ui")]
    assert {e["kind"] for e in audit} >= {"commit", "branch_created", "compress", "approve"}
    assert all(e["actor"] == "planner-ui" for e in audit if e["kind"] != "commit" or e.get("trace_id"))


def test_the_cli_records_who_decided_a_compression(sqlite_url, capsys, monkeypatch):
    monkeypatch.setenv("LOGNAME", "ops-person")
    with Session.open(sqlite_url, "team") as s:
        t = s.tract("lead")
        t.system("You coordinate.")
        t.user("plan the release")
        t.assistant("planned")
        first = t.compress(from_commit=t.log()[1].hash, content="They planned it.")
        second = t.compress(from_commit=t.log()[0].hash, content="Planned.")
    db = ["--db", sqlite_url, "--tract", "lead"]
    main([*db, "approve", first.id, "--by", "alice"])
    main([*db, "reject", second.id, "--reason", "too soon"])
    capsys.readouterr()
    with Session.open(sqlite_url, "team") as s:
        decided = {a.id: (a.status, a.decided_by, a.reason) for a in s.approvals(status=None)}
    assert decided == {first.id: ("approved", "alice", None), second.id: ("rejected", "ops-person", "too soon")}
    main(["--db", sqlite_url, "audit", "team", "--kind", "commit"])
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 3 and all(" commit " in line for line in lines)
