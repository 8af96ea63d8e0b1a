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
             "undo_compression", "replay", "gc", "search", "tag", "delete_branch", "operations", "tracts"}


async def test_every_tool_is_listed_with_typed_input_and_structured_output(server):
    async with Client(server) as c:
        tools = {t.name: t for t in (await c.list_tools()).tools}
    assert ALL_TOOLS <= set(tools)
    for t in tools.values():
        assert t.output_schema, f"{t.name} has no output schema"
        assert "tract" in t.input_schema["properties"] or t.name == "tracts" \
            or "session_id" in t.input_schema["properties"], f"{t.name} takes no tract"  # session tools: a session
    assert set(tools["show"].input_schema["required"]) == {"hash"}
    assert {"name", "switch", "start", "idempotency_key"} <= set(tools["branch"].input_schema["properties"])
    for name in ("commit", "reset", "annotate", "compress"):
        assert {"branch", "idempotency_key"} <= set(tools[name].input_schema["properties"]), name
    read_only = {n for n, t in tools.items() if t.annotations and t.annotations.read_only_hint}
    assert read_only == {"log", "show", "status", "diff", "list_branches", "pending", "replay", "search",
                         "operations", "tracts", "tasks", "approvals", "audit"}
    assert tools["gc"].annotations.destructive_hint and not tools["commit"].annotations.destructive_hint


async def test_commit_log_show_status_and_compile(server):
    async with Client(server) as c:
        await call(c, "commit", content={"content_type": "instruction", "text": "Be terse."})
        first = await call(c, "commit", content=user("Population of Lyon?"), message="ask")
        await call(c, "commit", content=assistant("About 522,000."))
        log = await call(c, "log", full=True)
        assert [x["content"]["text"] for x in log["commits"]] == ["About 522,000.", "Population of Lyon?",
                                                                  "Be terse."]
        assert [line.split(" ", 1)[1] for line in (await call(c, "log"))["lines"]] == [
            "assistant: About 522,000.", "user: Population of Lyon?", "instruction: Be terse. [pinned]"]
        shown = await call(c, "show", hash=first["hash"][:8])
        assert shown["hash"] == first["hash"] and len(first["hash"]) == 12 and shown["message"] == "ask"
        status = await call(c, "status")
        assert status["branch"] == "main" and status["commits"] == 3
        anthropic = await call(c, "compile")
        assert anthropic["system"] == "Be terse."
        assert anthropic["messages"][0] == {"role": "user", "content": [{"type": "text",
                                                                         "text": "Population of Lyon?"}]}
        openai = await call(c, "compile", format="openai")
        assert openai["messages"][0] == {"role": "system", "content": "Be terse."}
        assert "only the system prompt fits" in await fails(c, "compile", budget=4)
        await call(c, "commit", content=user("And Paris?"))
        small = await call(c, "compile", budget=4)
        assert small["dropped"] == 2 and small["tokens"] <= 4
        listed = await call(c, "compile", budget=4, dropped=True)
        assert [d.split()[1] for d in listed["dropped"]] == ["budget", "budget"]


async def test_an_orphan_tool_result_is_committed_with_a_warning_and_dropped_with_its_reason(server):
    async with Client(server) as c:
        await call(c, "commit", content=user("Weather in Oslo?"))
        stray = await call(c, "commit", content={"content_type": "tool_io", "tool_name": "weather",
                                                 "call_id": "w1", "direction": "result", "result": "snow"})
        assert "answers no call" in stray["warnings"][0]
        assert "warnings" not in await call(c, "commit", content=user("fine"))
        ctx = await call(c, "compile", dropped=True)
        assert ctx["dropped"] == [f"{stray['hash']} result_without_call"]


async def test_branch_switch_merge_checkout_reset_annotate_diff(server):
    async with Client(server) as c:
        q = await call(c, "commit", content=user("Population of Lyon?"))
        b = await call(c, "branch", name="terse", switch=True)
        assert b == {"name": "terse", "head": q["hash"], "current": True}
        edit = await call(c, "commit", content=user("Lyon?"), operation="edit", edit_target=q["hash"])
        assert edit["branch"] == "terse"
        await call(c, "switch", name="main")
        names = await call(c, "list_branches")
        assert [x.split()[:2] for x in names["lines"]] == [["*", "main"], ["terse", edit["hash"]]]
        diff = await call(c, "diff", a="main", b="terse")
        assert diff["edited"] == [q["hash"]]
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
        assert len((await call(c, "log"))["lines"]) == 1
        assert len((await call(c, "log", branch="side"))["lines"]) == 2


async def test_one_server_holds_many_tracts(server):
    async with Client(server) as c:
        await call(c, "commit", content=user("agent a"), tract="a")
        await call(c, "commit", content=user("agent b"), tract="b")
        await call(c, "commit", content=user("agent b again"), tract="b")
        assert (await call(c, "status", tract="a"))["commits"] == 1
        assert (await call(c, "status", tract="b"))["commits"] == 2
        assert (await call(c, "status"))["commits"] == 0


async def test_client_errors_come_back_as_tool_errors_that_say_what_to_do(server):
    async with Client(server) as c:
        assert "log lists commits" in await fails(c, "show", hash="abcdef12")
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
        h = (await call(c, "log"))["lines"][0].split()[0]
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
        assert "conflict" in message and "strategy ours" in message
        assert (await call(c, "status"))["head"] == head
        assert (await call(c, "merge", branch="other", strategy="theirs"))["kind"] == "merged"


async def test_a_retried_write_with_the_same_key_writes_once_even_after_a_restart(sqlite_url):
    pool = TractPool.open(sqlite_url, counter=WordCounter())
    async with Client(build_server(pool, tools="all")) as c:
        first = await call(c, "commit", content=user("hello"), idempotency_key="turn-1")
        again = await call(c, "commit", content=user("hello"), idempotency_key="turn-1")
        assert again["hash"] == first["hash"]
        assert "different call" in await fails(c, "commit", content=user("other"), idempotency_key="turn-1")
        await call(c, "branch", name="x", idempotency_key="b-1")
        assert (await call(c, "branch", name="x", idempotency_key="b-1"))["name"] == "x"
    pool.close()
    pool = TractPool.open(sqlite_url, counter=WordCounter())
    async with Client(build_server(pool, tools="all")) as c:
        assert (await call(c, "commit", content=user("hello"), idempotency_key="turn-1"))["hash"] == first["hash"]
        assert len((await call(c, "log"))["lines"]) == 1
    pool.close()


async def test_the_server_works_on_both_engines(store_url):
    pool = TractPool.open(store_url, counter=WordCounter())
    async with Client(build_server(pool, tools="all")) as c:
        made = await call(c, "commit", content=user("on either engine"), idempotency_key="k")
        assert (await call(c, "commit", content=user("on either engine"), idempotency_key="k")) == made
        proposal = await call(c, "compress", commits=[made["hash"]])
        await call(c, "approve", id=proposal["id"], summary="A turn.")
        assert (await call(c, "compile", format="openai"))["messages"][0]["content"].endswith("A turn.")
    pool.close()


async def test_an_ambiguous_prefix_says_to_give_more_characters(server, pool, monkeypatch):
    from tract_core.errors import AmbiguousPrefixError

    def ambiguous(hash):
        raise AmbiguousPrefixError(hash, ["abcd" + "0" * 60, "abcd" + "1" * 60])

    monkeypatch.setattr(pool.get("default"), "show", ambiguous)
    async with Client(server) as c:
        assert "give more characters" in await fails(c, "show", hash="abcd")
        assert (await call(c, "status"))["commits"] == 0


async def test_write_tools_can_name_a_branch_other_than_the_current_one(server):
    async with Client(server) as c:
        base = await call(c, "commit", content=user("base"))
        await call(c, "branch", name="side")
        await call(c, "commit", content=user("side 1"), branch="side")
        await call(c, "commit", content=user("side 2"), branch="side")
        await call(c, "reset", target=base["hash"], branch="side")
        assert [x.split()[0] for x in (await call(c, "log", branch="side"))["lines"]] == [base["hash"]]
        assert (await call(c, "status"))["branch"] == "main"
        assert "nope" in await fails(c, "reset", target=base["hash"], branch="nope")


async def test_commit_answers_without_echoing_the_content(server):
    big = "row " * 5000
    async with Client(server) as c:
        made = await call(c, "commit", content=user(big), message="a big tool dump")
        assert "content" not in made and big not in str(made)
        assert made == {"hash": made["hash"], "branch": "main", "tokens": 5000}
        assert (await call(c, "show", hash=made["hash"]))["content"]["text"] == big


async def test_commit_turns_atomically_and_page_the_log(server):
    async with Client(server) as c:
        made = await call(c, "commit", turns=[
            {"content_type": "tool_io", "tool_name": "grep", "call_id": "c1", "direction": "call",
             "arguments": {"q": "parse"}},
            {"content_type": "tool_io", "tool_name": "grep", "call_id": "c1", "direction": "result",
             "result": "parser.py:3"}])
        assert len(made["hashes"]) == 2 and made["branch"] == "main"
        assert "role" in await fails(c, "commit", turns=[user("fine"), {"content_type": "dialogue",
                                                                       "role": "bot", "text": "x"}])
        assert (await call(c, "status"))["commits"] == 2  # all or nothing
        assert "either content" in await fails(c, "commit")
        for i in range(5):
            await call(c, "commit", content=user(f"turn {i}"))
        page = await call(c, "log", limit=3)
        assert [x.split(" ", 1)[1] for x in page["lines"]] == ["user: turn 4", "user: turn 3", "user: turn 2"]
        rest = await call(c, "log", limit=3, before=page["more"])
        assert [x.split(" ", 1)[1] for x in rest["lines"]] == ["user: turn 1", "user: turn 0",
                                                                'result grep: parser.py:3']
        assert (await call(c, "show", hash="HEAD~1"))["content"]["text"] == "turn 3"


async def test_free_form_objects_may_come_as_json_text(server):
    """What a client under a strict schema transform (OpenAI strict mode) can still send."""
    async with Client(server) as c:
        made = await call(c, "commit", content={"content_type": "tool_io", "tool_name": "grep", "call_id": "c1",
                                                "direction": "call", "arguments": '{"q": "parse"}'},
                          metadata='{"source": "ci"}')
        shown = await call(c, "show", hash=made["hash"])
        assert shown["content"]["arguments"] == {"q": "parse"} and shown["metadata"] == {"source": "ci"}


async def test_search_tag_delete_branch_operations_and_tracts(server):
    async with Client(server) as c:
        await call(c, "commit", content=user("The parser drops the last token"))
        fact = await call(c, "commit", content=assistant("Lyon has 522,250 inhabitants"))
        await call(c, "commit", content=user("thanks"))
        hits = (await call(c, "search", text="inhabitants"))["lines"]
        assert len(hits) == 1 and hits[0].startswith(fact["hash"]) and "522,250" in hits[0]
        assert (await call(c, "tag", hash="HEAD~1", names=["population"]))["tags"] == ["population"]
        assert (await call(c, "search", tag="population"))["lines"][0].startswith(fact["hash"])
        assert "#population" in (await call(c, "log"))["lines"][1]
        await call(c, "branch", name="dead-end")
        gone = await call(c, "delete_branch", name="dead-end")
        assert gone["name"] == "dead-end" and "dead-end" not in str(await call(c, "list_branches"))
        for _ in range(3):
            await call(c, "reset", target="HEAD~1")
            await call(c, "reset", target=fact["hash"])
        page = await call(c, "operations", limit=4)
        assert len(page["lines"]) == 4 and all(" reset " in line for line in page["lines"])
        rest = await call(c, "operations", limit=4, before=page["more"])
        assert [line.split()[3] for line in rest["lines"]] == ["reset", "reset", "branch_deleted", "branch_created"]
        assert "more" not in rest and all(line.endswith(" by mcp") for line in rest["lines"])
        await call(c, "commit", content=user("other agent"), tract="agent-2")
        listed = (await call(c, "tracts"))["lines"]
        assert [line.split(":")[0] for line in listed] == ["agent-2", "default"]
        assert "1 commits" in listed[0] and "main=" in listed[0]
