"""`tract log --graph`: commits newest first, one line each, with the branch/merge lines of
`git log --graph --oneline`."""

from __future__ import annotations

from collections.abc import Iterable

from tract_core.models.commit import CommitInfo


def oneline(c: CommitInfo, width: int = 72) -> str:
    """`<short hash> <kind>: <first line of text>` (or the message, for a merge)."""
    data = c.content.model_dump(mode="json") if hasattr(c.content, "model_dump") else (c.content or {})
    if c.operation.value == "merge" or not data:
        text = c.message or ""
    else:
        kind = data.get("role") or data.get("content_type", "")
        body = data.get("text") or data.get("tool_name") or data.get("name") or ""
        text = f"{kind}: {str(body).splitlines()[0] if body else ''}"
    if c.operation.value == "edit":
        text = f"(edit {c.edit_target[:7]}) {text}"
    if c.priority.value != "normal":
        text = f"[{c.priority.value}] {text}"
    line = f"{c.hash[:7]} {text}"
    return line if len(line) <= width else line[:width - 1] + "…"


def graph_lines(commits: Iterable[CommitInfo]) -> list[str]:
    columns: list[str] = []  # the commit each column is waiting for
    out: list[str] = []
    for c in commits:
        if c.hash not in columns:
            columns.append(c.hash)
        i = columns.index(c.hash)
        out.append(" ".join("*" if j == i else "|" for j in range(len(columns))) + " " + oneline(c))
        after = columns[:i] + list(c.parents) + columns[i + 1:]
        if len(c.parents) > 1:
            out.append(" ".join("|" for _ in range(i + 1)) + "\\")
        merged: list[str] = []
        for h in after:
            if h in merged:
                out.append(" ".join("|" for _ in range(max(len(merged) - 1, 0))) + ("|/" if merged else "/"))
            else:
                merged.append(h)
        columns = merged
    return out
