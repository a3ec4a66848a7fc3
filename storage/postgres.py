"""PostgresStore: the Store port on PostgreSQL, for several bot processes on one database.

psycopg 3 (async) with a psycopg-pool connection pool; the queries are the
shared ones in storage.sqlstore. What PostgreSQL adds:

- a write is scoped: ``write(case_id)`` takes a transaction advisory lock on
  the case, ``write(client_key=...)`` one on the client, so commands on
  different cases run at once in any process and commands on one case queue
  up (which also keeps a case's notice ids in commit order);
- deliveries and timers are claimed with ``FOR UPDATE SKIP LOCKED``: two
  processes never take the same one;
- the change feed: a trigger NOTIFYs every committed notice; one listening
  connection per process tells the store's listeners (the web workspace's
  browsers, the dispatcher's wake-up).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import logging
import re
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any, ClassVar

import psycopg
from psycopg import errors as pg_errors
from psycopg.rows import DictRow, dict_row
from psycopg.types.string import TextLoader
from psycopg_pool import AsyncConnectionPool, PoolTimeout

from storage.base import Change, ConstraintError, StoreError, StoreUnavailable
from storage.db import Db, Params, Row
from storage.locations import describe
from storage.outbox_sql import CLAIMABLE, HEADS
from storage.postgres_migrate import migrate
from storage.sqlstore import Listener, SqlStore
from storage.timers_sql import CLAIMABLE as TIMERS_CLAIMABLE

log = logging.getLogger(__name__)
CHANNEL = "offboard_notices"
_PARAM = re.compile(r"(?<![:\w]):([A-Za-z_]\w*)")
Conn = psycopg.AsyncConnection[DictRow]


@functools.lru_cache(maxsize=1024)
def pyformat(sql: str) -> str:
    """A ``:name`` statement in psycopg's ``%(name)s`` style."""
    return _PARAM.sub(r"%(\1)s", sql.replace("%", "%%"))


def translate(exc: BaseException) -> StoreError:
    """A driver error as the port's."""
    if isinstance(exc, psycopg.errors.IntegrityError):
        constraint = getattr(getattr(exc, "diag", None), "constraint_name", None)
        return ConstraintError(str(exc).strip(), constraint)
    if isinstance(exc, psycopg.OperationalError | PoolTimeout | pg_errors.DeadlockDetected
                  | pg_errors.SerializationFailure | pg_errors.LockNotAvailable):
        return StoreUnavailable(f"PostgreSQL: {str(exc).strip()}")
    return StoreError(f"PostgreSQL: {str(exc).strip()}")


class PgDb:
    """One psycopg connection in the terms of storage.db.Db."""

    def __init__(self, conn: Conn) -> None:
        self.conn = conn

    async def execute(self, sql: str, params: Params | None = None) -> int:
        """Run one statement; the number of rows it changed."""
        try:
            cursor = await self.conn.execute(pyformat(sql), dict(params or {}))
        except psycopg.Error as exc:
            raise translate(exc) from exc
        return cursor.rowcount

    async def fetch_all(self, sql: str, params: Params | None = None) -> list[Row]:
        """Every row of a query."""
        try:
            cursor = await self.conn.execute(pyformat(sql), dict(params or {}))
            return list(await cursor.fetchall())
        except psycopg.Error as exc:
            raise translate(exc) from exc

    async def fetch_one(self, sql: str, params: Params | None = None) -> Row | None:
        """The first row of a query, if any."""
        rows = await self.fetch_all(sql, params)
        return rows[0] if rows else None


async def _configure(conn: psycopg.AsyncConnection[Any]) -> None:
    """Every pooled connection: JSON columns read back as text, like SQLite's (storage.rows parses)."""
    conn.adapters.register_loader("jsonb", TextLoader)
    conn.adapters.register_loader("json", TextLoader)


class PostgresStore(SqlStore):
    """The Store port on a PostgreSQL database (``postgresql://user:password@host:port/dbname``)."""

    LOCK_ROW: ClassVar[str] = " FOR UPDATE"
    CLAIM_SQL: ClassVar[str] = (
        f"{HEADS}, due AS ({CLAIMABLE} FOR UPDATE OF d SKIP LOCKED) "
        "UPDATE deliveries SET lease_owner = :owner, lease_until = :until, "
        "attempts = deliveries.attempts + 1 "
        "FROM due WHERE deliveries.id = due.id RETURNING deliveries.id")
    CLAIM_TIMERS_SQL: ClassVar[str] = (
        f"WITH due AS ({TIMERS_CLAIMABLE} FOR UPDATE SKIP LOCKED) "
        "UPDATE timers SET lease_owner = :owner, lease_until = :until "
        "FROM due WHERE timers.key = due.key RETURNING timers.key")
    CLAIM_INBOX_SQL: ClassVar[str] = (
        "WITH due AS ({due} FOR UPDATE SKIP LOCKED) "
        "UPDATE inbox SET lease_owner = :owner, lease_until = :until, attempts = inbox.attempts + 1 "
        "FROM due WHERE inbox.id = due.id RETURNING inbox.id")

    def __init__(self, url: str, *, min_size: int = 1, max_size: int = 10, timeout: float = 10.0) -> None:
        super().__init__()
        self.url = url
        self.min_size, self.max_size, self.timeout = min_size, max_size, timeout
        self._pool: AsyncConnectionPool[Conn] | None = None
        self._feed: asyncio.Task[None] | None = None

    def __repr__(self) -> str:
        return f"PostgresStore({describe(self.url)!r})"

    # ---- lifecycle
    async def open(self) -> None:
        """Connect, and bring the schema up to date (one process at a time)."""
        if self._pool is not None:
            return
        pool: AsyncConnectionPool[Conn] = AsyncConnectionPool(
            self.url, open=False, min_size=self.min_size, max_size=self.max_size, timeout=self.timeout,
            kwargs={"autocommit": True, "row_factory": dict_row}, configure=_configure,
            name="offboard")
        try:
            await pool.open(wait=True, timeout=self.timeout)
            async with pool.connection() as conn:
                await migrate(conn)
        except (psycopg.Error, PoolTimeout) as exc:
            await pool.close()
            raise translate(exc) from exc
        except BaseException:
            await pool.close()
            raise
        self._pool = pool

    async def close(self) -> None:
        """Stop the change feed and close every connection."""
        feed, self._feed = self._feed, None
        if feed is not None:
            feed.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await feed
        pool, self._pool = self._pool, None
        if pool is not None:
            await pool.close()

    def _pool_or_fail(self) -> AsyncConnectionPool[Conn]:
        if self._pool is None:
            raise RuntimeError("PostgresStore is not open (call open() or use 'async with')")
        return self._pool

    # ---- connections for the shared queries
    @asynccontextmanager
    async def _reader(self) -> AsyncIterator[Db]:
        try:
            async with self._pool_or_fail().connection() as conn:
                yield PgDb(conn)
        except (psycopg.Error, PoolTimeout) as exc:
            raise translate(exc) from exc

    @asynccontextmanager
    async def _transaction(self, case_id: str | None = None,
                           client_key: str | None = None) -> AsyncIterator[Db]:
        """BEGIN ... COMMIT on a pooled connection, holding the advisory locks of a case or client."""
        try:
            async with self._pool_or_fail().connection() as conn, conn.transaction():
                db = PgDb(conn)
                for key in (f"case:{case_id}" if case_id else None,
                            f"client:{client_key}" if client_key else None):
                    if key is not None:
                        await db.execute("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))",
                                         {"key": key})
                yield db
        except (psycopg.Error, PoolTimeout) as exc:
            raise translate(exc) from exc

    async def _restored(self, db: Db) -> None:
        """Identity columns continue after the ids a restore brought in."""
        for table in ("events", "outbox", "deliveries", "inbox"):
            await db.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                             f"coalesce((SELECT max(id) FROM {table}), 0) + 1, false)")

    # ---- the change feed
    async def listen(self, callback: Listener) -> Callable[[], None]:
        """Hear every process's committed notices (LISTEN offboard_notices on a connection of its own)."""
        stop = await super().listen(callback)
        if self._feed is None:
            ready = asyncio.get_running_loop().create_future()
            self._feed = asyncio.create_task(self._listen(ready), name="offboard-change-feed")
            await asyncio.wait([ready, self._feed], return_when=asyncio.FIRST_COMPLETED)
        return stop

    async def _listen(self, ready: asyncio.Future[None]) -> None:
        delay = 0.5
        while True:
            try:
                async with await psycopg.AsyncConnection.connect(self.url, autocommit=True) as conn:
                    await conn.execute(f"LISTEN {CHANNEL}")
                    if not ready.done():
                        ready.set_result(None)
                    delay = 0.5
                    async for note in conn.notifies():
                        data = json.loads(note.payload)
                        self._tell(Change(int(data["id"]), data.get("case_id"), str(data["kind"]),
                                          str(data["target"])))
            except psycopg.Error as exc:
                log.warning("change feed lost (%s); listening again in %.1f s", exc, delay)
                if not ready.done():
                    ready.set_result(None)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 30.0)
