"""stdio without worker threads.

The SDK's `stdio_server` reads and writes the process's pipes through `anyio.wrap_file`: a thread
hop for every line read, every write and every flush, about 0.9 ms of each ~3 ms tool call on a
2-core machine. Here the same `stdio_server` (framing, parsing, errors: all the SDK's) is fed
asyncio pipe streams instead. Pipes and sockets are what MCP clients give a server; anything else
(a terminal, a file, Windows) is served by the SDK's own transport.
"""

from __future__ import annotations

import asyncio
import os
import stat
import sys
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager

import anyio
from mcp.server import MCPServer
from mcp.server.stdio import stdio_server

CHUNK = 1 << 16


def run_stdio(mcp: MCPServer) -> None:
    if sys.platform == "win32" or not all(map(is_pipe, (0, 1))):
        mcp.run()
    else:
        anyio.run(serve_pipes, mcp)


def is_pipe(fd: int) -> bool:
    try:
        mode = os.fstat(fd).st_mode
    except OSError:
        return False
    return stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode)


async def serve_pipes(mcp: MCPServer) -> None:
    loop = asyncio.get_running_loop()
    with wire_fds() as (wire_in, wire_out):
        reader = asyncio.StreamReader()
        read_transport, _ = await loop.connect_read_pipe(
            lambda: asyncio.StreamReaderProtocol(reader), os.fdopen(wire_in, "rb", buffering=0))
        write_transport, protocol = await loop.connect_write_pipe(
            asyncio.streams.FlowControlMixin, os.fdopen(wire_out, "wb", buffering=0))
        writer = asyncio.StreamWriter(write_transport, protocol, None, loop)
        try:
            # as `MCPServer.run_stdio_async`, with our streams (duck-typed as the `AsyncFile`s it takes)
            lines, out = PipeLines(reader), PipeWriter(writer)
            async with stdio_server(lines, out) as (read, write):  # type: ignore[arg-type]
                server = mcp._lowlevel_server
                await server.run(read, write, server.create_initialization_options())
        finally:
            read_transport.close()
            write_transport.close()


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
    """The lines of a pipe, decoded as the SDK decodes stdin (UTF-8, bad bytes replaced); no length
    limit, as there is none there."""

    def __init__(self, reader: asyncio.StreamReader) -> None:
        self._reader = reader

    async def __aiter__(self) -> AsyncIterator[str]:
        partial: list[bytes] = []  # the unfinished line, in chunks (joined once: no quadratic copy)
        while chunk := await self._reader.read(CHUNK):
            *ended, rest = chunk.split(b"\n")
            for line in ended:
                partial.append(line)
                yield b"".join(partial).decode("utf-8", "replace")
                partial = []
            if rest:
                partial.append(rest)
        if partial:
            yield b"".join(partial).decode("utf-8", "replace")


class PipeWriter:
    """What the SDK's stdout writer calls: `write` buffers, `flush` waits while the pipe is full."""

    def __init__(self, writer: asyncio.StreamWriter) -> None:
        self._writer = writer

    async def write(self, text: str) -> None:
        self._writer.write(text.encode("utf-8"))

    async def flush(self) -> None:
        await self._writer.drain()
