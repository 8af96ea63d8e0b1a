"""The store: one engine, transactions, and the queries the operations above need.

`Store.write()` and `Store.read()` hand out a `Txn`; every write the library makes happens inside
exactly one `write()` block, so a failure leaves nothing half-written.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, nullcontext

from sqlalchemy import Engine, and_, delete, func, insert, select
from sqlalchemy.exc import OperationalError, SQLAlchemyError

from tract_core.errors import StorageError, StoreBusyError, TractError
from tract_core.storage import joined
from tract_core.storage import schema as s
from tract_core.storage import hot, hot_reads, pg_pipeline, raw_writes, timeouts, turns
from tract_core.storage.driver import Driver, Sql
from tract_core.storage.engine import BUSY_OPTION, PING_AFTER_IDLE_S, WRITE_OPTION, make_engine, migrate, ping
from tract_core.storage.held import HeldConnection
from tract_core.storage.history import HistoryQueries
from tract_core.storage.failures import DATA_ERRORS, damaged_data, is_busy, location, storage_error
from tract_core.storage.rows import AnnotationRow, BlobRow, CommitRow, EventRow, RefRow

# PostgreSQL advisory lock (with the store's schema: stores in other schemas of the database go
# their own way) every write transaction holds shared and garbage collection exclusive, so
# gc sees no write in flight: nothing lands between its reading the refs and the commit graph, and no
# writer builds on a commit gc is deleting (SQLite's BEGIN IMMEDIATE serializes writers already)
WRITERS_LOCK = hot.WRITERS_LOCK
# the class of PostgreSQL advisory locks (with the schema's and tract's hash) that orders a tract's
# annotations
ANNOTATIONS_LOCK = 7210533


def now_us() -> int:
    return time.time_ns() // 1000


class Store:
    """A database holding any number of tracts."""

    def __init__(self, path_or_url: str, *, migrate_to: str = "head", timeout: float | None = None) -> None:
        """`timeout`: the longest any call waits on the store, in seconds (default: $TRACT_STORE_TIMEOUT,
        else 30; see storage.timeouts)."""
        self.url = path_or_url
        self.engine: Engine = make_engine(path_or_url, timeout)
        self.timeout: float = self.engine.info["timeout"]
        try:
            migrate(self.engine, migrate_to)
        except BaseException:
            self.engine.dispose()  # a refused store must not keep connections open
            raise
        self.dialect = self.engine.dialect.name
        self.location = location(self.engine)
        # an in-memory SQLite database lives in its one connection, which every thread shares:
        # transactions must take turns on it or they interleave ("transaction within a transaction")
        in_memory = self.dialect == "sqlite" and self.engine.url.database in (None, "", ":memory:")
        self._one_at_a_time = threading.RLock() if in_memory else nullcontext()
        self._lets_go = self.dialect == "sqlite" and not in_memory  # see _write_connection
        # SQLite: the last thread's connection is kept for its next transaction (storage/held.py)
        self._held = (HeldConnection(self.engine, {WRITE_OPTION: False, BUSY_OPTION: int(self.timeout * 1000)})
                      if self.dialect == "sqlite" else None)
        # reads hold a connection of their own on a file: every change of `PRAGMA query_only` on a
        # connection (read-only for reads, not for writes) expires its prepared statements
        self._held_reads = (HeldConnection(self.engine, {}) if self._held is not None and not in_memory
                            else self._held)
        # PostgreSQL: the same, for every transaction (the BEGIN says what kind: storage/pg_pipeline.py),
        # pinged after a while idle as the pool pings (engine.py)
        self._held_pg = (HeldConnection(self.engine, {pg_pipeline.READ_OPTION: False}, PING_AFTER_IDLE_S, ping)
                         if self.dialect == "postgresql" else None)
        # PostgreSQL: tract -> the annotation id its next read asks annotations after (see Txn.list_refs)
        self._annotation_marks: dict[str, int] = {}

    @contextmanager
    def write(self, wait_ms: int | None = None, *, exclusive: bool = False, join: bool = True) -> Iterator[Txn]:
        """A write transaction. `wait_ms`: give up (StorageError) after that long waiting for another
        writer's lock, instead of the store's timeout (SQLite; PostgreSQL writers rarely wait).
        `exclusive`: wait for every other write transaction to end and hold off new ones until this
        one ends (what SQLite's writers always do), so that every statement in it sees every write
        committed before it and none racing it (garbage collection needs that).
        Inside `one_transaction()` (and unless `join` is False) it is a part of that transaction."""
        shared = joined.current(self) if join else None
        if shared is not None:
            with shared.write(exclusive) as tx:
                yield tx
            return
        hurry = timeouts.no_wait.get()
        if hurry:
            wait_ms = 0
        options = {WRITE_OPTION: True} if wait_ms is None else {WRITE_OPTION: True, BUSY_OPTION: wait_ms}
        turn = turns.held() if wait_ms is None and self._lets_go else None
        with self._failures(hurry):
            # (`_one_at_a_time` itself unless in a hurry: one generator less on every commit)
            with (self._turn(hurry) if hurry else self._one_at_a_time), \
                    self._write_connection(options, turn) as (conn, driver):
                if self.dialect == "postgresql":
                    _join_writers(conn, wait_ms, exclusive)
                tx = Txn(conn, self.dialect)
                tx._driver = driver
                yield tx
        if hurry:  # written: from now on this call waits like any other (see `no_wait`)
            timeouts.no_wait.set(False)

    @contextmanager
    def _write_connection(self, options: dict, turn: turns.TurnLock | None) -> Iterator[tuple]:
        """(connection, its driver or None) in a write transaction. SQLite's begins and ends on the
        driver (storage/raw_writes.py). With the tract's `turn` held, a store busy with another
        writer is waited for with the turn let go (see storage.turns)."""
        if self._held is None:
            with self._connect(**options) as conn, conn.begin():
                yield conn, None
            return
        wait_ms = options.get(BUSY_OPTION, int(self.timeout * 1000))
        conn, driver = self._begin_write(0 if turn is not None else wait_ms, busy_fails=turn is None)
        if driver is None:  # busy, with the turn held: wait with it let go
            with turn.let_go():
                conn, driver = self._begin_write(wait_ms, busy_fails=True)
        try:
            yield conn, driver
            raw_writes.commit_write(conn, driver)
        except BaseException:
            raw_writes.abandon_write(conn, driver)
            self._held.release(conn, failed=True)
            raise
        self._held.release(conn)

    def _begin_write(self, wait_ms: int, busy_fails: bool = False):
        """(connection, driver) in a SQLite write transaction; (None, None) when the store is busy
        and not `busy_fails`."""
        conn = self._held.take_bare()
        try:
            return conn, raw_writes.begin_write(conn, wait_ms)
        except BaseException as err:
            raw_writes.abandon_write(conn, None)
            self._held.release(conn, failed=True)
            if busy_fails or not isinstance(err, OperationalError) or not is_busy(err):
                raise
            return None, None

    def _take(self, **options):
        held = self._held or self._held_pg
        if held is not None:
            return held.take(**options)
        return self.engine.connect().execution_options(**options)

    def _release(self, conn, failed: bool = False) -> None:
        held = self._held or self._held_pg
        if held is not None:
            held.release(conn, failed)
        else:
            conn.close()

    @contextmanager
    def _connect(self, **options) -> Iterator:
        conn = self._take(**options)
        try:
            yield conn
        except BaseException:
            self._release(conn, failed=True)
            raise
        self._release(conn)

    def translated_errors(self):
        """Database errors inside a block as the library's typed errors (StorageError and kin)."""
        return self._failures(timeouts.no_wait.get())

    def one_transaction(self, on_open: Callable[[Txn], None] | None = None):
        """A block whose writes (and reads after its first write) all make one transaction, opened
        at its first write, which first runs `on_open(tx)`: see tract_core/storage/joined.py."""
        return joined.one_transaction(self, on_open)

    @contextmanager
    def read(self) -> Iterator[Txn]:
        """A read-only transaction that sees one snapshot of the store, on both engines (SQLite's
        WAL does this by itself; PostgreSQL's default READ COMMITTED would see each statement anew).
        Inside `one_transaction()`, once it has written, the read is part of that transaction."""
        shared = joined.current(self)
        if shared is not None and shared.tx is not None:
            yield shared.tx
            return
        hurry = timeouts.no_wait.get()
        if self._held is not None:
            with self._failures(hurry), self._turn(hurry), self._raw_read(hurry) as tx:
                yield tx
            return
        if self.dialect == "postgresql":
            options = {pg_pipeline.READ_OPTION: True}  # REPEATABLE READ, READ ONLY
        else:
            options = {BUSY_OPTION: 0} if hurry else {}
        with self._failures(hurry), self._turn(hurry), self._connect(**options) as conn:
            with conn.begin():
                tx = Txn(conn, self.dialect)
                if self.dialect == "postgresql":
                    tx._annotation_marks = self._annotation_marks
                yield tx

    @contextmanager
    def _raw_read(self, hurry: bool) -> Iterator[Txn]:
        """SQLite: a read on this thread's held connection, begun and ended on the driver."""
        conn = self._held_reads.take_bare()
        try:
            driver = hot_reads.begin_read(conn, 0 if hurry else int(self.timeout * 1000))
            tx = Txn(conn, self.dialect)
            tx._driver = driver
            yield tx
            hot_reads.end_read(conn, driver)
        except BaseException:
            hot_reads.abandon_read(conn)
            self._held_reads.release(conn, failed=True)
            raise
        self._held_reads.release(conn)

    @contextmanager
    def no_wait(self) -> Iterator[None]:
        """Calls made in this block raise StoreBusyError instead of waiting for a lock, until their
        first write has committed (so a StoreBusyError always means nothing was written, and the
        call can be run again where waiting is harmless). PostgreSQL's round trips can always
        wait: there, StoreBusyError at once."""
        if self.dialect != "sqlite":
            raise StoreBusyError(f"the store {self.location} is reached over the network; calls on it may wait")
        token = timeouts.no_wait.set(True)
        try:
            yield
        finally:
            timeouts.no_wait.reset(token)

    @contextmanager
    def _turn(self, hurry: bool) -> Iterator[None]:
        if not hurry or isinstance(self._one_at_a_time, nullcontext):
            with self._one_at_a_time:
                yield
            return
        if not self._one_at_a_time.acquire(blocking=False):
            raise StoreBusyError("the in-memory store is in use by another thread; nothing was written")
        try:
            yield
        finally:
            self._one_at_a_time.release()

    @contextmanager
    def _failures(self, hurry: bool) -> Iterator[None]:
        """Every database error as a StorageError saying what failed and what to do."""
        try:
            yield
        except TractError:
            raise
        except SQLAlchemyError as err:
            raise storage_error(err, self.location, self.timeout, dialect=self.dialect,
                                no_wait=hurry) from err
        except DATA_ERRORS as err:
            raise damaged_data(err, self.location, self.dialect) from err

    def close(self) -> None:
        if self._held is not None:
            self._held.close()
            self._held_reads.close()
        if self._held_pg is not None:
            self._held_pg.close()
        self.engine.dispose()


def _join_writers(conn, wait_ms: int | None, exclusive: bool) -> None:
    """Take the writers' lock at the start of a PostgreSQL write transaction (shared, or exclusive),
    waiting at most `wait_ms` for a transaction that holds it the other way."""
    driver = Driver(conn)  # both go with the transaction's first round trip (storage/pg_pipeline.py)
    if wait_ms is not None:
        # at least 1 ms: PostgreSQL reads a lock_timeout of 0 as "wait for ever"
        driver.send(Sql(f"SET LOCAL lock_timeout = {max(int(wait_ms), 1)}"))
    driver.send(hot.WRITERS_EXCLUSIVE if exclusive else hot.WRITERS_SHARED)


@contextmanager
def without_waiting(lock, store: Store) -> Iterator[None]:
    """`store.no_wait()`, holding `lock` (taken only if free: else StoreBusyError)."""
    if not lock.acquire(blocking=False):
        raise StoreBusyError("another call is using this tract; nothing was written")
    try:
        with store.no_wait():
            yield
    finally:
        lock.release()


_prepared: dict[tuple[str, str], object] = {}


def _prepared_stmt(dialect: str, name: str, build):
    """A statement built once per dialect and reused: on the commit path, building SQLAlchemy
    expressions costs more than running them (parameters are bound with `bindparam`)."""
    stmt = _prepared.get((dialect, name))
    if stmt is None:
        stmt = _prepared[dialect, name] = build()
    return stmt


class Txn(HistoryQueries):
    """Queries over one open transaction."""

    def __init__(self, conn, dialect: str) -> None:
        self.conn = conn
        self.dialect = dialect
        self._driver: Driver | None = None
        # PostgreSQL: refs this transaction holds (lock_branch, lock_ref) -> the commit each points
        # at, and generations read with them: see cas_ref, generation
        self._holds: dict[tuple[str, str], str | None] = {}
        self._generations: dict[str, int] = {}
        # PostgreSQL reads: the store's annotation marks, and tract -> (mark, annotations after it)
        # read with the refs (see list_refs)
        self._annotation_marks: dict[str, int] | None = None
        self._annotations_ahead: dict[str, tuple[int, list[AnnotationRow]]] = {}

    @property
    def driver(self) -> Driver:
        """The driver connection, for the commit path's statements (see storage/driver.py)."""
        if self._driver is None:
            self._driver = Driver(self.conn)
        return self._driver

    def _rows(self, stmt, params: tuple = ()) -> list[tuple]:
        """The rows of one fixed statement on the driver (storage/hot_reads.py)."""
        return self.driver.rows(stmt, params)

    def exclude_writers(self) -> None:
        """Make this write transaction exclusive from here on (see `Store.write`)."""
        if self.dialect == "postgresql":
            self.driver.send(hot.WRITERS_EXCLUSIVE)

    def _insert_ignore(self, table):
        ins = dialect_insert(self.dialect)(table)
        return ins.on_conflict_do_nothing()

    def _upsert(self, table, keys: dict, values: dict) -> None:
        """Insert, or overwrite `values` of the row with `keys`, in one statement: a read-then-insert
        lets two PostgreSQL writers both insert (unique violation)."""
        ins = dialect_insert(self.dialect)(table)
        self.conn.execute(ins.values(**keys, **values).on_conflict_do_update(
            index_elements=list(keys), set_=values))

    # --- tracts and content types ---
    def ensure_tract(self, tract_id: str) -> bool:
        """Create the tract row if missing; True when it was created by this call."""
        # RETURNING, not rowcount: psycopg reports -1 for INSERT … ON CONFLICT DO NOTHING
        res = self.conn.execute(self._insert_ignore(s.tracts).values(id=tract_id, created_us=now_us())
                                .returning(s.tracts.c.id))
        return res.first() is not None

    def list_tracts(self, limit: int | None = None) -> list[str]:
        return list(self.conn.scalars(select(s.tracts.c.id).order_by(s.tracts.c.id).limit(limit)))

    def save_content_type(self, tract_id: str, name: str, schema: dict) -> None:
        self._upsert(s.content_types, {"tract_id": tract_id, "name": name},
                     {"json_schema": json.dumps(schema, sort_keys=True)})

    def content_types(self, tract_id: str) -> dict[str, dict]:
        t = s.content_types
        rows = self.conn.execute(select(t.c.name, t.c.json_schema).where(t.c.tract_id == tract_id))
        return {name: json.loads(js) for name, js in rows}

    # --- blobs ---
    def _stmt(self, name: str, build):
        return _prepared_stmt(self.dialect, name, build)

    def put_blob(self, blob: BlobRow) -> None:
        """Store a blob unless it exists; a new blob is indexed for search in this transaction."""
        hot.put_blob(self.driver, blob)

    def blob_token_count(self, content_hash: str) -> int | None:
        return self.conn.scalar(select(s.blobs.c.token_count).where(s.blobs.c.hash == content_hash))

    def get_blobs(self, hashes: Iterable[str]) -> dict[str, BlobRow]:
        hashes = list(set(hashes))
        out: dict[str, BlobRow] = {}
        for i in range(0, len(hashes), 500):
            rows = self.conn.execute(select(s.blobs).where(s.blobs.c.hash.in_(hashes[i:i + 500])))
            for r in rows:
                out[r.hash] = BlobRow(r.hash, r.content_type, r.body, r.token_count)
        return out

    # --- commits ---
    def insert_commit(self, row: CommitRow) -> None:
        # ON CONFLICT on the hash only: any other integrity error (a missing blob) is not "exists"
        if not hot.insert_commit(self.driver, row):
            raise StorageError(f"commit {row.hash[:12]} exists already")

    def put_blobs(self, blobs: list[BlobRow]) -> None:
        """`put_blob` for a batch, a statement each over all of them."""
        hot.put_blobs(self.driver, blobs)

    def insert_commits(self, rows: list[CommitRow]) -> None:
        """`insert_commit` for a batch, a statement each over all of them."""
        if hot.insert_commits(self.driver, rows) != len(rows):
            raise StorageError(f"a commit of the batch ({rows[0].hash[:12]}…) exists already")

    # --- refs ---
    def get_ref(self, tract_id: str, name: str) -> RefRow | None:
        r = self.conn.execute(select(s.refs).where(s.refs.c.tract_id == tract_id, s.refs.c.name == name)).first()
        return RefRow(r.name, r.commit_hash, r.symbolic) if r else None

    def list_refs(self, tract_id: str) -> list[RefRow]:
        """The tract's refs. A PostgreSQL read also reads, in the same round trip, the tract's
        annotations after the id its last read asked for: a read of the refs (a compile, a log) is
        most often followed by that question (Repo.refresh_annotations), answered then from these
        rows of the same snapshot."""
        mark = self._annotation_marks.get(tract_id) if self._annotation_marks is not None else None
        if mark is None or tract_id in self._annotations_ahead:
            found = self._rows(hot.LIST_REFS, (tract_id,))
        else:
            found, ahead = self.driver.rows_together([(hot.LIST_REFS, (tract_id,)),
                                                      (hot_reads.ANNOTATIONS_AFTER, (tract_id, mark))])
            self._annotations_ahead[tract_id] = (mark, [AnnotationRow(*r) for r in ahead])
        return [RefRow(name, commit_hash, symbolic) for name, commit_hash, symbolic in found]

    def create_ref(self, tract_id: str, name: str, commit_hash: str | None = None,
                   symbolic: str | None = None) -> bool:
        res = self.conn.execute(self._insert_ignore(s.refs).values(
            tract_id=tract_id, name=name, commit_hash=commit_hash, symbolic=symbolic).returning(s.refs.c.name))
        return res.first() is not None

    def lock_ref(self, tract_id: str, name: str) -> str | None:
        """A ref's commit, held against other writers until this transaction ends.

        On PostgreSQL, `SELECT … FOR UPDATE`: writers of one branch queue here instead of all
        reading the same tip and all but one losing the compare-and-swap (retries would starve).
        SQLite's `BEGIN IMMEDIATE` holds the whole database already.
        """
        found = self.driver.rows(hot.LOCK_REF, (tract_id, name))
        tip = found[0][0] if found else None
        if found and self.dialect == "postgresql":
            self._holds[tract_id, name] = tip
        return tip

    def lock_branch(self, tract_id: str, name: str | None) -> tuple[list[RefRow], str | None]:
        """Every ref of the tract, and the tip of branch `name` (a ref name; None: the branch HEAD
        is on) held against other writers as `lock_ref` does, in one round trip on PostgreSQL. On
        SQLite (whose BEGIN IMMEDIATE holds the database) the tip as the refs say."""
        if self.dialect != "postgresql":
            refs = self.list_refs(tract_id)
            if name is None:
                head = next((r for r in refs if r.name == "HEAD"), None)
                name = head.symbolic if head is not None else None
            return refs, next((r.commit_hash for r in refs if r.name == name), None)
        refs, tip = [], None
        for ref, commit_hash, symbolic, generation, held in self._rows(hot.LOCK_BRANCH,
                                                                        (tract_id, name, tract_id, tract_id)):
            if not held:
                refs.append(RefRow(ref, commit_hash, symbolic))
                continue
            tip = self._holds[tract_id, ref] = commit_hash
            if generation is not None:
                self._generations[commit_hash] = generation
        return refs, tip

    def cas_ref(self, tract_id: str, name: str, old: str | None, new: str | None) -> bool:
        """Point `name` at `new` only if it still points at `old` (compare-and-swap)."""
        key = (tract_id, name)
        if key in self._holds and self._holds[key] == old:
            # PostgreSQL, a ref this transaction holds at `old`: no one else can move it, so the
            # move goes with the next round trip; should the ref not be at `old` after all, that
            # round trip fails (WriteConflictError) and nothing is written
            self.driver.send(hot.MOVE_HELD_REF, (new, tract_id, name, old, name))
            self._holds[key] = new
            return True
        self._holds.pop(key, None)
        if old is None:
            return self.driver.run(hot.CAS_REF_FROM_NONE, (new, tract_id, name)).rowcount == 1
        return self.driver.run(hot.CAS_REF, (new, tract_id, name, old)).rowcount == 1

    def set_ref(self, tract_id: str, name: str, commit_hash: str | None = None,
                symbolic: str | None = None) -> None:
        """Overwrite a ref unconditionally (HEAD, ORIG_HEAD), creating it if needed."""
        self._holds.pop((tract_id, name), None)
        self._upsert(s.refs, {"tract_id": tract_id, "name": name},
                     {"commit_hash": commit_hash, "symbolic": symbolic})

    def delete_ref(self, tract_id: str, name: str) -> None:
        self._holds.pop((tract_id, name), None)
        self.conn.execute(delete(s.refs).where(s.refs.c.tract_id == tract_id, s.refs.c.name == name))

    # --- annotations ---
    def add_annotation(self, tract_id: str, commit_hash: str, priority: str, reason: str | None,
                       branch: str | None) -> int:
        """Append an annotation; ids of one tract become visible in increasing order, so a reader
        may remember "every annotation up to id N" (`annotations_after`). PostgreSQL allocates ids
        before rows become visible: the tract's lock, held to the end of the transaction, stops a
        later id from being committed while an earlier one is not (SQLite has one writer anyway)."""
        self.lock_annotations(tract_id)
        res = self.conn.execute(insert(s.annotations).values(
            tract_id=tract_id, commit_hash=commit_hash, priority=priority, reason=reason,
            branch=branch, created_us=now_us()))
        return res.inserted_primary_key[0]

    def lock_annotations(self, tract_id: str) -> None:
        """Hold the tract's annotation lock until this transaction ends (see `add_annotation`). A
        transaction that also locks a ref takes this one first, as every writer does, or two could
        each hold the lock the other waits for."""
        if self.dialect == "postgresql":  # with the next round trip
            self.driver.send(hot.LOCK_ANNOTATIONS, (ANNOTATIONS_LOCK, tract_id))

    def annotations_after(self, tract_id: str, after_id: int = 0) -> list[AnnotationRow]:
        ahead = self._annotations_ahead.get(tract_id)
        if ahead is not None and after_id >= ahead[0]:  # every one after the mark was read already
            found = [r for r in ahead[1] if r.id > after_id]
        else:
            found = hot_reads.annotations_after(self.driver, tract_id, after_id)
        if self._annotation_marks is not None:
            self._annotation_marks[tract_id] = found[-1].id if found else after_id
        return found

    def annotations_for(self, tract_id: str, commit_hash: str) -> list[AnnotationRow]:
        a = s.annotations.c
        rows = self.conn.execute(select(s.annotations).where(
            and_(a.tract_id == tract_id, a.commit_hash == commit_hash)).order_by(a.id))
        return [AnnotationRow(r.id, r.commit_hash, r.priority, r.reason, r.branch, r.created_us)
                for r in rows]

    def last_annotation_id(self, tract_id: str) -> int:
        a = s.annotations.c
        return self.conn.scalar(select(func.coalesce(func.max(a.id), 0)).where(a.tract_id == tract_id))

    # --- operation events ---
    def events(self, tract_id: str, limit: int | None = None, kind: str | None = None) -> list[EventRow]:
        e = s.operation_events.c
        q = select(s.operation_events).where(e.tract_id == tract_id)
        if kind is not None:
            q = q.where(e.kind == kind)
        q = q.order_by(e.created_us.desc(), e.id.desc())
        if limit is not None:
            q = q.limit(limit)
        return [EventRow(r.id, r.kind, r.branch, r.params, r.sources, r.results, r.created_us)
                for r in self.conn.execute(q)]


def dialect_insert(dialect: str):
    """The dialect's INSERT (with ON CONFLICT), imported on first use: the PostgreSQL dialect costs
    ~0.3 s of start-up that a SQLite store never needs."""
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert
