"""Hostile values for the fuzz runs: names that look like paths, refs or SQL, invisible and
direction-changing characters, NUL, lone surrogates, deep nesting."""

from __future__ import annotations

from hypothesis import strategies as st

NAMES = ["../x", "..", "/", "\\", "HEAD", "ORIG_HEAD", "refs/heads/main", "main", "default", "main~1",
         "x'; DROP TABLE commits; --", "' OR 1=1 --", "%s", "${HOME}", "{{x}}", "CON", "nul\x00",
         "zero\u200bwidth", "rtl\u202eevil", "\u2066iso", "\ufeff", " lead", "trail ", "", " ", "\t",
         "lone\ud800", "\udfff", "\U0001F600", "e\u0301", "Ω≈ç√", "𝕏", "a" * 256, "é" * 255]
UNICODE = ["\x00", "\ud800", "\udbff\udc00", "\u200b\u200c\u200d", "\u202a\u202b\u202c\u202d\u202e",
           "\u2066\u2067\u2068\u2069", "\ufffe\uffff", "\U0010ffff", "\u0301" * 50, "\r\n\x0b\x0c\x85\u2028",
           "\x7f\x1b[31m", "Z̸͇̮a̴l̵g̷o̶", "\ufdd0", "\U000e0001"]


def nested(depth: int, leaf=0):
    value = leaf
    for i in range(depth):
        value = [value] if i % 2 else {"k": value}
    return value


names = st.one_of(st.sampled_from(NAMES), st.text(max_size=12))
strings = st.one_of(st.sampled_from(NAMES + UNICODE), st.text(max_size=40),
                    st.lists(st.sampled_from(UNICODE), min_size=1, max_size=4).map("".join))
deep = st.integers(40, 400).map(nested)
shallow_deep = st.integers(20, 120).map(nested)  # what the SDK's own client still serializes
