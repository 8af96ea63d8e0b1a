"""The `commit` tool's answer names the branch the turn went on without reading the store again:
one write transaction per call, nothing after it (a tool result's warnings aside)."""

from __future__ import annotations

import pytest
from mcp import Client
from sqlalchemy import event
from server_helpers import call, user

pytestmark = pytest.mark.anyio


async def test_a_commit_call_is_one_write_transaction_and_names_its_branch(server, pool):
    async with Client(server) as c:
        await call(c, "commit", content=user("warm up"))
        await call(c, "branch", name="side")
        begun: list[str] = []

        def on_sql(conn, cursor, statement, params, context, many):
            if statement.upper().startswith("BEGIN"):
                begun.append(statement.upper())

        event.listen(pool.store.engine, "before_cursor_execute", on_sql)
        try:
            on_main = await call(c, "commit", content=user("on the current branch"))
            on_side = await call(c, "commit", content=user("on another"), branch="side")
            both = await call(c, "commit", turns=[user("one"), user("two")])
        finally:
            event.remove(pool.store.engine, "before_cursor_execute", on_sql)
    assert (on_main["branch"], on_side["branch"], both["branch"]) == ("main", "side", "main")
    assert begun == ["BEGIN IMMEDIATE"] * 3
