"""Must-keep facts: an IMPORTANT commit may be compressed, but no summary that drops its facts is
applied without force — collaborative approval, manual content, or an autonomous summarizer."""

from __future__ import annotations

import re

import pytest
from compress_support import open_tract, texts

from tract_core import CompressionError, FactsLostError, InvalidOperationError, Priority, Tract

RULE = "Deploy key is K-7731. Rule from Rob: never commit to main, always open a pull request."


def session(t):
    t.system("You are a release engineer.")
    first = t.user("Hello, we start the release today.").hash
    rule = t.user(RULE).hash
    t.assistant("Understood, I will keep that in mind.")
    last = t.user("Now prepare the changelog.").hash
    return first, rule, last


def test_important_turns_stay_under_a_budget_while_normal_turns_remain_to_drop():
    t = open_tract()
    t.system("sys")
    old = t.user("old normal turn one two").hash
    imp = t.user("important turn one two three").hash
    t.annotate(imp, Priority.IMPORTANT)
    newer = t.user("newer normal").hash
    full = t.compile().token_count                       # 1 + 5 + 5 + 2
    ctx = t.compile(budget=full - 5)           # one turn must go: the oldest NORMAL, not IMPORTANT
    assert imp in ctx.commit_hashes and newer in ctx.commit_hashes and old not in ctx.commit_hashes
    ctx = t.compile(budget=6)                  # room for one: every NORMAL turn goes first
    assert ctx.commit_hashes == [ctx.commit_hashes[0], imp]
    t.annotate(imp, Priority.NORMAL)
    assert t.compile(budget=6).commit_hashes[1:] == [newer]   # a NORMAL turn would have been dropped
    assert t.show(old).priority is Priority.NORMAL


def test_approving_a_summary_without_the_must_keep_facts_is_refused_naming_them():
    t = open_tract(summarizer=lambda system, prompt: "They discussed the release.")
    first, rule, last = session(t)
    t.annotate(rule, Priority.IMPORTANT, must_keep=["K-7731", "never commit to main"])
    head = t.status().head
    pending = t.compress(from_commit=first, to_commit=last)
    assert pending.must_keep_lost == ["K-7731", "never commit to main"]
    with pytest.raises(FactsLostError) as err:
        pending.approve()
    assert err.value.facts == ["K-7731", "never commit to main"] and "K-7731" in str(err.value)
    assert t.status().head == head and t.pending_compressions()[0].id == pending.id

    with pytest.raises(FactsLostError, match="never commit to main"):
        pending.approve(["The deploy key is K-7731."])
    done = pending.approve(["The deploy key is K-7731; Rob's rule: never commit to main."])
    assert t.status().head == done.new_head
    assert "forced" not in t.operations(limit=1)[0].parameters


def test_force_applies_it_anyway_and_the_audit_event_says_so():
    t = open_tract(summarizer=lambda system, prompt: "They discussed the release.")
    first, rule, last = session(t)
    t.annotate(rule, "important", must_keep=["K-7731"])
    pending = t.compress(from_commit=first, to_commit=last)
    result = t.approve_compression(pending.id, force=True)
    event = t.operations(limit=1)[0]
    assert event.id == result.event_id
    assert event.parameters["forced"] is True and event.parameters["must_keep_lost"] == ["K-7731"]


def test_must_keep_takes_regular_expressions_and_defaults_to_the_commit_facts():
    t = open_tract(summarizer=lambda system, prompt: "The deploy key is K-7731.")
    first, rule, last = session(t)
    t.annotate(rule, Priority.IMPORTANT, must_keep=[re.compile(r"K-\d{4}")])
    assert t.compress(from_commit=first, to_commit=last).must_keep_lost == []

    t2 = open_tract(summarizer=lambda system, prompt: "The deploy key is K-7731.")
    first, rule, last = session(t2)
    t2.annotate(rule, Priority.IMPORTANT)            # no list: the facts found in the commit
    lost = t2.compress(from_commit=first, to_commit=last).must_keep_lost
    assert "Rob" in lost and any("never commit to main" in f for f in lost) and "K-7731" not in lost


def test_a_manual_summary_that_drops_a_must_keep_fact_is_refused_unless_forced():
    t = open_tract()
    first, rule, last = session(t)
    t.annotate(rule, Priority.IMPORTANT, must_keep=["K-7731"])
    head = t.status().head
    with pytest.raises(FactsLostError):
        t.compress(from_commit=first, to_commit=last, mode="manual", content="A release chat.")
    assert t.status().head == head
    t.compress(from_commit=first, to_commit=last, mode="manual", content="A release chat.", force=True)
    assert t.operations(limit=1)[0].parameters["forced"] is True


def test_an_autonomous_summarizer_is_asked_again_naming_the_missing_facts():
    prompts = []

    def forgetful_then_careful(system, prompt):
        prompts.append(prompt)
        return "Release chat." if len(prompts) == 1 else "Release chat; key K-7731, never commit to main."

    t = open_tract(summarizer=forgetful_then_careful)
    first, rule, last = session(t)
    t.annotate(rule, Priority.IMPORTANT, must_keep=["K-7731", "never commit to main"])
    result = t.compress(from_commit=first, to_commit=last, mode="autonomous")
    assert len(prompts) == 2
    assert "- K-7731" in prompts[0] and "must state" in prompts[0]            # named from the start
    assert "left out" in prompts[1] and "- never commit to main" in prompts[1]
    assert any("K-7731" in m for m in texts(t)) and RULE not in texts(t)
    assert result.compressed_tokens < result.original_tokens


def test_a_summarizer_that_keeps_forgetting_leaves_the_important_commit_verbatim():
    calls = []
    t = open_tract(summarizer=lambda system, prompt: calls.append(prompt) or "Release chat.")
    first, rule, last = session(t)
    t.annotate(rule, Priority.IMPORTANT, must_keep=["K-7731"])
    t.compress(from_commit=first, to_commit=last, mode="autonomous")
    assert len(calls) == 3                                       # the first try and two retries
    shown = texts(t)
    assert RULE in shown and any(m.startswith("[Summary") for m in shown)
    event = t.operations(limit=1)[0]
    assert event.parameters["kept_verbatim"] == [rule] and "forced" not in event.parameters
    kept = [c for c in t.log() if c.content.text == RULE][0]
    assert kept.priority is Priority.IMPORTANT                   # still guarded on the new branch


def test_must_keep_goes_only_with_important_and_must_be_a_list_of_strings_or_patterns():
    t = open_tract()
    _, rule, _ = session(t)
    with pytest.raises(InvalidOperationError, match="important"):
        t.annotate(rule, Priority.PINNED, must_keep=["K-7731"])
    for bad in ([], [3], [""], {"k": 1}):
        with pytest.raises(InvalidOperationError):
            t.annotate(rule, Priority.IMPORTANT, must_keep=bad)
    assert issubclass(FactsLostError, CompressionError)


def test_gc_removes_the_must_keep_facts_of_the_commits_it_deletes(store_url):
    from sqlalchemy import func, select

    from tract_core.storage import schema

    from tests.conftest import WordCounter

    with Tract.open(store_url, counter=WordCounter()) as t:
        t.user("start")
        t.branch("dead", switch=True)
        rule = t.user("Ticket K-7731: never commit to main.")
        t.annotate(rule.hash, "important", must_keep=["K-7731"])
        t.switch("main")
        t.delete_branch("dead", force=True)
        t.gc(orphan_retention_days=0)
        with t.store.read() as tx:
            assert tx.conn.scalar(select(func.count()).select_from(schema.must_keep)) == 0
