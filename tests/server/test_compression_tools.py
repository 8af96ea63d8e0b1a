"""Compression over MCP with any client: the client's model (sampling), Claude (ANTHROPIC_API_KEY),
or the agent writing the summary itself; then approve, reject, undo, replay and gc."""

from __future__ import annotations

import pytest
from mcp import Client
from mcp.types import CreateMessageResult, ErrorData, TextContent
from server_helpers import WordCounter, assistant, call, fails, user

from server.app import build_server
from server.pool import TractPool
from tract_core.compression.summarizers import AnthropicSummarizer

pytestmark = pytest.mark.anyio
SUMMARY = "The user asked for Lyon's population; the answer was 522,250 (2021)."


@pytest.fixture(autouse=True)
def no_api_key(monkeypatch):
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    monkeypatch.delenv("ANTHROPIC_AUTH_TOKEN", raising=False)


async def three_turns(c: Client) -> list[str]:
    await call(c, "commit", content={"content_type": "instruction", "text": "Be terse."})
    a = await call(c, "commit", content=user("Population of Lyon?"))
    b = await call(c, "commit", content=assistant("522,250 inhabitants (2021), see https://insee.fr/lyon"))
    return [a["hash"], b["hash"]]


async def test_without_sampling_or_key_the_agent_writes_the_summary(server):
    progress = []

    async def on_progress(done, total, message):
        progress.append((done, total, message))

    async with Client(server) as c:
        a, b = await three_turns(c)
        result = await c.call_tool("compress", {"from_commit": a, "to_commit": b},
                                   progress_callback=on_progress)
        made = result.structured_content
        assert made["source"] == "agent" and "event_id" not in made and "lost_facts" not in made
        assert "third person" in made["rules"].lower() and made["range"] == f"{a}..{b}"
        assert "Population of Lyon?" in made["prompts"][0]
        assert progress[0][:2] == (0, 2) and progress[-1][:2] == (2, 2)
        listed = (await call(c, "pending"))["pending"]
        assert [p["id"] for p in listed] == [made["id"]]
        assert (await call(c, "status"))["pending"] == 1
        assert "summar" in (await fails(c, "approve", id=made["id"])).lower()
        applied = await call(c, "approve", id=made["id"], summary=SUMMARY)
        assert applied["event_id"] and applied["branch"] == "main" and applied["tokens_before"] == 8
        compiled = await call(c, "compile", format="openai")
        assert [m["role"] for m in compiled["messages"]] == ["system", "user"]
        assert SUMMARY in compiled["messages"][1]["content"]
        await call(c, "undo_compression", event_id=applied["event_id"])
        assert len((await call(c, "compile"))["messages"]) == 2  # the two turns are back


async def test_with_sampling_the_clients_model_writes_it(server):
    asked = []

    async def sample(context, params):
        asked.append(params)
        return CreateMessageResult(role="assistant", model="test-model",
                                   content=TextContent(type="text", text=SUMMARY))

    progress = []

    async def on_progress(done, total, message):
        progress.append(done)

    async with Client(server, mode="legacy", sampling_callback=sample) as c:
        a, b = await three_turns(c)
        result = await c.call_tool("compress", {"from_commit": a, "to_commit": b},
                                   progress_callback=on_progress)
        made = result.structured_content
        assert made["source"] == "sampling" and progress == [0, 1, 2]
        assert made["summaries"] == [SUMMARY] and "https://insee.fr/lyon" in made["lost_facts"]
        assert "third person" in asked[0].system_prompt
        assert "Population of Lyon?" in asked[0].messages[0].content.text
        await call(c, "approve", id=made["id"])
        auto = await call(c, "compress", mode="autonomous", target_tokens=50)
        assert auto["source"] == "sampling" and auto["event_id"]


async def test_with_an_api_key_claude_writes_it(server, monkeypatch):
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-test")
    monkeypatch.setattr(AnthropicSummarizer, "summarize", lambda self, commits, **kw: SUMMARY)
    async with Client(server) as c:
        a, b = await three_turns(c)
        made = await call(c, "compress", commits=[a, b])
        assert made["source"] == "anthropic" and made["summaries"] == [SUMMARY]


async def test_manual_reject_replay_gc_and_errors(server):
    async with Client(server) as c:
        a, b = await three_turns(c)
        assert "ANTHROPIC_API_KEY" in await fails(c, "compress", mode="autonomous")
        seen = await call(c, "compile", record=True)
        proposal = await call(c, "compress", from_commit=a, to_commit=b)
        rejected = await call(c, "reject", id=proposal["id"], reason="keep it verbatim")
        assert rejected["status"] == "rejected"
        assert "already rejected" in await fails(c, "approve", id=proposal["id"], summary="x")
        assert "no pending" in (await fails(c, "approve", id="nope", summary="x")).lower()
        manual = await call(c, "compress", mode="manual", content=SUMMARY, from_commit=a, to_commit=b)
        assert manual["source"] == "manual" and manual["range"] == f"{a}..{b}" and manual["event_id"]
        again = await call(c, "replay", record_id=seen["record_id"])
        assert again["messages"] == seen["messages"] and again["record_id"] == seen["record_id"]
        assert await fails(c, "replay", record_id="unknown")
        assert await fails(c, "undo_compression", event_id="unknown")
        progress = []

        async def on_progress(done, total, message):
            progress.append((done, total))

        collected = await c.call_tool("gc", {"orphan_retention_days": 0}, progress_callback=on_progress)
        assert collected.structured_content["commits_removed"] >= 0 and progress == [(0, 1), (1, 1)]
        assert "greater than" in await fails(c, "gc", orphan_retention_days=-1)


async def test_compress_then_restart_then_approve(sqlite_url):
    pool = TractPool.open(sqlite_url, counter=WordCounter())
    async with Client(build_server(pool, tools="all")) as c:
        a, b = await three_turns(c)
        made = await call(c, "compress", from_commit=a, to_commit=b, idempotency_key="squash-1")
        assert (await call(c, "compress", from_commit=a, to_commit=b,
                           idempotency_key="squash-1"))["id"] == made["id"]
    pool.close()
    pool = TractPool.open(sqlite_url, counter=WordCounter())
    async with Client(build_server(pool, tools="all")) as c:
        assert len((await call(c, "pending"))["pending"]) == 1
        done = await call(c, "approve", id=made["id"], summary=SUMMARY, idempotency_key="ok-1")
        assert (await call(c, "approve", id=made["id"], summary=SUMMARY,
                           idempotency_key="ok-1"))["event_id"] == done["event_id"]
    pool.close()


async def test_approving_a_compression_whose_range_left_the_branch_fails_clearly(server):
    async with Client(server) as c:
        a, b = await three_turns(c)
        proposal = await call(c, "compress", from_commit=a, to_commit=b)
        first = (await call(c, "log"))["lines"][-1].split()[0]
        await call(c, "reset", target=first, mode="hard")
        message = await fails(c, "approve", id=proposal["id"], summary=SUMMARY)
        assert "no longer" in message and "Error" not in message.removeprefix("Error executing tool approve")
        assert (await call(c, "status"))["head"] == first


async def test_a_failed_sampling_request_is_a_tool_error_and_changes_nothing(server):
    async def refuse(context, params):
        return ErrorData(code=-1, message="the user declined")

    async with Client(server, mode="legacy", sampling_callback=refuse) as c:
        a, b = await three_turns(c)
        message = await fails(c, "compress", from_commit=a, to_commit=b)
        assert "summarizer failed" in message and "the user declined" in message
        assert (await call(c, "pending"))["pending"] == []


async def test_approve_refuses_a_summary_that_drops_must_keep_facts_unless_forced(server, pool):
    async with Client(server) as c:
        a, b = await three_turns(c)
        pool.get("default").annotate(b, "important", must_keep=["522,250", "https://insee.fr/lyon"])
        made = await call(c, "compress", from_commit=a, to_commit=b)
        message = await fails(c, "approve", id=made["id"], summary="Lyon has about half a million people.")
        assert "https://insee.fr/lyon" in message and "force" in message
        assert (await call(c, "status"))["pending"] == 1
        applied = await call(c, "approve", id=made["id"], summary="Lyon: 522,250 people.", force=True)
        assert applied["head"]
        events = pool.get("default").operations(limit=1)
        assert events[0].parameters["forced"] is True
        assert events[0].parameters["must_keep_lost"] == ["https://insee.fr/lyon"]
