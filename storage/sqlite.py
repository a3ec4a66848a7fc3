"""SQLiteStore: the Store port on one SQLite file (aiosqlite, WAL).

One writer: a single connection for writes, guarded by an asyncio.Lock, runs
every write transaction as ``BEGIN IMMEDIATE ... COMMIT`` (so several
processes on one file queue up on the database lock, waiting up to
busy_timeout). Reads use a second, read-only connection; WAL lets them run
while a write is in progress, and they see the last committed state.

Errors from SQLite pass through unchanged: inserting a second open case of a
client, or recording a request id twice, raises ``sqlite3.IntegrityError``.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import datetime
from pathlib import Path

import aiosqlite

from storage import sqlite_outbox as outbox
from storage.base import (
    JSON,
    CaseRecord,
    Delivery,
    EventRecord,
    ItemRecord,
    MessageRef,
    Notice,
    Store,
    WriteTx,
)
from storage.sqlite_migrate import migrate
from storage.sqlite_rows import (
    CASE_COLUMNS,
    ITEM_COLUMNS,
    case_from_row,
    case_params,
    dt_to_db,
    event_from_row,
    event_params,
    execute,
    fetch_all,
    fetch_one,
    from_json,
    item_from_row,
    item_params,
    notice_from_row,
    to_json,
)

BUSY_TIMEOUT_MS = 5000

_PRAGMAS = (
    "PRAGMA journal_mode = WAL",
    "PRAGMA foreign_keys = ON",
    f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}",
    "PRAGMA synchronous = NORMAL",
)


async def _select_case(conn: aiosqlite.Connection, case_id: str) -> CaseRecord | None:
    row = await fetch_one(conn, f"SELECT {CASE_COLUMNS} FROM cases WHERE id = ?", (case_id,))
    return None if row is None else case_from_row(row)


async def _select_items(conn: aiosqlite.Connection, case_id: str) -> dict[str, ItemRecord]:
    rows = await fetch_all(
        conn,
        f"SELECT {ITEM_COLUMNS} FROM item_states WHERE case_id = ? ORDER BY item_id",
        (case_id,),
    )
    return {row["item_id"]: item_from_row(row) for row in rows}


class SQLiteWriteTx(WriteTx):
    """The operations of one write transaction, bound to the writer connection."""

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn

    async def get_case(self, case_id: str) -> CaseRecord | None:
        """A case by id."""
        return await _select_case(self._conn, case_id)

    async def find_open_case(self, client_key: str) -> CaseRecord | None:
        """The open case of a client, if any."""
        row = await fetch_one(
            self._conn,
            f"SELECT {CASE_COLUMNS} FROM cases WHERE client_key = ? AND status = 'open'",
            (client_key,),
        )
        return None if row is None else case_from_row(row)

    async def insert_case(self, case: CaseRecord) -> None:
        """Add a new case; a taken id or a second open case of a client raises IntegrityError."""
        await execute(
            self._conn,
            f"INSERT INTO cases ({CASE_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            case_params(case),
        )

    async def update_case(self, case: CaseRecord) -> None:
        """Store every field of an existing case (status, step, version, closed_at, ...)."""
        params = case_params(case)
        changed = await execute(
            self._conn,
            "UPDATE cases SET checklist_id = ?, client = ?, client_key = ?, header = ?, "
            "status = ?, step_index = ?, opened_by = ?, opened_at = ?, closed_at = ?, "
            "version = ? WHERE id = ?",
            (*params[1:], params[0]),
        )
        if changed != 1:
            raise LookupError(f"no case {case.id!r}")

    async def get_items(self, case_id: str) -> dict[str, ItemRecord]:
        """Every item of a case by item id."""
        return await _select_items(self._conn, case_id)

    async def put_item(self, item: ItemRecord) -> None:
        """Insert or replace one item's state."""
        await execute(
            self._conn,
            f"INSERT INTO item_states ({ITEM_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (case_id, item_id) DO UPDATE SET status = excluded.status, "
            "value = excluded.value, reason = excluded.reason, version = excluded.version, "
            "updated_by = excluded.updated_by, updated_at = excluded.updated_at, "
            "assignee = excluded.assignee, holder_version = excluded.holder_version",
            item_params(item),
        )

    async def append_event(self, event: EventRecord) -> int:
        """Append to the audit trail; returns the event id (also set on ``event.id``)."""
        row = await self._conn.execute_insert(
            "INSERT INTO events (case_id, item_id, kind, actor, at, old, new, note) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            event_params(event),
        )
        if row is None:  # pragma: no cover - sqlite always returns last_insert_rowid()
            raise RuntimeError("no id for the new event")
        event.id = int(row[0])
        return event.id

    async def add_notice(self, notice: Notice) -> int:
        """Write a notice to the outbox; supersedes pending ones with its coalesce_key."""
        return await outbox.insert_notice(self._conn, notice)

    async def request_result(self, request_id: str) -> JSON | None:
        """What a request id already did, if it was processed before."""
        row = await fetch_one(
            self._conn,
            "SELECT result FROM processed_requests WHERE request_id = ?",
            (request_id,),
        )
        if row is None:
            return None
        result: JSON = from_json(row["result"]) or {}
        return result

    async def record_request(self, request_id: str, result: JSON, at: datetime) -> None:
        """Remember a processed request id; a second record of one id raises IntegrityError."""
        # A plain INSERT on purpose: the engine checks request_result first in the same
        # transaction, so a duplicate here means a race or a bug and must surface.
        await execute(
            self._conn,
            "INSERT INTO processed_requests (request_id, result, at) VALUES (?, ?, ?)",
            (request_id, to_json(result) or "{}", dt_to_db(at)),
        )


class SQLiteStore(Store):
    """The Store port on one SQLite file."""

    def __init__(self, path: str | Path) -> None:
        if str(path) == ":memory:" or str(path).startswith("file::memory:"):
            raise ValueError("SQLiteStore needs a file: its read and write connections share it")
        self.path = Path(path)
        self._writer: aiosqlite.Connection | None = None
        self._reader: aiosqlite.Connection | None = None
        self._lock = asyncio.Lock()

    # ---- lifecycle
    async def open(self) -> None:
        """Connect (creating the file's directory if needed) and bring the schema up to date."""
        if self._writer is not None:
            return
        await asyncio.to_thread(self.path.parent.mkdir, parents=True, exist_ok=True)
        writer = await self._connect()
        try:
            await migrate(writer)
            reader = await self._connect()
            try:
                await execute(reader, "PRAGMA query_only = ON")
            except BaseException:
                await reader.close()
                raise
        except BaseException:
            await writer.close()
            raise
        self._writer, self._reader = writer, reader

    async def _connect(self) -> aiosqlite.Connection:
        # isolation_level=None: no implicit transactions; write() issues BEGIN/COMMIT itself.
        conn = await aiosqlite.connect(self.path, isolation_level=None)
        try:
            conn.row_factory = sqlite3.Row
            for pragma in _PRAGMAS:
                await execute(conn, pragma)
        except BaseException:
            await conn.close()
            raise
        return conn

    async def close(self) -> None:
        """Wait for the running write transaction, then close both connections."""
        async with self._lock:
            writer, reader = self._writer, self._reader
            self._writer = self._reader = None
            try:
                if writer is not None:
                    await writer.close()
            finally:
                if reader is not None:
                    await reader.close()

    def _conns(self) -> tuple[aiosqlite.Connection, aiosqlite.Connection]:
        if self._writer is None or self._reader is None:
            raise RuntimeError("SQLiteStore is not open (call open() or use 'async with')")
        return self._writer, self._reader

    # ---- writes
    def write(self) -> AbstractAsyncContextManager[WriteTx]:
        """One write transaction at a time; commits on success, rolls back on error."""
        return self._write()

    @asynccontextmanager
    async def _write(self) -> AsyncIterator[WriteTx]:
        async with self._transaction() as conn:
            yield SQLiteWriteTx(conn)

    @asynccontextmanager
    async def _transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """Hold the writer lock and run BEGIN IMMEDIATE ... COMMIT (ROLLBACK on error)."""
        async with self._lock:
            conn, _ = self._conns()
            await execute(conn, "BEGIN IMMEDIATE")
            try:
                yield conn
                await execute(conn, "COMMIT")
            except BaseException:
                # Shielded so a cancelled caller still leaves the connection clean.
                await asyncio.shield(_rollback(conn))
                raise

    # ---- reads
    async def get_case(self, case_id: str) -> CaseRecord | None:
        """A case by id."""
        return await _select_case(self._conns()[1], case_id)

    async def list_cases(self, status: str | None = None) -> list[CaseRecord]:
        """Cases, newest first (opened_at descending, then id); only this status if given."""
        sql = f"SELECT {CASE_COLUMNS} FROM cases"
        params: tuple[str, ...] = ()
        if status is not None:
            sql, params = sql + " WHERE status = ?", (status,)
        rows = await fetch_all(self._conns()[1], sql + " ORDER BY opened_at DESC, id", params)
        return [case_from_row(row) for row in rows]

    async def find_cases(self, client_key: str) -> list[CaseRecord]:
        """Every case of a client, newest first."""
        rows = await fetch_all(
            self._conns()[1],
            f"SELECT {CASE_COLUMNS} FROM cases WHERE client_key = ? ORDER BY opened_at DESC, id",
            (client_key,),
        )
        return [case_from_row(row) for row in rows]

    async def get_items(self, case_id: str) -> dict[str, ItemRecord]:
        """Every item of a case by item id."""
        return await _select_items(self._conns()[1], case_id)

    async def get_events(self, case_id: str) -> list[EventRecord]:
        """A case's audit trail, oldest first."""
        rows = await fetch_all(
            self._conns()[1], "SELECT * FROM events WHERE case_id = ? ORDER BY id", (case_id,)
        )
        return [event_from_row(row) for row in rows]

    # ---- outbox
    async def register_sender(self, sender: str, at: datetime) -> None:
        """Start delivering to a sender from the next notice on; re-registering keeps its place."""
        async with self._transaction() as conn:
            await outbox.register_sender(conn, sender, at)

    async def due_deliveries(self, sender: str, now: datetime, limit: int = 50) -> list[Delivery]:
        """Due deliveries of a registered sender: one per target, in queue order, due now."""
        async with self._transaction() as conn:
            await outbox.create_deliveries(conn, sender)
            return await outbox.select_due(conn, sender, now, limit)

    async def next_due_at(self, sender: str) -> datetime | None:
        """When due_deliveries next has something: the earliest due time of a target's head row."""
        return await outbox.next_due_at(self._conns()[1], sender)

    async def mark_sending(self, delivery: Delivery, at: datetime) -> None:
        """Set the stored row to 'sending' and count the attempt; ``delivery`` is unchanged."""
        async with self._transaction() as conn:
            await outbox.update_delivery(
                conn, delivery, "status = 'sending', attempts = attempts + 1", {}
            )

    async def mark_sent(self, delivery: Delivery, at: datetime, ref: MessageRef | None) -> None:
        """Set status 'sent' and store the message ref, if any, in the same transaction."""
        async with self._transaction() as conn:
            await outbox.update_delivery(
                conn, delivery, "status = 'sent', sent_at = :at", {"at": dt_to_db(at)}
            )
            if ref is not None:
                await outbox.upsert_message_ref(conn, ref)

    async def mark_retry(self, delivery: Delivery, at: datetime, error: str) -> None:
        """Put a delivery back to 'pending', due again at ``at``."""
        async with self._transaction() as conn:
            await outbox.update_delivery(
                conn,
                delivery,
                "status = 'pending', next_attempt_at = :at, last_error = :error",
                {"at": dt_to_db(at), "error": error},
            )

    async def mark_failed(self, delivery: Delivery, error: str) -> None:
        """Set status 'failed' for good."""
        async with self._transaction() as conn:
            await outbox.update_delivery(
                conn, delivery, "status = 'failed', last_error = :error", {"error": error}
            )

    async def deliveries(self, sender: str | None = None) -> list[Delivery]:
        """Every existing delivery row with its notice, by notice id then sender."""
        return await outbox.list_deliveries(self._conns()[1], sender)

    async def notices(self, target: str, after_id: int = 0) -> list[Notice]:
        """Every notice written for a target (a channel's history), oldest first."""
        rows = await fetch_all(
            self._conns()[1],
            "SELECT * FROM outbox WHERE target = ? AND id > ? ORDER BY id",
            (target, after_id),
        )
        return [notice_from_row(row) for row in rows]

    async def get_message_ref(self, sender: str, case_id: str, ref_key: str) -> MessageRef | None:
        """The message that shows a card, if it was posted."""
        return await outbox.get_message_ref(self._conns()[1], sender, case_id, ref_key)

    async def put_message_ref(self, ref: MessageRef) -> None:
        """Remember the message that shows a card (insert or replace)."""
        async with self._transaction() as conn:
            await outbox.upsert_message_ref(conn, ref)

    async def message_refs(self, case_id: str) -> list[MessageRef]:
        """Every message of a case."""
        return await outbox.message_refs(self._conns()[1], case_id)


async def _rollback(conn: aiosqlite.Connection) -> None:
    # SQLite may already have rolled back by itself (e.g. after SQLITE_FULL).
    with contextlib.suppress(sqlite3.Error):
        await execute(conn, "ROLLBACK")
