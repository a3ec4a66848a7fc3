"""One claimed delivery, worked once: look up a post in doubt, mark the next one, send, record the outcome.

The rules (see adapters.ports.Sender):
- an edit (the message's reference is known) is safe to repeat: it is sent as is;
- a post is marked in doubt in the database, and committed, before it is made;
- a delivery in doubt is looked up first (``reconcile``); a message found is
  recorded (and edited to the newest content), a definite "not found" clears
  the doubt, and a look-up that cannot answer is a retry later;
- RetryLater(delivered=False) clears the doubt; RetryLater otherwise, a dropped
  connection or a timeout keep it; PermanentFailure clears it and dead-letters;
- any other exception (a rendering bug) dead-letters at once, doubt kept.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Protocol

from adapters.ports import PermanentFailure, RetryLater, Sender
from storage.base import Delivery, LeaseLost, MessageRef, Store

log = logging.getLogger("bot.outbox")

# Faults a sender did not put in the outbox's terms, taken as "the outcome is unknown".
_UNKNOWN_OUTCOME = (OSError, TimeoutError)


class Outcome(StrEnum):
    """What one attempt came to."""

    SENT = "sent"
    FAILED = "failed"  # dead-lettered
    LATER = "later"  # back in its queue, due later
    LOST = "lost"  # the lease ran out and another process has it now
    PACED = "paced"  # waiting for its channel's turn, its lease held


class Retries(Protocol):
    """What an attempt needs of the dispatcher that runs it (bot.outbox.Dispatcher)."""

    store: Store
    clock: Callable[[], datetime]
    max_attempts: int

    def backoff(self, attempts: int) -> float:
        """Seconds to wait before the next attempt."""


class Attempt:
    """Works one claimed delivery through one sender."""

    def __init__(self, dispatcher: Retries, sender: Sender, delivery: Delivery) -> None:
        self.dispatcher, self.store = dispatcher, dispatcher.store
        self.sender, self.delivery, self.notice = sender, delivery, delivery.notice

    def now(self) -> datetime:
        """The dispatcher's clock."""
        return self.dispatcher.clock()

    @property
    def message(self) -> bool:
        """Posted once, then edited: it has a reference key within its case."""
        return self.notice.ref_key is not None and self.notice.case_id is not None

    async def run(self, budget: float) -> Outcome:
        """Deliver; every platform call together must end within ``budget`` seconds."""
        try:
            return await self._attempt(budget)
        except LeaseLost as exc:
            log.warning("%s", exc)
            return Outcome.LOST

    async def _attempt(self, budget: float) -> Outcome:
        try:
            async with asyncio.timeout(budget):
                return await self._deliver()
        except LeaseLost:
            raise
        except PermanentFailure as exc:
            log.error("notice %s to %s failed for good: %s", self.notice.id, self.sender.name, exc)
            await self.store.clear_doubt(self.delivery)
            return await self._dead_letter(str(exc))
        except RetryLater as exc:
            if exc.delivered is False:  # the platform clearly did not act: nothing is in doubt
                await self.store.clear_doubt(self.delivery)
            return await self._retry(str(exc), exc.retry_after)
        except _UNKNOWN_OUTCOME as exc:
            return await self._retry(f"outcome unknown: {exc!r}", None)
        except Exception as exc:
            log.exception("notice %s to %s failed unexpectedly; dead-lettered", self.notice.id,
                          self.sender.name)
            return await self._dead_letter(f"unexpected {exc!r}")

    async def _deliver(self) -> Outcome:
        notice, store = self.notice, self.store
        ref = None
        if self.message:
            assert notice.case_id is not None and notice.ref_key is not None
            ref = await store.get_message_ref(self.sender.name, notice.case_id, notice.ref_key)
        if ref is None and self.delivery.in_doubt:
            found = await self.sender.reconcile(notice)
            if isinstance(found, MessageRef) and self.message:
                await store.put_message_ref(found)  # no longer in doubt: edit it to this content
                ref = found
            elif found:
                await store.mark_sent(self.delivery, self.now(), found if isinstance(found, MessageRef)
                                      else None)
                return Outcome.SENT
            else:
                await store.clear_doubt(self.delivery)
        if ref is None:
            await store.mark_in_doubt(self.delivery, self.now())
        made = await self.sender.send(notice, ref)
        await store.mark_sent(self.delivery, self.now(), made if ref is None else None)
        return Outcome.SENT

    async def _retry(self, error: str, retry_after: float | None) -> Outcome:
        attempts = self.delivery.attempts
        if attempts >= self.dispatcher.max_attempts:
            return await self._dead_letter(f"gave up after {attempts} attempts: {error}")
        wait = self.dispatcher.backoff(attempts) if retry_after is None else retry_after
        await self.store.mark_retry(self.delivery, self.now() + timedelta(seconds=wait), error)
        return Outcome.LATER

    async def _dead_letter(self, error: str) -> Outcome:
        await self.store.mark_failed(self.delivery, error)
        return Outcome.FAILED
