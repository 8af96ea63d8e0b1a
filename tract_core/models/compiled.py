"""The compiled context: the exact message list a branch becomes, in neutral and API shapes."""

from __future__ import annotations

import json
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class ToolCall(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str
    name: str
    arguments: dict[str, Any] = Field(default_factory=dict)


class Message(BaseModel):
    """One rendered turn; `commit_hash` says which commit it came from."""

    model_config = ConfigDict(frozen=True)

    role: Literal["system", "user", "assistant", "tool"]
    content: str = ""
    tool_calls: list[ToolCall] = Field(default_factory=list)
    tool_call_id: str | None = None
    is_error: bool = False
    commit_hash: str | None = None


class CompiledContext(BaseModel):
    """What `compile()` returns. `dropped` lists commits left out to fit a budget or because a
    tool call had no result (or a result no call)."""

    model_config = ConfigDict(frozen=True)

    messages: list[Message]
    token_count: int
    commit_hashes: list[str]
    head: str | None = None
    dropped: list[str] = Field(default_factory=list)
    record_id: str | None = None
    # tool results a clear_tool_results policy replaced by a stub (show(hash) returns them)
    cleared: list[str] = Field(default_factory=list)

    def to_openai(self) -> list[dict[str, Any]]:
        """Chat Completions messages; an assistant's text and tool calls share one message."""
        out: list[dict[str, Any]] = []
        for m in self.messages:
            if m.role == "tool":
                out.append({"role": "tool", "tool_call_id": m.tool_call_id, "content": m.content})
                continue
            if m.role == "assistant" and out and out[-1]["role"] == "assistant" and (
                m.tool_calls or "tool_calls" in out[-1]
            ):
                prev = out[-1]
                if m.content:
                    prev["content"] = f"{prev['content']}\n\n{m.content}" if prev.get("content") else m.content
                if m.tool_calls:
                    prev.setdefault("tool_calls", []).extend(_openai_calls(m))
                continue
            entry: dict[str, Any] = {"role": m.role, "content": m.content or None}
            if m.tool_calls:
                entry["tool_calls"] = _openai_calls(m)
            elif entry["content"] is None:
                entry["content"] = ""
            out.append(entry)
        return out

    def to_anthropic(self) -> dict[str, Any]:
        """Messages API shape: `{"system": …, "messages": […]}` with same-role turns merged and
        tool_use / tool_result blocks where the API wants them."""
        system: list[str] = []
        messages: list[dict[str, Any]] = []
        for m in self.messages:
            if m.role == "system":
                system.append(m.content)
                continue
            role = "assistant" if m.role == "assistant" else "user"
            blocks: list[dict[str, Any]] = []
            if m.role == "tool":
                blocks.append({"type": "tool_result", "tool_use_id": m.tool_call_id,
                               "content": m.content, "is_error": m.is_error})
            else:
                if m.content:
                    blocks.append({"type": "text", "text": m.content})
                blocks.extend({"type": "tool_use", "id": c.id, "name": c.name, "input": c.arguments}
                              for c in m.tool_calls)
            if not blocks:
                continue
            if messages and messages[-1]["role"] == role:
                messages[-1]["content"].extend(blocks)
            else:
                messages.append({"role": role, "content": blocks})
        for msg in messages:  # the API wants tool results first in a user turn
            if msg["role"] == "user":
                msg["content"].sort(key=lambda b: b["type"] != "tool_result")
        return {"system": "\n\n".join(system), "messages": messages}


def _openai_calls(m: Message) -> list[dict[str, Any]]:
    return [{"id": c.id, "type": "function",
             "function": {"name": c.name, "arguments": json.dumps(c.arguments, sort_keys=True)}}
            for c in m.tool_calls]
