"""A compiled request goes through the real Anthropic SDK as is (on a local fake transport): the
body sent holds the tools, settings and cache breakpoints, and the usage the provider returns
calibrates the next budget."""

from __future__ import annotations

import json

import anthropic
import httpx2
import pytest

from tests.conftest import WordCounter
from tract_core import Settings, Tract, Tools, ToolSpec

SEARCH = ToolSpec(name="search", description="Search", input_schema={"type": "object", "properties": {}})


def test_the_request_goes_through_the_sdk_and_its_usage_calibrates_budgets():
    sent = []

    def provider(request):
        body = json.loads(request.content)
        sent.append(body)
        # this provider counts 40% more than tract does
        words = sum(len(b.get("text", "").split()) for m in body["messages"] for b in m["content"])
        return httpx2.Response(200, json={
            "id": "msg_1", "type": "message", "role": "assistant", "model": body["model"],
            "content": [{"type": "text", "text": "ok"}], "stop_reason": "end_turn", "stop_sequence": None,
            "usage": {"input_tokens": round(words * 1.4), "output_tokens": 1}})

    client = anthropic.Anthropic(api_key="sk-test", base_url="http://anthropic.test", max_retries=0,
                                 http_client=httpx2.Client(transport=httpx2.MockTransport(provider)))
    with Tract.open(":memory:", counter=WordCounter()) as t:
        t.commit(Tools(tools=[SEARCH]))
        t.commit(Settings(model="claude-sonnet-4-6", max_tokens=256, temperature=0.0))
        for i in range(10):
            t.user(f"question {i} with a few more words")
            t.assistant(f"answer {i} short")
        ctx = t.compile(record=True)
        response = client.messages.create(**ctx.to_anthropic(cache=True))
        body = sent[0]
        assert body["model"] == "claude-sonnet-4-6" and body["max_tokens"] == 256
        assert body["tools"] == [{"name": "search", "description": "Search", "input_schema": SEARCH.input_schema,
                                  "cache_control": {"type": "ephemeral"}}]
        assert body["messages"][-1]["content"][-1]["cache_control"] == {"type": "ephemeral"}

        ratio = t.record_usage(ctx.record_id, response.usage.input_tokens)
        assert 1.2 < ratio < 1.5                                       # tract counts the tools; it does not
        budget = 40
        small = t.compile(budget=budget)
        client.messages.create(**small.to_anthropic())
        provider_count = round(sum(len(b.get("text", "").split()) for m in sent[-1]["messages"]
                                   for b in m["content"]) * 1.4)
        assert provider_count <= budget < round(small.token_count * 1.4) + 20


def test_the_openai_request_goes_through_the_openai_sdk():
    openai = pytest.importorskip("openai")
    sent = []

    def provider(request):
        sent.append(json.loads(request.content))
        return httpx2.Response(200, json={
            "id": "c1", "object": "chat.completion", "created": 1, "model": "gpt-test",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": "ok"}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 50, "completion_tokens": 1, "total_tokens": 51}})

    client = openai.OpenAI(api_key="sk-test", base_url="http://openai.test/v1", max_retries=0,
                           http_client=httpx2.Client(transport=httpx2.MockTransport(provider)))
    with Tract.open(":memory:", counter=WordCounter()) as t:
        t.commit(Tools(tools=[SEARCH]))
        t.commit(Settings(model="gpt-test", max_tokens=64, temperature=0.2, top_p=0.9, stop=["END"]))
        t.user("東京の天気は？ 🌧")
        t.tool_call("search", {"q": "東京 天気"}, "c1")
        t.tool_result("c1", "雨 🌧")
        ctx = t.compile()
        response = client.chat.completions.create(**ctx.to_openai_request())
        assert t.record_usage(ctx, response.usage.prompt_tokens) == 50 / ctx.token_count
    body = sent[0]
    assert (body["model"], body["max_completion_tokens"], body["temperature"], body["top_p"], body["stop"]) == (
        "gpt-test", 64, 0.2, 0.9, ["END"])
    assert body["tools"] == [{"type": "function", "function": {"name": "search", "description": "Search",
                                                                "parameters": SEARCH.input_schema}}]
    assert json.loads(body["messages"][1]["tool_calls"][0]["function"]["arguments"]) == {"q": "東京 天気"}
    assert body["messages"][2]["content"] == "雨 🌧"
