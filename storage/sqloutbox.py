"""The outbox half of the Store port in SQL, shared by the SQLite and PostgreSQL stores (a mixin of SqlStore).

The backend gives connections (``_reader``, ``_transaction``, ``_bulk_transaction``), the row lock and
the statement that claims deliveries; the queries are storage.outbox_sql's. Notices themselves are
written through a case's WriteTx, in the transaction of the change they tell of.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import datetime
from typing import ClassVar

from storage import outbox_sql as outbox
from storage.base import Delivery, DeliveryStatus, MessageRef, Notice
from storage.db import Db
from storage.outbox_port import OutboxStore
from storage.rows import dt_from_db, dt_to_db


class SqlOutbox(OutboxStore):
    """Claiming, settling and reading deliveries; message references; pruning."""

    CLAIM_SQL: ClassVar[str]  # UPDATE ... RETURNING id, leasing outbox_sql.CLAIMABLE
    LOCK_ROW: ClassVar[str]  # the store's: appended to a SELECT that must keep its row

    def _reader(self) -> AbstractAsyncContextManager[Db]:
        raise NotImplementedError  # pragma: no cover - the store provides it

    def _transaction(self, case_id: str | None = None,
                     client_key: str | None = None) -> AbstractAsyncContextManager[Db]:
        raise NotImplementedError  # pragma: no cover - the store provides it

    def _bulk_transaction(self) -> AbstractAsyncContextManager[Db]:
        raise NotImplementedError  # pragma: no cover - the store provides it

    async def register_sender(self, sender: str, at: datetime) -> None:
        """Deliver through this sender too, from the next notice on."""
        async with self._transaction() as db:
            await outbox.register_sender(db, sender, at)

    async def claim(self, sender: str, owner: str, now: datetime, lease_until: datetime,
                    limit: int = 50) -> list[Delivery]:
        """Lease the due, unleased head of each of the sender's queues (one attempt more each)."""
        async with self._transaction() as db:
            rows = await db.fetch_all(self.CLAIM_SQL, {"sender": sender, "owner": owner, "now": dt_to_db(now),
                                                       "until": dt_to_db(lease_until), "limit": limit})
            return await outbox.select_deliveries(db, [int(r["id"]) for r in rows])

    async def due_deliveries(self, sender: str, now: datetime, limit: int = 50) -> list[Delivery]:
        """The head of each queue that is due by ``now``, leased or not (nothing is claimed)."""
        async with self._reader() as db:
            return await outbox.due_heads(db, sender, now, limit)

    async def next_due_at(self, sender: str) -> datetime | None:
        """The earliest time a head falls due or its lease runs out."""
        async with self._reader() as db:
            value = await outbox.next_due_at(db, sender)
        return None if value is None else dt_from_db(value)

    @asynccontextmanager
    async def _holding(self, delivery: Delivery) -> AsyncIterator[Db]:
        """A transaction that first checks this process still holds the delivery's lease."""
        async with self._transaction() as db:
            await outbox.check_lease(db, delivery, self.LOCK_ROW)
            yield db

    async def mark_in_doubt(self, delivery: Delivery, at: datetime) -> None:
        """Commit that a post is about to be made whose outcome may be unknown."""
        async with self._holding(delivery) as db:
            await outbox.mark_in_doubt(db, delivery, at)

    async def clear_doubt(self, delivery: Delivery) -> None:
        """The post did not go out."""
        async with self._holding(delivery) as db:
            await outbox.clear_doubt(db, delivery)

    async def mark_sent(self, delivery: Delivery, at: datetime, ref: MessageRef | None) -> None:
        """Sent, with the message it made, and the lease released."""
        async with self._holding(delivery) as db:
            await outbox.mark_sent(db, delivery, at, ref)

    async def mark_retry(self, delivery: Delivery, at: datetime, error: str) -> None:
        """Due again at ``at`` (or superseded by a newer waiting notice of its key)."""
        async with self._holding(delivery) as db:
            await outbox.mark_retry(db, delivery, at, error)

    async def defer(self, delivery: Delivery, at: datetime) -> None:
        """Due again at ``at``, not counted as an attempt (or superseded by a newer one of its key)."""
        async with self._holding(delivery) as db:
            await outbox.defer(db, delivery, at)

    async def newest(self, delivery: Delivery) -> Delivery:
        """The newest waiting delivery of this one's message, leased in its place (or this one)."""
        async with self._holding(delivery) as db:
            chosen = await outbox.newest(db, delivery)
            return (await outbox.select_deliveries(db, [chosen]))[0]

    async def mark_failed(self, delivery: Delivery, error: str) -> None:
        """Dead-lettered."""
        async with self._holding(delivery) as db:
            await outbox.mark_failed(db, delivery, error)

    async def requeue(self, delivery_id: int, now: datetime) -> Delivery | None:
        """A dead letter back in its queue (or superseded by a newer one of its key)."""
        async with self._transaction() as db:
            return await outbox.requeue(db, delivery_id, now)

    async def deliveries(self, sender: str | None = None,
                         status: DeliveryStatus | None = None) -> list[Delivery]:
        """Deliveries with their notices, by notice id then sender."""
        async with self._reader() as db:
            return await outbox.list_deliveries(db, sender, status)

    async def notices(self, target: str, after_id: int = 0, *, newest: int | None = None) -> list[Notice]:
        """The notices kept for a target, oldest first (only the ``newest`` so many, if given)."""
        async with self._reader() as db:
            return await outbox.notices_of(db, target, after_id, newest)

    async def get_message_ref(self, sender: str, case_id: str, ref_key: str) -> MessageRef | None:
        """The message that shows a card, if it was posted."""
        async with self._reader() as db:
            return await outbox.get_message_ref(db, sender, case_id, ref_key)

    async def put_message_ref(self, ref: MessageRef) -> None:
        """Remember the message that shows a card (insert or replace)."""
        async with self._transaction() as db:
            await outbox.upsert_message_ref(db, ref)

    async def message_refs(self, case_id: str) -> list[MessageRef]:
        """Every message of a case."""
        async with self._reader() as db:
            return await outbox.message_refs(db, case_id)

    async def prune(self, before: datetime) -> dict[str, int]:
        """Forget what the retention no longer keeps."""
        async with self._bulk_transaction() as db:
            return await outbox.prune(db, before)
