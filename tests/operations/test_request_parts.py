"""Tools and settings are part of what the model saw: commits of their own, carried by compile into
the request in each API's own shape, kept by compile records and snapshots, edited and branched."""

from __future__ import annotations

import json

import pytest
from pydantic import TypeAdapter

from tests.conftest import WordCounter
from tract_core import Settings, Tract, Tools, ToolSpec
from tract_core.errors import BudgetError, ContentValidationError
from tract_core.operations import compiler as compiler_mod

SEARCH = ToolSpec(name="search_flights", description="Find flights between two cities",
                  input_schema={"type": "object", "properties": {"origin": {"type": "string"},
                                                                 "destination": {"type": "string"}},
                                "required": ["origin", "destination"]})
WEATHER = ToolSpec(name="get_weather", input_schema={"type": "object", "properties": {"city": {"type": "string"}}})


def story(t: Tract) -> None:
    t.system("You book trips.")
    t.commit(Tools(tools=[SEARCH]))
    t.commit(Settings(model="claude-sonnet-4-6", max_tokens=1024, temperature=0.3, stop=["END"]))
    t.user("Paris to Rome on Friday?")
    t.tool_call("search_flights", {"origin": "Paris", "destination": "Rome"}, "c1")
    t.tool_result("c1", {"flights": ["AF1404"]})


def test_compile_carries_the_latest_tools_and_settings_not_as_messages(mem):
    story(mem)
    ctx = mem.compile()
    assert ctx.tools == [SEARCH]
    assert ctx.settings.model == "claude-sonnet-4-6" and ctx.settings.max_tokens == 1024
    assert [m.role for m in ctx.messages] == ["system", "user", "assistant", "tool"]
    mem.commit(Tools(tools=[SEARCH, WEATHER]))          # a later tools commit replaces the set
    mem.commit({"content_type": "settings", "model": "claude-haiku-4-5"})
    ctx = mem.compile()
    assert [t.name for t in ctx.tools] == ["search_flights", "get_weather"]
    assert ctx.settings.model == "claude-haiku-4-5" and ctx.settings.max_tokens is None


def test_the_requests_validate_with_each_sdks_own_types(mem):
    anthropic_types = pytest.importorskip("anthropic.types")
    openai_chat = pytest.importorskip("openai.types.chat")
    story(mem)
    ctx = mem.compile()
    a = ctx.to_anthropic()
    assert a["model"] == "claude-sonnet-4-6" and a["max_tokens"] == 1024 and "temperature" not in a
    assert a["stop_sequences"] == ["END"]
    TypeAdapter(list[anthropic_types.ToolParam]).validate_python(a["tools"])
    TypeAdapter(list[anthropic_types.MessageParam]).validate_python(a["messages"])
    assert a["tools"] == [{"name": "search_flights", "description": "Find flights between two cities",
                           "input_schema": SEARCH.input_schema}]
    o = ctx.to_openai_request()
    assert o["model"] == "claude-sonnet-4-6" and o["max_completion_tokens"] == 1024 and o["stop"] == ["END"]
    assert o["temperature"] == 0.3
    TypeAdapter(list[openai_chat.ChatCompletionToolParam]).validate_python(o["tools"])
    TypeAdapter(list[openai_chat.ChatCompletionMessageParam]).validate_python(o["messages"])
    assert o["tools"][0]["function"]["parameters"] == SEARCH.input_schema
    assert o["messages"] == ctx.to_openai()                       # the message list alone, as before


def test_a_context_without_tools_or_settings_sends_neither(mem):
    mem.user("hi")
    ctx = mem.compile()
    assert ctx.tools == [] and ctx.settings is None
    assert set(ctx.to_anthropic()) == {"system", "messages"}
    assert set(ctx.to_openai_request()) == {"messages"}


def test_bad_tool_definitions_and_settings_are_refused(mem):
    with pytest.raises(ContentValidationError):
        mem.commit({"content_type": "tools", "tools": [{"name": "has space"}]})
    with pytest.raises(ContentValidationError, match="object"):
        mem.commit({"content_type": "tools", "tools": [{"name": "x", "input_schema": {"type": "string"}}]})
    with pytest.raises(ContentValidationError, match="valid JSON schema"):
        mem.commit({"content_type": "tools", "tools": [{"name": "x", "input_schema": {
            "type": "object", "properties": {"q": {"type": "strin"}}}}]})
    with pytest.raises(ContentValidationError):
        mem.commit({"content_type": "settings", "temperature": -1})
    with pytest.raises(ContentValidationError):
        mem.commit({"content_type": "settings", "max_tokens": 0})
    assert mem.log() == []


def test_editing_the_tools_commit_changes_them_and_an_older_one_is_ignored(mem):
    old = mem.commit(Tools(tools=[WEATHER]))
    current = mem.commit(Tools(tools=[SEARCH]))
    mem.user("go")
    mem.commit(Tools(tools=[SEARCH, WEATHER]), operation="edit", edit_target=current.hash)
    assert [t.name for t in mem.compile().tools] == ["search_flights", "get_weather"]
    mem.commit(Tools(tools=[]), operation="edit", edit_target=old.hash)   # no longer the one sent
    assert len(mem.compile().tools) == 2


def test_tools_and_settings_follow_branches_and_merges(mem):
    story(mem)
    mem.branch("other", switch=True)
    mem.commit(Settings(model="claude-haiku-4-5"))
    mem.user("and back?")
    assert mem.compile().settings.model == "claude-haiku-4-5"
    mem.switch("main")
    assert mem.compile().settings.model == "claude-sonnet-4-6"
    mem.merge("other")
    assert mem.compile().settings.model == "claude-haiku-4-5"


def test_tool_definitions_cost_tokens_and_count_against_the_budget(mem):
    mem.user("a b c d")
    before = mem.compile().token_count
    tools = mem.commit(Tools(tools=[SEARCH]))
    assert tools.token_count > 0 and mem.compile().token_count == before + tools.token_count
    assert mem.commit(Settings(model="m")).token_count == 0       # settings are not read by the model
    with pytest.raises(BudgetError, match="tool definitions"):
        mem.compile(budget=tools.token_count - 1)
    ctx = mem.compile(budget=tools.token_count + 4)
    assert ctx.token_count <= tools.token_count + 4 and ctx.tools == [SEARCH]


def test_replay_returns_the_tools_and_settings_the_compile_sent(store_url):
    with Tract.open(store_url, counter=WordCounter()) as t:
        story(t)
        ctx = t.compile(record=True)
        t.commit(Tools(tools=[WEATHER]))                         # later changes do not touch the record
        again = t.replay(ctx.record_id)
    assert again.tools == ctx.tools and again.settings == ctx.settings
    assert again.to_anthropic() == ctx.to_anthropic()


def test_cold_incremental_and_snapshot_compiles_agree_on_tools_and_settings(tmp_path, monkeypatch):
    monkeypatch.setattr(compiler_mod, "SNAPSHOT_EVERY", 8)
    path = str(tmp_path / "t.db")
    with Tract.open(path, counter=WordCounter()) as t:
        story(t)
        for i in range(12):
            t.user(f"turn {i}")
            if i == 5:
                t.commit(Tools(tools=[WEATHER, SEARCH]))
            live = t.compile()
    for snapshots in (True, False):
        with Tract.open(path, counter=WordCounter(), compile_snapshots=snapshots) as cold:
            ctx = cold.compile()
        assert (ctx.tools, ctx.settings, ctx.token_count, ctx.messages) == (
            live.tools, live.settings, live.token_count, live.messages)
    assert [t.name for t in live.tools] == ["get_weather", "search_flights"]


def test_a_tools_commit_shows_as_json_in_the_log(mem):
    mem.commit(Tools(tools=[SEARCH]))
    shown = mem.log()[0]
    assert shown.content_type == "tools" and shown.content.tools == [SEARCH]
    assert json.loads(json.dumps(shown.content.model_dump(mode="json")))["tools"][0]["name"] == "search_flights"


def test_compressing_a_range_that_holds_tools_and_settings_keeps_them(mem):
    mem.system("rules")
    first = mem.user("one two three")
    mem.commit(Tools(tools=[SEARCH]))
    mem.assistant("four five")
    mem.commit(Settings(model="claude-sonnet-4-6"))
    last = mem.user("six seven")
    mem.user("after")
    mem.compress(from_commit=first.hash, to_commit=last.hash, content="a summary", mode="manual")
    ctx = mem.compile()
    assert ctx.tools == [SEARCH] and ctx.settings.model == "claude-sonnet-4-6"
    assert [m.content for m in ctx.messages][-1] == "after" and len(ctx.messages) == 3
