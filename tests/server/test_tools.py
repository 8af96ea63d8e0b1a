"""The history tools, driven in-process by the SDK's Client: a user's story from first turn to merge."""

from __future__ import annotations

import pytest
from mcp import Client

from server.app import build_server
from server.pool import TractPool
from server_helpers import WordCounter, assistant, call, fails, user

pytestmark = pytest.mark.anyio

ALL_TOOLS = {"commit", "log", "show", "status", "diff", "branch", "switch", "checkout", "list_branches",
             "merge", "reset", "annotate", "compile", "compress", "pending", "approve", "reject",
             "undo_compression", "replay", "gc"}


async def test_every_tool_is_listed_with_typed_input_and_structured_output(server):
    async with Client(server) as c:
        tools = {t.name: t for t in (await c.list_tools()).tools}
    assert ALL_TOOLS <= set(tools)
    for t in tools.values():
        assert t.output_schema, f"{t.name} has no output schema"
        assert "tract" in t.input_schema["properties"], f"{t.name} takes no tract"
    assert set(tools["show"].input_schema["required"]) == {"hash"}
    assert {"name", "switch", "start", "idempotency_key"} <= set(tools["branch"].input_schema["properties"])
    for name in ("commit", "reset", "annotate", "compress"):
        assert {"branch", "idempotency_key"} <= set(tools[name].input_schema["properties"]), name
    read_only = {n for n, t in tools.items() if t.annotations and t.annotations.read_only_hint}
    assert read_only == {"log", "show", "status", "diff", "list_branches", "pending", "replay"}
    assert tools["gc"].annotations.destructive_hint and not tools["commit"].annotations.destructive_hint


async def test_commit_log_show_status_and_compile(server):
    async with Client(server) as c:
        await call(c, "commit", content={"content_type": "instruction", "text": "Be terse."})
        first = await call(c, "commit", content=user("Population of Lyon?"), message="ask")
        await call(c, "commit", content=assistant("About 522,000."))
        log = await call(c, "log")
        assert [x["content"]["text"] for x in log["commits"]] == ["About 522,000.", "Population of Lyon?",
                                                                  "Be terse."]
        shown = await call(c, "show", hash=first["hash"][:8])
        assert shown["hash"] == first["hash"] and shown["message"] == "ask"
        status = await call(c, "status")
        assert status["branch"] == "main" and status["commit_count"] == 3
        anthropic = await call(c, "compile")
        assert anthropic["system"] == "Be terse."
        assert anthropic["messages"][0] == {"role": "user", "content": [{"type": "text",
                                                                         "text": "Population of Lyon?"}]}
        openai = await call(c, "compile", format="openai")
        assert openai["messages"][0] == {"role": "system", "content": "Be terse."}
        assert "only the system prompt fits" in await fails(c, "compile", budget=4)
        await call(c, "commit", content=user("And Paris?"))
        small = await call(c, "compile", budget=4)
        assert [d["reason"] for d in small["dropped"]] == ["budget", "budget"] and small["token_count"] <= 4


async def test_an_orphan_tool_result_is_committed_with_a_warning_and_dropped_with_its_reason(server):
    async with Client(server) as c:
        await call(c, "commit", content=user("Weather in Oslo?"))
        stray = await call(c, "commit", content={"content_type": "tool_io", "tool_name": "weather",
                                                 "call_id": "w1", "direction": "result", "result": "snow"})
        assert "answers no call" in stray["warnings"][0]
        ctx = await call(c, "compile")
        assert ctx["dropped"] == [{"commit": stray["hash"], "reason": "result_without_call"}]


async def test_branch_switch_merge_checkout_reset_annotate_diff(server):
    async with Client(server) as c:
        q = await call(c, "commit", content=user("Population of Lyon?"))
        b = await call(c, "branch", name="terse", switch=True)
        assert b == {"name": "terse", "head": q["hash"], "current": True}
        edit = await call(c, "commit", content=user("Lyon?"), operation="edit", edit_target=q["hash"])
        assert edit["operation"] == "edit"
        await call(c, "switch", name="main")
        names = await call(c, "list_branches")
        assert [(x["name"], x["current"]) for x in names["branches"]] == [("main", True), ("terse", False)]
        diff = await call(c, "diff", a="main", b="terse")
        assert diff["edited"][0]["after"] == edit["hash"]
        merged = await call(c, "merge", branch="terse")
        assert merged["kind"] == "fast_forward" and merged["head"] == edit["hash"]
        annotated = await call(c, "annotate", hash=q["hash"], priority="skip", reason="stale")
        assert annotated["priority"] == "skip"
        detached = await call(c, "checkout", hash=q["hash"])
        assert detached["head"] == q["hash"] and (await call(c, "status"))["detached"]
        await call(c, "switch", name="main")
        assert (await call(c, "reset", target=q["hash"], mode="hard"))["head"] == q["hash"]


async def test_commit_on_another_branch_leaves_the_current_one_alone(server):
    async with Client(server) as c:
        await call(c, "commit", content=user("one"))
        await call(c, "branch", name="side")
        await call(c, "commit", content=user("on side"), branch="side")
        assert len((await call(c, "log"))["commits"]) == 1
        assert len((await call(c, "log", branch="side"))["commits"]) == 2


async def test_one_server_holds_many_tracts(server):
    async with Client(server) as c:
        await call(c, "commit", content=user("agent a"), tract="a")
        await call(c, "commit", content=user("agent b"), tract="b")
        await call(c, "commit", content=user("agent b again"), tract="b")
        assert (await call(c, "status", tract="a"))["commit_count"] == 1
        assert (await call(c, "status", tract="b"))["commit_count"] == 2
        assert (await call(c, "status"))["commit_count"] == 0


async def test_client_errors_come_back_as_tool_errors_that_say_what_to_do(server):
    async with Client(server) as c:
        assert "log() lists commits" in await fails(c, "show", hash="abcdef12")
        assert "role" in await fails(c, "commit", content={"content_type": "dialogue", "role": "bot",
                                                           "text": "x"})
        assert "unknown" in (await fails(c, "commit", content={"content_type": "nope"})).lower()
        assert "exists already" in await fails(c, "branch", name="main")
        assert "no branch" in await fails(c, "merge", branch="ghost")
        await call(c, "commit", content={"content_type": "instruction", "text": "a long pinned rule here"})
        assert "timezone" in await fails(c, "compile", at_time="2020-01-01T00:00:00")
        assert "no commits at" in await fails(c, "compile", at_time="2020-01-01T00:00:00Z")
        assert "greater than or equal" in await fails(c, "log", limit=-1)
        assert "budget" in (await fails(c, "compile", budget=1)).lower()
        h = (await call(c, "log"))["commits"][0]["hash"]
        await call(c, "checkout", hash=h)
        assert "detached" in (await fails(c, "merge", branch="main")).lower()
        assert (await call(c, "status"))["detached"]  # the failed calls changed nothing


async def test_a_merge_conflict_is_a_tool_error_and_writes_nothing(server):
    async with Client(server) as c:
        q = await call(c, "commit", content=user("question"))
        await call(c, "branch", name="other")
        await call(c, "commit", content=user("ours"), operation="edit", edit_target=q["hash"])
        await call(c, "commit", content=user("theirs"), operation="edit", edit_target=q["hash"],
                   branch="other")
        head = (await call(c, "status"))["head"]
        message = await fails(c, "merge", branch="other")
        assert "conflict" in message and "strategy='ours'" in message
        assert (await call(c, "status"))["head"] == head
        assert (await call(c, "merge", branch="other", strategy="theirs"))["kind"] == "merged"


async def test_a_retried_write_with_the_same_key_writes_once_even_after_a_restart(sqlite_url):
    pool = TractPool.open(sqlite_url, counter=WordCounter())
    async with Client(build_server(pool)) as c:
        first = await call(c, "commit", content=user("hello"), idempotency_key="turn-1")
        again = await call(c, "commit", content=user("hello"), idempotency_key="turn-1")
        assert again["hash"] == first["hash"]
        assert "different call" in await fails(c, "commit", content=user("other"), idempotency_key="turn-1")
        await call(c, "branch", name="x", idempotency_key="b-1")
        assert (await call(c, "branch", name="x", idempotency_key="b-1"))["name"] == "x"
    pool.close()
    pool = TractPool.open(sqlite_url, counter=WordCounter())
    async with Client(build_server(pool)) as c:
        assert (await call(c, "commit", content=user("hello"), idempotency_key="turn-1"))["hash"] == first["hash"]
        assert len((await call(c, "log"))["commits"]) == 1
    pool.close()


async def test_the_server_works_on_both_engines(store_url):
    pool = TractPool.open(store_url, counter=WordCounter())
    async with Client(build_server(pool)) as c:
        made = await call(c, "commit", content=user("on either engine"), idempotency_key="k")
        assert (await call(c, "commit", content=user("on either engine"), idempotency_key="k")) == made
        proposal = await call(c, "compress", commits=[made["hash"]])
        await call(c, "approve", id=proposal["pending"]["id"], summary="A turn.")
        assert (await call(c, "compile", format="openai"))["messages"][0]["content"].endswith("A turn.")
    pool.close()


async def test_an_ambiguous_prefix_says_to_give_more_characters(server, pool, monkeypatch):
    from tract_core.errors import AmbiguousPrefixError

    def ambiguous(hash):
        raise AmbiguousPrefixError(hash, ["abcd" + "0" * 60, "abcd" + "1" * 60])

    monkeypatch.setattr(pool.get("default"), "show", ambiguous)
    async with Client(server) as c:
        assert "give more characters" in await fails(c, "show", hash="abcd")
        assert (await call(c, "status"))["commit_count"] == 0


async def test_write_tools_can_name_a_branch_other_than_the_current_one(server):
    async with Client(server) as c:
        base = await call(c, "commit", content=user("base"))
        await call(c, "branch", name="side")
        await call(c, "commit", content=user("side 1"), branch="side")
        await call(c, "commit", content=user("side 2"), branch="side")
        await call(c, "reset", target=base["hash"], branch="side")
        assert [x["hash"] for x in (await call(c, "log", branch="side"))["commits"]] == [base["hash"]]
        assert (await call(c, "status"))["branch"] == "main"
        assert "nope" in await fails(c, "reset", target=base["hash"], branch="nope")


async def test_commit_answers_without_echoing_the_content(server):
    big = "row " * 5000
    async with Client(server) as c:
        made = await call(c, "commit", content=user(big), message="a big tool dump")
        assert "content" not in made and big not in str(made)
        assert made["content_type"] == "dialogue" and made["message"] == "a big tool dump"
        assert made["token_count"] == 5000 and made["priority"] == "normal"
        assert (await call(c, "show", hash=made["hash"]))["content"]["text"] == big
