"""The Store port in SQL, shared by the SQLite and PostgreSQL stores.

A backend supplies connections (``_reader`` for reads, ``_transaction`` for a
write transaction with its locks), the statement that claims deliveries, and
its column list for items; everything else (the queries, the outbox's rules,
the change feed's bookkeeping) is here, once.
"""

from __future__ import annotations

import logging
from abc import abstractmethod
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import datetime
from typing import ClassVar

from storage import outbox_sql as outbox
from storage import summaries_sql as summaries
from storage import transfer
from storage.base import (
    JSON,
    CaseRecord,
    CaseSnapshot,
    Change,
    ConstraintError,
    Dump,
    DuplicateOpenCase,
    DuplicateRequest,
    EventRecord,
    ItemRecord,
    Notice,
    Store,
    SummaryRecord,
    WriteTx,
)
from storage.db import Db, Row
from storage.errors import OPEN_CASE_PER_CLIENT, REQUEST_ONCE
from storage.rows import (
    CASE_COLUMNS,
    case_from_row,
    case_params,
    dt_to_db,
    event_from_row,
    event_params,
    from_json,
    item_from_row,
    item_params,
    to_json,
)
from storage.sqlinbox import SqlInbox
from storage.sqloutbox import SqlOutbox
from storage.sqltimers import SqlTimers, SqlWriteTimers

log = logging.getLogger(__name__)
Listener = Callable[[Change], None]

_CASE_NAMES = [c.strip() for c in CASE_COLUMNS.split(",")]
_CASE_VALUES = ", ".join(f":{name}" for name in _CASE_NAMES)
_CASE_ALIASED = ", ".join(f"c.{name} AS c_{name}" for name in _CASE_NAMES)


class SqlWriteTx(SqlWriteTimers, WriteTx):
    """The operations of one write transaction, on its connection."""

    def __init__(self, db: Db, item_columns: str, lock_row: str = "") -> None:
        self.db = db
        self.lock_row = lock_row
        self.changes: list[Change] = []
        self._senders: list[str] | None = None  # read once per transaction: a click writes 2-4 notices
        columns = [c.strip() for c in item_columns.split(",")]
        updates = ", ".join(f"{c} = excluded.{c}" for c in columns if c not in ("case_id", "item_id"))
        self._put_item = (f"INSERT INTO item_states ({item_columns}) VALUES "
                          f"({', '.join(':' + c for c in columns)}) "
                          f"ON CONFLICT (case_id, item_id) DO UPDATE SET {updates}")

    async def get_case(self, case_id: str) -> CaseRecord | None:
        """A case by id."""
        return await select_case(self.db, case_id)

    async def find_open_case(self, client_key: str) -> CaseRecord | None:
        """The open case of a client, if any."""
        row = await self.db.fetch_one(f"SELECT {CASE_COLUMNS} FROM cases WHERE client_key = :key "
                                      "AND status = 'open'", {"key": client_key})
        return None if row is None else case_from_row(row)

    async def insert_case(self, case: CaseRecord) -> None:
        """Add a new case; DuplicateOpenCase for a second open case, ConstraintError for a taken id."""
        try:
            await self.db.execute(f"INSERT INTO cases ({CASE_COLUMNS}) VALUES ({_CASE_VALUES})",
                                  case_params(case))
        except ConstraintError as exc:
            if exc.constraint == OPEN_CASE_PER_CLIENT:
                raise DuplicateOpenCase(case.client_key) from exc
            raise

    async def update_case(self, case: CaseRecord) -> None:
        """Store every field of an existing case (status, step, version, closed_at, ...)."""
        try:
            changed = await self.db.execute(
                "UPDATE cases SET checklist_id = :checklist_id, client = :client, client_key = :client_key, "
                "header = :header, status = :status, step_index = :step_index, opened_by = :opened_by, "
                "opened_at = :opened_at, closed_at = :closed_at, version = :version WHERE id = :id",
                case_params(case))
        except ConstraintError as exc:
            if exc.constraint == OPEN_CASE_PER_CLIENT:
                raise DuplicateOpenCase(case.client_key) from exc
            raise
        if changed != 1:
            raise LookupError(f"no case {case.id!r}")

    async def get_items(self, case_id: str) -> dict[str, ItemRecord]:
        """Every item of a case by item id."""
        return await select_items(self.db, case_id)

    async def put_item(self, item: ItemRecord) -> None:
        """Insert or replace one item's state."""
        await self.db.execute(self._put_item, item_params(item))

    async def append_event(self, event: EventRecord) -> int:
        """Append to the audit trail; returns the event id (also set on ``event.id``)."""
        row = await self.db.fetch_one(
            "INSERT INTO events (case_id, item_id, kind, actor, at, old, new, note) VALUES "
            "(:case_id, :item_id, :kind, :actor, :at, :old, :new, :note) RETURNING id", event_params(event))
        assert row is not None
        event.id = int(row["id"])
        return event.id

    async def add_notice(self, notice: Notice) -> int:
        """Write a notice and its deliveries; supersedes waiting ones of its coalesce_key."""
        if self._senders is None:
            self._senders = await outbox.sender_names(self.db)
        notice_id = await outbox.insert_notice(self.db, notice, self._senders)
        self.changes.append(Change(notice_id, notice.case_id, str(notice.kind), notice.target))
        return notice_id

    async def put_summary(self, summary: SummaryRecord) -> None:
        """Store where a case stands (its step's start kept while the step stays)."""
        await summaries.put_summary(self.db, summary)

    async def request_result(self, request_id: str) -> JSON | None:
        """What a request id already did, if it was processed before."""
        row = await self.db.fetch_one("SELECT result FROM processed_requests WHERE request_id = :id",
                                      {"id": request_id})
        if row is None:
            return None
        result: JSON = from_json(row["result"]) or {}
        return result

    async def record_request(self, request_id: str, result: JSON, at: datetime) -> None:
        """Remember a processed request id; recording one twice raises DuplicateRequest."""
        # A plain INSERT on purpose: the engine checks request_result first in the same
        # transaction, so a duplicate here means a race or a bug and must surface.
        try:
            await self.db.execute("INSERT INTO processed_requests (request_id, result, at) "
                                  "VALUES (:id, :result, :at)",
                                  {"id": request_id, "result": to_json(result) or "{}", "at": dt_to_db(at)})
        except ConstraintError as exc:
            if exc.constraint == REQUEST_ONCE:
                raise DuplicateRequest(request_id) from exc
            raise


async def select_case(db: Db, case_id: str) -> CaseRecord | None:
    """A case by id."""
    row = await db.fetch_one(f"SELECT {CASE_COLUMNS} FROM cases WHERE id = :id", {"id": case_id})
    return None if row is None else case_from_row(row)


async def select_items(db: Db, case_id: str) -> dict[str, ItemRecord]:
    """Every item of a case by item id."""
    rows = await db.fetch_all("SELECT * FROM item_states WHERE case_id = :id ORDER BY item_id",
                              {"id": case_id})
    return {row["item_id"]: item_from_row(row) for row in rows}


class SqlStore(SqlTimers, SqlOutbox, SqlInbox, Store):
    """Everything of the port that is plain SQL; the backend gives connections and locks."""

    ITEM_COLUMNS: ClassVar[str] = (
        "case_id, item_id, status, value, reason, version, updated_by, updated_at, assignee, holder_version, "
        "snooze")
    LOCK_ROW: ClassVar[str] = ""  # appended to a SELECT that must keep its row for the transaction

    def __init__(self) -> None:
        self._listeners: list[Listener] = []

    # ---- what a backend provides
    @abstractmethod
    def _reader(self) -> AbstractAsyncContextManager[Db]:
        """A connection for reads (each statement sees the last committed state)."""

    @abstractmethod
    def _transaction(self, case_id: str | None = None,
                     client_key: str | None = None) -> AbstractAsyncContextManager[Db]:
        """BEGIN ... COMMIT (ROLLBACK on error), holding the locks asked for."""

    def _bulk_transaction(self) -> AbstractAsyncContextManager[Db]:
        """A transaction whose statements may run long (prune, dump, restore)."""
        return self._transaction()

    def _committed(self, changes: list[Change]) -> None:
        """Notices were committed by this process (the SQLite store tells its listeners here)."""

    # ---- writes
    def write(self, case_id: str | None = None, *,
              client_key: str | None = None) -> AbstractAsyncContextManager[WriteTx]:
        """A write transaction scoped to a case or a client; commits on success, rolls back on error."""
        return self._write(case_id, client_key)

    @asynccontextmanager
    async def _write(self, case_id: str | None, client_key: str | None) -> AsyncIterator[WriteTx]:
        async with self._transaction(case_id, client_key) as db:
            tx = SqlWriteTx(db, self.ITEM_COLUMNS, self.LOCK_ROW)
            yield tx
        if tx.changes:
            self._committed(tx.changes)

    # ---- reads
    async def get_case(self, case_id: str) -> CaseRecord | None:
        """A case by id."""
        async with self._reader() as db:
            return await select_case(db, case_id)

    async def load_case(self, case_id: str) -> CaseSnapshot | None:
        """A case and its items from one statement, so from one snapshot."""
        async with self._reader() as db:
            rows = await db.fetch_all(
                f"SELECT {_CASE_ALIASED}, i.item_id AS i_item_id, i.* "
                "FROM cases c LEFT JOIN item_states i ON i.case_id = c.id "
                "WHERE c.id = :id ORDER BY i.item_id", {"id": case_id})
        if not rows:
            return None
        case = case_from_row(_case_part(rows[0]))
        items = {row["i_item_id"]: item_from_row(row) for row in rows if row["i_item_id"] is not None}
        return CaseSnapshot(case, items)

    async def list_cases(self, status: str | None = None) -> list[CaseRecord]:
        """Cases, newest first (opened_at descending, then id); only this status if given."""
        where = " WHERE status = :status" if status is not None else ""
        async with self._reader() as db:
            rows = await db.fetch_all(f"SELECT {CASE_COLUMNS} FROM cases{where} ORDER BY opened_at DESC, id",
                                      {"status": status})
        return [case_from_row(row) for row in rows]

    async def find_cases(self, client_key: str) -> list[CaseRecord]:
        """Every case of a client, newest first."""
        async with self._reader() as db:
            rows = await db.fetch_all(f"SELECT {CASE_COLUMNS} FROM cases WHERE client_key = :key "
                                      "ORDER BY opened_at DESC, id", {"key": client_key})
        return [case_from_row(row) for row in rows]

    async def get_items(self, case_id: str) -> dict[str, ItemRecord]:
        """Every item of a case by item id."""
        async with self._reader() as db:
            return await select_items(db, case_id)

    async def list_summaries(self, status: str | None = None, *, order: str = "newest", limit: int = 50,
                             offset: int = 0) -> list[SummaryRecord]:
        """A page of case summaries, in one indexed query."""
        async with self._reader() as db:
            return await summaries.list_summaries(db, status, order, limit, offset)

    async def count_cases(self, status: str | None = None) -> int:
        """How many cases (with this status)."""
        async with self._reader() as db:
            return await summaries.count_cases(db, status)

    async def held_items(self) -> list[tuple[str, JSON]]:
        """(case id, who holds it) of every held item of an open case."""
        async with self._reader() as db:
            return await summaries.held_items(db)

    async def cases_without_summary(self, limit: int = 500) -> list[str]:
        """Ids of cases that have no summary row yet."""
        async with self._reader() as db:
            return await summaries.cases_without_summary(db, limit)

    async def get_events(self, case_id: str) -> list[EventRecord]:
        """A case's audit trail, oldest first."""
        async with self._reader() as db:
            rows = await db.fetch_all("SELECT * FROM events WHERE case_id = :id ORDER BY id", {"id": case_id})
        return [event_from_row(row) for row in rows]

    # ---- the change feed
    async def listen(self, callback: Listener) -> Callable[[], None]:
        """Call ``callback`` for every notice committed from now on; returns the function that stops it."""
        self._listeners.append(callback)

        def stop() -> None:
            if callback in self._listeners:
                self._listeners.remove(callback)

        return stop

    def _tell(self, change: Change) -> None:
        for callback in list(self._listeners):
            try:
                callback(change)
            except Exception:  # one broken listener must not stop the others
                log.exception("change listener failed")

    # ---- moving to another store
    async def dump(self) -> Dump:
        """Everything worth moving, read in one transaction (the inbox, which may live apart, after it)."""
        async with self._bulk_transaction() as db:
            out = await transfer.dump(db)
        out.inbox = await self.inbox()
        return out

    async def restore(self, dump: Dump) -> None:
        """Load a dump into this store, which must hold no case and no notice."""
        async with self._bulk_transaction() as db:
            await transfer.restore(db, dump, self.ITEM_COLUMNS)
            await self._restored(db)
        async with self._inbox_transaction() as db:
            await transfer.restore_inbox(db, dump.inbox)
            await self._restored(db)

    async def _restored(self, db: Db) -> None:
        """Rows came in with their ids: a backend with sequences moves them past those ids."""

    async def counts(self) -> dict[str, int]:
        """How many rows of each Dump part the store holds."""
        async with self._reader() as db:
            held = await transfer.counts(db)
        return {**held, "inbox": len(await self.inbox())}


def _case_part(row: Row) -> Row:
    return {name: row["c_" + name] for name in _CASE_NAMES}
