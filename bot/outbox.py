"""The outbox dispatcher: delivers the engine's notices through every registered sender.

Guarantees, per sender:
- order per target: a target's next notice waits until the one before it is out;
- retries with exponential backoff on errors, and the sender's own retry-after
  (Slack's 429) when it gives one;
- nothing lost across a restart: an attempt is marked "sending" before it
  starts, so a crash leaves it in doubt, never forgotten; on restart the
  sender is asked whether it already went out (``reconcile``) before it is
  sent again;
- a message that must be posted once (a step card, the case summary) is
  posted once: once its message reference is recorded, later notices for it
  are edits.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta

from adapters.ports import PermanentFailure, RetryLater, Sender
from storage.base import Delivery, MessageRef, Store

__all__ = ["Dispatcher", "PermanentFailure", "RetryLater", "Sender"]

log = logging.getLogger(__name__)

# What one delivery attempt came to.
_SENT, _FAILED, _LATER = "sent", "failed", "later"


class Dispatcher:
    """Delivers due notices, one per target at a time, for every sender."""

    def __init__(self, store: Store, senders: Iterable[Sender] = (), *,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC),
                 backoff_base: float = 1.0, backoff_cap: float = 300.0,
                 max_attempts: int = 50, poll_interval: float = 1.0, concurrency: int = 8) -> None:
        self.store = store
        self.senders: dict[str, Sender] = {}
        self.clock = clock
        self.backoff_base, self.backoff_cap = backoff_base, backoff_cap
        self.max_attempts = max_attempts
        self.poll_interval = poll_interval
        self._limit = asyncio.Semaphore(concurrency)
        self._wake = asyncio.Event()
        for sender in senders:
            self.senders[sender.name] = sender

    def add(self, sender: Sender) -> None:
        """Deliver through this sender too; it is registered in the store when the dispatcher starts."""
        self.senders[sender.name] = sender

    async def register(self, sender: Sender) -> None:
        """Add a sender; it receives notices written from its first registration on."""
        self.senders[sender.name] = sender
        await self.store.register_sender(sender.name, self.clock())

    async def start(self) -> None:
        """Register the senders given to the constructor."""
        for sender in self.senders.values():
            await self.store.register_sender(sender.name, self.clock())

    def wake(self) -> None:
        """New notices were written: deliver without waiting for the next poll."""
        self._wake.set()

    async def run_once(self) -> int:
        """Deliver every notice due now (repeating while targets have more); returns how many."""
        total = 0
        while True:
            outcomes: list[str] = []
            for sender in list(self.senders.values()):
                due = await self.store.due_deliveries(sender.name, self.clock())
                outcomes += await asyncio.gather(*(self._deliver(sender, d) for d in due))
            total += outcomes.count(_SENT)
            # A notice failed for good unblocks its target just like a sent one does.
            if _SENT not in outcomes and _FAILED not in outcomes:
                return total

    async def run(self, stop: asyncio.Event) -> None:
        """Deliver until ``stop`` is set, waking on ``wake()`` or when a retry falls due."""
        while not stop.is_set():
            # Cleared before the round, not after it: a wake() during the round must not be lost.
            self._wake.clear()
            try:
                await self.run_once()
            except Exception:  # keep delivering; the store may be briefly busy
                log.exception("outbox round failed")
            delay = await self._next_delay()
            waiters = [asyncio.ensure_future(self._wake.wait()), asyncio.ensure_future(stop.wait())]
            _, pending = await asyncio.wait(waiters, timeout=delay, return_when=asyncio.FIRST_COMPLETED)
            for task in pending:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task

    async def _next_delay(self) -> float:
        delay = self.poll_interval
        for name in self.senders:
            due = await self.store.next_due_at(name)
            if due is not None:
                delay = min(delay, max((due - self.clock()).total_seconds(), 0.0))
        return delay

    async def _deliver(self, sender: Sender, delivery: Delivery) -> str:
        notice = delivery.notice
        async with self._limit:
            in_doubt = delivery.status == "sending"
            await self.store.mark_sending(delivery, self.clock())
            try:
                ref = None
                if notice.ref_key and notice.case_id:
                    ref = await self.store.get_message_ref(sender.name, notice.case_id, notice.ref_key)
                if in_doubt:
                    found = await sender.reconcile(notice)
                    if found:
                        made = found if isinstance(found, MessageRef) else None
                        await self.store.mark_sent(delivery, self.clock(), made)
                        return _SENT
                made = await sender.send(notice, ref)
            except PermanentFailure as exc:
                log.error("notice %s to %s failed for good: %s", notice.id, sender.name, exc)
                await self.store.mark_failed(delivery, str(exc))
                return _FAILED
            except RetryLater as exc:
                return await self._retry(delivery, str(exc), exc.retry_after)
            except Exception as exc:
                log.warning("notice %s to %s failed: %r", notice.id, sender.name, exc)
                return await self._retry(delivery, repr(exc), None)
            await self.store.mark_sent(delivery, self.clock(), made if ref is None else None)
            return _SENT

    async def _retry(self, delivery: Delivery, error: str, retry_after: float | None) -> str:
        attempts = delivery.attempts + 1
        if attempts >= self.max_attempts:
            await self.store.mark_failed(delivery, f"gave up after {attempts} attempts: {error}")
            return _FAILED
        if retry_after is None:
            retry_after = min(self.backoff_base * 2 ** (attempts - 1), self.backoff_cap)
        await self.store.mark_retry(delivery, self.clock() + timedelta(seconds=retry_after), error)
        return _LATER
