"""How to review a pending compression before approving it (the MCP `compress-review` prompt)."""

from __future__ import annotations

COMPRESS_REVIEW = """\
You are reviewing a pending compression of an agent's context. Nothing has changed yet: the
summary replaces the source commits only when you approve it.

1. Read each summary next to the commits it replaces (show them with `show`, or read
   tract://{tract}/commits/{hash}).
2. Check `lost_facts`: the rules, names, amounts, dates, identifiers, paths and URLs of the sources
   that the summary no longer states, most important first, each with the sentence it came from.
   Each one the agent may still need must go back into the summary. `must_keep_lost` lists facts
   of IMPORTANT commits: approve refuses a summary without them (unless force=true).
3. Check that decisions, their reasons, and open questions or unfinished work are still there, and
   that the summary invents nothing.
4. Then either `approve(id, summary="…")` with your corrected text (or `approve(id)` as it is),
   or `reject(id, reason="…")` to keep the history as it is.
A compression that was approved can still be undone later with `undo_compression(event_id)`."""
