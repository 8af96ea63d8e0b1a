"""A fuzz run over a real `tract-mcp` stdio subprocess: a few hundred raw lines, well-formed calls
with hostile arguments on every tool, and the same calls cut short, nested too deep or spoilt.
Every request is answered within 5 s (a JSON-RPC error or a tool result), a failed call leaves the
store as it was, and after a few 20 MB requests the server's memory is back within 2x its baseline."""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.reliability.hostile import deep, names, strings
from tests.reliability.raw_stdio import RawServer, store_dump

USER = {"content_type": "dialogue", "role": "user", "text": "seed"}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    s = RawServer(tmp_path_factory.mktemp("fuzz") / "t.db")
    s.call("commit", content=USER)
    s.call("commit", content=USER, tract="other")
    yield s
    s.close()


def expects_answer(line: bytes) -> bool:
    """JSON-RPC answers requests, and a message it cannot read; not notifications, nor a client's
    own answers, nor blank lines."""
    if not line.strip():
        return False
    try:
        data = json.loads(line.decode("utf-8", "replace"))
    except (ValueError, RecursionError):
        return True
    if not isinstance(data, dict):
        return True
    if "method" in data and "id" not in data:
        return False
    return not ("method" not in data and "id" in data and ("result" in data or "error" in data))


values = st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**6), strings, deep,
                   st.lists(strings, max_size=3), st.dictionaries(strings, strings, max_size=3))


@st.composite
def calls(draw, tools: dict[str, list[str]]):
    name = draw(st.sampled_from(sorted(tools)))
    args = draw(st.dictionaries(st.sampled_from(tools[name] + ["bogus"]), values, max_size=4))
    for key in ("tract", "branch", "name", "hash", "start", "target"):
        if key in tools[name] and draw(st.booleans()):
            args[key] = draw(names)
    if name == "commit" and draw(st.booleans()):
        args["content"] = {**USER, "text": draw(strings)}
    return name, args


@st.composite
def lines(draw, tools: dict[str, list[str]], id: int) -> bytes:
    name, args = draw(calls(tools))
    message = {"jsonrpc": "2.0", "id": id, "method": "tools/call", "params": {"name": name, "arguments": args}}
    line = json.dumps(message).encode()  # ASCII: a lone surrogate travels as "\ud800"
    spoil = draw(st.sampled_from(["none", "none", "none", "cut", "bytes", "deep", "garbage"]))
    if spoil == "cut":
        return line[:draw(st.integers(1, len(line) - 1))]
    if spoil == "bytes":
        at = draw(st.integers(0, len(line)))
        return line[:at] + draw(st.binary(min_size=1, max_size=8)).replace(b"\n", b"") + line[at:]
    if spoil == "deep":  # written as text: deeper than Python's own encoder goes
        message["params"]["arguments"]["x"] = "DEEP"
        levels = draw(st.integers(150, 5000))
        return json.dumps(message).encode().replace(b'"DEEP"', b"[" * levels + b"]" * levels)
    if spoil == "garbage":
        return draw(st.binary(min_size=1, max_size=64)).replace(b"\n", b"") or b"?"
    return line


def test_hostile_lines_over_stdio(server):
    tools = {t["name"]: sorted(t["inputSchema"].get("properties", {}))
             for t in server.request("tools/list")["result"]["tools"]}
    for name in tools:  # every tool once, well-formed, for the baseline
        server.call(name)
    baseline = server.rss_kib()
    counter = iter(range(10**6, 10**7))

    @settings(max_examples=250, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(st.data())
    def one_line(data):
        id = next(counter)
        line = data.draw(lines(tools, id))
        before = store_dump(server.db)
        server.send(line)
        barrier = f"barrier-{id}"  # a ping after the line: its answer comes once the line's has
        server.send_json({"jsonrpc": "2.0", "id": barrier, "method": "ping"})
        expected = expects_answer(line)
        answers: list[dict] = []
        while not (any(a.get("id") == barrier for a in answers) and len(answers) >= 1 + expected):
            answers.append(server.answer())  # each within 5 s
        ours = [a for a in answers if a.get("id") != barrier]
        assert len(ours) == expected, (line[:300], answers)
        if ours:
            answer = ours[0]
            assert answer.get("id") in (id, None), (line[:300], answer)
            failed = "error" in answer or answer["result"].get("isError")
            if failed:
                assert store_dump(server.db) == before, (line[:300], answer)
                message = (answer["error"]["message"] if "error" in answer
                           else answer["result"]["content"][0]["text"])
                assert not re.fullmatch(r"Error executing tool \w*", message), answer  # a crash says no more

    one_line()
    for i in range(3):  # 20 MB requests: refused without being held, and memory returns
        server.send(json.dumps({"jsonrpc": "2.0", "id": f"huge-{i}", "method": "tools/call", "params": {
            "name": "commit", "arguments": {"content": {**USER, "text": "x" * (20 << 20)}}}}))
        refused = server.answer()
        assert refused["id"] == f"huge-{i}" and "over the server's limit" in refused["error"]["message"]
    assert server.request("ping")["result"] == {}
    assert server.rss_kib() < 2 * baseline, (server.rss_kib(), baseline)
