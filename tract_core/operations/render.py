"""How each content kind becomes a message, and the text whose tokens it costs."""

from __future__ import annotations

import json
from typing import Any

from tract_core.models.compiled import Message, ToolCall
from tract_core.models.content import REQUEST_KINDS
from tract_core.tokens import TokenCounter, framing_of


def _result_text(result: Any) -> str:
    if result is None:
        return ""
    if isinstance(result, str):
        return result
    return json.dumps(result, sort_keys=True, ensure_ascii=False)


def render(data: dict[str, Any], commit_hash: str | None = None) -> Message:
    """Render stored content (a dict with `content_type`) as one message."""
    kind = data["content_type"]
    if kind == "instruction":
        return Message(role="system", content=data["text"], commit_hash=commit_hash)
    if kind == "dialogue":
        return Message(role=data["role"], content=data["text"], commit_hash=commit_hash)
    if kind == "tool_io":
        if data["direction"] == "call":
            call = ToolCall(id=data["call_id"], name=data["tool_name"], arguments=data.get("arguments") or {})
            return Message(role="assistant", tool_calls=[call], commit_hash=commit_hash)
        return Message(role="tool", content=_result_text(data.get("result")), tool_call_id=data["call_id"],
                       is_error=bool(data.get("is_error")), commit_hash=commit_hash)
    if kind in ("reasoning", "output"):
        return Message(role="assistant", content=data["text"], commit_hash=commit_hash)
    if kind == "artifact":
        header = f"[artifact {data['name']} ({data.get('mime_type', 'text/plain')})]"
        return Message(role="user", content=f"{header}\n{data['text']}", commit_hash=commit_hash)
    if kind in REQUEST_KINDS:  # not a turn: shown as JSON wherever a commit is displayed
        fields = {k: v for k, v in data.items() if k != "content_type"}
        return Message(role="system", content=json.dumps(fields, sort_keys=True, ensure_ascii=False),
                       commit_hash=commit_hash)
    if kind == "freeform":
        return Message(role="user", content=json.dumps(data["payload"], sort_keys=True, ensure_ascii=False),
                       commit_hash=commit_hash)
    # a registered kind: its `text` field if it has one, else its fields as JSON
    fields = {k: v for k, v in data.items() if k != "content_type"}
    text = fields["text"] if isinstance(fields.get("text"), str) else json.dumps(
        fields, sort_keys=True, ensure_ascii=False)
    return Message(role="user", content=text, commit_hash=commit_hash)


def token_text(data: dict[str, Any]) -> str:
    """The text a model would read for this content (what its token count measures)."""
    if data.get("content_type") == "settings":
        return ""  # settings steer the model; they are not read by it
    if data.get("content_type") == "tools":
        return json.dumps(data["tools"], sort_keys=True, ensure_ascii=False) if data["tools"] else ""
    m = render(data)
    parts = [m.content]
    for c in m.tool_calls:
        parts.append(c.name)
        parts.append(json.dumps(c.arguments, sort_keys=True, ensure_ascii=False))
    return "\n".join(p for p in parts if p)


def count_tokens(data: dict[str, Any], counter: TokenCounter) -> int:
    """What this content costs in a request: its text, plus the framing the counter's API adds
    around a message (see `tokens.Framing`: per message, its role, each tool call's id and type,
    a result's `tool_call_id`). The reply priming is per request: the compiler adds it."""
    framing = framing_of(counter)
    if data.get("content_type") in REQUEST_KINDS:
        return counter.count(token_text(data))  # not a message: nothing to frame
    if not framing.fields:
        return counter.count(token_text(data)) + framing.per_message
    # each field as the API receives it, counted apart, as the cookbook does
    m = render(data)
    tokens = framing.per_message + counter.count(m.role) + counter.count(m.content)
    for c in m.tool_calls:
        arguments = json.dumps(c.arguments, sort_keys=True, ensure_ascii=False)
        tokens += counter.count(c.id) + counter.count("function") + counter.count(c.name) + counter.count(arguments)
    if m.tool_call_id:
        tokens += counter.count(m.tool_call_id)
    return tokens


def tool_key(data: dict[str, Any]) -> tuple[str, str] | None:
    """(direction, call_id) for tool I/O, else None."""
    if data.get("content_type") == "tool_io":
        return data["direction"], data["call_id"]
    return None
