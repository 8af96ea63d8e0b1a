"""The request rules of the two chat APIs, checked on a compiled context's shapes: the SDKs' own
request types (through pydantic TypeAdapters) for the fields, and the ordering rules by hand
(the types cannot express them)."""

from __future__ import annotations

import json
import re
from functools import lru_cache


@lru_cache(maxsize=None)
def _adapters():
    import anthropic
    from openai.types.chat import ChatCompletionMessageParam
    from pydantic import TypeAdapter

    return TypeAdapter(anthropic.types.MessageParam), TypeAdapter(ChatCompletionMessageParam)


def anthropic_problems(request: dict) -> list[str]:
    """Why the Messages API would refuse `request` (`to_anthropic()`'s output); [] when it would not."""
    anthropic_message, _ = _adapters()
    problems: list[str] = []
    messages = request["messages"]
    if not isinstance(request["system"], str):
        problems.append("system is not a string")
    if not messages:
        return problems + ["no messages"]
    if messages[0]["role"] != "user":
        problems.append(f"messages[0] is from the {messages[0]['role']}")
    seen_ids: set[str] = set()
    previous_calls: set[str] = set()
    for n, msg in enumerate(messages):
        checked = anthropic_message.validate_python(msg)
        list(checked["content"])  # the SDK's content validator is lazy: run it
        if n and messages[n - 1]["role"] == msg["role"]:
            problems.append(f"messages[{n}] has the same role as the one before")
        blocks = msg["content"]
        if not blocks:
            problems.append(f"messages[{n}] is empty")
        kinds = [b["type"] for b in blocks]
        results = kinds.count("tool_result")
        if kinds[:results] != ["tool_result"] * results:
            problems.append(f"messages[{n}]: a tool_result comes after another block")
        answered = set()
        for b in blocks:
            if b["type"] == "text" and not b["text"]:
                problems.append(f"messages[{n}] has an empty text block")
            if b["type"] == "tool_use":
                if not re.fullmatch(r"[a-zA-Z0-9_-]+", b["id"]):
                    problems.append(f"tool_use id {b['id']!r} has characters the API refuses")
                if b["id"] in seen_ids:
                    problems.append(f"tool_use id {b['id']!r} is used twice")
                seen_ids.add(b["id"])
            if b["type"] == "tool_result":
                answered.add(b["tool_use_id"])
                if msg["role"] != "user" or b["tool_use_id"] not in previous_calls:
                    problems.append(f"messages[{n}]: tool_result {b['tool_use_id']!r} answers no tool_use "
                                    "of the message just before")
        if previous_calls - answered:
            problems.append(f"messages[{n}] leaves tool_use {sorted(previous_calls - answered)} unanswered")
        previous_calls = {b["id"] for b in blocks if b["type"] == "tool_use"}
    if previous_calls:
        problems.append("the last message's tool_use blocks are unanswered")
    return problems


def openai_problems(messages: list[dict]) -> list[str]:
    """Why Chat Completions would refuse `messages` (`to_openai()`'s output); [] when it would not."""
    _, openai_message = _adapters()
    problems: list[str] = []
    waiting: list[str] = []   # ids of the last assistant message not answered yet
    for n, msg in enumerate(messages):
        openai_message.validate_python(msg)
        if msg["role"] == "tool":
            if msg["tool_call_id"] not in waiting:
                problems.append(f"messages[{n}]: tool message {msg['tool_call_id']!r} does not follow the "
                                "assistant message that issued its id")
            else:
                waiting.remove(msg["tool_call_id"])
            continue
        if waiting:
            problems.append(f"messages[{n}] comes before the results of calls {waiting}")
        waiting = []
        for call in msg.get("tool_calls") or []:
            json.loads(call["function"]["arguments"])
            waiting.append(call["id"])
    if waiting:
        problems.append(f"calls {waiting} are never answered")
    return problems
