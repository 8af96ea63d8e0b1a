"""The `policy` tool: list, set or remove the rules a tract applies by itself (auto_compress,
clear_tool_results, pin, budget). One tool for all three, to keep `tools/list` short."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field

from server.models import ADDS, IdempotencyKey, TractName
from tract_core.errors import InvalidOperationError
from tract_core.models.policy import PolicyInfo, PolicyKind


class PolicyList(BaseModel):
    policies: list[PolicyInfo] = Field(description="The tract's policies; pin lists what it pinned.")


def register(ts) -> None:
    pool = ts.pool

    @ts.tool("Policies", ADDS)
    def policy(action: Annotated[Literal["list", "set", "remove"], Field(description="Default: list")] = "list",
               kind: Annotated[PolicyKind | None, Field(description="For set and remove")] = None,
               options: Annotated[dict[str, Any] | None, Field(description=(
                   "auto_compress: trigger_tokens|trigger_ratio+window, target_tokens, mode; "
                   "clear_tool_results: keep_last, min_tokens, exclude_tools; pin: kind, tool, pattern, role, "
                   "priority; budget: max_tokens, action"))] = None,
               tract: TractName = "default", idempotency_key: IdempotencyKey = None) -> PolicyList:
        """Rules the tract applies by itself: compress, clear old tool results, pin, budget."""
        t = pool.get(tract) if action == "set" else pool.read(tract)  # set writes (and creates)
        if action != "list" and kind is None:
            raise InvalidOperationError(f"policy action {action!r} needs kind")

        def run() -> PolicyList:
            if action == "set":
                t.set_policy(kind, **(options or {}))
            elif action == "remove":
                t.remove_policy(kind)
            return PolicyList(policies=t.policies())
        request = dict(action=action, kind=kind, options=options)
        return run() if action == "list" else pool.once(tract, idempotency_key, "policy", request, PolicyList, run)
