"""Scoped tokens over streamable HTTP: a read-only token for `team-a/*` reads team-a/x, and cannot
read team-b/y or write anywhere; the all-access --token keeps working."""

from __future__ import annotations

import httpx2
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from server_helpers import call, fails, user
from test_transports import serving

from server.cli import main
from tract_core import Tract

pytestmark = [pytest.mark.anyio, pytest.mark.slow]
ADMIN = "admin-token"


def client(base: str, token: str) -> Client:
    auth = httpx2.AsyncClient(headers={"Authorization": f"Bearer {token}"})
    return Client(streamable_http_client(f"{base}/mcp", http_client=auth))


async def test_a_read_only_token_scoped_to_team_a(tmp_path, capsys):
    db = str(tmp_path / "t.db")
    for name in ("team-a/x", "team-b/y"):
        with Tract.open(db, name) as t:
            t.user(f"hello from {name}")
    main(["--db", db, "token", "add", "reader", "--tracts", "team-a/*", "--read-only"])
    token = capsys.readouterr().out.strip()
    main(["--db", db, "token", "list"])
    assert capsys.readouterr().out.strip() == "reader  team-a/*  read-only"
    with serving("http", db, "--token", ADMIN) as base:
        async with client(base, token) as c:
            log = await call(c, "log", tract="team-a/x")
            assert len(log["lines"]) == 1
            denied = await fails(c, "log", tract="team-b/y")
            assert "team-b/y" in denied and "team-a/x" not in denied
            assert "read-only" in await fails(c, "commit", tract="team-a/x", content=user("sneaky"))
            assert "limited" in await fails(c, "commit", tract="team-b/y", content=user("sneaky"))
        async with client(base, ADMIN) as c:  # the all-access token still works everywhere
            await call(c, "commit", tract="team-b/y", content=user("admin was here"))
        async with httpx2.AsyncClient() as raw:
            resp = await raw.post(f"{base}/mcp", json={"jsonrpc": "2.0", "id": 1, "method": "ping"},
                                  headers={"Accept": "application/json, text/event-stream",
                                           "Authorization": "Bearer tract_guessed"})
            assert resp.status_code == 401
    with Tract.open(db, "team-a/x") as t:
        assert [c.content.text for c in t.log()] == ["hello from team-a/x"]
    main(["--db", db, "token", "revoke", "reader"])
    main(["--db", db, "token", "list"])
    assert capsys.readouterr().out.strip() == "revoked reader"
