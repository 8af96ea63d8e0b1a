"""The corpus's trajectories, and how an agent loop commits an OpenAI chat message with tract's
shorthands (one commit per turn, text before calls)."""

from __future__ import annotations

import json
from pathlib import Path

HERE = Path(__file__).parent


def names() -> list[str]:
    return sorted(p.stem for p in HERE.glob("*.json"))


def load(name: str) -> list[dict]:
    return json.loads((HERE / f"{name}.json").read_text())


def commit_message(t, message: dict) -> None:
    """Commit one OpenAI chat message to the tract `t`."""
    role = message["role"]
    if role == "system":
        t.system(message["content"])
    elif role == "user":
        t.user(message["content"])
    elif role == "tool":
        t.tool_result(message["tool_call_id"], message["content"])
    else:
        if message.get("content"):
            t.assistant(message["content"])
        for call in message.get("tool_calls") or []:
            t.tool_call(call["function"]["name"], json.loads(call["function"]["arguments"]), call["id"])


def api_fields(message: dict) -> dict:
    """A message's API fields, with tool-call arguments parsed (their JSON spelling may differ)."""
    out = {k: v for k, v in message.items() if k != "tool_calls"}
    if message.get("tool_calls"):
        out["tool_calls"] = [{**c, "function": {**c["function"], "arguments": json.loads(c["function"]["arguments"])}}
                             for c in message["tool_calls"]]
    return out
