"""The compiled context: the exact message list a branch becomes, in neutral and API shapes."""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_serializer

from tract_core.models.api_order import DEFAULT_MARKER, first_turn_index, results_after_calls
from tract_core.models.content import Settings, ToolSpec
from tract_core.models.prefix import as_list
from tract_core.models.request import finish_anthropic, openai_request


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


DropReason = Literal["skip", "budget", "unanswered_call", "result_without_call"]


class DroppedCommit(BaseModel):
    """A commit on the branch that the compiled context leaves out, and why: `skip` (annotated
    SKIP), `budget` (left out to fit the budget: older turns go first), `unanswered_call` (a tool call no later
    result answers), `result_without_call` (a tool result with no earlier unanswered call of its id)."""

    model_config = ConfigDict(frozen=True)

    commit: str
    reason: DropReason


class Omission(BaseModel):
    """The turns left out before the first turn sent, when that turn is not the user's: the APIs
    want the user first, so the request starts with a short user turn, `text`, saying so."""

    model_config = ConfigDict(frozen=True)

    turns: int
    tokens: int
    text: str


class CompiledContext(BaseModel):
    """What `compile()` returns. `dropped`: the commits left out, each with its reason.
    `renamed_call_ids`: rendered id -> stored id, for tool calls whose id an earlier call on the
    branch used already (the request needs unique ids; the stored content keeps its own).
    `omitted`: set when the first turn sent is not the user's (see `Omission`).
    `cleared`: tool results a clear_tool_results policy replaced by a one-line stub (still sent,
    paired with their calls; `show(hash)` returns them whole).
    From `compile()`, `messages`, `commit_hashes` and `dropped` are read-only sequences shared with
    later compiles (`Prefix`: not copied, so a compile stays as quick at 40,000 messages as at 40);
    they index, slice, iterate and compare like lists, and `list(ctx.messages)` is a list of your own
    (for `append`, or `json.dumps`)."""

    model_config = ConfigDict(frozen=True)

    messages: list[Message]
    token_count: int
    commit_hashes: list[str]
    # the latest `tools` and `settings` commits on the branch: the rest of the request sent
    tools: list[ToolSpec] = []  # not a default_factory: model_construct would inspect it each time
    settings: Settings | None = None

    head: str | None = None
    dropped: list[DroppedCommit] = Field(default_factory=list)
    record_id: str | None = None
    # tool results a clear_tool_results policy replaced by a stub (show(hash) returns them)
    cleared: list[str] = Field(default_factory=list)
    renamed_call_ids: dict[str, str] = Field(default_factory=dict)
    omitted: Omission | None = None

    @field_serializer("messages", "commit_hashes", "dropped", mode="wrap")
    def _whole(self, value, handler):
        # compile hands these out as `Prefix`es (lists it shares with later compiles, not copied)
        return handler(as_list(value))

    def to_openai(self) -> list[dict[str, Any]]:
        """Chat Completions messages; an assistant's text and tool calls share one message, its
        tool results follow it, and calls carry their stored ids (this API allows a reused one)."""
        stored = self.renamed_call_ids
        messages = results_after_calls(self.messages, lambda m: m.role == "assistant")
        if self.omitted is not None:
            messages = _with_marker(messages, self.omitted.text)
        out: list[dict[str, Any]] = []
        for m in messages:
            if m.role == "tool":
                out.append({"role": "tool", "tool_call_id": stored.get(m.tool_call_id, m.tool_call_id),
                            "content": m.content})
                continue
            if m.role == "assistant" and out and out[-1]["role"] == "assistant" and (
                m.tool_calls or "tool_calls" in out[-1]
            ):
                prev = out[-1]
                if m.content:
                    prev["content"] = f"{prev['content']}\n\n{m.content}" if prev.get("content") else m.content
                if m.tool_calls:
                    prev.setdefault("tool_calls", []).extend(_openai_calls(m, stored))
                continue
            entry: dict[str, Any] = {"role": m.role, "content": m.content or None}
            if m.tool_calls:
                entry["tool_calls"] = _openai_calls(m, stored)
            elif entry["content"] is None:
                entry["content"] = ""
            out.append(entry)
        return out

    def to_openai_request(self) -> dict[str, Any]:
        """The whole Chat Completions request body: `to_openai()` as `messages`, with the `tools`
        and the settings that are set (`model`, `max_completion_tokens`, `temperature`, …)."""
        return openai_request(self.to_openai(), self.tools, self.settings)

    def to_anthropic(self, *, cache: bool = False) -> dict[str, Any]:
        """Messages API shape: `{"system": …, "messages": […]}`: the user first (after a short
        marker turn when the context starts with the assistant), same-role turns merged, each
        turn's tool results first in the user turn right after it, no empty text blocks; with the
        `tools` and settings, and with `cache=True` prompt-cache breakpoints (`models/request.py`)."""
        system = [m.content for m in self.messages if m.role == "system"]
        messages: list[dict[str, Any]] = []
        for m in results_after_calls(self.messages, lambda m: m.role in ("assistant", "system")):
            if m.role == "system":
                continue
            role = "assistant" if m.role == "assistant" else "user"
            blocks = _anthropic_blocks(m)
            if not blocks:
                continue
            if messages and messages[-1]["role"] == role:
                messages[-1]["content"].extend(blocks)
            else:
                messages.append({"role": role, "content": blocks})
        for msg in messages:  # the API wants tool results first in a user turn
            if msg["role"] == "user":
                msg["content"].sort(key=lambda b: b["type"] != "tool_result")
        if messages and messages[0]["role"] == "assistant":
            text = self.omitted.text if self.omitted is not None else DEFAULT_MARKER
            messages.insert(0, {"role": "user", "content": [{"type": "text", "text": text}]})
        return finish_anthropic({"system": "\n\n".join(system), "messages": messages}, self.tools,
                                self.settings, cache)


_ANTHROPIC_ID = re.compile(r"[a-zA-Z0-9_-]+")


def _anthropic_id(call_id: str) -> str:
    """The Messages API takes tool_use ids of letters, digits, `_` and `-` only: another id (some
    models write `functions.search:0`) is spelt with `_` and a hash of itself, so it stays unique."""
    if _ANTHROPIC_ID.fullmatch(call_id):
        return call_id
    digest = hashlib.sha256(call_id.encode("utf-8", "surrogatepass")).hexdigest()[:8]
    return f"{re.sub(r'[^a-zA-Z0-9_-]', '_', call_id)}_{digest}"


def _anthropic_blocks(m: Message) -> list[dict[str, Any]]:
    if m.role == "tool":
        block: dict[str, Any] = {"type": "tool_result", "tool_use_id": _anthropic_id(m.tool_call_id),
                                 "is_error": m.is_error}
        if m.content or m.is_error:  # an error must say something; an empty result says nothing
            block["content"] = m.content or "error"
        return [block]
    blocks: list[dict[str, Any]] = [{"type": "text", "text": m.content}] if m.content else []
    blocks.extend({"type": "tool_use", "id": _anthropic_id(c.id), "name": c.name, "input": c.arguments}
                  for c in m.tool_calls)
    return blocks


def _with_marker(messages: list[Message], text: str) -> list[Message]:
    i = first_turn_index(messages)
    if i is None or messages[i].role == "user":
        return messages
    return messages[:i] + [Message(role="user", content=text)] + messages[i:]


def _openai_calls(m: Message, stored: dict[str, str]) -> list[dict[str, Any]]:
    return [{"id": stored.get(c.id, c.id), "type": "function",
             "function": {"name": c.name,
                          "arguments": json.dumps(c.arguments, sort_keys=True, ensure_ascii=False)}}
            for c in m.tool_calls]
