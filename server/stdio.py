"""stdio without worker threads, answering every request.

The SDK's `stdio_server` reads and writes the process's pipes through `anyio.wrap_file`: a thread
hop for every line read, every write and every flush, about 0.9 ms of each ~3 ms tool call on a
2-core machine. Here the pipes are asyncio streams. Pipes and sockets are what MCP clients give a
server; anything else (a terminal, a file, Windows) is served by the SDK's own transport.

The framing is ours too (`server.wire`), because the SDK's drops a line it cannot parse without a
word, and the client waits forever: here a line too long, not JSON, nested too deep or holding a
lone surrogate is answered with a JSON-RPC error (carrying the request's id when it can be read),
and an answer that cannot be encoded becomes an error answer instead of stopping the writer.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager

import anyio
from mcp.server import MCPServer
from mcp.shared._context_streams import create_context_streams
from mcp.shared.message import SessionMessage

from server.handshake import Early, is_pipe
from server.wire import DEFAULT_MAX_REQUEST_BYTES, HEAD, Oversized, encode, parse_line, refuse_oversized

CHUNK = 1 << 16


log = logging.getLogger("tract.server")


def run_stdio(mcp: MCPServer, max_request_bytes: int = DEFAULT_MAX_REQUEST_BYTES, read: bytes = b"",
              answered: Early | None = None) -> None:
    """Serve `mcp` on the process's stdin and stdout. `read`: bytes already read from stdin (they
    come first); `answered`: the `initialize` already answered from them (`server.handshake`)."""
    if sys.platform == "win32" or not all(map(is_pipe, (0, 1))):
        assert not read, "bytes are read ahead only from pipes"
        mcp.run()
    else:
        anyio.run(serve_pipes, mcp, max_request_bytes, read, answered)


async def serve_pipes(mcp: MCPServer, max_request_bytes: int = DEFAULT_MAX_REQUEST_BYTES, read: bytes = b"",
                      answered: Early | None = None) -> None:
    loop = asyncio.get_running_loop()
    with wire_fds() as (wire_in, wire_out):
        reader = asyncio.StreamReader()
        read_transport, _ = await loop.connect_read_pipe(
            lambda: asyncio.StreamReaderProtocol(reader), os.fdopen(wire_in, "rb", buffering=0))
        write_transport, protocol = await loop.connect_write_pipe(
            asyncio.streams.FlowControlMixin, os.fdopen(wire_out, "wb", buffering=0))
        writer = asyncio.StreamWriter(write_transport, protocol, None, loop)
        try:
            await serve_lines(mcp, PipeLines(reader, max_request_bytes, read), PipeWriter(writer), answered)
        finally:
            read_transport.close()
            write_transport.close()


async def serve_lines(mcp: MCPServer, lines: AsyncIterator[str | Oversized], out: PipeWriter,
                      answered: Early | None = None) -> None:
    """`MCPServer.run_stdio_async` over our framing: every line read gets a message to the server or
    an error answer; every message the server sends is written, or an error answer in its place.
    `answered`: the SDK's own reply to that `initialize` is not written again."""
    read_in, read_stream = create_context_streams[SessionMessage | Exception](0)
    write_stream, write_out = create_context_streams[SessionMessage](0)

    async def read() -> None:
        async with read_in:
            async for line in lines:
                if isinstance(line, Oversized):
                    answer = refuse_oversized(line)
                else:
                    message, answer = parse_line(line)
                    if message is not None:
                        await read_in.send(SessionMessage(message))
                        continue
                if answer is not None:
                    await write_stream.send(SessionMessage(answer))

    async def write() -> None:
        duplicate = answered
        async with write_out:
            async for session_message in write_out:
                text = encode(session_message.message)
                if duplicate is not None and getattr(session_message.message, "id", None) == duplicate.id:
                    if text.encode("utf-8") != duplicate.reply:  # tests/server/test_handshake.py: never
                        log.error("initialize was answered early with %r; the SDK answers %r", duplicate.reply,
                                  text)
                    duplicate = None
                    continue
                await out.write(text)
                await out.flush()

    async with anyio.create_task_group() as tg:
        tg.start_soon(read)
        tg.start_soon(write)
        server = mcp._lowlevel_server
        await server.run(read_stream, write_stream, server.create_initialization_options())
        write_stream.close()  # the writer ends once it has written what is left


@contextmanager
def wire_fds() -> Iterator[tuple[int, int]]:
    """Private copies of fds 0 and 1 for the protocol (each closed by its transport). Meanwhile fd 0
    reads /dev/null and fd 1 writes to stderr, so a stray print (ours or a library's) cannot corrupt
    the wire, as under the SDK's transport; both are restored on exit."""
    sys.stdout.flush()
    saved = os.dup(0), os.dup(1)
    null = os.open(os.devnull, os.O_RDONLY)
    try:
        os.dup2(null, 0)
        os.dup2(2, 1)
        yield os.dup(saved[0]), os.dup(saved[1])
    finally:
        sys.stdout.flush()
        os.dup2(saved[0], 0)
        os.dup2(saved[1], 1)
        for fd in (*saved, null):
            os.close(fd)


class PipeLines:
    """The lines of a pipe, decoded as the SDK decodes stdin (UTF-8, bad bytes replaced). A line
    longer than `max_bytes` is not kept: its first bytes (to find its id) and its length come as an
    `Oversized`, so a 100 MB line costs no more memory than a read."""

    def __init__(self, reader: asyncio.StreamReader, max_bytes: int | None = None, read: bytes = b"") -> None:
        self._reader = reader
        self._max = max_bytes
        self._read = read  # bytes read from the pipe before: they come first

    async def __aiter__(self) -> AsyncIterator[str | Oversized]:
        partial: list[bytes] = []  # the unfinished line, in chunks (joined once: no quadratic copy)
        size = 0
        oversized: Oversized | None = None
        chunk, self._read = self._read, b""
        while chunk or (chunk := await self._reader.read(CHUNK)):
            start = 0
            while True:
                end = chunk.find(b"\n", start)
                piece = chunk[start:] if end < 0 else chunk[start:end]
                size += len(piece)
                if oversized is not None:
                    oversized.size = size
                elif self._max is not None and size > self._max:
                    oversized = Oversized(first_bytes([*partial, piece], HEAD), size, self._max)
                    partial = []
                elif piece:
                    partial.append(piece)
                if end < 0:
                    break
                yield oversized or b"".join(partial).decode("utf-8", "replace")
                partial, size, oversized, start = [], 0, None, end + 1
            chunk = b""
        if oversized is not None or partial:
            yield oversized or b"".join(partial).decode("utf-8", "replace")


def first_bytes(parts: list[bytes], n: int) -> bytes:
    head, size = [], 0
    for part in parts:
        if size >= n:
            break
        head.append(part[:n - size])
        size += len(head[-1])
    return b"".join(head)


class PipeWriter:
    """What the transport's writer calls: `write` buffers, `flush` waits while the pipe is full."""

    def __init__(self, writer: asyncio.StreamWriter) -> None:
        self._writer = writer

    async def write(self, text: str) -> None:
        self._writer.write(text.encode("utf-8"))

    async def flush(self) -> None:
        await self._writer.drain()
