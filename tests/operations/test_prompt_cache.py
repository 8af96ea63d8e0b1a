"""to_anthropic(cache=True): at most 4 cache breakpoints, on the tools, the system prompt and the end
of the conversation, so the next compile after an append repeats the cached prefix byte for byte."""

from __future__ import annotations

import json

import pytest
from pydantic import TypeAdapter

from tract_core import Settings, Tract, Tools, ToolSpec

SEARCH = ToolSpec(name="search", description="Search the web",
                  input_schema={"type": "object", "properties": {"q": {"type": "string"}}})


def breakpoints(request: dict) -> list[str]:
    """Where the request carries cache_control, in the API's cache order: tools, system, messages."""
    found = [f"tool {i}" for i, t in enumerate(request.get("tools", [])) if "cache_control" in t]
    if isinstance(request["system"], list):
        found += [f"system {i}" for i, b in enumerate(request["system"]) if "cache_control" in b]
    for i, m in enumerate(request["messages"]):
        found += [f"message {i} block {j}" for j, b in enumerate(m["content"]) if "cache_control" in b]
    return found


def cache_sequence(request: dict) -> tuple[list[str], list[int]]:
    """The request as the cache sees it (tools, system, then each message's role and blocks), one
    serialized piece per block without its cache_control, and the indexes of the breakpoints."""
    pieces: list[str] = []
    marks: list[int] = []

    def add(block: dict) -> None:
        if "cache_control" in block:
            marks.append(len(pieces))
        pieces.append(json.dumps({k: v for k, v in block.items() if k != "cache_control"},
                                 ensure_ascii=False))

    for tool in request.get("tools", []):
        add(tool)
    system = request["system"]
    for block in system if isinstance(system, list) else [{"type": "text", "text": system}]:
        add(block)
    for message in request["messages"]:
        pieces.append(f"role:{message['role']}")
        for block in message["content"]:
            add(block)
    return pieces, marks


def agent_turn(t: Tract, i: int) -> None:
    t.assistant(f"Let me look that up ({i}).")
    t.tool_call("search", {"q": f"question {i}"}, f"c{i}")
    t.tool_result(f"c{i}", f"result {i}: " + "lorem ipsum " * 20)
    t.user(f"Thanks. Next question number {i + 1}?")


@pytest.fixture
def agent(mem):
    mem.commit(Tools(tools=[SEARCH]))
    mem.commit(Settings(model="claude-sonnet-4-6", max_tokens=512))
    mem.system("You are a research assistant. " * 30)
    mem.user("First question?")
    return mem


def test_breakpoints_sit_on_tools_system_and_the_last_two_messages(agent):
    anthropic_types = pytest.importorskip("anthropic.types")
    agent_turn(agent, 1)
    request = agent.compile().to_anthropic(cache=True)
    msgs = request["messages"]
    last = [f"message {i} block {len(msgs[i]['content']) - 1}" for i in (len(msgs) - 2, len(msgs) - 1)]
    assert breakpoints(request) == ["tool 0", "system 0", *last]
    assert request["system"][0]["cache_control"] == {"type": "ephemeral"}
    TypeAdapter(list[anthropic_types.ToolParam]).validate_python(request["tools"])
    TypeAdapter(list[anthropic_types.TextBlockParam]).validate_python(request["system"])
    TypeAdapter(list[anthropic_types.MessageParam]).validate_python(request["messages"])
    assert "cache_control" not in json.dumps(agent.compile().to_anthropic())    # only when asked


def test_never_more_than_four_and_fewer_when_parts_are_missing(mem):
    mem.user("hello")
    assert breakpoints(mem.compile().to_anthropic(cache=True)) == ["message 0 block 0"]
    mem.system("rules")
    assert breakpoints(mem.compile().to_anthropic(cache=True)) == ["system 0", "message 0 block 0"]
    for i in range(5):
        agent_turn(mem, i)
    mem.commit(Tools(tools=[SEARCH, ToolSpec(name="fetch")]))
    assert len(breakpoints(mem.compile().to_anthropic(cache=True))) == 4


def test_the_next_compile_after_appends_repeats_the_cached_prefix_byte_for_byte(agent):
    previous = None
    for i in range(6):
        agent_turn(agent, i)
        pieces, marks = cache_sequence(agent.compile().to_anthropic(cache=True))
        if previous is not None:
            old_pieces, old_marks = previous
            end = old_marks[-1] + 1                       # the conversation's end last time
            assert pieces[:end] == old_pieces[:end]
            assert old_marks[-1] in marks or old_marks[-1] < marks[-1]
        previous = pieces, marks


def test_a_same_role_append_extends_the_last_message_without_changing_its_prefix(agent):
    agent_turn(agent, 1)
    pieces, marks = cache_sequence(agent.compile().to_anthropic(cache=True))
    agent.user("One more detail about the question.")    # merged into the same user message
    after, _ = cache_sequence(agent.compile().to_anthropic(cache=True))
    assert after[:marks[-1] + 1] == pieces[:marks[-1] + 1]


def test_a_budget_drop_of_the_oldest_turns_keeps_the_tools_and_system_prefix(agent):
    for i in range(8):
        agent_turn(agent, i)
    full = agent.compile()
    pieces, marks = cache_sequence(full.to_anthropic(cache=True))
    budget = full.token_count * 2 // 3
    dropped = agent.compile(budget=budget)
    assert dropped.dropped
    cut, cut_marks = cache_sequence(dropped.to_anthropic(cache=True))
    system_end = marks[1] + 1                              # tool 0, system 0
    assert cut[:system_end] == pieces[:system_end] and cut_marks[:2] == marks[:2]
    agent_turn(agent, 9)                                   # the next budgeted compile after an append
    again, _ = cache_sequence(agent.compile(budget=budget).to_anthropic(cache=True))
    assert again[:system_end] == pieces[:system_end]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_on_agent_trajectories_every_compile_between_turns_repeats_the_last_prefix(mem, seed):
    from agent_corpus import commit_trajectory, trajectory

    mem.commit(Tools(tools=[SEARCH]))
    previous = None
    open_calls: set[str] = set()
    for step in trajectory(seed):
        commit_trajectory(mem, [step])
        if step[0] == "call":
            open_calls.add(step[3])
        elif step[0] == "result":
            open_calls.discard(step[1])
        if open_calls:
            continue                                       # the agent calls the model between turns
        pieces, marks = cache_sequence(mem.compile().to_anthropic(cache=True))
        assert len(marks) <= 4
        if previous is not None:
            end = previous[1][-1] + 1
            assert pieces[:end] == previous[0][:end], f"prefix changed after {step[0]}"
        previous = pieces, marks
