"""SQLiteStore: the Store port on one SQLite file (aiosqlite, WAL); the queries live in storage.sqlstore.

One writer: a single connection for writes, guarded by an asyncio.Lock, runs
every write transaction as ``BEGIN IMMEDIATE ... COMMIT``, so several processes
on one file queue up on the database lock (waiting up to busy_timeout). A
write is therefore global whatever case it names. Reads use a second,
read-only connection; WAL lets them run while a write is in progress, and
each statement sees the last committed state.

Driver errors become the port's: a second open case of a client is
DuplicateOpenCase, a busy database StoreUnavailable.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import ClassVar, cast

import aiosqlite

from storage.base import Change, ConstraintError, StoreError, StoreUnavailable
from storage.db import Db, Params, Row
from storage.errors import OPEN_CASE_PER_CLIENT, REQUEST_ONCE
from storage.outbox_sql import CLAIMABLE, HEADS
from storage.sqlite_migrate import migrate
from storage.sqlstore import SqlStore
from storage.timers_sql import CLAIMABLE as TIMERS_CLAIMABLE

BUSY_TIMEOUT_MS = 5000
MIN_SQLITE = (3, 35)  # UPDATE ... RETURNING (claiming deliveries), ALTER TABLE DROP COLUMN

_PRAGMAS = (
    "PRAGMA journal_mode = WAL",
    "PRAGMA foreign_keys = ON",
    f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}",
    "PRAGMA synchronous = NORMAL",
)

# What SQLite names in "UNIQUE constraint failed: ..." -> the constraint's name on every backend.
_UNIQUE = {"cases.client_key": OPEN_CASE_PER_CLIENT, "processed_requests.request_id": REQUEST_ONCE}


def translate(exc: sqlite3.Error) -> StoreError:
    """A driver error as the port's."""
    text = str(exc)
    if isinstance(exc, sqlite3.IntegrityError):
        columns = text.removeprefix("UNIQUE constraint failed: ")
        return ConstraintError(text, _UNIQUE.get(columns))
    if isinstance(exc, sqlite3.OperationalError) and ("locked" in text or "busy" in text):
        return StoreUnavailable(f"the SQLite database is busy: {text}")
    return StoreError(f"SQLite: {text}")


class SQLiteDb:
    """One aiosqlite connection in the terms of storage.db.Db."""

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


class SQLiteStore(SqlStore):
    """The Store port on one SQLite file."""

    CLAIM_SQL: ClassVar[str] = (
        f"{HEADS}UPDATE deliveries SET lease_owner = :owner, lease_until = :until, attempts = attempts + 1 "
        f"WHERE id IN ({CLAIMABLE}) RETURNING id")
    CLAIM_TIMERS_SQL: ClassVar[str] = (
        "UPDATE timers SET lease_owner = :owner, lease_until = :until "
        f"WHERE key IN ({TIMERS_CLAIMABLE}) RETURNING key")

    def __init__(self, path: str | Path) -> None:
        super().__init__()
        if str(path) == ":memory:" or str(path).startswith("file::memory:"):
            raise ValueError("SQLiteStore needs a file: its read and write connections share it")
        if sqlite3.sqlite_version_info < MIN_SQLITE:
            raise StoreError(f"SQLite {sqlite3.sqlite_version} is too old: offboard needs "
                             f"{'.'.join(map(str, MIN_SQLITE))} or newer")
        self.path = Path(path)
        self._writer: aiosqlite.Connection | None = None
        self._read_conn: aiosqlite.Connection | None = None
        self._lock = asyncio.Lock()

    def __repr__(self) -> str:
        return f"SQLiteStore({str(self.path)!r})"

    # ---- lifecycle
    async def open(self) -> None:
        """Connect (creating the file's directory if needed) and bring the schema up to date."""
        if self._writer is not None:
            return
        try:
            await asyncio.to_thread(self.path.parent.mkdir, parents=True, exist_ok=True)
            writer = await self._connect()
            try:
                await migrate(writer)
                reader = await self._connect()
                try:
                    await reader.execute("PRAGMA query_only = ON")
                except BaseException:
                    await reader.close()
                    raise
            except BaseException:
                await writer.close()
                raise
        except sqlite3.Error as exc:
            raise translate(exc) from exc
        self._writer, self._read_conn = writer, reader

    async def _connect(self) -> aiosqlite.Connection:
        # isolation_level=None: no implicit transactions; _transaction issues BEGIN/COMMIT itself.
        conn = await aiosqlite.connect(self.path, isolation_level=None)
        try:
            conn.row_factory = sqlite3.Row
            for pragma in _PRAGMAS:
                await conn.execute(pragma)
        except BaseException:
            await conn.close()
            raise
        return conn

    async def close(self) -> None:
        """Wait for the running write transaction, then close both connections."""
        async with self._lock:
            writer, reader = self._writer, self._read_conn
            self._writer = self._read_conn = None
            try:
                if writer is not None:
                    await writer.close()
            finally:
                if reader is not None:
                    await reader.close()

    def _conns(self) -> tuple[aiosqlite.Connection, aiosqlite.Connection]:
        if self._writer is None or self._read_conn is None:
            raise RuntimeError("SQLiteStore is not open (call open() or use 'async with')")
        return self._writer, self._read_conn

    # ---- connections for the shared queries
    @asynccontextmanager
    async def _reader(self) -> AsyncIterator[Db]:
        yield SQLiteDb(self._conns()[1])

    @asynccontextmanager
    async def _transaction(self, case_id: str | None = None,
                           client_key: str | None = None) -> AsyncIterator[Db]:
        """Hold the writer lock and run BEGIN IMMEDIATE ... COMMIT (ROLLBACK on error): one writer for all."""
        async with self._lock:
            db = SQLiteDb(self._conns()[0])
            await db.execute("BEGIN IMMEDIATE")
            try:
                yield db
                await db.execute("COMMIT")
            except BaseException:
                # Shielded so a cancelled caller still leaves the connection clean.
                await asyncio.shield(_rollback(db.conn))
                raise

    def _committed(self, changes: list[Change]) -> None:
        """This process is the only one SQLite can tell: its listeners hear its own notices."""
        for change in changes:
            self._tell(change)


async def _rollback(conn: aiosqlite.Connection) -> None:
    # SQLite may already have rolled back by itself (e.g. after SQLITE_FULL).
    with contextlib.suppress(sqlite3.Error):
        await conn.execute("ROLLBACK")
