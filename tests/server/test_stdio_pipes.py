"""The stdio transport over asyncio pipes (server/stdio.py) and commits run on the event loop."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys

import mcp_types as types
import pytest
from mcp import Client
from server_helpers import WordCounter, call, fails, user

from server.app import build_server
from server.pool import TractPool
from server.stdio import PipeLines, PipeWriter
from server.wire import HEAD, Oversized, encode, id_in, refuse_oversized

pytestmark = pytest.mark.anyio


async def test_commit_run_inline_behaves_as_on_a_thread(sqlite_url):
    pool = TractPool.open(sqlite_url, run_inline=True, counter=WordCounter())
    try:
        async with Client(build_server(pool, tools="all"), raise_exceptions=True) as c:
            made = await call(c, "commit", content=user("inline"), idempotency_key="k1")
            again = await call(c, "commit", content=user("inline"), idempotency_key="k1")
            assert again["hash"] == made["hash"]  # the retried write happened once
            assert "edit_target" in await fails(c, "commit", content=user("x"), operation="edit")
            assert (await call(c, "status"))["commits"] == 1
    finally:
        pool.close()


async def lines_of(chunks: list[bytes]) -> list[str]:
    reader = asyncio.StreamReader()
    for chunk in chunks:
        reader.feed_data(chunk)
    reader.feed_eof()
    return [line async for line in PipeLines(reader)]


async def test_lines_split_across_reads_and_longer_than_a_read_come_whole():
    long = "x" * 200_000  # several reads of 64 KiB
    chunks = [b'{"a":', b'1}\n{"b"', b":2}\n" + long.encode() + b"\n", "caf\u00e9".encode()[:4],
              "caf\u00e9".encode()[4:] + b"\n", b"\xff\n", b"no newline at the end"]
    assert await lines_of(chunks) == ['{"a":1}', '{"b":2}', long, "caf\u00e9", "\ufffd",
                                      "no newline at the end"]


async def test_the_writer_sends_what_it_was_given():
    read_fd, write_fd = os.pipe()
    loop = asyncio.get_running_loop()
    transport, protocol = await loop.connect_write_pipe(asyncio.streams.FlowControlMixin,
                                                        os.fdopen(write_fd, "wb", buffering=0))
    out = PipeWriter(asyncio.StreamWriter(transport, protocol, None, loop))
    await out.write('{"id":1}\n')
    await out.write("\u00e9\n")
    await out.flush()
    expected = '{"id":1}\n\u00e9\n'.encode()
    try:
        assert os.read(read_fd, 1000) == expected  # all of it was written by the flush
    finally:
        transport.close()
        await asyncio.sleep(0)  # the transport closes its end on the next loop turn
        os.close(read_fd)


def test_a_print_while_serving_goes_to_stderr_not_the_wire(tmp_path):
    # the server's commit is wrapped to print, as a careless library might
    code = ("import sys, tract_core; real = tract_core.Tract.commit\n"
            "def noisy(self, *a, **k):\n    print('stray print while serving'); return real(self, *a, **k)\n"
            "tract_core.Tract.commit = noisy\n"
            "from server.main import main; main(['--db', sys.argv[1]])")
    messages = [
        {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
            "protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "t", "version": "0"}}},
        {"jsonrpc": "2.0", "method": "notifications/initialized"},
        {"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {
            "name": "commit", "arguments": {"content": user("hello")}}},
    ]
    proc = subprocess.Popen([sys.executable, "-c", code, str(tmp_path / "t.db")], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        proc.stdin.write("".join(json.dumps(m) + "\n" for m in messages).encode())
        proc.stdin.flush()
        answers = [json.loads(proc.stdout.readline()) for _ in range(2)]  # every line on the wire is JSON
    finally:
        proc.stdin.close()  # stdin open until both answers came: EOF cancels what is still running
        proc.wait(timeout=60)
        rest, err = proc.stdout.read(), proc.stderr.read()
    assert [a["id"] for a in answers] == [1, 2] and rest == b""
    assert not answers[1]["result"].get("isError") and answers[1]["result"]["structuredContent"]["hash"]
    assert "stray print while serving" in err.decode()


async def test_a_line_over_the_limit_comes_as_its_head_and_size_only():
    reader = asyncio.StreamReader()
    big = b'{"jsonrpc":"2.0","id":7,"method":"tools/call","params":' + b"x" * 300_000
    for i in range(0, len(big), 1000):  # in many small reads
        reader.feed_data(big[i:i + 1000])
    reader.feed_data(b'\n{"a":1}\n' + b"y" * 200 + b"\n")
    reader.feed_eof()
    lines = [line async for line in PipeLines(reader, max_bytes=100)]
    assert isinstance(lines[0], Oversized) and lines[0].size == len(big) and lines[0].limit == 100
    assert lines[0].head == big[:HEAD]
    assert lines[1] == '{"a":1}'
    assert isinstance(lines[2], Oversized) and lines[2].size == 200
    assert refuse_oversized(lines[0]).id == 7
    assert len(lines) == 3


def test_an_answer_that_cannot_be_encoded_becomes_an_error_answer_to_the_same_request():
    reply = types.JSONRPCResponse(jsonrpc="2.0", id=3, result={"text": "bad \ud800"})
    sent = json.loads(encode(reply))
    assert sent["id"] == 3 and sent["error"]["code"] == types.INTERNAL_ERROR
    note = types.JSONRPCNotification(jsonrpc="2.0", method="notifications/message", params={"x": "\ud800"})
    assert encode(note) == ""  # a notification nobody waits for is dropped


@pytest.mark.parametrize("head, id", [(b'{"jsonrpc":"2.0","id":12,"method":"x","params":{}', 12),
                                      (b'{"id" : "abc", "params":', "abc"),
                                      (b'{"method":"x","params":{"id":5}', None),  # the arguments' id
                                      (b'{"params":{},"id":5', None), (b"garbage", None),
                                      (b'{"jsonrpc":"2.0","id":1', None)])  # cut short: maybe 10, 100…
def test_the_id_of_an_unreadable_request_is_found_only_before_its_params(head, id):
    assert id_in(head) == id


async def test_bytes_read_ahead_come_first_even_mid_line():
    reader = asyncio.StreamReader()
    reader.feed_data(b':2}\n' + b"y" * 150 + b"\n")
    reader.feed_eof()
    read = [line async for line in PipeLines(reader, max_bytes=100, read=b'{"a":1}\n{"b"')]
    assert read[:2] == ['{"a":1}', '{"b":2}']
    assert isinstance(read[2], Oversized) and read[2].size == 150
