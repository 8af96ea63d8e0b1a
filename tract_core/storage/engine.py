"""Engines for SQLite and PostgreSQL, and the migrations that run on open."""

from __future__ import annotations

import logging
import re
import sqlite3
import time
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, inspect, text
from sqlalchemy.exc import DisconnectionError, SQLAlchemyError
from sqlalchemy.pool import StaticPool

from tract_core.errors import CorruptStoreError, StorageError
from tract_core.storage import pg_pipeline
from tract_core.storage.driver import run_raw
from tract_core.storage.failures import DATA_ERRORS, cause, damaged_data, location, storage_error
from tract_core.storage.timeouts import postgres_connect_params, resolve_timeout

log = logging.getLogger(__name__)
MIGRATIONS = Path(__file__).with_name("migrations")
WRITE_OPTION = "tract_write"
RAW_READ = "tract_raw_read"  # see storage/hot_reads.py
BUSY_OPTION = "tract_busy_ms"
PING_AFTER_IDLE_S = 1.0


def url_for(path_or_url: str) -> str:
    """`:memory:`, a file path, or a database URL (a bare `postgresql://` gets psycopg 3)."""
    if path_or_url in (":memory:", ""):
        return "sqlite://"
    if "://" not in path_or_url:
        return f"sqlite:///{Path(path_or_url).expanduser()}"
    if path_or_url.startswith(("postgresql://", "postgres://")):
        return "postgresql+psycopg://" + path_or_url.split("://", 1)[1]
    return path_or_url


def shown(url: str) -> str:
    """A store's URL fit for a message: without its password."""
    return re.sub(r"(://[^:/@]*):[^@/]*@", r"\1:***@", str(url))


def make_engine(path_or_url: str, timeout: float | None = None) -> Engine:
    """An engine whose every wait (a lock, connecting, a round trip) ends after `timeout` seconds
    (see storage.timeouts)."""
    timeout = resolve_timeout(timeout)
    if not isinstance(path_or_url, str) or "\x00" in path_or_url:
        raise StorageError(f"cannot open store {shown(repr(path_or_url))}: give a file path, ':memory:' or a "
                           "postgresql:// URL (a string without NUL characters)")
    url = url_for(path_or_url)
    if not url.startswith(("sqlite:", "postgresql")):
        raise StorageError(f"cannot open store {shown(path_or_url)!r}: tract stores live in SQLite or "
                           "PostgreSQL; give a file path, ':memory:' or a postgresql:// URL")
    try:
        if url.startswith("sqlite"):
            engine = _sqlite_engine(url, int(timeout * 1000))
        else:
            engine = _postgres_engine(url, timeout)
        engine.info = {"timeout": timeout}  # read by Store: one setting per engine
        return engine
    except (SQLAlchemyError, ImportError, ValueError, OSError) as err:
        raise StorageError(f"cannot open store {shown(path_or_url)!r}: {err}") from err


def _postgres_engine(url: str, timeout: float) -> Engine:
    # the pool's own wait for a free connection is bounded like the rest
    engine = create_engine(url, pool_size=5, max_overflow=10, pool_timeout=timeout)
    connection_class = pg_pipeline.connection_class()

    @event.listens_for(engine, "checkin")
    def _returned(dbapi_conn, record):
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _ping(dbapi_conn, record, proxy):
        # a connection idle for a while is pinged first: the server (or a proxy) may have dropped
        # it; one handed back a moment ago is not (a ping on every checkout is a round trip per
        # transaction, as much as the work of a commit)
        if time.monotonic() - record.info.get("idle_since", 0.0) >= PING_AFTER_IDLE_S:
            ping(dbapi_conn)

    @event.listens_for(engine, "do_connect")
    def _connect(dialect, record, cargs, cparams):
        conn = connection_class.connect(*cargs, **postgres_connect_params(timeout, cparams))
        conn.tract_timeout = timeout
        return conn

    @event.listens_for(engine, "begin")
    def _begin(conn):
        # sent with the transaction's first round trip, not in one of its own (storage/pg_pipeline.py)
        pg_pipeline.begin_later(conn.connection.driver_connection, conn.get_execution_options())

    return engine


def ping(dbapi_conn) -> None:
    """Check that a PostgreSQL connection idle for a while still works; DisconnectionError if not
    (the pool, or storage/held.py, then replaces it)."""
    try:
        dbapi_conn.execute("SELECT 1")
        if dbapi_conn.info.transaction_status != 0:  # psycopg's IDLE: no transaction left open
            dbapi_conn.rollback()
    except Exception as err:  # noqa: BLE001 - any failure: a dead connection
        raise DisconnectionError(str(err)) from err


def _sqlite_engine(url: str, busy_ms: int) -> Engine:
    memory = url in ("sqlite://", "sqlite:///:memory:")
    if memory:
        engine = create_engine(url, poolclass=StaticPool,
                               connect_args={"check_same_thread": False})
    else:
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": busy_ms / 1000},
                               pool_timeout=busy_ms / 1000)

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_conn, record):
        # the driver must not open transactions itself: we issue BEGIN (IMMEDIATE) below
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA busy_timeout={busy_ms}")
        record.info["busy_ms"] = busy_ms
        if not memory:
            _enable_wal(cur)
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _begin(conn):
        if conn.connection.info.get(RAW_READ):
            return  # a read begun on the driver is open: SQLAlchemy's transaction joins it (hot_reads.py)
        # a write must take the lock up front: a deferred read upgraded to a write fails at once
        # with "database is locked" when another process writes (busy_timeout does not cover it)
        immediate = conn.get_execution_options().get(WRITE_OPTION)
        # a read that writes would upgrade its lock and fail under contention: forbid it
        query_only = 0 if immediate else 1
        info = conn.connection.info  # lives as long as the database connection
        if info.get("query_only") != query_only:
            run_raw(conn, f"PRAGMA query_only={query_only}")
            info["query_only"] = query_only
        wait_ms = int(conn.get_execution_options().get(BUSY_OPTION, busy_ms))
        if info.get("busy_ms") != wait_ms:
            run_raw(conn, f"PRAGMA busy_timeout={wait_ms}")
            info["busy_ms"] = wait_ms
        # on the driver itself: through SQLAlchemy these statements cost more than the transaction
        run_raw(conn, "BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


def _enable_wal(cur, attempts: int = 40) -> None:
    """Switch a file to WAL (it stays so). Processes opening a fresh file at once can get "database
    is locked" from the switch itself, which the busy timeout does not cover: wait and retry."""
    for attempt in range(attempts):
        try:
            if cur.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
                cur.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as err:
            if "locked" not in str(err) or attempt == attempts - 1:
                raise
            time.sleep(0.025 * (attempt + 1))


def _alembic_config(connection):
    from alembic.config import Config  # alembic (with mako, pygments, every SQL dialect) only to upgrade

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = connection
    return cfg


_REVISION = re.compile(r'^revision\s*(?::\s*str\s*)?=\s*["\']([^"\']+)["\']', re.M)
_DOWN = re.compile(r'^down_revision\s*(?::[^=]*)?=\s*(?:["\']([^"\']+)["\']|None)', re.M)


@lru_cache(maxsize=1)
def _revisions() -> dict[str, str | None]:
    """revision -> down_revision of every migration file, read without importing alembic: opening a
    store whose schema is current (nearly every open) then costs no alembic import (~0.3 s)."""
    found: dict[str, str | None] = {}
    for path in sorted((MIGRATIONS / "versions").glob("*.py")):
        source = path.read_text()
        rev, down = _REVISION.search(source), _DOWN.search(source)
        if rev and down:
            found[rev.group(1)] = down.group(1)
    return found


@lru_cache(maxsize=1)
def head_revision() -> str:
    revs = _revisions()
    heads = set(revs) - {d for d in revs.values() if d}
    if len(heads) != 1:
        raise StorageError(f"the migrations have {len(heads)} heads ({', '.join(sorted(heads))}); expected one")
    return heads.pop()


@lru_cache(maxsize=1)
def known_revisions() -> frozenset[str]:
    return frozenset(_revisions())


def _stored_revision(conn) -> str | None:
    """What alembic's version table says (None for an empty database)."""
    if not inspect(conn).has_table("alembic_version"):
        return None
    return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return _stored_revision(conn)


@contextmanager
def unbounded(conn):
    """No store timeout while a schema migration runs: rewriting a large store may take minutes, and
    a migration stopped half-way would be retried, and stopped, by every open."""
    if conn.dialect.name != "postgresql":
        yield
        return
    dbapi = conn.connection.dbapi_connection
    conn.exec_driver_sql("SET LOCAL statement_timeout = 0")
    conn.exec_driver_sql("SET LOCAL lock_timeout = 0")
    bound, dbapi.tract_timeout = dbapi.tract_timeout, None
    try:
        yield
    finally:
        dbapi.tract_timeout = bound


def migrate(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to `revision` in one transaction; concurrent openers wait for each other."""
    target = head_revision() if revision == "head" else revision
    if target not in known_revisions():
        raise StorageError(f"unknown schema revision {revision!r}; "
                           f"known: {', '.join(sorted(known_revisions()))}")
    where = location(engine)
    failed = lambda err: storage_error(err, where, engine.info["timeout"], dialect=engine.dialect.name)  # noqa: E731
    try:
        conn = engine.connect().execution_options(**{WRITE_OPTION: True})
    except DATA_ERRORS as err:  # e.g. a PRAGMA answering garbage
        raise damaged_data(err, where, engine.dialect.name) from err
    except SQLAlchemyError as err:
        found = failed(err)
        if isinstance(found, CorruptStoreError):
            raise found from err
        raise type(found)(f"cannot open store {where!r}: {cause(err)}") from err
    try:
        with conn:
            with conn.begin():
                if conn.dialect.name == "postgresql":
                    # one migration at a time per schema (stores in other schemas of the database go on)
                    conn.execute(text("SELECT pg_advisory_xact_lock(7210531, hashtext(current_schema()))"))
                current = _stored_revision(conn)
                if current == target:
                    return
                if current is not None and current not in known_revisions():
                    raise StorageError(
                        f"the store's schema is at revision {current!r}, which this version of tract does "
                        "not know: a newer tract wrote it; upgrade tract to open it")
                log.info("migrating store from %s to %s", current, target)
                from alembic import command

                with unbounded(conn):
                    command.upgrade(_alembic_config(conn), target)
    except SQLAlchemyError as err:
        raise failed(err) from err
    except DATA_ERRORS as err:
        raise damaged_data(err, where, engine.dialect.name) from err
