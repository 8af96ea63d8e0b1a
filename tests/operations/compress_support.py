"""Helpers shared by the compression, gc and record tests."""

from __future__ import annotations

from tract_core import Tract


class Words:
    """One token per word: fast and predictable."""

    def count(self, text: str) -> int:
        return len(text.split())


class Recorder:
    """A summarizer callable that remembers each prompt and answers with a fixed text."""

    def __init__(self, answer: str = "The user asked for the report; the assistant sent it.") -> None:
        self.answer = answer
        self.prompts: list[str] = []

    def __call__(self, system: str, prompt: str) -> str:
        self.prompts.append(prompt)
        return self.answer


def open_tract(url: str = ":memory:", **kw) -> Tract:
    kw.setdefault("counter", Words())
    return Tract.open(url, **kw)


def texts(t: Tract) -> list[str]:
    return [m.content for m in t.compile().messages]


def story(t: Tract) -> dict[str, str]:
    """A short session: system prompt, a few turns, one tool call and its result."""
    h = {}
    h["sys"] = t.system("You are a careful release engineer.").hash
    h["u1"] = t.user("Deploy api-v2 to staging; the config is at /etc/app/config.yaml").hash
    h["a1"] = t.assistant("Deploying build 4812 now.").hash
    h["call"] = t.tool_call("deploy", {"build": 4812}, "c1").hash
    h["result"] = t.tool_result("c1", "deployed to https://staging.example.com in 93s").hash
    h["u2"] = t.user("Great. Now check the error rate.").hash
    return h
