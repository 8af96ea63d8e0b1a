"""A commit that waits for the store's write lock does not hold the event loop: on stdio the server
runs quick calls inline (`TractPool(run_inline=True)`), so this is what keeps a locked store from
stalling every other request."""

from __future__ import annotations

import sqlite3

import anyio
import pytest
from mcp import Client
from server_helpers import WordCounter, call, user

from server.app import build_server
from server.pool import TractPool

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend():
    return "asyncio"


@pytest.mark.filterwarnings("ignore:ping is removed")
async def test_a_commit_waiting_for_a_locked_store_leaves_ping_and_reads_answered(tmp_path):
    path = tmp_path / "locked.db"
    pool = TractPool.open(str(path), run_inline=True, counter=WordCounter())
    try:
        server = build_server(pool, tools="all")
        async with Client(server, mode="legacy", raise_exceptions=True) as client:  # ping: legacy era
            await call(client, "commit", content=user("first"))
            await call(client, "commit", content=user("elsewhere"), tract="other")
            blocker = sqlite3.connect(path, isolation_level=None)
            blocker.execute("BEGIN IMMEDIATE")  # another process holds the write lock
            committed = anyio.Event()
            answers = []

            async def commit() -> None:
                answers.append(await call(client, "commit", content=user("waits for the lock")))
                committed.set()

            try:
                async with anyio.create_task_group() as tg:
                    tg.start_soon(commit)
                    await anyio.sleep(0.2)  # the commit is waiting for the lock by now
                    with anyio.fail_after(5):
                        await client.send_ping()
                        log = await call(client, "log", tract="other")
                    assert not committed.is_set()  # answered while the commit still waited
                    blocker.execute("COMMIT")
            finally:
                blocker.close()
            assert answers and answers[0]["hash"]
            assert len(log["lines"]) == 1
            assert len((await call(client, "log"))["lines"]) == 2
    finally:
        pool.close()
