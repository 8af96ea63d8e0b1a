"""Server fixtures: a server over a SQLite file with a word counter."""

from __future__ import annotations

import pytest
from server_helpers import WordCounter

from server.app import build_server
from server.pool import TractPool


@pytest.fixture
def pool(sqlite_url):
    p = TractPool.open(sqlite_url, counter=WordCounter())
    yield p
    p.close()


@pytest.fixture
def server(pool):
    return build_server(pool, tools="all")
