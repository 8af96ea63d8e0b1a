"""Tool arguments and results keep non-ASCII text exactly (CJK, emoji, right-to-left) in both API
shapes, after a round trip through either store."""

from __future__ import annotations

import json
import re

from tests.conftest import WordCounter
from tract_core import Tract

ARGS = {"city": "東京", "note": "予約 🌸✈️ 👩🏽‍💻", "greeting": "שלום עולם", "arabic": "مرحبا بالعالم",
        "nested": {"list": ["北京", "🇯🇵", "\u200fRTL mark"]}}
RESULT = {"hotel": "ホテル 🏨", "address": "רחוב הרצל 1, תל אביב", "rating": "★★★★☆"}
TEXT_RESULT = "結果: 3件 — 🚄 のぞみ / القطار السريع"


def test_non_ascii_tool_io_is_sent_exactly_in_both_shapes(store_url):
    with Tract.open(store_url, counter=WordCounter()) as t:
        t.user("ホテルを探して 🙏")
        t.tool_call("find_hotel", ARGS, "call_東京_1")
        t.tool_result("call_東京_1", RESULT)
        t.tool_call("route", {"from": "大阪"}, "c2")
        t.tool_result("c2", TEXT_RESULT)
    with Tract.open(store_url, counter=WordCounter()) as fresh:    # read back from the store
        ctx = fresh.compile()

    anthropic = ctx.to_anthropic()["messages"]
    uses = [b for m in anthropic for b in m["content"] if b["type"] == "tool_use"]
    results = [b for m in anthropic for b in m["content"] if b["type"] == "tool_result"]
    assert uses[0]["input"] == ARGS
    # the Messages API takes ids of [a-zA-Z0-9_-] only: a stored id outside it is respelled, the same
    # way every time
    assert re.fullmatch(r"[a-zA-Z0-9_-]+", uses[0]["id"]) and uses[0]["id"] == fresh_id(ctx)
    assert results[0]["tool_use_id"] == uses[0]["id"]
    assert json.loads(results[0]["content"]) == RESULT and results[1]["content"] == TEXT_RESULT
    for value in ("ホテル 🏨", "רחוב הרצל 1"):
        assert value in results[0]["content"]                      # not \\u escapes

    openai = ctx.to_openai()
    calls = [c for m in openai for c in m.get("tool_calls", [])]
    assert json.loads(calls[0]["function"]["arguments"]) == ARGS and calls[0]["id"] == "call_東京_1"
    for value in ("東京", "🌸✈️ 👩🏽‍💻", "שלום עולם", "مرحبا بالعالم", "\u200fRTL mark"):
        assert value in calls[0]["function"]["arguments"]          # the characters, not \\uXXXX
    tools = [m for m in openai if m["role"] == "tool"]
    assert json.loads(tools[0]["content"]) == RESULT and tools[1]["content"] == TEXT_RESULT
    assert "ホテル 🏨" in tools[0]["content"]


def fresh_id(ctx):
    return [b for m in ctx.to_anthropic()["messages"] for b in m["content"] if b["type"] == "tool_use"][0]["id"]
