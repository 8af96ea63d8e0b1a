"""Token counts include what the API adds around the text: checked against the OpenAI cookbook's
published counting method (`num_tokens_from_messages`), implemented here on its own."""

from __future__ import annotations

import statistics

import pytest
from agent_corpus import commit_trajectory, trajectory

from tract_core import Tract
from tract_core.tokens import NO_FRAMING, OPENAI_FRAMING, TiktokenCounter, load_encoding

SEEDS = range(15)


def cookbook_count(messages: list[dict], encoding) -> int:
    """The cookbook's count for gpt-4o-class models: 3 tokens per message, the tokens of each field
    value, 1 more for a `name`, 3 to prime the reply. The cookbook encodes each field as sent; a
    field that holds a list or an object (tool calls) is counted by the string values inside it."""
    def value_tokens(value) -> int:
        if isinstance(value, str):
            return len(encoding.encode(value, disallowed_special=()))
        if isinstance(value, list):
            return sum(value_tokens(v) for v in value)
        if isinstance(value, dict):
            return sum(value_tokens(v) for v in value.values())
        return 0  # null content
    tokens = 0
    for message in messages:
        tokens += 3
        for key, value in message.items():
            tokens += value_tokens(value)
            if key == "name":
                tokens += 1
    return tokens + 3


@pytest.fixture(scope="module")
def corpus():
    """(tract, compiled context) per trajectory, counted with tiktoken's o200k_base."""
    tracts = []
    for seed in SEEDS:
        t = Tract.open(":memory:", counter=TiktokenCounter())
        commit_trajectory(t, trajectory(seed))
        tracts.append(t)
    yield tracts
    for t in tracts:
        t.close()


def test_the_framing_constants_are_the_cookbooks():
    assert (OPENAI_FRAMING.per_message, OPENAI_FRAMING.per_name, OPENAI_FRAMING.reply_priming) == (3, 1, 3)


def test_a_full_context_counts_within_2_percent_of_the_cookbook(corpus):
    encoding = load_encoding()
    errors = []
    for t in corpus:
        ctx = t.compile()
        expected = cookbook_count(ctx.to_openai(), encoding)
        errors.append((ctx.token_count - expected) / expected)
    assert max(abs(e) for e in errors) <= 0.02, f"worst {max(errors, key=abs):.2%}"
    print(f"framed: median error {statistics.median(errors):+.2%}, worst {max(errors, key=abs):+.2%}")


def test_without_framing_the_count_falls_short_as_the_issue_measured():
    encoding = load_encoding()
    with Tract.open(":memory:", counter=TiktokenCounter(framing=NO_FRAMING)) as bare:
        commit_trajectory(bare, trajectory(0))
        ctx = bare.compile()
        expected = cookbook_count(ctx.to_openai(), encoding)
    assert ctx.token_count < expected * 0.98


@pytest.mark.parametrize("share", [0.2, 0.4, 0.6, 0.8])
def test_a_budget_is_met_on_the_cookbook_count(corpus, share):
    encoding = load_encoding()
    for t in corpus[:15]:
        budget = int(t.compile().token_count * share)
        ctx = t.compile(budget=budget)
        assert ctx.token_count <= budget
        assert cookbook_count(ctx.to_openai(), encoding) <= budget


def test_an_incremental_count_equals_a_fresh_one(tmp_path):
    path = str(tmp_path / "t.db")
    steps = trajectory(7)
    with Tract.open(path, counter=TiktokenCounter()) as t:
        counts = []
        for i in range(len(steps)):
            commit_trajectory(t, steps[i:i + 1])
            counts.append(t.compile().token_count)
        live = t.compile()
        assert t.status().token_count == live.token_count
    with Tract.open(path, counter=TiktokenCounter()) as fresh:
        assert fresh.compile().token_count == live.token_count == counts[-1]


def test_on_the_shared_corpus_the_count_is_within_2_percent_of_the_cookbook():
    """tests/corpus: OpenAI-shaped trajectories with reused call ids and parallel calls, counted as
    sent (the recorded messages spell non-ASCII arguments as \\u escapes, which cost more tokens;
    tract sends the characters themselves)."""
    from tests.corpus.trajectories import commit_message, load, names

    encoding = load_encoding()
    errors = []
    for name in names():
        with Tract.open(":memory:", counter=TiktokenCounter()) as t:
            for message in load(name):
                commit_message(t, message)
            ctx = t.compile()
        expected = cookbook_count(ctx.to_openai(), encoding)
        errors.append((ctx.token_count - expected) / expected)
    print(f"shared corpus: median {statistics.median(errors):+.2%}, worst {max(errors, key=abs):+.2%}")
    assert max(abs(e) for e in errors) <= 0.02
