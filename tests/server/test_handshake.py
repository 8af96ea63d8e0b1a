"""`initialize` answered before the SDK has loaded (server/handshake.py) is the SDK's own answer, byte
for byte, and leaves the SDK's session as if it had answered."""

from __future__ import annotations

import json
import logging
import subprocess
import sys

import anyio
import pytest
from mcp_types import version as sdk_versions
from server_helpers import WordCounter

from server import handshake
from server.app import build_server
from server.pool import TractPool
from server.stdio import serve_lines

pytestmark = pytest.mark.anyio

VERSIONS = [*sdk_versions.HANDSHAKE_PROTOCOL_VERSIONS, *sdk_versions.MODERN_PROTOCOL_VERSIONS, "1999-01-01",
            "2099-12-31", "", "not a version"]
CLIENTS = {  # capabilities and clientInfo as clients send them
    "bare": ({}, {"name": "bench", "version": "1"}),
    "sdk legacy client with callbacks": (
        {"sampling": {}, "elicitation": {"form": {}, "url": {}}, "roots": {"listChanged": True}},
        {"name": "mcp", "version": "0.1.0"}),
    "inspector cli 2.12": ({"roots": {"listChanged": True}, "extensions": {
        "io.modelcontextprotocol/tasks": {}, "io.modelcontextprotocol/skills": {}}},
        {"name": "inspector-cli", "version": "2.12.0"}),
    "a titled client": ({"sampling": {}, "elicitation": {}, "roots": {"listChanged": True}},
                        {"name": "inspector-client", "version": "2.12.0", "title": "MCP Inspector"}),
    "tasks and extensions": ({"tasks": {"list": {}, "cancel": {}}, "extensions": {"io.x/ui": {}},
                              "experimental": {"thing": {"deep": {}}}},
                             {"name": "x", "version": "2", "description": "d", "websiteUrl": "https://x"}),
}


def initialize(version: str, id: int | str = 1, client: str = "bare") -> str:
    caps, info = CLIENTS[client]
    return json.dumps({"jsonrpc": "2.0", "id": id, "method": "initialize",
                       "params": {"protocolVersion": version, "capabilities": caps, "clientInfo": info}})


class Written:
    def __init__(self) -> None:
        self.lines: list[str] = []

    async def write(self, text: str) -> None:
        self.lines.append(text)

    async def flush(self) -> None:
        pass


async def served(server, lines: list[str], answered: handshake.Early | None = None, replies: int = 1) -> list[str]:
    """What the server writes for `lines`; the input stays open until `replies` lines are written
    (at its end the server stops, cancelling what it has not answered)."""
    out = Written()

    async def read():
        for line in lines:
            yield line
        with anyio.fail_after(10):
            while len(out.lines) < replies:
                await anyio.sleep(0.01)

    await serve_lines(server, read(), out, answered)
    return out.lines


@pytest.fixture
def pool(tmp_path):
    p = TractPool.open(str(tmp_path / "h.db"), counter=WordCounter())
    yield p
    p.close()


def test_the_versions_are_the_sdks():
    assert handshake.HANDSHAKE_VERSIONS == sdk_versions.HANDSHAKE_PROTOCOL_VERSIONS
    assert handshake.LATEST_HANDSHAKE_VERSION == sdk_versions.LATEST_HANDSHAKE_VERSION


@pytest.mark.parametrize("tools", ["core", "all", "history,admin"])
async def test_the_early_reply_is_the_sdks_byte_for_byte(pool, tools):
    server = build_server(pool, tools=tools)
    for version in VERSIONS:
        for id in (1, 0, -7, 2**40, "req-1", ""):
            for client in CLIENTS:
                line = initialize(version, id, client)
                early = handshake.answer(line.encode() + b"\n")
                assert early is not None and early.id == id
                sdk = await served(server, [line])
                assert [early.reply.decode()] == sdk, (version, id, client)


async def test_the_inspectors_own_line_is_answered_early_as_the_sdk_answers_it(pool):
    line = ('{"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{"roots":'
            '{"listChanged":true},"extensions":{"io.modelcontextprotocol/tasks":{},'
            '"io.modelcontextprotocol/skills":{}}},"clientInfo":{"name":"inspector-cli","version":"2.12.0"}},'
            '"jsonrpc":"2.0","id":0}')  # as @modelcontextprotocol/inspector 2.12.0 --cli writes it
    early = handshake.answer(line.encode() + b"\n")
    assert early is not None
    assert [early.reply.decode()] == await served(build_server(pool, tools="core"), [line])


async def test_after_an_early_reply_the_sdks_is_dropped_and_its_session_is_initialized(pool, caplog):
    server = build_server(pool, tools="core")
    line = initialize("2025-11-25", 0)
    early = handshake.answer(line.encode() + b"\n")
    initialized = json.dumps({"jsonrpc": "2.0", "method": "notifications/initialized"})
    tools_list = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "tools/list"})
    with caplog.at_level(logging.ERROR, logger="tract.server"):
        out = await served(server, [line, initialized, tools_list], early)
    assert not caplog.records  # the SDK's reply equalled the early one
    assert len(out) == 1
    reply = json.loads(out[0])
    assert reply["id"] == 1 and "commit" in {t["name"] for t in reply["result"]["tools"]}


@pytest.mark.parametrize("line", [
    '{"jsonrpc":"2.0","method":"notifications/initialized"}',
    '{"jsonrpc":"2.0","id":1,"method":"tools/list"}',
    '{"jsonrpc":"2.0","id":1,"method":"server/discover","params":{}}',
    initialize("2025-11-25").replace('"params": {', '"params": {"_meta": {"progressToken": 1}, '),
    initialize("2025-11-25").replace('"version": "1"', '"version": "1", "icons": []'),
    initialize("2025-11-25").replace('"version": "1"', '"version": 1'),
    initialize("2025-11-25").replace('"clientInfo": {"name": "bench", "version": "1"}', '"clientInfo": {}'),
    initialize("2025-11-25").replace('"capabilities": {}', '"capabilities": {"roots": {"listChanged": "yes"}}'),
    initialize("2025-11-25").replace('"capabilities": {}', '"capabilities": {"sampling": true}'),
    initialize("2025-11-25").replace('"capabilities": {}', '"capabilities": {"brandNew": {}}'),
    initialize("2025-11-25").replace('"protocolVersion": "2025-11-25"', '"protocolVersion": 20251125'),
    initialize("2025-11-25").replace('"id": 1', '"id": true'),
    initialize("2025-11-25").replace('"id": 1', '"id": 1.5'),
    initialize("2025-11-25").replace('"id": 1', '"id": null'),
    initialize("2025-11-25").replace('"id": 1', '"id": "a\\"b"'),
    initialize("2025-11-25").replace('"id": 1', '"id": "caf\\u00e9"'),
    initialize("2025-11-25").replace('"id": 1', '"id": 1, "id": 2'),
    initialize("2025-11-25").replace('"id": 1', '"id": NaN'),
    initialize("2025-11-25").replace('"jsonrpc": "2.0"', '"jsonrpc": "1.0"'),
    initialize("2025-11-25")[:-1] + ', "extra": 1}',
    initialize("2025-11-25").replace('"name": "bench"', '"name": "\\ud800"'),
    initialize("2025-11-25").replace('"capabilities": {}', '"capabilities": {"experimental": '
                                     + '{"a": ' * 5000 + "{}" + "}" * 5001),  # deeper than Python's parser goes
    "not json",
])
def test_what_it_is_not_sure_of_is_left_to_the_sdk(line):
    assert handshake.answer(line.encode() + b"\n") is None


def test_a_line_without_its_newline_is_left_to_the_sdk():
    assert handshake.answer(initialize("2025-11-25").encode()) is None


def test_over_pipes_the_first_reply_is_the_early_one_and_the_session_goes_on(tmp_path):
    line = initialize("2025-06-18", 5)
    lines = [line, json.dumps({"jsonrpc": "2.0", "method": "notifications/initialized"}),
             json.dumps({"jsonrpc": "2.0", "id": 6, "method": "tools/call",
                         "params": {"name": "commit", "arguments": {"content": {
                             "content_type": "dialogue", "role": "user", "text": "hi"}}}})]
    proc = subprocess.Popen([sys.executable, "-m", "server", "--db", str(tmp_path / "p.db")],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        proc.stdin.write("".join(x + "\n" for x in lines).encode())  # all at once: read ahead together
        proc.stdin.flush()
        first, second = proc.stdout.readline(), proc.stdout.readline()
    finally:
        proc.stdin.close()
        proc.wait(timeout=60)
        err = proc.stderr.read()
    assert first == handshake.answer(line.encode() + b"\n").reply
    assert json.loads(second)["result"]["structuredContent"]["branch"] == "main"
    assert proc.stdout.read() == b"" and b"answered early" not in err
