"""lost_facts: the specifics a summary would drop, shown before anyone approves it."""

from __future__ import annotations

import pytest
from compress_support import open_tract, story

from tract_core import CompressionError
from tract_core.compression.facts import extract_facts, lost_facts


def test_numbers_identifiers_paths_urls_and_quotes_are_facts():
    text = ('Deploy api-v2 (ticket JIRA-1234) to https://staging.example.com/v2?x=1 after 2.5s; '
            'see /var/log/app/error.log and src/main.py, function parseConfig, key retry_limit, '
            'hash deadbeef12, budget $4,200 or 15%, message "disk full", it\'s `make deploy`.')
    facts = extract_facts(text)
    for fact in ("api-v2", "JIRA-1234", "https://staging.example.com/v2?x=1", "2.5s",
                 "/var/log/app/error.log", "src/main.py", "parseConfig", "retry_limit", "deadbeef12",
                 "$4,200", "15%", "disk full", "make deploy"):
        assert fact in facts
    assert "Deploy" not in facts and "s fine" not in facts


@pytest.mark.parametrize("text", ["x-" * 20_000, "ab-" * 13_000 + "/z", "--" + "a-" * 20_000 + "1"])
def test_facts_of_a_long_hyphenated_run_take_linear_time(text):
    """A tool result holding url-safe base64 or a long kebab-case run: the path and identifier
    patterns rescanned the run from each of its word boundaries (40 kB took 74 s to compress)."""
    import time

    started = time.perf_counter()
    extract_facts(text)
    assert time.perf_counter() - started < 1.0


def test_facts_after_leading_hyphens_or_inside_a_hyphenated_run_are_still_found():
    facts = extract_facts("run --gpu2 on node-7b, log at x-y/build.log, ref a-b-c9")
    for fact in ("gpu2", "node-7b", "x-y/build.log", "a-b-c9"):
        assert fact in facts


def test_json_keys_of_tool_arguments_are_not_facts_but_values_are():
    facts = extract_facts('deploy\n{"build": 4812, "target": "eu-west-1"}')
    assert "4812" in facts and "eu-west-1" in facts and "build" not in facts and "target" not in facts


def test_a_fact_counts_as_kept_whatever_its_case_or_spacing():
    assert lost_facts(["Port 8443 on Host-7"], "it listens on port 8443 on host-7") == []
    assert [f.text for f in lost_facts(["Port 8443 and 9000", "again 8443"], "port 8443")] == ["9000"]


class Stubborn:
    def __init__(self, answer):
        self.answer = answer

    def summarize(self, commits, *, target_tokens=None, instructions=None):
        if isinstance(self.answer, Exception):
            raise self.answer
        return self.answer


@pytest.mark.parametrize("answer", ["", "  ", None, ValueError("model overloaded")])
def test_a_summarizer_object_that_fails_or_returns_nothing_changes_nothing(answer):
    t = open_tract(summarizer=Stubborn(answer))
    story(t)
    head = t.status().head
    with pytest.raises(CompressionError):
        t.compress(mode="autonomous")
    assert t.status().head == head and t.operations() == []
