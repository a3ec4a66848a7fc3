"""The timers half of the Store port in SQL, shared by the SQLite and PostgreSQL stores (a mixin of SqlStore).

The backend gives connections (``_reader``, ``_transaction``) and the statement that claims timers;
the queries are storage.timers_sql's. A case's own timers are written through its WriteTx.
"""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from datetime import datetime
from typing import ClassVar

from storage import timers_sql as timers
from storage.db import Db
from storage.rows import dt_to_db
from storage.timers_port import TimerRecord, TimerStore


class SqlWriteTimers:
    """A case's timers inside its write transaction (a mixin of SqlWriteTx)."""

    db: Db
    lock_row: str = ""  # ' FOR UPDATE' where the backend locks rows

    async def get_timers(self, case_id: str) -> list[TimerRecord]:
        """Every timer of a case."""
        return await timers.of_case(self.db, case_id)

    async def get_timer(self, key: str) -> TimerRecord | None:
        """One timer, its row held for the transaction where the backend locks rows."""
        return await timers.get(self.db, key, self.lock_row)

    async def put_timer(self, timer: TimerRecord) -> None:
        """Insert or replace a timer."""
        await timers.put(self.db, timer)

    async def delete_timers(self, keys: list[str]) -> None:
        """Remove timers by key."""
        await timers.delete(self.db, keys)


class SqlTimers(TimerStore):
    """Claiming and reading timers."""

    CLAIM_TIMERS_SQL: ClassVar[str]  # UPDATE ... RETURNING key, leasing timers_sql.CLAIMABLE

    def _reader(self) -> AbstractAsyncContextManager[Db]:
        raise NotImplementedError  # pragma: no cover - the store provides it

    def _transaction(self, case_id: str | None = None,
                     client_key: str | None = None) -> AbstractAsyncContextManager[Db]:
        raise NotImplementedError  # pragma: no cover - the store provides it

    async def claim_timers(self, owner: str, now: datetime, lease_until: datetime,
                           limit: int = 100) -> list[TimerRecord]:
        """Lease the pending timers due by ``now`` that nobody holds, earliest first."""
        async with self._transaction() as db:
            rows = await db.fetch_all(self.CLAIM_TIMERS_SQL, {
                "owner": owner, "now": dt_to_db(now), "until": dt_to_db(lease_until), "limit": limit})
            return await timers.select_keys(db, [str(r["key"]) for r in rows])

    async def next_timer_at(self) -> datetime | None:
        """The earliest moment a claim may find a pending timer."""
        async with self._reader() as db:
            return await timers.next_at(db)

    async def timers(self, case_id: str | None = None) -> list[TimerRecord]:
        """Every timer (of one case), by fire time then key."""
        async with self._reader() as db:
            return await timers.listing(db, case_id)

    async def due_timers(self, department: str, until: datetime) -> list[TimerRecord]:
        """A department's item due timers due by ``until``."""
        async with self._reader() as db:
            return await timers.due_of(db, department, until)

    async def ensure_timer(self, timer: TimerRecord) -> bool:
        """Insert a timer unless its key exists."""
        async with self._transaction() as db:
            return await timers.insert_missing(db, timer)

    async def release_timer(self, timer: TimerRecord) -> None:
        """Clear the lease this process holds on a timer."""
        async with self._transaction() as db:
            await timers.release(db, timer.key, timer.lease_owner)
