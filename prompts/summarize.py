"""The prompt that turns a range of commits into a summary: its system text and its builder.

Must-keep facts (of IMPORTANT commits) reach the model as part of the request's instructions:
`must_keep_instructions(facts)` lists them, one per line, and asks for each to be stated verbatim;
on a retry (`missing=True`) it says the previous summary left them out. Every summarizer gets them
that way, whatever it is, since each is handed the instructions.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

SUMMARIZE_SYSTEM = """\
You compress part of an AI agent's working context into a summary that will stand in for it.

Write the summary in the third person, as plain prose ("The user asked…", "The assistant found…").
Keep every specific: names, numbers, amounts, dates, file paths, URLs, identifiers, commands, error
messages, quoted strings, decisions taken and why, and open questions or unfinished work.
Drop pleasantries, repetition and filler. Do not invent anything that is not in the excerpt.
Reply with the summary text only: no preamble, no headings about yourself."""


def _text_of(commit: Any) -> tuple[str, str]:
    """(label, text) of a commit-like object (CommitInfo, or a dict with `content`)."""
    content = commit.get("content") if isinstance(commit, dict) else getattr(commit, "content", None)
    short = (commit.get("hash") if isinstance(commit, dict) else getattr(commit, "hash", "")) or ""
    data = content.model_dump(mode="json") if hasattr(content, "model_dump") else dict(content or {})
    kind = data.get("content_type", "content")
    if kind == "dialogue":
        label, text = data.get("role", "user"), data.get("text", "")
    elif kind == "tool_io" and data.get("direction") == "call":
        label = f"tool call {data.get('tool_name', '')} [{data.get('call_id', '')}]"
        text = json.dumps(data.get("arguments") or {}, sort_keys=True, ensure_ascii=False)
    elif kind == "tool_io":
        label = f"tool result {data.get('tool_name', '')} [{data.get('call_id', '')}]"
        if data.get("is_error"):
            label += " (error)"
        result = data.get("result")
        text = result if isinstance(result, str) else json.dumps(result, sort_keys=True, ensure_ascii=False)
    elif kind == "artifact":
        label, text = f"artifact {data.get('name', '')}", data.get("text", "")
    elif isinstance(data.get("text"), str):
        label, text = kind, data["text"]
    else:
        label = kind
        text = json.dumps({k: v for k, v in data.items() if k != "content_type"}, sort_keys=True,
                          ensure_ascii=False)
    return (f"{label} {short[:10]}".strip(), text)


def must_keep_instructions(facts: Sequence[str], missing: bool = False) -> str:
    """The instruction naming the facts a summary must state word for word."""
    head = ("Your previous summary left out facts that must be kept. Write it again so that it states "
            "each of these, word for word:" if missing else
            "The summary must state each of these facts word for word (they are marked must-keep):")
    return "\n".join([head, *(f"- {f}" for f in facts)])


def with_must_keep(instructions: str | None, facts: Sequence[str], missing: bool = False) -> str | None:
    """`instructions` with the must-keep facts added (unchanged when there are none)."""
    if not facts:
        return instructions
    extra = must_keep_instructions(facts, missing)
    return f"{instructions}\n{extra}" if instructions else extra


def build_summarize_prompt(commits: Sequence[Any], target_tokens: int | None = None,
                           instructions: str | None = None) -> str:
    """The user message asking for a summary of `commits` (oldest first)."""
    lines = ["Summarize this excerpt of the agent's context. It runs oldest first.", "", "<excerpt>"]
    for commit in commits:
        label, text = _text_of(commit)
        lines.append(f"[{label}]")
        lines.append(text)
        lines.append("")
    lines.append("</excerpt>")
    if target_tokens is not None:
        lines.append(f"Keep the summary under about {target_tokens} tokens.")
    if instructions:
        lines.append(f"Additional instructions: {instructions}")
    return "\n".join(lines)
