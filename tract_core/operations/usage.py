"""Calibrating budgets on what a provider counts: `record_usage` stores the input tokens a provider
returned for a compiled context beside tract's own count; later budgets of the tract are scaled by
the ratio, so a context compiled to a budget fits it on the provider's count too.

The ratio used is the largest of the newest `WINDOW` observations (the cautious choice: a context
with more tool calls or shorter turns has more framing per token than the one measured). It is kept
in the store, so a reopened tract still applies it.
"""

from __future__ import annotations

import math

from tract_core.errors import InvalidOperationError, RecordNotFoundError
from tract_core.models.compiled import CompiledContext
from tract_core.operations.repo import Repo
from tract_core.storage import Txn
from tract_core.storage import records as records_q
from tract_core.storage import usage as usage_q

WINDOW = 8   # observations kept per tract, and looked at for the ratio


def record_usage(repo: Repo, compiled: CompiledContext | str, input_tokens: int) -> float:
    """Store the provider's `input_tokens` for `compiled` (a compiled context or a compile record
    id); return the ratio later budgets are scaled by."""
    if isinstance(input_tokens, bool) or not isinstance(input_tokens, int) or input_tokens <= 0:
        raise InvalidOperationError("input_tokens must be the positive token count the provider "
                                    "returned (usage.input_tokens / usage.prompt_tokens)")
    with repo.store.write() as tx:
        if isinstance(compiled, CompiledContext):
            record_id, counted = compiled.record_id, compiled.token_count
        elif isinstance(compiled, str) and "\x00" not in compiled:
            rec = records_q.get_record(tx, repo.tract_id, compiled)
            if rec is None:
                raise RecordNotFoundError(f"no compile record {compiled!r}; pass the compiled context, "
                                          "or the record_id of a compile(record=True)")
            record_id, counted = rec.id, rec.token_count
        else:
            raise InvalidOperationError("record_usage takes a compiled context or a compile record id")
        if counted <= 0:
            raise InvalidOperationError("that compiled context is empty: there is nothing to compare "
                                        "the provider's count with")
        usage_q.add_observation(tx, repo.tract_id, record_id, counted, input_tokens, keep=WINDOW)
        return usage_ratio(tx, repo)


def usage_ratio(tx: Txn, repo: Repo) -> float:
    """Provider tokens per counted token (1.0 before any observation)."""
    seen = usage_q.newest_observations(tx, repo.tract_id, WINDOW)
    return max((provider / counted for counted, provider in seen), default=1.0)


def scaled_budget(budget: int, ratio: float) -> int:
    """The budget on tract's count that is `budget` on the provider's."""
    return math.floor(budget / ratio) if ratio != 1.0 else budget
