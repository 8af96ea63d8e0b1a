"""Must-keep facts: what a summary of an IMPORTANT commit has to state, and what happens when it
does not (refused, retried with the facts named, or the commit kept verbatim beside the summary).

A must-keep list is given to `annotate(…, Priority.IMPORTANT, must_keep=[…])` as strings (found
case- and space-insensitively) or compiled regular expressions; without one, the facts found in the
commit (compression/facts.py) are the list. Stored as JSON specs, `{"text": …}` or `{"regex": …}`.
"""

from __future__ import annotations

import json
import re
from typing import Any

from tract_core.compression.facts import find_facts, must_keep_missing
from tract_core.errors import InvalidOperationError
from tract_core.operations.render import token_text
from tract_core.storage import Txn
from tract_core.storage import policies as stored


def specs_of(must_keep: Any) -> list[dict]:
    """The stored form of a must-keep list given by the user; InvalidOperationError when it is not
    a list of strings and compiled patterns."""
    if isinstance(must_keep, (str, re.Pattern)):
        must_keep = [must_keep]
    if not isinstance(must_keep, (list, tuple)) or not must_keep:
        raise InvalidOperationError("must_keep takes a non-empty list of strings or compiled regular "
                                    "expressions (re.compile(...))")
    specs: list[dict] = []
    for item in must_keep:
        if isinstance(item, re.Pattern):
            specs.append({"regex": item.pattern})
        elif isinstance(item, str) and item.strip() and "\x00" not in item:
            specs.append({"text": item.strip()})
        else:
            raise InvalidOperationError(f"must_keep item {item!r} is neither a non-empty string nor a "
                                        "compiled regular expression")
    return specs


def save(tx: Txn, tract_id: str, commit_hash: str, must_keep: Any) -> None:
    stored.save_must_keep(tx, tract_id, commit_hash, json.dumps(specs_of(must_keep)))


def guard(tx: Txn, tract_id: str, important: dict[str, tuple[int, Any]]) -> list[dict]:
    """For each IMPORTANT commit of a plan (position -> (its summary group, its shown row)), the
    facts its summary must state: `[{"commit", "group", "specs"}]`."""
    given = stored.must_keep_of(tx, tract_id, list(important))
    out = []
    for h, (group, row) in important.items():
        if h in given:
            specs = json.loads(given[h])
        else:
            specs = [{"text": f.text, "kind": f.kind}
                     for f in find_facts(token_text(json.loads(row.body)))]
        if specs:
            out.append({"commit": h, "group": group, "specs": specs})
    return out


def missing(guards: list[dict], summaries: list[str | None]) -> dict[str, list[str]]:
    """commit -> its must-keep facts that the summary of its group lacks."""
    out: dict[str, list[str]] = {}
    for g in guards:
        lost = must_keep_missing(g["specs"], summaries[g["group"]] or "")
        if lost:
            out[g["commit"]] = lost
    return out


def flat(lost: dict[str, list[str]]) -> list[str]:
    return list(dict.fromkeys(f for facts in lost.values() for f in facts))


def facts_by_group(guards: list[dict], groups: int, only: dict[str, list[str]] | None = None) -> list[list[str]]:
    """Per summary group, the must-keep facts to name in its prompt (all, or those in `only`)."""
    out: list[list[str]] = [[] for _ in range(groups)]
    for g in guards:
        if only is None:
            out[g["group"]].extend(s.get("text") or f"text matching /{s['regex']}/" for s in g["specs"])
        elif g["commit"] in only:
            out[g["group"]].extend(only[g["commit"]])
    return [list(dict.fromkeys(f)) for f in out]


def keep_verbatim(data: dict, plan_rows: dict[str, Any], commits: list[str], tool_of: dict[str, Any]) -> None:
    """Keep `commits` (IMPORTANT ones whose facts no summary kept) verbatim right after the summary
    of their group, with the other half of a tool pair when they are tool I/O. Changes `data`."""
    keep = set(commits)
    for group in data["groups"]:
        calls = {tool_of[h][1] for h in group if h in keep and tool_of.get(h)}
        keep |= {h for h in group if tool_of.get(h) and tool_of[h][1] in calls}
    items: list[dict] = []
    for item in data["items"]:
        items.append(item)
        if "summary" in item:
            for h in data["groups"][item["summary"]]:
                if h in keep:
                    items.append({"keep": h})
                    data["kept"].append(h)
                    data["kept_tokens"] += plan_rows[h].token_count
    data["items"] = items
    data["kept_verbatim"] = sorted(keep, key=lambda h: data["range"].index(h))
