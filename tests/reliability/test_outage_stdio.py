"""A stdio server keeps answering while one commit waits on a locked or unreachable store: `ping`
and other tools answer at once, the waiting commit ends with a readable tool error within the
store timeout, and the next commit works once the store is back. Over a real subprocess."""

from __future__ import annotations

import sys
import time

import anyio
import pytest
from mcp import Client, StdioServerParameters

from tests.reliability.tcp_proxy import TcpProxy
from tests.reliability.test_outage import holding_write_lock

pytestmark = [pytest.mark.anyio, pytest.mark.slow]
TIMEOUT = 3


def user(text: str) -> dict:
    return {"content_type": "dialogue", "role": "user", "text": text}


def server(*store: str) -> StdioServerParameters:
    return StdioServerParameters(command=sys.executable,
                                 args=["-m", "server", *store, "--store-timeout", str(TIMEOUT)])


def client(*store: str) -> Client:
    return Client(server(*store), mode="legacy")  # `ping` exists in the legacy protocol era only


async def commit_while_stalled(c: Client, text: str, *, reads: bool) -> str:
    """Start a commit that will wait on the store; meanwhile ping, list the tools and (when the
    store can still be read) read the tract the commit waits on and another; return the commit's
    error."""
    outcome = {}

    async def stalled_commit():
        start = time.monotonic()
        outcome["result"] = await c.call_tool("commit", {"content": user(text)})
        outcome["took"] = time.monotonic() - start

    async with anyio.create_task_group() as tg:
        tg.start_soon(stalled_commit)
        await anyio.sleep(0.3)  # the commit is waiting now
        for _ in range(3):
            with anyio.fail_after(1):  # answered while the commit waits
                await c.send_ping()
                assert any(tool.name == "commit" for tool in (await c.list_tools()).tools)
                if reads:
                    for tract in ("default", "other"):
                        status = await c.call_tool("status", {"tract": tract})
                        assert status.structured_content["commit_count"] == 1
        assert "result" not in outcome, "the commit should still be waiting on the store"
    result = outcome["result"]
    assert result.is_error
    assert outcome["took"] < 2 * TIMEOUT + 2
    return result.content[0].text


async def test_ping_is_answered_while_a_commit_waits_for_sqlites_write_lock(tmp_path):
    db = str(tmp_path / "t.db")
    async with client("--db", db) as c:
        for tract in ("default", "other"):  # both tracts are open now
            await c.call_tool("commit", {"content": user("first"), "tract": tract})
        with holding_write_lock(db):
            message = await commit_while_stalled(c, "while locked", reads=True)
        assert "write lock" in message and "nothing was written" in message
        assert not (await c.call_tool("commit", {"content": user("after")})).is_error
        status = await c.call_tool("status", {})
        assert status.structured_content["commit_count"] == 2


@pytest.mark.postgres
async def test_ping_is_answered_while_a_commit_waits_on_a_black_holed_postgres(pg_url):
    with TcpProxy(("127.0.0.1", 5432)) as proxy:
        async with client("--url", proxy.url(pg_url)) as c:
            assert not (await c.call_tool("commit", {"content": user("first")})).is_error
            proxy.blackhole()
            message = await commit_while_stalled(c, "during the outage", reads=False)
            assert "did not answer" in message and "reachable" in message
            proxy.restore()
            assert not (await c.call_tool("commit", {"content": user("after")})).is_error
            status = await c.call_tool("status", {})
            assert status.structured_content["commit_count"] == 2
