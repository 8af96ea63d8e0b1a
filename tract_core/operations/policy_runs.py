"""Where the policies act: on the compiled context (clear_tool_results, budget) and after a commit
(auto_compress, or a budget that compresses). The facade calls these; operations/policies.py holds
the rules themselves."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from tract_core.models.compiled import CompiledContext
from tract_core.models.policy import ClearToolResults
from tract_core.operations import policies as rules_of
from tract_core.operations.compiler import Compiler
from tract_core.operations.refs import RefView
from tract_core.storage import Txn

REFRESH_S = 1.0   # how stale a process's copy of a tract's policies may be


class PolicyCache:
    """A tract's policies, re-read at most every REFRESH_S: another process may change them, and a
    commit should not pay a query for that each time."""

    def __init__(self, repo) -> None:
        self.repo = repo
        self.rules: dict = {}
        self.read_at = float("-inf")

    def get(self) -> dict:
        if time.monotonic() - self.read_at > REFRESH_S:
            self.rules = rules_of.load(self.repo)
            self.read_at = time.monotonic()
        return self.rules

    def forget(self) -> None:
        self.read_at = float("-inf")


def _cleared(compiler: Compiler, tx: Txn, head: str, ctx: CompiledContext, rule) -> CompiledContext:
    if rule is None:
        return ctx
    tokens = {e.shown: e.tokens for e in compiler.state(tx, head).entries}
    return rules_of.clear_tool_results(ctx, rule, tokens, compiler.repo.counter.count)


def compile_with(compiler: Compiler, tx: Txn, head: str | None, budget: int | None,
                 rules: dict) -> CompiledContext:
    """Compile, then apply clear_tool_results, and the budget policy when no budget is given."""
    clear = rules.get("clear_tool_results")
    limit = rules.get("budget")
    if head is None:
        return compiler.compile(tx, head, budget)
    if budget is not None or limit is None:
        return _cleared(compiler, tx, head, compiler.compile(tx, head, budget), clear)
    ctx = _cleared(compiler, tx, head, compiler.compile(tx, head), clear)
    if ctx.token_count <= limit.max_tokens:
        return ctx
    if limit.action == "clear_tool_results" and clear is None:
        ctx = _cleared(compiler, tx, head, ctx, ClearToolResults())
        if ctx.token_count <= limit.max_tokens:
            return ctx
    return _cleared(compiler, tx, head, compiler.compile(tx, head, limit.max_tokens), clear)


def after_commit(compiler: Compiler, lock: Any, rules: dict, branch: str | None,
                 compress: Callable[..., Any], summarizer: Any) -> None:
    """Compress when a policy says so, after a commit is written; never raises (a failure is a
    `policy` event)."""
    found = rules_of.compress_trigger(rules)
    if found is None:
        return
    name, rule = found
    repo = compiler.repo
    try:
        with lock, repo.store.read() as tx:
            view = RefView.read(tx, repo.tract_id)
            branch = branch or view.branch
            head = view.branch_head(branch) if branch else None
            if head is None or compiler.assembled(tx, head).tokens <= rule.trigger:
                return   # under the trigger before any clearing: nothing to do (the usual case)
        if rules_of.has_pending(repo, branch):
            return       # at most one proposal per branch waits for a decision
        with lock, repo.store.read() as tx:
            ctx = _cleared(compiler, tx, head, compiler.compile(tx, head), rules.get("clear_tool_results"))
            entries = compiler.state(tx, head).entries
        rules_of.auto_compress(repo, name, rule, branch, ctx, entries,
                               lambda e: repo.priority(e.position, e.content_type), compress,
                               rules_of.summarizer_available(summarizer))
    except Exception as err:  # noqa: BLE001 - the commit is written; a failed policy is an event
        rules_of.record_failure(repo, name, branch, err)
