"""Real transports: a stdio subprocess, SSE and streamable HTTP on a free loopback port, with the
bearer token (401 without it) and the Origin check (403 for a foreign origin)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from contextlib import contextmanager

import httpx2
import pytest
from mcp import Client, StdioServerParameters
from mcp.client.sse import sse_client
from mcp.client.streamable_http import streamable_http_client
from server_helpers import call, user

pytestmark = [pytest.mark.anyio, pytest.mark.slow]
TOKEN = "s3cret-token"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def serving(transport: str, db: str, *extra: str, program: str | None = None, env: dict | None = None):
    """Run `python -m server` (or `program`) on a free loopback port; yield its base URL."""
    port = free_port()
    command = [program] if program else [sys.executable, "-m", "server"]
    proc = subprocess.Popen([*command, "--transport", transport, "--port", str(port),
                             "--db", db, *extra], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env={**os.environ, **(env or {})})
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"server did not start: {proc.stderr.read().decode()}")
                time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(10)


async def test_stdio_subprocess_serves_and_logs_only_to_stderr(tmp_path):
    env = {**os.environ, "XDG_DATA_HOME": str(tmp_path / "data")}
    params = StdioServerParameters(command=sys.executable, args=["-m", "server", "--log-level", "INFO"],
                                   env=env)
    async with Client(params) as c:
        made = await call(c, "commit", content=user("over stdio"))
        assert (await call(c, "show", hash=made["hash"]))["content"]["text"] == "over stdio"
        result = await c.call_tool("show", {"hash": "0000aaaa"})  # an error does not end the session
        assert result.is_error
        assert (await call(c, "status"))["commits"] == 1
    # with no --db, the store is created in the user's data directory
    assert (tmp_path / "data" / "tract-mcp" / "tract.db").exists()


async def test_streamable_http_with_token(tmp_path):
    with serving("http", str(tmp_path / "t.db"), env={"TRACT_MCP_TOKEN": TOKEN}) as base:
        auth = httpx2.AsyncClient(headers={"Authorization": f"Bearer {TOKEN}"})
        async with Client(streamable_http_client(f"{base}/mcp", http_client=auth)) as c:
            await call(c, "commit", content=user("over http"))
            assert (await call(c, "status"))["commits"] == 1
        async with httpx2.AsyncClient() as raw:
            init = {"jsonrpc": "2.0", "id": 1, "method": "ping"}
            headers = {"Accept": "application/json, text/event-stream"}
            assert (await raw.post(f"{base}/mcp", json=init, headers=headers)).status_code == 401
            wrong = {**headers, "Authorization": "Bearer nope"}
            resp = await raw.post(f"{base}/mcp", json=init, headers=wrong)
            assert resp.status_code == 401 and "Bearer" in resp.headers["www-authenticate"]
            evil = {**headers, "Authorization": f"Bearer {TOKEN}", "Origin": "http://evil.example"}
            assert (await raw.post(f"{base}/mcp", json=init, headers=evil)).status_code == 403


async def test_http_refuses_a_request_over_the_limit_and_the_content_limit_applies(tmp_path):
    with serving("http", str(tmp_path / "t.db"), "--max-request-bytes", "64K",
                 "--max-content-bytes", "8K") as base:
        async with httpx2.AsyncClient() as raw:
            big = {"jsonrpc": "2.0", "id": 1, "method": "ping", "params": {"pad": "x" * (70 << 10)}}
            resp = await raw.post(f"{base}/mcp", json=big,
                                  headers={"Accept": "application/json, text/event-stream"})
            assert resp.status_code == 413
        async with Client(f"{base}/mcp") as c:
            result = await c.call_tool("commit", {"content": user("y" * (9 << 10))})
            assert result.is_error and "over this tract's limit of 8,192 bytes" in result.content[0].text


async def test_streamable_http_rejects_a_foreign_origin_without_token(tmp_path):
    with serving("http", str(tmp_path / "t.db"), "--allow-origin", "https://app.example") as base:
        async with Client(f"{base}/mcp") as c:
            assert (await call(c, "status"))["commits"] == 0
        async with httpx2.AsyncClient() as raw:
            headers = {"Accept": "application/json, text/event-stream", "Origin": "http://evil.example"}
            resp = await raw.post(f"{base}/mcp", json={"jsonrpc": "2.0", "id": 1, "method": "ping"},
                                  headers=headers)
            assert resp.status_code == 403
            allowed = {**headers, "Origin": "https://app.example"}
            resp = await raw.post(f"{base}/mcp", json={"jsonrpc": "2.0", "id": 1, "method": "ping"},
                                  headers=allowed)
            assert resp.status_code not in (401, 403, 421)
            rebinding = {"Accept": "application/json, text/event-stream", "Host": "evil.example"}
            resp = await raw.post(f"{base}/mcp", json={"jsonrpc": "2.0", "id": 1, "method": "ping"},
                                  headers=rebinding)
            assert resp.status_code == 421


async def test_sse_with_token_origin_and_401(tmp_path):
    (tmp_path / "token").write_text(TOKEN + "\n")
    with serving("sse", str(tmp_path / "t.db"), "--token-file", str(tmp_path / "token")) as base:
        async with Client(sse_client(f"{base}/sse", headers={"Authorization": f"Bearer {TOKEN}"}),
                          mode="legacy") as c:
            await call(c, "commit", content=user("over sse"))
            assert (await call(c, "log"))["lines"][0].endswith("user: over sse")
        async with httpx2.AsyncClient() as raw:
            assert (await raw.get(f"{base}/sse")).status_code == 401
            evil = {"Authorization": f"Bearer {TOKEN}", "Origin": "http://evil.example"}
            assert (await raw.get(f"{base}/sse", headers=evil)).status_code == 403


def test_stdout_carries_only_the_protocol_even_with_debug_logs(tmp_path):
    initialize = {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "t", "version": "0"}}}
    proc = subprocess.run([sys.executable, "-m", "server", "--db", str(tmp_path / "t.db"), "--log-level",
                           "DEBUG"], input=json.dumps(initialize) + "\n", capture_output=True, text=True,
                          timeout=60)
    lines = [json.loads(line) for line in proc.stdout.splitlines()]
    assert lines and lines[0]["id"] == 1 and lines[0]["result"]["serverInfo"]["name"] == "tract"
    assert "DEBUG" in proc.stderr


def test_http_binds_loopback_by_default():
    from server.main import parser

    args = parser().parse_args(["--transport", "http"])
    assert (args.host, args.port) == ("127.0.0.1", 8000)


def test_a_store_that_cannot_be_opened_is_one_clear_line_and_status_1(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "server", "--url", "postgresql+psycopg://nobody@127.0.0.1:1/x"],
                          input="", capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1 and proc.stdout == ""
    assert proc.stderr.startswith("tract-mcp: cannot") and "Traceback" not in proc.stderr


async def test_the_bearer_scheme_is_case_insensitive_the_token_is_not():
    """RFC 7235: the auth scheme is case-insensitive ('bearer x' is a valid header); the token is exact."""
    from server.http import BearerAuth

    async def app(scope, receive, send):
        await send({"type": "http.response.start", "status": 200, "headers": []})

    async def status(header: bytes) -> int:
        sent = []

        async def send(message):
            sent.append(message)

        scope = {"type": "http", "headers": [(b"authorization", header)]}
        await BearerAuth(app, TOKEN)(scope, None, send)
        return sent[0]["status"]

    assert await status(f"Bearer {TOKEN}".encode()) == 200
    assert await status(f"bearer {TOKEN}".encode()) == 200
    assert await status(f"BEARER  {TOKEN}".encode()) == 200
    assert await status(f"Bearer {TOKEN.upper()}x".encode()) == 401
    assert await status(b"Basic " + TOKEN.encode()) == 401
    assert await status(f"Bearer{TOKEN}".encode()) == 401


def test_on_a_terminal_it_says_it_speaks_mcp_on_stdio(tmp_path):
    import pty

    primary, secondary = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "server", "--db", str(tmp_path / "t.db")], stdin=secondary,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stderr.readline()
    finally:
        proc.kill()
        proc.wait()
        os.close(primary)
        os.close(secondary)
    assert "speaks MCP on stdio" in line and "--db" in line
