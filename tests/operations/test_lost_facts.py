"""lost_facts: the specifics a summary would drop, shown before anyone approves it."""

from __future__ import annotations

import pytest
from compress_support import open_tract, story

from tract_core import CompressionError
from tract_core.compression.facts import extract_facts, find_facts, lost_facts


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


def test_names_numbers_with_what_they_count_dates_and_rules_are_facts():
    text = ("We picked Marley flooring for 14 square meters, within the 18,500 euros budget. "
            "My sister Ana moved to Sweden on March 3rd, 2019. Sweden suits her. "
            "The contractor Hendricks & Sons starts at 10:30 on Friday. "
            'Rob said we must never commit to main. We watched "The Grand Budapest Hotel".')
    facts = {f.text: f for f in find_facts(text, commit="abc")}
    for name in ("Marley", "Ana", "Sweden", "Hendricks & Sons", "The Grand Budapest Hotel"):
        assert name in facts
    assert {"14 square meters", "18,500 euros", "March 3rd, 2019", "10:30", "Friday"} <= set(facts)
    assert facts["must never commit to main"].kind == "rule"
    assert facts["Ana"].context == "My sister Ana moved to Sweden on March 3rd, 2019."
    assert facts["Ana"].commit == "abc"
    assert not {"We", "My", "The", "Rob said"} & set(facts)


def test_facts_come_ranked_rules_and_urls_before_bare_numbers():
    facts = find_facts("Port 8443 is open. You must always rotate the key at https://vault.example/k.")
    kinds = [f.kind for f in facts]
    assert kinds.index("rule") < kinds.index("number") and kinds.index("url") < kinds.index("number")
    assert [f.score for f in facts] == sorted((f.score for f in facts), reverse=True)


def test_code_gives_no_fragments_but_keeps_its_paths():
    text = "Here is the fix:\n```\nx = foo(', text).strip('\nopen('/srv/app/main.cfg')\n```\nDone."
    facts = [f.text for f in find_facts(text)]
    assert "/srv/app/main.cfg" in facts
    assert not any("strip" in f or f.startswith(",") for f in facts)


def test_a_rephrased_fact_is_not_reported_lost():
    sources = [("c1", "On April 14, Hendricks & Sons quoted 6,200 euros. We must never commit to main.")]
    summary = "On 14 April hendricks and sons quoted 6200 euros; never commit to main, they must."
    assert lost_facts(sources, summary) == []
    lost = lost_facts(sources, "They got a quote.")
    assert {f.commit for f in lost} == {"c1"} and "6,200 euros" in [f.text for f in lost]


def test_a_source_file_a_tool_read_gives_only_its_paths():
    source = ('"""Config loader."""\nimport os\n\n\ndef load(path="/etc/app/config.yaml"):\n'
              '    if not os.path.exists(path):\n        raise ValueError("Missing config, see docs")\n'
              '    return open(path).read().strip(", ")\n')
    assert [f.text for f in find_facts(source)] == ["/etc/app/config.yaml"]


def test_a_fact_in_a_huge_line_carries_the_text_around_it_and_a_text_gives_at_most_max_facts():
    import json

    from tract_core.compression.facts import MAX_FACTS

    rows = json.dumps([{"id": i, "city": "Lyon", "path": f"/srv/data/{i}.csv"} for i in range(1000)])
    facts = find_facts(rows)
    assert len(facts) == MAX_FACTS
    far = next(f for f in facts if f.text == "/srv/data/150.csv")
    assert "/srv/data/150.csv" in far.context and len(far.context) < 300


def test_a_pretty_printed_json_result_is_data_not_code():
    import json

    text = json.dumps({"city": "Lyon", "population": 522250, "source": "INSEE", "path": "/srv/a/b.csv",
                       "tags": ["Rhône", "France"]}, indent=2, ensure_ascii=False)
    facts = [f.text for f in find_facts(text)]
    assert {"Lyon", "INSEE", "Rhône", "France", "522250", "/srv/a/b.csv"} <= set(facts)
    assert "city" not in facts and "population" not in facts
