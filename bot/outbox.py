"""The outbox dispatcher: delivers the engine's notices through every registered sender.

Several processes may run one each on one database; the store's claim gives
each delivery to exactly one of them at a time. Guarantees, per sender:

- order per queue (a case and a target): a queue's next notice waits until the
  one before it is out, or dead-lettered;
- a post whose outcome may be unknown is marked in doubt in the database
  *before* it is made; whoever claims it next asks the platform
  (``Sender.reconcile``) and posts again only on a definite "not found". A
  message that is posted once and then edited (a step card, the case summary)
  carries its doubt itself, so a newer notice for it looks it up too;
- retries with exponential backoff, or the platform's own retry-after (429);
- pacing per channel, when a sender asks for it (bot.pacing): a delivery waits for
  its channel's turn and then sends the newest content of its message;
- an unexpected exception (a rendering bug) dead-letters that notice at once:
  ``python -m bot outbox`` lists it and ``outbox retry ID`` sends it again;
- a failing round (the database is down) backs off instead of spinning;
- sent notices and processed request ids older than the retention are pruned.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import time
import uuid
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta

from adapters.ports import PermanentFailure, RetryLater, Sender
from bot.delivery import Attempt, Outcome
from bot.pacing import Pacer, Sleep, pace_key, pacer_for
from bot.waiting import first_of
from storage.base import Delivery, LeaseLost, Store

__all__ = ["Dispatcher", "PermanentFailure", "RetryLater", "Sender"]

log = logging.getLogger(__name__)


def process_id() -> str:
    """Who holds a lease: this host and process, and a random part (pids are reused)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class Dispatcher:
    """Claims due deliveries for every sender and delivers them, one per queue at a time."""

    def __init__(self, store: Store, senders: Iterable[Sender] = (), *,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC),
                 backoff_base: float = 1.0, backoff_cap: float = 300.0, max_attempts: int = 50,
                 poll_interval: float = 1.0, concurrency: int = 8, lease: float = 60.0,
                 retention: timedelta | None = timedelta(days=30), prune_every: float = 3600.0,
                 owner: str | None = None, pace_clock: Callable[[], float] = time.monotonic,
                 sleep: Sleep = asyncio.sleep, pace_hold: float = 5.0) -> None:
        self.store = store
        self.senders: dict[str, Sender] = {}
        self.clock = clock
        self.backoff_base, self.backoff_cap = backoff_base, backoff_cap
        self.max_attempts = max_attempts
        self.poll_interval = poll_interval
        self.lease = lease
        self.retention, self.prune_every = retention, prune_every
        self.owner = owner or process_id()
        self.failed_rounds = 0
        self._limit = asyncio.Semaphore(concurrency)
        self._wake = asyncio.Event()
        self._next_prune: datetime | None = None
        self.pace_clock, self.sleep, self.pace_hold = pace_clock, sleep, pace_hold
        self._pacers: dict[str, Pacer] = {}
        self._paced: set[asyncio.Task[Outcome]] = set()
        self._paced_sent = 0
        for sender in senders:
            self.add(sender)

    def add(self, sender: Sender) -> None:
        """Deliver through this sender too; it is registered in the store when the dispatcher starts."""
        self.senders[sender.name] = sender
        pacer = pacer_for(sender, lambda: self.pace_clock())
        if pacer is not None:
            self._pacers[sender.name] = pacer

    async def register(self, sender: Sender) -> None:
        """Add a sender; it receives notices written from its first registration on."""
        self.add(sender)
        await self.store.register_sender(sender.name, self.clock())

    async def start(self) -> None:
        """Register the senders added so far."""
        for sender in self.senders.values():
            await self.store.register_sender(sender.name, self.clock())

    def wake(self) -> None:
        """New notices were written: deliver without waiting for the next poll."""
        self._wake.set()

    def backoff(self, attempts: int) -> float:
        """Seconds before the next try after ``attempts`` failed ones."""
        return float(min(self.backoff_base * 2 ** max(attempts - 1, 0), self.backoff_cap))

    async def run_once(self, wait_paced: bool = True) -> int:
        """Deliver every notice due now (claiming again while queues move on); returns how many went out.
        Deliveries waiting for their channel's turn are waited for too, unless ``wait_paced`` is false."""
        total, paced_before = 0, self._paced_sent
        while True:
            outcomes: list[Outcome] = []
            for sender in list(self.senders.values()):
                now = self.clock()
                claimed = await self.store.claim(sender.name, self.owner, now,
                                                 now + timedelta(seconds=self.lease))
                outcomes += await asyncio.gather(*(self._deliver(sender, d) for d in claimed))
            total += outcomes.count(Outcome.SENT)
            # A dead-lettered notice unblocks its queue just like a sent one does.
            if Outcome.SENT not in outcomes and Outcome.FAILED not in outcomes:
                if not (wait_paced and self._paced):
                    return total + self._paced_sent - paced_before
                await asyncio.gather(*self._paced, return_exceptions=True)

    async def _deliver(self, sender: Sender, delivery: Delivery) -> Outcome:
        pacer = self._pacers.get(sender.name)
        key = None if pacer is None else pace_key(sender, delivery.notice)
        if pacer is None or key is None:
            return await self._attempt(sender, delivery)
        wait = pacer.book(key)
        # A far turn is given back (the lease is not held meanwhile): a wait and an attempt end within it.
        if wait > min(self.pace_hold, self.lease / 4):
            pacer.give_back(key)
            await self.store.defer(delivery, self.clock() + timedelta(seconds=wait))
            return Outcome.LATER
        if wait <= 0:
            return await self._attempt(sender, delivery)
        task = asyncio.ensure_future(self._paced_attempt(sender, delivery, wait))
        self._paced.add(task)
        task.add_done_callback(self._paced_done)
        return Outcome.PACED

    async def _paced_attempt(self, sender: Sender, delivery: Delivery, wait: float) -> Outcome:
        """Wait for the channel's turn (the lease held), then send the newest content of the message."""
        await self.sleep(wait)
        try:
            delivery = await self.store.newest(delivery)
        except LeaseLost as exc:
            log.warning("%s", exc)
            return Outcome.LOST
        return await self._attempt(sender, delivery)

    def _paced_done(self, task: asyncio.Task[Outcome]) -> None:
        self._paced.discard(task)
        if task.cancelled():
            pass
        elif (exc := task.exception()) is not None:
            log.error("a paced delivery failed; its lease runs out and it goes again: %r", exc)
        elif task.result() == Outcome.SENT:
            self._paced_sent += 1
        self.wake()  # its queue may move on

    async def _attempt(self, sender: Sender, delivery: Delivery) -> Outcome:
        async with self._limit:
            # Every call of the attempt ends well before the lease does, so no other process
            # can take the delivery over while a post of ours may still be on its way.
            return await Attempt(self, sender, delivery).run(budget=self.lease / 2)

    async def run(self, stop: asyncio.Event) -> None:
        """Deliver until ``stop`` is set, waking on ``wake()``, on notices committed by any process
        the store can hear, or when a retry falls due; a failing round backs off."""
        unlisten = await self.store.listen(lambda change: self.wake())
        try:
            while not stop.is_set():
                # Cleared before the round, not after it: a wake() during the round must not be lost.
                self._wake.clear()
                delay = await self._round()
                # A failing store is not asked again before its backoff, however often it is woken.
                await first_of(stop, *(() if self.failed_rounds else (self._wake,)), within=delay)
        finally:
            unlisten()
            for paced in list(self._paced):  # their leases run out; whoever runs next sends them
                paced.cancel()
            await asyncio.gather(*self._paced, return_exceptions=True)

    async def _round(self) -> float:
        """One round; how long to wait before the next."""
        try:
            await self.run_once(wait_paced=False)
            await self._prune()
            delay = await self._next_delay()
        except Exception as exc:
            self.failed_rounds += 1
            delay = self.backoff(self.failed_rounds)
            if self.failed_rounds == 1:
                log.exception("outbox round failed; retrying in %.1f s", delay)
            else:
                log.warning("outbox round failed again (%d in a row: %r); retrying in %.1f s",
                            self.failed_rounds, exc, delay)
            return delay
        if self.failed_rounds:
            log.info("outbox delivering again after %d failed rounds", self.failed_rounds)
        self.failed_rounds = 0
        return delay

    async def _prune(self) -> None:
        if self.retention is None:
            return
        now = self.clock()
        if self._next_prune is not None and now < self._next_prune:
            return
        removed = await self.store.prune(now - self.retention)
        self._next_prune = now + timedelta(seconds=self.prune_every)
        if any(removed.values()):
            log.info("outbox pruned %s", ", ".join(f"{n} {what}" for what, n in removed.items()))

    async def _next_delay(self) -> float:
        delay = self.poll_interval
        for name in self.senders:
            due = await self.store.next_due_at(name)
            if due is not None:
                delay = min(delay, max((due - self.clock()).total_seconds(), 0.0))
        return delay
