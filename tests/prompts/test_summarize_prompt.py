from prompts import SUMMARIZE_SYSTEM, build_summarize_prompt
from tract_core import Dialogue, ToolIO


class Commit:
    def __init__(self, hash, content):
        self.hash, self.content = hash, content


def test_the_system_prompt_asks_for_third_person_prose_that_keeps_every_specific():
    text = SUMMARIZE_SYSTEM.lower()
    assert "third person" in text
    for kept in ("names", "numbers", "paths", "urls", "identifiers", "decisions", "open questions"):
        assert kept in text
    assert "pleasantries" in text and "do not invent" in text


def test_the_builder_lists_commits_oldest_first_with_who_said_them():
    commits = [
        Commit("a" * 64, Dialogue(role="user", text="Where is the config?")),
        Commit("b" * 64, ToolIO(tool_name="grep", call_id="c7", direction="call", arguments={"q": "cfg"})),
        Commit("c" * 64, ToolIO(tool_name="grep", call_id="c7", direction="result", result="/etc/x.yaml")),
        Commit("d" * 64, Dialogue(role="assistant", text="It is /etc/x.yaml.")),
    ]
    prompt = build_summarize_prompt(commits)
    order = [prompt.index(s) for s in ("Where is the config?", '{"q": "cfg"}', "/etc/x.yaml", "It is /etc/x.yaml.")]
    assert order == sorted(order)
    assert "[user aaaaaaaaaa]" in prompt and "[assistant dddddddddd]" in prompt
    assert "tool call grep [c7]" in prompt and "tool result grep [c7]" in prompt
    assert "tokens" not in prompt and "Additional instructions" not in prompt


def test_the_builder_adds_the_token_target_and_instructions_when_given():
    prompt = build_summarize_prompt([Commit("e" * 64, Dialogue(role="user", text="hi"))],
                                    target_tokens=120, instructions="Keep the ticket numbers.")
    assert "under about 120 tokens" in prompt
    assert prompt.rstrip().endswith("Additional instructions: Keep the ticket numbers.")


def test_the_builder_accepts_plain_dicts():
    prompt = build_summarize_prompt([{"hash": "f" * 64, "content": {"content_type": "reasoning",
                                                                    "text": "Plan: retry twice."}}])
    assert "[reasoning ffffffffff]" in prompt and "Plan: retry twice." in prompt
