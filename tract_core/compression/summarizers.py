"""Who writes a compression's summary: Claude through the official SDK, any callable (the MCP
server's sampling, or the agent itself), or text given by hand.

A summarizer gets the commits to summarize (CommitInfo, oldest first) and returns the summary text.
Every failure becomes `CompressionError`, raised before anything is written.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import Any, Protocol, runtime_checkable

from prompts import SUMMARIZE_SYSTEM, build_summarize_prompt
from tract_core.errors import CompressionError

DEFAULT_MODEL = "claude-haiku-4-5"
MODEL_ENV = "TRACT_SUMMARY_MODEL"
NO_SUMMARIZER = (
    "no summarizer is available to write the summary; either pass summarizer= to Tract.open (an "
    "AnthropicSummarizer, or any callable (system, prompt) -> text), set ANTHROPIC_API_KEY to use "
    "Claude, give the summary yourself with content=... (mode='manual'), or call compress(..., "
    "deferred=True) and pass the text to approve_compression(id, summaries=[...])")


@runtime_checkable
class Summarizer(Protocol):
    def summarize(self, commits: Sequence[Any], *, target_tokens: int | None = None,
                  instructions: str | None = None) -> str: ...


def _checked(text: Any, who: str) -> str:
    if not isinstance(text, str) or not text.strip():
        raise CompressionError(f"{who} returned an empty summary; nothing was changed")
    return text.strip()


class AnthropicSummarizer:
    """Summaries from Claude via the `anthropic` SDK.

    The model comes from `model=`, else `TRACT_SUMMARY_MODEL`, else DEFAULT_MODEL. The key and base
    URL come from the SDK's own `ANTHROPIC_API_KEY` / `ANTHROPIC_BASE_URL` unless a `client` is given.
    """

    def __init__(self, model: str | None = None, *, client: Any = None, max_tokens: int = 2048,
                 timeout: float = 120.0) -> None:
        self.model = model or os.environ.get(MODEL_ENV) or DEFAULT_MODEL
        self.max_tokens = max_tokens
        self.timeout = timeout
        self._client = client

    @property
    def client(self):
        if self._client is None:
            import anthropic

            self._client = anthropic.Anthropic(timeout=self.timeout)
        return self._client

    def summarize(self, commits: Sequence[Any], *, target_tokens: int | None = None,
                  instructions: str | None = None) -> str:
        import anthropic

        prompt = build_summarize_prompt(commits, target_tokens, instructions)
        max_tokens = max(256, min(self.max_tokens, 2 * target_tokens)) if target_tokens else self.max_tokens
        try:
            reply = self.client.messages.create(
                model=self.model, max_tokens=max_tokens, system=SUMMARIZE_SYSTEM,
                messages=[{"role": "user", "content": prompt}])
        except anthropic.APITimeoutError as err:
            raise CompressionError(f"the summary request to {self.model} timed out; nothing was "
                                   "changed, try again or pass content=") from err
        except anthropic.APIStatusError as err:
            raise CompressionError(f"the summary request to {self.model} failed with HTTP "
                                   f"{err.status_code}: {err.message}; nothing was changed") from err
        except anthropic.AnthropicError as err:
            raise CompressionError(f"the summary request to {self.model} failed: {err}; nothing was "
                                   "changed") from err
        text = "".join(getattr(b, "text", "") for b in (reply.content or []) if getattr(b, "type", "") == "text")
        return _checked(text, f"the model {self.model}")


class CallableSummarizer:
    """Summaries from any function `fn(system, prompt) -> str` (MCP sampling, an agent, a test)."""

    def __init__(self, fn: Callable[[str, str], str]) -> None:
        self.fn = fn

    def summarize(self, commits: Sequence[Any], *, target_tokens: int | None = None,
                  instructions: str | None = None) -> str:
        prompt = build_summarize_prompt(commits, target_tokens, instructions)
        try:
            text = self.fn(SUMMARIZE_SYSTEM, prompt)
        except CompressionError:
            raise
        except Exception as err:
            raise CompressionError(f"the summarizer failed: {err}; nothing was changed") from err
        return _checked(text, "the summarizer")


class ManualSummarizer:
    """Summaries given by hand: one text per summary group, in order."""

    def __init__(self, texts: str | Sequence[str]) -> None:
        self.texts = [texts] if isinstance(texts, str) else list(texts)
        self._next = 0

    def summarize(self, commits: Sequence[Any], *, target_tokens: int | None = None,
                  instructions: str | None = None) -> str:
        if self._next >= len(self.texts):
            raise CompressionError(f"content= gave {len(self.texts)} summaries but the range needs more "
                                   "(PINNED commits split it into groups); give one text per group")
        text = self.texts[self._next]
        self._next += 1
        return _checked(text, "content=")


def summarize_checked(writer: Summarizer, commits: Sequence[Any], *, target_tokens: int | None,
                      instructions: str | None) -> str:
    """Ask `writer` for a summary; any failure or empty answer is a CompressionError."""
    try:
        text = writer.summarize(commits, target_tokens=target_tokens, instructions=instructions)
    except CompressionError:
        raise
    except Exception as err:
        raise CompressionError(f"the summarizer failed: {err}; nothing was changed") from err
    return _checked(text, "the summarizer")


def resolve_summarizer(given: Any) -> Summarizer:
    """The summarizer to use: the one given (a callable is wrapped), else Claude when
    ANTHROPIC_API_KEY (or the SDK's ANTHROPIC_AUTH_TOKEN) is set, else a CompressionError naming
    the ways to proceed."""
    if given is not None:
        if isinstance(given, Summarizer):
            return given
        if callable(given):
            return CallableSummarizer(given)
        raise CompressionError("summarizer must have a summarize() method or be a callable (system, prompt)")
    if os.environ.get("ANTHROPIC_API_KEY") or os.environ.get("ANTHROPIC_AUTH_TOKEN"):
        return AnthropicSummarizer()
    raise CompressionError(NO_SUMMARIZER)
