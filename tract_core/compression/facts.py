"""Facts: the specifics of the sources (names, numbers with what they count, dates, identifiers,
paths, URLs, quoted titles, rules) that a summary must not lose, each with the line it came from.

Careful rules, no model: a name is a capitalized word not at a sentence start, a title-cased run
(which may start one), or a sentence-initial word the text also capitalizes elsewhere; code (fenced
blocks and lines that read as code) gives only its URLs and paths. `bench/fact_check.py` measures it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from tract_core.models.compression import Fact

_URL = re.compile(r"https?://[^\s<>\"'`)\]]+")
# Patterns that run through a word-and-hyphen run start only where the run starts (after at most
# two leading hyphens): started at each of its inner word boundaries they rescanned the whole run
# from each, quadratic in its length (a 40 kB kebab-case or url-safe base64 run took 74 s).
_RUN_START = r"(?:(?<![\w-])|(?<=^-)|(?<=[^\w-]-)|(?<=^--)|(?<=[^\w-]--))"
_PATH = re.compile(r"(?:~|\.{1,2})?(?:/[\w.@+-]+){2,}/?|\b" + _RUN_START
                   + r"[\w-]+(?:/[\w.@+-]+)+\.\w+\b")
_QUOTED = re.compile(r"\"([^\"\n]{2,80})\"|`([^`\n]{2,80})`|“([^”\n]{2,80})”|(?<!\w)'([^'\n]{3,80})'(?!\w)")
_JSON_KEY = re.compile(r"\"[^\"\n]*\"\s*:")
_JSON_LINE = re.compile(r"\s*(?:[{\[].*\":|\"[^\"\n]*\"\s*:|[\]}],?\s*$|\"[^\"\n]*\",?\s*$)")
_IDENT = re.compile(r"\b(?:" + _RUN_START + r"[A-Za-z][\w-]*\d[\w-]*|[A-Za-z]+_[\w]+|[a-z]+[A-Z]\w*"
                    r"|[A-Z][a-z]+[A-Z]\w*|[0-9a-f]{7,64})\b")
_MONTHS = ("january|february|march|april|may|june|july|august|september|october|november|december"
           "|jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec")
_WEEKDAYS = "monday|tuesday|wednesday|thursday|friday|saturday|sunday"
_WEEKDAY = re.compile(rf"\b(?:{_WEEKDAYS})\b", re.I)
_DATE = re.compile(   # each part ends where its digits end: "March 2026" is not "March 20"
    r"\b(?:\d{4}-\d{2}-\d{2}(?:[T ]\d{1,2}:\d{2})?(?!\d)"
    rf"|(?:(?:{_WEEKDAYS}),? {{1,2}})?(?:{_MONTHS})\.? {{1,2}}\d{{1,2}}(?:st|nd|rd|th)?(?![\d\w]|,\d)(?:,? \d{{4}}(?!\d))?"
    rf"|\d{{1,2}}(?:st|nd|rd|th)? (?:of )?(?:{_MONTHS})\b(?:,? \d{{4}}(?!\d))?"
    rf"|(?:{_MONTHS}) \d{{4}}(?!\d)"
    r"|\d{1,2}:\d{2}(?!\d)(?: ?[ap]\.?m\b\.?)?|\d{1,2} ?[ap]\.?m\.?\b)", re.I)
_NUMBER = re.compile(r"(?<![\w.:-])[-+$€£]?\d(?:[\d,]*\d)?(?:\.\d+)?(?:%|[a-zA-Z]{1,3}\b)?(?![\w%-])")
_WORD = r"[a-zA-Z][a-zA-Z-]*"
_CAP = r"[A-Z][\w'’.-]*\w"
_CONNECTORS = ("of", "de", "la", "du", "van", "von", "der", "the", "and", "&")
_NAME = re.compile(rf"(?<![\w'’.-]){_CAP}(?: (?:(?:{'|'.join(_CONNECTORS)}) )?{_CAP})*")
_RULE = re.compile(r"\b(?:must(?:n't| not)?|never|always|do not|don't|should(?:n't| not)|may not|"
                   r"(?:nobody|no one|no-one) (?:may|can|should)|not allowed|required|decided|agreed|"
                   r"rule|only ever)\b(?:[^.;!?\n]|[.!?](?=[\w/])){3,120}", re.I)   # dots inside a path or a number go on
_SENTENCE = re.compile(r"(?<=[.!?])[\"')\]]*\s+|\n+")
_FENCE = re.compile(r"```.*?(?:```|\Z)", re.S)
_CODE_LINE = re.compile(r"^\s{4,}\S|^\s*(?:def|class|import|from \S+ import|return|const|let|var|function|"
                        r"elif|else|try|except|finally|with|async|await|raise|yield|pass|if \(|for \(|"
                        r"\$ |>>> |#include|@\w)\b|[;{}(,]\s*$|\w\(.*\)\s*[:{]?\s*$|\b\w+\s*[+\-*/]?=\s*\S|"
                        r"==|->|=>|\w\.\w+\(")
CODE_SHARE = 0.4        # a text with this share of code-like lines is code throughout
MAX_FACTS = 200         # per text, highest ranked first: a huge tool result must not flood a review
_NUMBER_UNIT = re.compile(rf"[ \u00a0]((?:{_WORD})(?: (?:of )?{_WORD})?)")   # one space: not across a blank
# Words that say nothing as a name or as what a number counts.
_COMMON = frozenset("""a an the and or but if so as at by for from in into of off on onto out over to up
with about after again all also am any are be been before being both can could did do does doing done
down each few had has have having he her here hers him his how i i'd i'll i'm i've is it it's its just
let's me more most my no nor not now ok okay only other our ours she should some such than that that's
their them then there these they this those though through too under until very was we we're were what
when where which while who whom why will would yes yeah you you're your yours thanks thank hi hello hey
please sure great good well oh also maybe still let got get one two another first next last
sounds perfect right cool nice awesome alright hmm actually anyway btw fyi re note see
per behind under above below near between via against among around across along within without
including instead plus minus than like since ago each every""".split())
_UNIT_MODIFIERS = frozenset("square cubic metric nautical light business working calendar school man "
                            "virtual".split())
_SCORES = {"rule": 0.95, "url": 0.9, "date": 0.85, "path": 0.85, "identifier": 0.8, "quantity": 0.8,
           "name": 0.75, "title": 0.75, "number": 0.5}


def _blank(m: re.Match) -> str:
    return " " * len(m.group())


def _around(sentence: str, at: int, width: int = 240) -> str:
    """The sentence a fact came from, or the part of a long one around it."""
    sentence = sentence.strip()
    if len(sentence) <= width + 60:
        return sentence
    start = max(0, min(at - width // 2, len(sentence) - width))
    return ("…" if start else "") + sentence[start:start + width].strip() + ("…" if start + width < len(sentence) else "")


def _clean(item: str) -> str:
    return item.strip().strip("\"'“”`").rstrip(".,;:!?)'’").strip()


def _is_code(line: str) -> bool:
    if _JSON_LINE.match(line):   # JSON data (a tool's arguments or result), even pretty-printed
        return False
    return bool(_CODE_LINE.search(_URL.sub(" ", line)))   # a URL's query is not an assignment


def _mostly_code(text: str) -> bool:
    lines = [ln for ln in text.splitlines() if ln.strip()]
    return len(lines) >= 4 and sum(map(_is_code, lines)) >= CODE_SHARE * len(lines)


def _sentences(text: str) -> list[tuple[str, bool]]:
    """(sentence or line, is code) in order; fenced blocks are one code piece each, and a text that
    is mostly code (a source file a tool read) is code throughout."""
    if _mostly_code(_FENCE.sub("", text)):
        return [(line, True) for line in text.splitlines() if line.strip()]
    out: list[tuple[str, bool]] = []
    pos = 0
    for m in _FENCE.finditer(text):
        out.extend(_prose(text[pos:m.start()]))
        out.append((m.group(), True))
        pos = m.end()
    out.extend(_prose(text[pos:]))
    return out


def _prose(text: str) -> list[tuple[str, bool]]:
    return [(s, _is_code(s)) for s in (p.strip() for p in _SENTENCE.split(text)) if s]


def _names(sentence: str, capitalized_elsewhere: set[str]) -> Iterable[tuple[str, int]]:
    for m in _NAME.finditer(sentence):
        words = m.group().split()
        at_start = not sentence[:m.start()].strip(" \"'“(-*•>#")
        while words and words[0].lower() in _COMMON:   # "The Hilton", "So Ana said"
            words.pop(0)
            at_start = False
        while words and words[-1].lower() in _CONNECTORS:
            words.pop()
        if not words:
            continue
        if len(words) == 1:
            w = _clean(words[0])
            if len(w) < 2 or w.lower() in _COMMON or (at_start and w not in capitalized_elsewhere):
                continue
            yield w, m.start()
        else:
            yield _clean(" ".join(words)), m.start()


def _mid_sentence_capitals(pieces: Sequence[tuple[str, bool]]) -> set[str]:
    seen: set[str] = set()
    for s, code in pieces:
        if code:
            continue
        for m in re.finditer(r"(?<=[\w,;:] )[A-Z][\w'’-]*", s):
            seen.add(m.group().rstrip("'’"))
    return seen


def _quantity(sentence: str, m: re.Match) -> str:
    """The number and what it counts ("12,000 euros", "3 weeks"), or the number alone."""
    unit = _NUMBER_UNIT.match(sentence, m.end())
    number = m.group()
    if unit:
        words = []
        for w in unit.group(1).split():
            if w.lower() in _COMMON or w[0].isupper() or re.fullmatch(_MONTHS, w.lower()):
                break
            words.append(w)
            if w.lower() not in _UNIT_MODIFIERS:   # "14 square meters", but "3 weeks", not "3 weeks notice"
                break
        if words:
            return f"{number} {' '.join(words)}"
    return number


def capitalized_mid_sentence(texts: Iterable[str]) -> set[str]:
    """Words the texts capitalize where a sentence does not start: names, when they also start one."""
    out: set[str] = set()
    for text in texts:
        out |= _mid_sentence_capitals(_sentences(text))
    return out


def find_facts(text: str, commit: str | None = None, names: set[str] | None = None) -> list[Fact]:
    """The facts of `text`, most likely to matter first (ties keep their order in the text).
    `names`: words known to be names (see capitalized_mid_sentence) even at a sentence start."""
    pieces = _sentences(text)
    elsewhere = _mid_sentence_capitals(pieces) | (names or set())
    found: dict[str, Fact] = {}

    def add(item: str, kind: str, sentence: str, at: int) -> None:
        item = _clean(item)
        key = normalize(item)
        if not key or key in found or len(item) > 200:
            return
        found[key] = Fact(text=item, kind=kind, context=_around(sentence, at), commit=commit,
                          score=_SCORES[kind])

    for sentence, code in pieces:
        for m in _URL.finditer(sentence):
            add(m.group(), "url", sentence, m.start())
        rest = _JSON_KEY.sub(_blank, _URL.sub(_blank, sentence))   # same length: positions hold
        for m in _PATH.finditer(rest):
            add(m.group(), "path", sentence, m.start())
        if code:
            continue
        for m in _RULE.finditer(rest):   # the text as written: a URL in it comes back
            add(sentence[m.start():m.end()], "rule", sentence, m.start())
        for m in _QUOTED.finditer(rest):
            g = next(i for i, v in enumerate(m.groups(), 1) if v)
            add(sentence[m.start(g):m.end(g)], "title", sentence, m.start())
        for m in _DATE.finditer(rest):
            add(m.group(), "date", sentence, m.start())
        for m in _WEEKDAY.finditer(rest):
            add(m.group(), "date", sentence, m.start())
        for m in _IDENT.finditer(rest):
            add(m.group(), "identifier", sentence, m.start())
        for name, at in _names(_QUOTED.sub(_blank, rest), elsewhere):
            if not re.fullmatch(_MONTHS + "|" + _WEEKDAYS, name.lower()):
                add(name, "name", sentence, at)
        undated = _DATE.sub(_blank, rest)   # a date's day and year are not numbers of their own
        for m in _NUMBER.finditer(undated):
            q = _quantity(undated, m)
            if q != m.group():
                add(q, "quantity", sentence, m.start())
            elif len(m.group().strip("$€£+-")) >= 2 or m.group()[0] in "$€£":
                add(q, "number", sentence, m.start())
    return sorted(found.values(), key=lambda f: -f.score)[:MAX_FACTS]


def extract_facts(text: str) -> list[str]:
    """The texts of the facts of `text`."""
    return [f.text for f in find_facts(text)]


def normalize(text: str) -> str:
    """Lower case, one space between words, no punctuation around them, no thousands separators
    or ordinal suffixes: the form in which a summary is searched for a fact."""
    text = text.lower().replace("’", "'").replace(" & ", " and ")
    text = re.sub(r"(?<=\d),(?=\d{3}\b)", "", text)
    text = re.sub(r"(?<=\d)(?:st|nd|rd|th)\b", "", text)
    text = re.sub(r"[^\w/:.%$€£@+#-]+", " ", text)
    text = re.sub(r"(?<!\w)[.:+#@-]+|[.:+#@-]+(?!\w)", " ", text)
    return " " + " ".join(text.split()) + " "


def _content_words(text: str) -> list[str]:
    return [w for w in normalize(text).split() if w not in _COMMON and len(w) > 2]


def _states(summary_norm: str, words: list[str]) -> bool:
    """The words, in order, somewhere in the summary, not inside a longer word or number."""
    core = " ".join(words)
    return not core or re.search(rf"(?<!\w){re.escape(core)}(?!\w)", summary_norm) is not None


def kept_in(fact: Fact, summary_norm: str) -> bool:
    """Whether a summary (given `normalize`d) still states `fact`."""
    if fact.kind == "rule":   # a rule survives rephrasing: most of its words must be there
        words = _content_words(fact.text)
        have = set(summary_norm.split())
        return not words or sum(w in have for w in words) >= 0.75 * len(words)
    words = normalize(fact.text).split()
    if fact.kind == "date":   # "April 14" is kept as "14 April" too
        return _states(summary_norm, words) or _states(summary_norm, words[::-1])
    return _states(summary_norm, words)


def lost_facts(sources: Sequence[str | tuple[str, str]], summary: str) -> list[Fact]:
    """Facts of the sources (texts, or (commit, text) pairs) that `summary` no longer states,
    most likely to matter first."""
    have = normalize(summary)
    out: dict[str, Fact] = {}
    pairs = [s if isinstance(s, tuple) else (None, s) for s in sources]
    names = capitalized_mid_sentence(text for _, text in pairs)
    for commit, text in pairs:
        for fact in find_facts(text, commit, names):
            key = normalize(fact.text)
            if key not in out and not kept_in(fact, have):
                out[key] = fact
    return sorted(out.values(), key=lambda f: -f.score)


def missing_facts(facts: Sequence[Fact], summary: str) -> list[Fact]:
    """Those of `facts` (already found) that `summary` does not state."""
    have = normalize(summary)
    return [f for f in facts if not kept_in(f, have)]


def must_keep_missing(specs: Sequence[dict], summary: str) -> list[str]:
    """The must-keep facts ({"text": …} or {"regex": …}) that `summary` lacks, as given."""
    have = normalize(summary)
    missing: list[str] = []
    for spec in specs:
        if "regex" in spec:
            if not re.search(spec["regex"], summary, re.I):
                missing.append(spec["regex"])
        elif not kept_in(Fact(text=spec["text"], kind=spec.get("kind", "name")), have):
            missing.append(spec["text"])
    return list(dict.fromkeys(missing))
