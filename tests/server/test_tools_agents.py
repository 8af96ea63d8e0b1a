"""The `agents` toolset: off by default; spawn, collapse, tasks, approvals, decide, audit over MCP."""

from __future__ import annotations

import pytest
from mcp import Client
from server_helpers import call, fails

from server.app import build_server
from tract_core import Session

AGENT_TOOLS = {"spawn", "collapse", "post_task", "claim_task", "complete_task", "tasks", "approvals", "decide",
               "audit"}


@pytest.mark.anyio
async def test_the_agents_toolset_is_off_by_default(pool):
    async with Client(build_server(pool)) as c:
        names = {t.name for t in (await c.list_tools()).tools}
    assert not names & AGENT_TOOLS


@pytest.mark.anyio
async def test_a_lead_delegates_over_mcp_and_a_human_decides(pool):
    server = build_server(pool, tools="core,agents")
    sid = Session.on(pool.store, "team").id
    Session.on(pool.store, sid).tract("lead").system("You coordinate.")
    async with Client(server) as c:
        names = {t.name for t in (await c.list_tools()).tools}
        assert AGENT_TOOLS <= names
        spawned = await call(c, "spawn", tract="lead", name="lead/a", purpose="check staging")
        assert spawned == {"tract": "lead/a", "parent": "lead", "commits": 2}
        await call(c, "commit", tract="lead/a",
                   content={"content_type": "dialogue", "role": "assistant", "text": "staging is up"})
        pending = await call(c, "collapse", tract="lead/a", requested_by="agent-a")
        queue = await call(c, "approvals", session_id=sid)
        assert [(a["id"], a["kind"], a["preview"]["text"]) for a in queue["approvals"]] == [
            (pending["approval"], "collapse", "staging is up")]
        decided = await call(c, "decide", id=pending["approval"], decision="approve", decided_by="alice",
                             session_id=sid)
        assert decided["status"] == "approved" and decided["decided_by"] == "alice"
        assert "already" in await fails(c, "collapse", tract="lead/a", mode="autonomous")

        first = await call(c, "post_task", session_id=sid, title="lint", parent="lead", idempotency_key="k")
        again = await call(c, "post_task", session_id=sid, title="lint", parent="lead", idempotency_key="k")
        assert first["id"] == again["id"]
        claimed = await call(c, "claim_task", session_id=sid, worker="w1")
        assert claimed["task"]["id"] == first["id"] and claimed["task"]["status"] == "claimed"
        assert (await call(c, "claim_task", session_id=sid, worker="w2")).get("task") is None
        assert "not held by w2" in await fails(c, "complete_task", session_id=sid, task_id=first["id"],
                                               worker="w2")
        done = await call(c, "complete_task", session_id=sid, task_id=first["id"], worker="w1", result="clean")
        assert done["status"] == "done"
        assert [t["status"] for t in (await call(c, "tasks", session_id=sid))["tasks"]] == ["done"]
        events = (await call(c, "audit", session_id=sid, limit=5))["events"]
        assert [e["kind"] for e in events][:3] == ["task_done", "task_claimed", "task_posted"]
        assert events[0]["actor"] == "w1"
    report = Session.on(pool.store, sid).tract("lead").compile().messages
    assert [m.content.splitlines()[-1] for m in report[1:]] == ["staging is up", "clean"]
