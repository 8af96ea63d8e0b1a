"""One line per item, for what an agent lists: commits, events, branches, tracts."""

from __future__ import annotations

import json
from typing import Any

from tract_core.models.commit import CommitInfo
from tract_core.models.ids import short_id

WIDTH = 80  # characters of a turn's text shown on its line


def commit_line(c: CommitInfo, width: int = WIDTH) -> str:
    """`<hash12> <kind>: <first ~80 characters> [flags]`, flags: pinned, skip, edit of <hash>,
    summary, #tag."""
    kind, text = label(c)
    flags = []
    if c.priority.value != "normal":
        flags.append(c.priority.value)
    if c.edit_target:
        flags.append(f"edit of {short_id(c.edit_target)}")
    if isinstance(c.metadata, dict) and "compression" in c.metadata:
        flags.append("summary")
    flags += [f"#{t}" for t in getattr(c, "tags", None) or ()]
    text = " ".join(text.split())
    if len(text) > width:
        text = text[:width - 1] + "…"
    line = f"{short_id(c.hash)} {kind}: {text}"
    return f"{line} [{', '.join(flags)}]" if flags else line


def label(c: CommitInfo) -> tuple[str, str]:
    data: Any = c.content.model_dump(mode="json") if hasattr(c.content, "model_dump") else c.content
    if not isinstance(data, dict):
        return c.operation.value, c.message or ""
    kind = data.get("content_type") or c.content_type or "?"
    if kind == "dialogue":
        return data.get("role", "user"), data.get("text", "")
    if kind == "tool_io":
        tool = data.get("tool_name", "")
        if data.get("direction") == "call":
            return f"call {tool}", json.dumps(data.get("arguments") or {}, ensure_ascii=False)
        result = data.get("result")
        text = result if isinstance(result, str) else json.dumps(result, ensure_ascii=False)
        return f"result {tool}" + (" (error)" if data.get("is_error") else ""), text
    if kind == "artifact":
        return f"artifact {data.get('name', '')}", data.get("text", "")
    if isinstance(data.get("text"), str):
        return kind, data["text"]
    rest = {k: v for k, v in data.items() if k != "content_type"}
    return kind, json.dumps(rest, ensure_ascii=False)


def event_line(e: Any) -> str:
    """`<id12> <time> <kind> <branch>: <sources> → <results> commits[ by <actor>][ trace=<id>]`."""
    at = e.created_at.strftime("%Y-%m-%d %H:%M:%S")
    where = f" {e.branch}" if e.branch else ""
    who = (f" by {e.actor}" if getattr(e, "actor", None) else "") + (
        f" trace={e.trace_id}" if getattr(e, "trace_id", None) else "")
    return f"{short_id(e.id)} {at} {e.kind}{where}: {len(e.sources)} → {len(e.results)} commits{who}"


def branch_line(b: Any) -> str:
    return f"{'*' if b.current else ' '} {b.name} {short_id(b.head) or '(empty)'}"
