"""Shared fixtures: a store URL per engine (SQLite file, PostgreSQL schema), a fresh tract."""

from __future__ import annotations

import os
import uuid

import pytest

from tract_core import Tract

PG_URL = os.environ.get("TRACT_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
_pg_error: str | None = None


def _pg_conninfo() -> str:
    return PG_URL.replace("postgresql+psycopg://", "postgresql://")


def pg_available() -> str | None:
    """None when PostgreSQL answers, else the reason it does not."""
    global _pg_error
    if _pg_error is None:
        try:
            import psycopg

            with psycopg.connect(_pg_conninfo(), connect_timeout=3):
                _pg_error = ""
        except Exception as err:  # any failure means: no usable server
            _pg_error = f"PostgreSQL not reachable at {PG_URL}: {err}"
    return _pg_error or None


@pytest.fixture
def pg_url():
    """A PostgreSQL URL whose search_path is a fresh schema, dropped afterwards."""
    reason = pg_available()
    if reason:
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    import psycopg

    schema = f"tract_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(_pg_conninfo(), autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    sep = "&" if "?" in PG_URL else "?"
    yield f"{PG_URL}{sep}options=-csearch_path%3D{schema}"
    with psycopg.connect(_pg_conninfo(), autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture
def sqlite_url(tmp_path):
    return str(tmp_path / "tract.db")


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store_url(request):
    """Run the test once on a SQLite file and once on a PostgreSQL schema."""
    if request.param == "sqlite":
        return request.getfixturevalue("sqlite_url")
    return request.getfixturevalue("pg_url")


class WordCounter:
    """A fast, predictable token counter for tests: one token per whitespace-separated word."""

    def count(self, text: str) -> int:
        return len(text.split())


@pytest.fixture
def tract(store_url):
    t = Tract.open(store_url)
    yield t
    t.close()


@pytest.fixture
def mem():
    """An in-memory tract with a word counter: for tests of behaviour, not of storage."""
    t = Tract.open(":memory:", counter=WordCounter())
    yield t
    t.close()


@pytest.fixture
def anyio_backend():
    return "asyncio"
