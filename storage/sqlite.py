"""SQLiteStore: the Store port on one SQLite file (WAL); the queries live in storage.sqlstore.

One writer: a single connection for writes, guarded by an asyncio.Lock, runs
every write transaction as ``BEGIN IMMEDIATE ... COMMIT``, so several processes
on one file queue up on the database lock (waiting up to busy_timeout). A
write is therefore global whatever case it names. Reads use a second,
read-only connection (aiosqlite, on its own thread); WAL lets them run while a
write is in progress, and each statement sees the last committed state.

Once a transaction holds the database's write lock nothing can make its
statements wait, and each takes tens of microseconds: they run on the event
loop's thread, where a hop to a connection thread and back cost ~100 µs a
statement, ~1.5 ms a click, all of it while holding the one writer lock
(docs/BENCHMARKS.md). Only what may wait or run long goes to the writer's
thread: ``BEGIN IMMEDIATE`` when another process holds the lock, and the bulk
transactions (prune, dump, restore). Checkpoints (copying the WAL into the
file, ~20 ms per 900 pages here) run on a connection of their own, off the loop.

Driver errors become the port's: a second open case of a client is
DuplicateOpenCase, a busy database StoreUnavailable. The inbox (requests kept
before they are acknowledged) lives in a file of its own: storage.sqlite_inbox.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
import time
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import ClassVar, cast

import aiosqlite

from storage.base import Change, StoreError
from storage.db import Db, Params, Row
from storage.outbox_sql import CLAIMABLE, HEADS
from storage.sqlite_conn import PRAGMAS, InlineDb, begin, execute, fetch_all, rollback, translate
from storage.sqlite_inbox import InboxFile, inbox_path
from storage.sqlite_migrate import migrate
from storage.sqlstore import SqlStore
from storage.timers_sql import CLAIMABLE as TIMERS_CLAIMABLE

log = logging.getLogger(__name__)
CHECKPOINT_COMMITS = 200  # commits between checkpoints (the WAL then holds a few MB at most)
CHECKPOINT_SECONDS = 2.0  # ... or this long after the first commit since the last one
MIN_SQLITE = (3, 35)  # UPDATE ... RETURNING (claiming deliveries), ALTER TABLE DROP COLUMN

class SQLiteDb:
    """One aiosqlite connection in the terms of storage.db.Db (each statement on its thread)."""

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self.conn = conn

    async def execute(self, sql: str, params: Params | None = None) -> int:
        """Run one statement; the number of rows it changed."""
        try:
            async with self.conn.execute(sql, params or {}) as cursor:
                return cursor.rowcount
        except sqlite3.Error as exc:
            raise translate(exc) from exc

    async def fetch_all(self, sql: str, params: Params | None = None) -> list[Row]:
        """Every row of a query (run as one call on the connection's thread)."""
        try:
            rows = await self.conn.execute_fetchall(sql, params or {})
            return cast(list[Row], list(rows))  # sqlite3.Row reads by column name like a mapping
        except sqlite3.Error as exc:
            raise translate(exc) from exc

    async def fetch_one(self, sql: str, params: Params | None = None) -> Row | None:
        """The first row of a query, if any."""
        rows = await self.fetch_all(sql, params)
        return rows[0] if rows else None


class ThreadDb(InlineDb):
    """The writer in a bulk transaction (prune, dump, restore): each statement on the writer's thread."""

    def __init__(self, conn: sqlite3.Connection, executor: ThreadPoolExecutor) -> None:
        super().__init__(conn)
        self.executor = executor

    async def execute(self, sql: str, params: Params | None = None) -> int:
        """Run one statement on the writer's thread; the number of rows it changed."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.executor, execute, self.conn, sql, params)

    async def fetch_all(self, sql: str, params: Params | None = None) -> list[Row]:
        """Every row of a query, read on the writer's thread."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.executor, fetch_all, self.conn, sql, params)


class SQLiteStore(SqlStore):
    """The Store port on one SQLite file."""

    CLAIM_SQL: ClassVar[str] = (
        f"{HEADS}UPDATE deliveries SET lease_owner = :owner, lease_until = :until, attempts = attempts + 1 "
        f"WHERE id IN ({CLAIMABLE}) RETURNING id")
    CLAIM_TIMERS_SQL: ClassVar[str] = (
        "UPDATE timers SET lease_owner = :owner, lease_until = :until "
        f"WHERE key IN ({TIMERS_CLAIMABLE}) RETURNING key")
    CLAIM_INBOX_SQL: ClassVar[str] = (
        "UPDATE inbox SET lease_owner = :owner, lease_until = :until, attempts = attempts + 1 "
        "WHERE id IN ({due}) RETURNING id")

    def __init__(self, path: str | Path) -> None:
        super().__init__()
        if str(path) == ":memory:" or str(path).startswith("file::memory:"):
            raise ValueError("SQLiteStore needs a file: its read and write connections share it")
        if sqlite3.sqlite_version_info < MIN_SQLITE:
            raise StoreError(f"SQLite {sqlite3.sqlite_version} is too old: offboard needs "
                             f"{'.'.join(map(str, MIN_SQLITE))} or newer")
        self.path = Path(path)
        self._writer: sqlite3.Connection | None = None
        self._read_conn: aiosqlite.Connection | None = None
        self._checkpoints: aiosqlite.Connection | None = None
        self._checkpointer: asyncio.Task[None] | None = None
        self._executor: ThreadPoolExecutor | None = None
        self._lock = asyncio.Lock()
        self._commits = 0  # since the last checkpoint
        self._dirty = asyncio.Event()  # a commit since the last checkpoint
        self._full = asyncio.Event()  # CHECKPOINT_COMMITS of them
        self._inbox = InboxFile(inbox_path(self.path))

    def __repr__(self) -> str:
        return f"SQLiteStore({str(self.path)!r})"

    # ---- lifecycle
    async def open(self) -> None:
        """Connect (creating the file's directory if needed) and bring the schema up to date."""
        if self._writer is not None:
            return
        executor = ThreadPoolExecutor(1, thread_name_prefix="offboard-sqlite-writer")
        opened: list[aiosqlite.Connection] = []
        writer = None
        try:
            await asyncio.to_thread(self.path.parent.mkdir, parents=True, exist_ok=True)
            checkpoints = await self._connect()
            opened.append(checkpoints)
            await migrate(checkpoints)
            reader = await self._connect()
            opened.append(reader)
            await reader.execute("PRAGMA query_only = ON")
            writer = await asyncio.get_running_loop().run_in_executor(executor, self._connect_writer)
        except BaseException as exc:
            for conn in opened:
                with contextlib.suppress(sqlite3.Error):
                    await conn.close()
            executor.shutdown(wait=False)
            if isinstance(exc, sqlite3.Error):
                raise translate(exc) from exc
            raise
        self._writer, self._read_conn, self._checkpoints = writer, reader, checkpoints
        self._executor = executor
        self._checkpointer = asyncio.create_task(self._checkpoint_loop(), name="offboard-sqlite-checkpoints")
        try:
            await self._inbox.open()
        except BaseException:
            await self.close()
            raise

    async def _connect(self) -> aiosqlite.Connection:
        # isolation_level=None: no implicit transactions; _transaction issues BEGIN/COMMIT itself.
        conn = await aiosqlite.connect(self.path, isolation_level=None)
        try:
            conn.row_factory = sqlite3.Row
            for pragma in PRAGMAS:
                await conn.execute(pragma)
        except BaseException:
            await conn.close()
            raise
        return conn

    def _connect_writer(self) -> sqlite3.Connection:
        """The writer: used by one transaction at a time (the lock), from the loop or its own thread."""
        conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        try:
            conn.row_factory = sqlite3.Row
            for pragma in PRAGMAS:
                conn.execute(pragma)
            # Never wait on the loop: BEGIN IMMEDIATE that finds the lock taken waits on the thread.
            conn.execute("PRAGMA busy_timeout = 0")
            conn.execute("PRAGMA wal_autocheckpoint = 0")  # the checkpoint connection does it
        except BaseException:
            conn.close()
            raise
        return conn

    async def close(self) -> None:
        """Wait for the running write transaction, then close every connection."""
        async with self._lock:
            writer, reader, checkpoints = self._writer, self._read_conn, self._checkpoints
            task, executor = self._checkpointer, self._executor
            self._writer = self._read_conn = self._checkpoints = None
            self._checkpointer = self._executor = None
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            try:
                if writer is not None:
                    assert executor is not None
                    await asyncio.get_running_loop().run_in_executor(executor, writer.close)
            finally:
                if executor is not None:
                    executor.shutdown(wait=False)
                for conn in (reader, checkpoints):
                    if conn is not None:
                        with contextlib.suppress(sqlite3.Error):
                            await conn.close()
                await self._inbox.close()

    def _inbox_reader(self) -> AbstractAsyncContextManager[Db]:
        """The inbox lives in a file of its own (storage.sqlite_inbox)."""
        return self._inbox.reader()

    def _inbox_transaction(self) -> AbstractAsyncContextManager[Db]:
        """A write transaction on the inbox's file, which never waits for the database's writer."""
        return self._inbox.transaction()

    def _open_writer(self) -> tuple[sqlite3.Connection, ThreadPoolExecutor]:
        if self._writer is None or self._executor is None:
            raise RuntimeError("SQLiteStore is not open (call open() or use 'async with')")
        return self._writer, self._executor

    # ---- connections for the shared queries
    @asynccontextmanager
    async def _reader(self) -> AsyncIterator[Db]:
        if self._read_conn is None:
            raise RuntimeError("SQLiteStore is not open (call open() or use 'async with')")
        yield SQLiteDb(self._read_conn)

    @asynccontextmanager
    async def _transaction(self, case_id: str | None = None,
                           client_key: str | None = None) -> AsyncIterator[Db]:
        """Hold the writer lock and run BEGIN IMMEDIATE ... COMMIT (ROLLBACK on error): one writer for all.
        Its statements run on the loop's thread (see the module's docstring), so it never yields to
        other tasks once begun: it yields once before, so a loop of transactions does not starve them."""
        await asyncio.sleep(0)
        async with self._lock:
            conn, executor = self._open_writer()
            await self._begin(conn, executor)
            try:
                yield InlineDb(conn)
                execute(conn, "COMMIT", None)
            except BaseException:
                rollback(conn)
                raise
            self._wrote()

    @asynccontextmanager
    async def _bulk_transaction(self) -> AsyncIterator[Db]:
        """A transaction whose statements may run long: each on the writer's thread."""
        async with self._lock:
            conn, executor = self._open_writer()
            await self._begin(conn, executor, inline=False)
            db = ThreadDb(conn, executor)
            try:
                yield db
                await db.execute("COMMIT")
            except BaseException:
                # Shielded so a cancelled caller still leaves the connection clean.
                await asyncio.shield(asyncio.get_running_loop().run_in_executor(executor, rollback, conn))
                raise
            self._wrote()

    async def _begin(self, conn: sqlite3.Connection, executor: ThreadPoolExecutor,
                     inline: bool = True) -> None:
        await begin(conn, executor, inline)

    def _wrote(self) -> None:
        self._commits += 1
        self._dirty.set()
        if self._commits >= CHECKPOINT_COMMITS:
            self._full.set()

    async def _checkpoint_loop(self) -> None:
        """Copy the WAL into the database file after CHECKPOINT_COMMITS commits or CHECKPOINT_SECONDS."""
        while True:
            await self._dirty.wait()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._full.wait(), CHECKPOINT_SECONDS)
            self._dirty.clear()
            self._full.clear()
            self._commits = 0
            conn = self._checkpoints
            if conn is None:
                return
            started = time.monotonic()
            try:
                await conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
            except sqlite3.Error as exc:  # the next commits ask again
                log.warning("SQLite checkpoint failed: %s", exc)
            else:
                log.debug("SQLite checkpoint in %.1f ms", (time.monotonic() - started) * 1000)

    def _committed(self, changes: list[Change]) -> None:
        """This process is the only one SQLite can tell: its listeners hear its own notices."""
        for change in changes:
            self._tell(change)


