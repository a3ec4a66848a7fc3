"""What the SQLite store's connections share (storage.sqlite, storage.sqlite_inbox): pragmas, statements
run where they are awaited, BEGIN IMMEDIATE that waits off the loop, driver errors in the port's terms."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from concurrent.futures import ThreadPoolExecutor
from typing import cast

from storage.base import ConstraintError, StoreError, StoreUnavailable
from storage.db import Params, Row
from storage.errors import OPEN_CASE_PER_CLIENT, REQUEST_ONCE

BUSY_TIMEOUT_MS = 5000

PRAGMAS = (
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


def execute(conn: sqlite3.Connection, sql: str, params: Params | None) -> int:
    """Run one statement; the number of rows it changed."""
    try:
        return conn.execute(sql, params or {}).rowcount
    except sqlite3.Error as exc:
        raise translate(exc) from exc


def fetch_all(conn: sqlite3.Connection, sql: str, params: Params | None) -> list[Row]:
    """Every row of a query."""
    try:
        return cast(list[Row], conn.execute(sql, params or {}).fetchall())
    except sqlite3.Error as exc:
        raise translate(exc) from exc


class InlineDb:
    """The writer inside a transaction that holds the write lock: each statement runs where it is
    awaited (on the event loop's thread), as nothing can make it wait."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    async def execute(self, sql: str, params: Params | None = None) -> int:
        """Run one statement; the number of rows it changed."""
        return execute(self.conn, sql, params)

    async def fetch_all(self, sql: str, params: Params | None = None) -> list[Row]:
        """Every row of a query."""
        return fetch_all(self.conn, sql, params)

    async def fetch_one(self, sql: str, params: Params | None = None) -> Row | None:
        """The first row of a query, if any."""
        rows = await self.fetch_all(sql, params)
        return rows[0] if rows else None


async def begin(conn: sqlite3.Connection, executor: ThreadPoolExecutor, inline: bool = True) -> None:
    """BEGIN IMMEDIATE: at once when no other process holds the lock, else waiting on the thread."""
    if inline:
        try:
            conn.execute("BEGIN IMMEDIATE")
            return
        except sqlite3.OperationalError as exc:
            if not busy(exc):
                raise translate(exc) from exc
    waiting = asyncio.get_running_loop().run_in_executor(executor, begin_waiting, conn)
    try:
        await asyncio.shield(waiting)
    except asyncio.CancelledError:
        # The thread goes on: once it has begun, the transaction is rolled back before the lock goes.
        with contextlib.suppress(Exception):
            await waiting
            await asyncio.get_running_loop().run_in_executor(executor, rollback, conn)
        raise


def busy(exc: sqlite3.Error) -> bool:
    """Whether the error is another process holding the lock."""
    text = str(exc)
    return "locked" in text or "busy" in text


def begin_waiting(conn: sqlite3.Connection) -> None:
    """BEGIN IMMEDIATE, waiting up to BUSY_TIMEOUT_MS for another process to commit (the writer's thread)."""
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    try:
        conn.execute("BEGIN IMMEDIATE")
    except sqlite3.Error as exc:
        raise translate(exc) from exc
    finally:
        conn.execute("PRAGMA busy_timeout = 0")


def rollback(conn: sqlite3.Connection) -> None:
    """ROLLBACK, if a transaction is still open."""
    # SQLite may already have rolled back by itself (e.g. after SQLITE_FULL).
    with contextlib.suppress(sqlite3.Error):
        conn.execute("ROLLBACK")
