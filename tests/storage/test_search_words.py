"""The words a content is indexed under: the fast split (ASCII by a translation table) gives exactly
what the regular expression gave, for any text and any content."""

from __future__ import annotations

import json
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from tract_core.storage.search import MAX_CHARS, MAX_WORD, content_words, search_words, words

_STRUCTURAL = frozenset({"content_type", "role", "direction", "call_id", "mime_type", "is_error"})


def regex_words(text: str) -> list[str]:
    """The reference: runs of letters and digits, lower-cased, none longer than MAX_WORD."""
    return [w for w in re.findall(r"[^\W_]+", text.lower()) if len(w) <= MAX_WORD]


def reference_content_words(data) -> str:
    out: list[str] = []

    def strings(value):
        if isinstance(value, str):
            out.append(value)
        elif isinstance(value, dict):
            for v in value.values():
                strings(v)
        elif isinstance(value, list):
            for v in value:
                strings(v)
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            out.append(str(value))

    strings({k: v for k, v in data.items() if k not in _STRUCTURAL} if isinstance(data, dict) else data)
    joined = " ".join(regex_words(" ".join(out)[:4 * MAX_CHARS]))
    return joined if len(joined) <= MAX_CHARS else joined[:joined.rfind(" ", 0, MAX_CHARS + 1)]


ascii_text = st.text(alphabet=st.characters(max_codepoint=127), max_size=300)
any_text = st.text(max_size=300)
long_runs = st.builds(lambda a, n, b: f"{a}{'x' * n}{b}", ascii_text, st.integers(190, 210), any_text)
texts = st.one_of(ascii_text, any_text, long_runs)
json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), texts),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
        st.sampled_from(["text", "role", "result", "call_id", "arguments", "x"]) | st.text(max_size=5),
        inner, max_size=4),
    max_leaves=12)


@settings(max_examples=400, deadline=None)
@given(texts)
def test_words_are_the_regular_expressions_words(text):
    assert words(text) == regex_words(text)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.text(max_size=12), json_values, max_size=5))
def test_content_words_are_unchanged(data):
    assert content_words(data) == reference_content_words(data)
    assert search_words(json.dumps(data)) == reference_content_words(data)


def test_the_edges():
    for text in ["", "_", "a_b", "İstanbul", "ΣΊΣΥΦΟΣ ς", "x" * MAX_WORD, "x" * (MAX_WORD + 1) + " y",
                 "\x1c\x1d\x1e\x1f\x85\xa0 tab\tnew\nline", "٣٤ ½ ² 東京", "\ud800 lone"]:
        assert words(text) == regex_words(text), text
    big = {"content_type": "dialogue", "text": ("word " * (MAX_CHARS // 3))}
    assert content_words(big) == reference_content_words(big)
    assert len(content_words(big)) <= MAX_CHARS
