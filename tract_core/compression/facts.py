"""Lost facts: the specifics in the sources (numbers, identifiers, paths, URLs, quoted strings)
that a summary no longer mentions, so a reviewer sees what compression would drop."""

from __future__ import annotations

import re

_URL = re.compile(r"https?://[^\s<>\"'`)\]]+")
# Patterns that run through a word-and-hyphen run start only where the run starts (after at most
# two leading hyphens): started at each of its inner word boundaries they rescanned the whole run
# from each, quadratic in its length (a 40 kB kebab-case or url-safe base64 run took 74 s).
_RUN_START = r"(?:(?<![\w-])|(?<=^-)|(?<=[^\w-]-)|(?<=^--)|(?<=[^\w-]--))"
_PATH = re.compile(r"(?:~|\.{1,2})?(?:/[\w.@+-]+){2,}/?|\b" + _RUN_START
                   + r"[\w-]+(?:/[\w.@+-]+)+\.\w+\b")
_QUOTED = re.compile(r"\"([^\"\n]{2,80})\"|`([^`\n]{2,80})`|(?<!\w)'([^'\n]{3,80})'(?!\w)")
_JSON_KEY = re.compile(r"\"[^\"\n]*\"\s*:")
_NUMBER = re.compile(r"(?<![\w.-])[-+]?\d[\d,]*(?:\.\d+)?(?:%|[a-zA-Z]{1,3})?(?![\w])")
_IDENT = re.compile(r"\b(?:" + _RUN_START + r"[A-Za-z][\w-]*\d[\w-]*|[A-Za-z]+_[\w]+|[a-z]+[A-Z]\w*|[A-Z][a-z]+[A-Z]\w*|[0-9a-f]{7,64})\b")


def extract_facts(text: str) -> list[str]:
    """The specifics of `text`, in first-seen order, without repeats."""
    found: list[str] = []
    seen: set[str] = set()

    def add(item: str) -> None:
        item = item.strip().rstrip(".,;:")
        if item and item not in seen:
            seen.add(item)
            found.append(item)

    for m in _URL.finditer(text):
        add(m.group())
    rest = _JSON_KEY.sub(" ", _URL.sub(" ", text))   # tool arguments: the values matter, not the keys
    for m in _PATH.finditer(rest):
        add(m.group())
    for m in _QUOTED.finditer(rest):
        add(next(g for g in m.groups() if g))
    for m in _IDENT.finditer(rest):
        add(m.group())
    for m in _NUMBER.finditer(rest):
        add(m.group())
    return found


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).lower()


def lost_facts(sources: list[str], summary: str) -> list[str]:
    """Facts of the source texts that do not appear (case- and space-insensitively) in `summary`."""
    have = _norm(summary)
    out: list[str] = []
    seen: set[str] = set()
    for text in sources:
        for fact in extract_facts(text):
            if fact not in seen and _norm(fact) not in have:
                seen.add(fact)
                out.append(fact)
    return out


def missing_facts(facts: list[str], summary: str) -> list[str]:
    """Those of `facts` (already extracted) that `summary` does not contain."""
    have = _norm(summary)
    return [f for f in facts if _norm(f) not in have]
