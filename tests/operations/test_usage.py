"""record_usage: the input tokens a provider returned calibrate later budgets, which are then met on
the provider's count; the ratio is kept in the store."""

from __future__ import annotations

import math

import pytest
from agent_corpus import commit_trajectory, trajectory
from sqlalchemy import func, select

from tests.conftest import WordCounter
from tract_core import Tract
from tract_core.errors import InvalidOperationError, RecordNotFoundError
from tract_core.operations import usage
from tract_core.storage import schema
from tract_core.tokens import OPENAI_FRAMING


class FramedWords:
    """Tract's side: one token per word, framed as the OpenAI cookbook frames messages."""

    framing = OPENAI_FRAMING

    def count(self, text: str) -> int:
        return len(text.split())


def provider_count(ctx) -> int:
    """A provider that counts differently from tract: its own tokenizer (30% more tokens per word)
    and its own framing (6 tokens per content block, 10 per request)."""
    request = ctx.to_anthropic()
    words = len(request["system"].split()) if request["system"] else 0
    blocks = 0
    for message in request["messages"]:
        for block in message["content"]:
            blocks += 1
            words += len(str(block.get("text") or block.get("content") or block.get("input")).split())
    return math.ceil(words * 1.3) + 6 * blocks + 10


@pytest.mark.parametrize("seed", [3, 8, 11])
def test_after_one_observation_budgets_are_met_on_the_providers_count(seed):
    with Tract.open(":memory:", counter=FramedWords()) as t:
        commit_trajectory(t, trajectory(seed))
        full = t.compile(record=True)
        budgets = [int(provider_count(full) * share) for share in (0.2, 0.4, 0.6, 0.8, 1.0)]
        before = [provider_count(t.compile(budget=b)) for b in budgets]
        assert any(count > b for count, b in zip(before, budgets))    # uncalibrated: overflows
        t.record_usage(full.record_id, provider_count(full))
        commit_trajectory(t, [("user", "one more question about the trip")])
        after = [provider_count(t.compile(budget=b)) for b in budgets]
    assert all(count <= b for count, b in zip(after, budgets)), list(zip(after, budgets))
    assert sorted(count / b for count, b in zip(after, budgets))[2] >= 0.9   # and the budget is used


def test_the_ratio_survives_a_restart(store_url):
    with Tract.open(store_url, counter=WordCounter()) as t:
        commit_trajectory(t, trajectory(5))
        ctx = t.compile()
        ratio = t.record_usage(ctx, ctx.token_count * 3 // 2)
        assert ratio == pytest.approx(1.5, abs=0.01)
        scaled = t.compile(budget=600)
    with Tract.open(store_url, counter=WordCounter()) as again:
        assert again.compile(budget=600).token_count == scaled.token_count <= 400


def test_the_largest_recent_ratio_is_used_and_only_the_newest_are_kept(mem):
    mem.user("one two three four five six seven eight nine ten")
    ctx = mem.compile()
    for provider in (12, 20, 11):
        ratio = mem.record_usage(ctx, provider)
    assert ratio == pytest.approx(2.0)
    for _ in range(usage.WINDOW):
        ratio = mem.record_usage(ctx, 11)
    assert ratio == pytest.approx(1.1)                               # the 2.0 has aged out
    with mem.store.read() as tx:
        kept = tx.conn.execute(select(func.count()).select_from(schema.usage_observations)).scalar()
    assert kept == usage.WINDOW


def test_a_provider_that_counts_less_lets_more_in(mem):
    for i in range(10):
        mem.user(f"turn {i} with five words")
    ctx = mem.compile()
    before = mem.compile(budget=20).token_count
    mem.record_usage(ctx, ctx.token_count // 2)
    assert before < mem.compile(budget=20).token_count <= 40


def test_bad_usage_reports_are_refused(mem):
    with pytest.raises(InvalidOperationError, match="empty"):
        mem.record_usage(mem.compile(), 10)
    mem.user("hello there")
    ctx = mem.compile()
    for bad in (0, -5, 1.5, True, "12", None):
        with pytest.raises(InvalidOperationError, match="input_tokens"):
            mem.record_usage(ctx, bad)
    with pytest.raises(RecordNotFoundError):
        mem.record_usage("no-such-record", 10)
    with pytest.raises(InvalidOperationError):
        mem.record_usage(42, 10)
    assert mem.compile(budget=2).token_count == 2                    # nothing was recorded
