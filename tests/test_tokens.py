"""tiktoken counts tokens with no network: the encodings come from a package, not a download."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

from tract_core import TiktokenCounter, TokenCounter
from tract_core.tokens import load_encoding


def test_default_counter_is_o200k_and_pluggable():
    counter = TiktokenCounter()
    assert isinstance(counter, TokenCounter)
    assert counter.encoding_name == "o200k_base"
    assert counter.count("hello world") == 2
    assert counter.count("") == 0


def test_encodings_load_with_the_network_cut(tmp_path):
    script = textwrap.dedent("""
        import socket
        def refuse(*a, **k):
            raise OSError("network disabled in this test")
        socket.socket.connect = refuse
        socket.create_connection = refuse
        from tract_core.tokens import TiktokenCounter
        print(TiktokenCounter("o200k_base").count("tract counts tokens offline"),
              TiktokenCounter("cl100k_base").count("tract counts tokens offline"))
    """)
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path), "HTTPS_PROXY": "http://127.0.0.1:9"}
    out = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    o200k, cl100k = map(int, out.stdout.split())
    assert o200k > 0 and cl100k > 0
    assert any(tmp_path.joinpath("tract-mcp", "tiktoken").iterdir())


def test_token_count_is_stored_with_the_commit(mem):
    c = mem.user("one two three")
    assert c.token_count == 3
    assert mem.show(c.hash).token_count == 3


def test_the_encoding_loads_from_several_threads_at_once(tmp_path, monkeypatch):
    """tract-mcp loads the tokenizer on a thread while the first commit may ask for it too."""
    import threading

    from tract_core import tokens

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    tokens._load_encoding.cache_clear()
    errors, loaded = [], []

    def load():
        try:
            loaded.append(tokens.load_encoding("o200k_base"))
        except Exception as err:  # what a race would raise (a seed file renamed twice)
            errors.append(err)

    threads = [threading.Thread(target=load) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and len({id(e) for e in loaded}) == 1
    assert len(list((tmp_path / "tract-mcp" / "tiktoken").iterdir())) == 1


def test_the_framing_words_count_as_the_encoding_counts_them_without_loading_it():
    """A compile of stored commits counts only the framing words: it must not load the encoding
    (most of a second in a new process), and the counts must be the encoding's own."""
    from tract_core import tokens

    for name in ("o200k_base", "cl100k_base"):
        lazy = tokens.TiktokenCounter(name)
        counted = {w: lazy.count(w) for w in tokens._FRAMING_WORDS}
        assert lazy._encoding is None
        encoding = tokens.load_encoding(name)
        assert counted == {w: len(encoding.encode(w)) for w in tokens._FRAMING_WORDS}


def test_a_cold_compile_does_not_load_the_encoding(tmp_path):
    from tract_core import Tract

    path = str(tmp_path / "t.db")
    with Tract.open(path) as t:
        t.system("be brief")
        t.user("hello there")
        t.assistant("hi")
    with Tract.open(path, compile_snapshots=False) as t:
        assert len(t.compile().messages) == 3
        assert t.repo.counter._encoding is None


def test_count_is_tiktokens_encode_with_special_tokens_as_text():
    """The write path counts with encode_ordinary: the same tokens as encode(disallowed_special=()),
    special tokens' text and lone surrogates included."""
    counter = TiktokenCounter()
    encoding = load_encoding()
    for text in ["<|endoftext|> and <|fim_prefix|> as text", "a\ud800b", "héllo wörld " * 40, "", "user"]:
        assert counter.count(text) == len(encoding.encode(text, disallowed_special=()))


def test_a_text_counted_again_is_not_encoded_again_and_counts_the_same():
    """Counts are remembered per encoding (a tool's name, the call id a result repeats, a retried
    turn): the same count as the encoding's, past the cache's size too."""
    from tract_core import tokens

    counter = TiktokenCounter()
    encoding = load_encoding()
    expected = lambda text: len(encoding.encode(text, disallowed_special=()))  # noqa: E731
    text = "a turn an agent retries after a timeout " * 10
    assert counter.count(text) == expected(text)
    encoded = []
    real = counter._encode
    counter._encode = lambda t: encoded.append(t) or real(t)
    assert TiktokenCounter().count(text) == counter.count(text) == expected(text)  # another tract's too
    assert encoded == []
    texts = [f"turn {i}: <|endoftext|> héllo {i * 7}" for i in range(tokens.CACHED_TEXTS + 50)]
    long = "word " * tokens.CACHED_TEXT_CHARS
    for _ in range(2):
        assert [counter.count(t) for t in texts] == [expected(t) for t in texts]
        assert counter.count(long) == expected(long)
    assert encoded.count(long) == 2  # too long to keep
    assert TiktokenCounter("cl100k_base").count(text) == len(load_encoding("cl100k_base").encode(text))
