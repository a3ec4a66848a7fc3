"""The SQLite store's inbox, kept in a file of its own beside the database (offboard.inbox.db).

SQLite has one writer per file. A server that keeps a click before acknowledging
it must not wait for that lock while a worker process commits a case's change
on the same file (measured: acknowledgements of 362 ms at p99 at 200 clicks/s,
docs/BENCHMARKS.md). In a file of its own the inbox's writes wait only for each
other: a keep, a take, a delete, each tens of microseconds.

Both connections run their statements on the event loop (storage.sqlite's
docstring says why); only BEGIN IMMEDIATE that finds another process holding
the lock waits, on a thread. The file holds only requests not handled yet, so
it stays small; its schema is created when missing (the numbered migrations
are the database's).
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from pathlib import Path

from storage.db import Db
from storage.sqlite_conn import PRAGMAS, InlineDb, begin, execute, rollback, translate

SCHEMA = """
CREATE TABLE IF NOT EXISTS inbox (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    kind             TEXT NOT NULL,                 -- who handles it: 'slack.click'
    payload          TEXT NOT NULL,                 -- JSON: what the handler needs, no more
    received_at      TEXT NOT NULL,
    attempts         INTEGER NOT NULL DEFAULT 0,    -- takes so far
    next_attempt_at  TEXT NOT NULL,
    status           TEXT NOT NULL DEFAULT 'waiting' CHECK (status IN ('waiting', 'failed')),
    last_error       TEXT,
    lease_owner      TEXT,
    lease_until      TEXT
);
CREATE INDEX IF NOT EXISTS inbox_waiting ON inbox (id) WHERE status = 'waiting';
"""


def inbox_path(database: Path) -> Path:
    """Where a database's inbox is kept: ``offboard.db`` -> ``offboard.inbox.db``."""
    return database.with_name(f"{database.stem}.inbox{database.suffix}")


class InboxFile:
    """The inbox file's writer and reader connections."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._writer: sqlite3.Connection | None = None
        self._reader: sqlite3.Connection | None = None
        self._executor: ThreadPoolExecutor | None = None
        self._lock = asyncio.Lock()

    async def open(self) -> None:
        """Connect, creating the file and its table when missing."""
        executor = ThreadPoolExecutor(1, thread_name_prefix="offboard-sqlite-inbox")
        try:
            writer = await asyncio.get_running_loop().run_in_executor(executor, self._setup)
        except BaseException:
            executor.shutdown(wait=False)
            raise
        self._writer, self._executor = writer, executor
        self._reader = _connect(self.path)
        self._reader.execute("PRAGMA query_only = ON")

    def _setup(self) -> sqlite3.Connection:
        conn = _connect(self.path)
        try:
            conn.executescript(SCHEMA)  # waits up to busy_timeout for another process creating it
            conn.execute("PRAGMA busy_timeout = 0")  # never wait on the loop (see begin())
        except sqlite3.Error as exc:
            conn.close()
            raise translate(exc) from exc
        return conn

    async def close(self) -> None:
        """Wait for the running transaction, then close both connections."""
        async with self._lock:
            for conn in (self._writer, self._reader):
                if conn is not None:
                    with contextlib.suppress(sqlite3.Error):
                        conn.close()
            if self._executor is not None:
                self._executor.shutdown(wait=False)
            self._writer = self._reader = self._executor = None

    @asynccontextmanager
    async def reader(self) -> AsyncIterator[Db]:
        """Reads (WAL: they never wait for a writer)."""
        if self._reader is None:
            raise RuntimeError("the inbox is not open")
        yield InlineDb(self._reader)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Db]:
        """BEGIN IMMEDIATE ... COMMIT (ROLLBACK on error) on the inbox's own lock."""
        async with self._lock:
            if self._writer is None or self._executor is None:
                raise RuntimeError("the inbox is not open")
            conn = self._writer
            await begin(conn, self._executor)
            try:
                yield InlineDb(conn)
                execute(conn, "COMMIT", None)
            except BaseException:
                rollback(conn)
                raise


def _connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    conn.row_factory = sqlite3.Row
    for pragma in PRAGMAS:
        conn.execute(pragma)
    return conn
