"""Policies applied by the tract itself (see models/policy.py for what each kind means).

- `pin` runs inside the commit's transaction: a matching commit is annotated as it is written.
- `auto_compress` (and `budget` with action "compress") run after a commit is written, outside its
  transaction: a summarizer may call an LLM. They never fail the commit: an error becomes a
  `policy` operation event. Every compression they make names the policy in its event.
- `clear_tool_results` (and `budget`) shape what compile returns; nothing in the store changes.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel, ValidationError

from tract_core.errors import CompressionError, InvalidOperationError, TractError
from tract_core.models.compiled import CompiledContext, Message
from tract_core.models.enums import Priority
from tract_core.models.policy import (PIN_REASON, POLICY_MODELS, PRIORITY_OF, AutoCompress, Budget,
                                      ClearToolResults, Pin, PolicyInfo)
from tract_core.operations.compile_state import Entry
from tract_core.operations.events import record_event
from tract_core.operations.render import token_text
from tract_core.operations.repo import Repo
from tract_core.storage import pending as pending_q
from tract_core.storage import policies as stored

STUB = "[tool result cleared: {tool} returned {tokens} tokens; show {hash} to read it]"


# --- configuration ---
def parse(kind: str, options: dict[str, Any]) -> BaseModel:
    model = POLICY_MODELS.get(kind) if isinstance(kind, str) else None
    if model is None:
        raise InvalidOperationError(f"unknown policy {kind!r}; use one of: {', '.join(POLICY_MODELS)}")
    try:
        return model(**options)
    except ValidationError as err:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or kind}: {e['msg']}" for e in err.errors()[:3])
        raise InvalidOperationError(f"policy {kind}: {problems}") from None


def set_policy(repo: Repo, kind: str, options: dict[str, Any]) -> PolicyInfo:
    policy = parse(kind, options)
    with repo.store.write() as tx:
        stored.save_policy(tx, repo.tract_id, kind, policy.model_dump_json())
    return PolicyInfo(kind=kind, options=policy.model_dump())


def load(repo: Repo) -> dict[str, BaseModel]:
    with repo.store.read() as tx:
        rows = stored.list_policies(tx, repo.tract_id)
    return {k: POLICY_MODELS[k](**json.loads(v)) for k, v in rows.items() if k in POLICY_MODELS}


def list_policies(repo: Repo) -> list[PolicyInfo]:
    with repo.store.read() as tx:
        rows = stored.list_policies(tx, repo.tract_id)
        pinned = stored.annotated_with_reason(tx, repo.tract_id, PIN_REASON) if "pin" in rows else []
    return [PolicyInfo(kind=k, options=json.loads(v), pinned=pinned if k == "pin" else [])
            for k, v in rows.items() if k in POLICY_MODELS]


def remove_policy(repo: Repo, kind: str) -> None:
    if not isinstance(kind, str) or kind not in POLICY_MODELS:
        raise InvalidOperationError(f"unknown policy {kind!r}; use one of: {', '.join(POLICY_MODELS)}")
    with repo.store.write() as tx:
        if not stored.delete_policy(tx, repo.tract_id, kind):
            raise InvalidOperationError(f"no {kind} policy is set on tract {repo.tract_id!r}; "
                                        "policies() lists them")


# --- pin, at commit time ---
def pin_priority(rule: Pin | None, content: Any) -> Priority | None:
    """The priority `rule` gives `content` (a dict or content model), or None when it does not match."""
    if rule is None:
        return None
    data = content.model_dump(mode="json") if isinstance(content, BaseModel) else content
    if not isinstance(data, dict):
        return None
    if rule.kind is not None and data.get("content_type") != rule.kind:
        return None
    if rule.tool is not None and data.get("tool_name") != rule.tool:
        return None
    if rule.role is not None and data.get("role") != rule.role:
        return None
    if rule.pattern is not None:
        try:
            text = token_text(data)
        except (KeyError, TypeError, ValueError):
            return None   # invalid content: the commit itself says why
        if not re.search(rule.pattern, text):
            return None
    return PRIORITY_OF[rule.priority]


# --- auto_compress, after a commit ---
def compress_trigger(policies: dict[str, BaseModel]) -> tuple[str, AutoCompress] | None:
    """The policy that compresses after a commit, as an AutoCompress (a budget with action
    "compress" compresses to half its budget, autonomously when it can)."""
    auto = policies.get("auto_compress")
    if isinstance(auto, AutoCompress):
        return "auto_compress", auto
    budget = policies.get("budget")
    if isinstance(budget, Budget) and budget.action == "compress" and budget.max_tokens > 1:
        return "budget", AutoCompress(trigger_tokens=budget.max_tokens, target_tokens=budget.max_tokens // 2,
                                      mode="autonomous")
    return None


def pick_range(entries: list[Entry], priority_of: Callable[[Entry], Priority], total: int,
               target: int, summary_tokens: int) -> tuple[str, str] | None:
    """The oldest run of compiled turns (never the newest) whose replacement by a summary of about
    `summary_tokens` brings `total` down to `target`; PINNED turns inside it stay verbatim."""
    first = last = None
    saved = 0
    for e in entries[:-1]:
        if priority_of(e) is Priority.PINNED:
            continue
        first = first or e.position
        last = e.position
        saved += e.tokens
        if total - saved + summary_tokens <= target:
            break
    return (first, last) if first else None


def has_pending(repo: Repo, branch: str) -> bool:
    with repo.store.read() as tx:
        return any(p.branch == branch for p in pending_q.list_pending(tx, repo.tract_id))


def auto_compress(repo: Repo, name: str, policy: AutoCompress, branch: str, ctx: CompiledContext,
                  entries: list[Entry], priority_of, compress: Callable[..., Any],
                  can_summarize: bool) -> Any:
    """Compress when `ctx` (the branch compiled) is over the trigger; returns what compress made, or
    None. At most one pending proposal per branch: none is made while one waits for a decision."""
    if ctx.token_count <= policy.trigger or has_pending(repo, branch):
        return None
    summary_tokens = max(1, policy.target_tokens // 4)
    shown = set(ctx.commit_hashes)
    rng = pick_range([e for e in entries if e.shown in shown], priority_of, ctx.token_count,
                     policy.target_tokens, summary_tokens)
    if rng is None:
        return None
    autonomous = policy.mode == "autonomous" and can_summarize
    return compress(from_commit=rng[0], to_commit=rng[1], target_tokens=summary_tokens,
                    mode="autonomous" if autonomous else "collaborative",
                    deferred=not can_summarize, branch=branch, policy=name)


def record_failure(repo: Repo, name: str, branch: str | None, err: Exception) -> None:
    """A policy that could not act leaves an event, never an exception for the committer."""
    try:
        with repo.store.write() as tx:
            record_event(tx, repo, "policy", branch, {"policy": name, "error": f"{type(err).__name__}: {err}"},
                         [], [])
    except TractError:
        pass


# --- clear_tool_results, at compile time ---
def _tool_names(messages: list[Message]) -> dict[str, str]:
    return {call.id: call.name for m in messages for call in m.tool_calls}


def stub(m: Message, tool: str, tokens: int) -> Message:
    """The one-line message that stands for a cleared tool result."""
    text = STUB.format(tool=tool, tokens=tokens, hash=(m.commit_hash or "")[:12])
    return Message(role="tool", content=text, tool_call_id=m.tool_call_id, is_error=m.is_error,
                   commit_hash=m.commit_hash)


def clear_tool_results(ctx: CompiledContext, policy: ClearToolResults, tokens_of: dict[str, int],
                       count: Callable[[str], int]) -> CompiledContext:
    """`ctx` with the results of older tool calls above `min_tokens` replaced by a one-line stub."""
    names = _tool_names(ctx.messages)
    results = [i for i, m in enumerate(ctx.messages) if m.role == "tool"]
    older = results[:max(0, len(results) - policy.keep_last)]
    messages = list(ctx.messages)
    cleared: list[str] = []
    tokens = ctx.token_count
    for i in older:
        m = messages[i]
        tool = names.get(m.tool_call_id or "", "tool")
        size = tokens_of.get(m.commit_hash or "", 0)
        if size < policy.min_tokens or tool in policy.exclude_tools:
            continue
        short = stub(m, tool, size)
        cost = count(short.content)
        if cost >= size:
            continue   # the stub would cost as much as the result
        messages[i] = short
        tokens += cost - size
        cleared.append(m.commit_hash)
    if not cleared:
        return ctx
    return ctx.model_copy(update={"messages": messages, "token_count": tokens,
                                  "cleared": list(ctx.cleared) + cleared})


def restub(messages: list[Message], cleared: set[str], tokens_of: dict[str, int]) -> list[Message]:
    """`messages` with the results in `cleared` as their stubs again (replaying a record)."""
    names = _tool_names(messages)
    return [stub(m, names.get(m.tool_call_id or "", "tool"), tokens_of.get(m.commit_hash, 0))
            if m.role == "tool" and m.commit_hash in cleared else m for m in messages]


def summarizer_available(given: Any) -> bool:
    from tract_core.compression.summarizers import resolve_summarizer

    try:
        resolve_summarizer(given)
        return True
    except CompressionError:
        return False
