"""The Anthropic summarizer through the real SDK against a local fake transport, and the other
ways a summary gets written. Every failure is a CompressionError and leaves the store unchanged."""

from __future__ import annotations

import json

import anthropic
import httpx2
import pytest
from compress_support import open_tract, story

from prompts import SUMMARIZE_SYSTEM
from tract_core import AnthropicSummarizer, CallableSummarizer, CompressionError
from tract_core.compression import DEFAULT_MODEL, resolve_summarizer

BASE = "http://anthropic.test"


def reply(text: str | None) -> dict:
    content = [] if text is None else [{"type": "text", "text": text}]
    return {"id": "msg_1", "type": "message", "role": "assistant", "model": "m", "content": content,
            "stop_reason": "end_turn", "stop_sequence": None,
            "usage": {"input_tokens": 10, "output_tokens": 5}}


def claude(handler, **kw) -> AnthropicSummarizer:
    client = anthropic.Anthropic(api_key="sk-test", base_url=BASE, max_retries=0,
                                 http_client=httpx2.Client(transport=httpx2.MockTransport(handler)))
    return AnthropicSummarizer(client=client, **kw)


def snapshot(t):
    return (t.status(), [c.hash for c in t.log()], [e.id for e in t.operations()], t.pending_compressions())


def test_the_request_carries_model_system_prompt_and_the_commits_text(monkeypatch):
    monkeypatch.setenv("TRACT_SUMMARY_MODEL", "claude-haiku-4-5")
    sent = []

    def handler(request):
        sent.append(request)
        return httpx2.Response(200, json=reply("Ada deployed build 4812 to staging."))

    t = open_tract(summarizer=claude(handler))
    h = story(t)
    result = t.compress(from_commit=h["u1"], to_commit=h["a1"], mode="autonomous", target_tokens=50)
    assert len(sent) == 1
    req = sent[0]
    assert req.method == "POST" and req.url.path == "/v1/messages"
    assert req.headers.get("authorization") == "Bearer sk-test"
    body = json.loads(req.content)
    assert body["model"] == "claude-haiku-4-5"
    assert body["system"] == SUMMARIZE_SYSTEM
    prompt = body["messages"][0]["content"]
    assert body["messages"][0]["role"] == "user"
    assert "Deploy api-v2 to staging; the config is at /etc/app/config.yaml" in prompt
    assert "Deploying build 4812 now." in prompt and "You are a careful" not in prompt
    assert "50 tokens" in prompt
    assert "Ada deployed build 4812 to staging." in t.compile().messages[1].content
    assert result.new_head == t.status().head


def test_the_default_model_is_current_and_not_deprecated(monkeypatch):
    from anthropic.resources.messages.messages import DEPRECATED_MODELS

    monkeypatch.delenv("TRACT_SUMMARY_MODEL", raising=False)
    assert AnthropicSummarizer().model == DEFAULT_MODEL
    assert DEFAULT_MODEL not in DEPRECATED_MODELS and "sonnet-4-5" not in DEFAULT_MODEL
    assert AnthropicSummarizer(model="claude-opus-4-7").model == "claude-opus-4-7"


@pytest.mark.parametrize("answer", [
    lambda r: httpx2.Response(500, json={"type": "error", "error": {"type": "api_error", "message": "boom"}}),
    lambda r: httpx2.Response(429, json={"type": "error", "error": {"type": "rate_limit_error", "message": "slow"}}),
    lambda r: httpx2.Response(401, json={"type": "error", "error": {"type": "authentication_error", "message": "key"}}),
    lambda r: (_ for _ in ()).throw(httpx2.ReadTimeout("timed out", request=r)),
    lambda r: (_ for _ in ()).throw(httpx2.ConnectError("refused", request=r)),
    lambda r: httpx2.Response(200, json=reply(None)),
    lambda r: httpx2.Response(200, json=reply("   \n")),
], ids=["500", "429", "401", "timeout", "connect", "no-content", "blank-text"])
@pytest.mark.parametrize("mode", ["autonomous", "collaborative"])
def test_api_errors_timeouts_and_empty_replies_become_compression_error_and_change_nothing(answer, mode):
    t = open_tract(summarizer=claude(answer))
    story(t)
    before = snapshot(t)
    with pytest.raises(CompressionError) as err:
        t.compress(mode=mode)
    assert "nothing was changed" in str(err.value)
    assert snapshot(t) == before


def test_timeout_names_the_timeout():
    def handler(r):
        raise httpx2.ReadTimeout("timed out", request=r)

    t = open_tract(summarizer=claude(handler))
    story(t)
    with pytest.raises(CompressionError, match="timed out"):
        t.compress(mode="autonomous")


def test_without_summarizer_or_key_compress_says_how_to_proceed(monkeypatch):
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    monkeypatch.delenv("ANTHROPIC_AUTH_TOKEN", raising=False)
    t = open_tract()
    story(t)
    before = snapshot(t)
    with pytest.raises(CompressionError) as err:
        t.compress()
    message = str(err.value)
    assert "summarizer=" in message and "ANTHROPIC_API_KEY" in message and "content=" in message
    assert "deferred=True" in message
    assert snapshot(t) == before


def test_the_api_key_in_the_environment_selects_claude(monkeypatch):
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-env")
    assert isinstance(resolve_summarizer(None), AnthropicSummarizer)


def test_a_callable_gets_the_system_prompt_and_the_prompt():
    seen = []
    t = open_tract(summarizer=lambda system, prompt: seen.append((system, prompt)) or "Short.")
    h = story(t)
    t.compress(commits=[h["u1"], h["a1"]], mode="autonomous")
    assert seen[0][0] == SUMMARIZE_SYSTEM and "Deploying build 4812 now." in seen[0][1]
    assert isinstance(resolve_summarizer(lambda s, p: "x"), CallableSummarizer)


def test_a_failing_callable_is_a_compression_error():
    def broken(system, prompt):
        raise RuntimeError("sampling refused")

    t = open_tract(summarizer=broken)
    story(t)
    before = snapshot(t)
    with pytest.raises(CompressionError, match="sampling refused"):
        t.compress(mode="autonomous")
    assert snapshot(t) == before


def test_a_failed_summary_leaves_either_store_unchanged(store_url):
    def handler(r):
        return httpx2.Response(529, json={"type": "error", "error": {"type": "overloaded_error",
                                                                     "message": "overloaded"}})

    t = open_tract(store_url, summarizer=claude(handler))
    story(t)
    before = snapshot(t)
    for mode in ("autonomous", "collaborative"):
        with pytest.raises(CompressionError, match="529"):
            t.compress(mode=mode)
    assert snapshot(t) == before
    t.close()


def test_the_summarizer_runs_without_holding_the_tract(monkeypatch):
    import threading

    t = open_tract()
    story(t)
    inside, release = threading.Event(), threading.Event()

    def slow(system, prompt):
        inside.set()
        release.wait(10)
        return "Summary."

    t.summarizer = slow
    worker = threading.Thread(target=lambda: t.compress(mode="autonomous"))
    worker.start()
    assert inside.wait(10)
    assert t.compile().messages                  # other calls are not blocked meanwhile
    release.set()
    worker.join(10)
    assert t.compile().messages[1].content.endswith("Summary.")
