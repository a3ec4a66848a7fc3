"""The inbox half of the Store port in SQL, shared by the SQLite and PostgreSQL stores (a mixin of SqlStore).

The backend gives connections and the statement that leases requests (``CLAIM_INBOX_SQL``, around
storage.inbox_sql.claimable); the queries are inbox_sql's. The connections are the store's own
(``_reader``, ``_transaction``) unless the backend keeps the inbox apart: SQLite keeps it in a file
of its own (storage.sqlite_inbox), so keeping a click never waits for the database's one writer.
"""

from __future__ import annotations

from collections.abc import Collection
from contextlib import AbstractAsyncContextManager
from datetime import datetime
from typing import Any, ClassVar

from storage import inbox_sql
from storage.db import Db
from storage.inbox_port import InboxItem, InboxStatus, InboxStore
from storage.rows import dt_to_db


class SqlInbox(InboxStore):
    """Keeping, leasing and forgetting requests."""

    CLAIM_INBOX_SQL: ClassVar[str]  # UPDATE ... RETURNING id, leasing {due} (inbox_sql.claimable)

    def _reader(self) -> AbstractAsyncContextManager[Db]:
        raise NotImplementedError  # pragma: no cover - the store provides it

    def _transaction(self, case_id: str | None = None,
                     client_key: str | None = None) -> AbstractAsyncContextManager[Db]:
        raise NotImplementedError  # pragma: no cover - the store provides it

    def _inbox_reader(self) -> AbstractAsyncContextManager[Db]:
        """Reads of the inbox."""
        return self._reader()

    def _inbox_transaction(self) -> AbstractAsyncContextManager[Db]:
        """A write transaction on the inbox."""
        return self._transaction()

    async def receive(self, kind: str, payload: dict[str, Any], at: datetime) -> int:
        """Commit a request to be handled; its id."""
        async with self._inbox_transaction() as db:
            return await inbox_sql.insert(db, kind, payload, at)

    async def take_inbox(self, kinds: Collection[str], owner: str, now: datetime, lease_until: datetime,
                         limit: int = 32) -> list[InboxItem]:
        """Lease the oldest waiting requests of these kinds that are due and nobody holds, oldest first."""
        if not kinds:
            return []
        due, params = inbox_sql.claimable(list(kinds))
        async with self._inbox_transaction() as db:
            rows = await db.fetch_all(self.CLAIM_INBOX_SQL.format(due=due), {
                **params, "owner": owner, "now": dt_to_db(now), "until": dt_to_db(lease_until),
                "limit": limit})
            return await inbox_sql.select(db, [int(r["id"]) for r in rows])

    async def finish_inbox(self, item: InboxItem) -> None:
        """A request was handled: forget it (unless another process has taken it over meanwhile)."""
        async with self._inbox_transaction() as db:
            await inbox_sql.finish(db, item)

    async def retry_inbox(self, item: InboxItem, at: datetime, error: str) -> None:
        """Handle a request again at ``at`` (its lease released)."""
        async with self._inbox_transaction() as db:
            await inbox_sql.retry(db, item, at, error)

    async def fail_inbox(self, item: InboxItem, error: str) -> None:
        """Keep a request that cannot be handled, for a person to look at."""
        async with self._inbox_transaction() as db:
            await inbox_sql.fail(db, item, error)

    async def next_inbox_at(self, kinds: Collection[str]) -> datetime | None:
        """The earliest moment a take may find a waiting request of these kinds."""
        if not kinds:
            return None
        async with self._inbox_reader() as db:
            return await inbox_sql.next_at(db, list(kinds))

    async def inbox(self, status: InboxStatus | None = None) -> list[InboxItem]:
        """The kept requests (of one status), oldest first."""
        async with self._inbox_reader() as db:
            return await inbox_sql.listing(db, status)
