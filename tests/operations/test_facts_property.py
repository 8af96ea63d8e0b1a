"""Facts on any text: extraction never fails, and a summary that repeats its sources loses nothing."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from tract_core.compression.facts import find_facts, lost_facts

words = st.sampled_from(["Lena", "flew", "to", "Kyoto", "on", "March", "3rd,", "2026", "for", "4,800",
                         "euros.", "We", "must", "never", "commit", "to", "main.", "K-7731", "/etc/app.yaml",
                         "https://x.io/a?b=1", '"The', 'Blue"', "x", "=", "f(y)", "\n", "```", "{", '"k":',
                         "10:30", "am", "Hendricks", "&", "Sons", "I'm", "Dr.", "O'Brien", "3", "weeks"])
text = st.one_of(st.lists(words, max_size=40).map(" ".join), st.text(max_size=200))


@settings(max_examples=200, deadline=None)
@given(text)
def test_a_summary_that_repeats_the_sources_loses_no_fact(source):
    facts = find_facts(source, "c1")
    assert all(f.commit == "c1" and f.text and f.context for f in facts)
    assert lost_facts([source], source) == []
