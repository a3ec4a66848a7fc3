"""The inbox worker: handles the requests adapters kept before acknowledging them (storage.inbox_port).

An adapter registers a handler per kind (``on``) and keeps a request with
``receive`` (committed before the platform hears "received"); the worker takes
waiting requests of the kinds it handles, oldest first, with a lease, runs each
handler in turn and forgets the request once handled. Several processes may run
one each on one database.

- A busy or unreachable database (StoreUnavailable) is tried again with
  exponential backoff, up to ``max_attempts`` takes; so is a handler that outlasts
  half its lease.
- Any other exception is a bug in the handler: the request is kept as failed,
  with its error, at once (``python -m bot outbox`` lists them), and the next one goes on.
- A process that dies leaves its requests leased: another takes them when the
  lease runs out, and the engine's request ids make the repeat harmless.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.outbox import process_id
from bot.waiting import first_of
from storage.base import InboxItem, Store, StoreUnavailable

log = logging.getLogger(__name__)
Handler = Callable[[dict[str, Any]], Awaitable[None]]


class Worker:
    """Takes kept requests and hands each to the handler of its kind."""

    def __init__(self, store: Store, *, owner: str | None = None,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC), lease: float = 60.0,
                 batch: int = 32, poll_interval: float = 1.0, backoff_base: float = 1.0,
                 backoff_cap: float = 60.0, max_attempts: int = 10) -> None:
        self.store = store
        self.owner = owner or process_id()
        self.clock = clock
        self.lease, self.batch, self.poll_interval = lease, batch, poll_interval
        self.backoff_base, self.backoff_cap, self.max_attempts = backoff_base, backoff_cap, max_attempts
        self.handlers: dict[str, Handler] = {}
        self.failed_rounds = 0
        self._wake = asyncio.Event()
        self.wakes: list[Callable[[], None]] = [self._wake.set]  # who hears of a kept request (bot.workers)

    def on(self, kind: str, handler: Handler) -> None:
        """Handle kept requests of this kind with ``handler`` (in this process)."""
        self.handlers[kind] = handler

    def wake(self) -> None:
        """A request was kept: take it without waiting for the next poll (here, and in worker processes)."""
        for wake in self.wakes:
            wake()

    async def receive(self, kind: str, payload: dict[str, Any]) -> None:
        """Commit a request to be handled after its acknowledgement, and wake the worker."""
        if kind not in self.handlers:
            raise LookupError(f"no handler for {kind!r} requests in this process")
        await self.store.receive(kind, payload, self.clock())
        self.wake()

    def backoff(self, attempts: int) -> float:
        """Seconds before the next try after ``attempts`` failed ones."""
        return float(min(self.backoff_base * 2 ** max(attempts - 1, 0), self.backoff_cap))

    async def run_once(self) -> int:
        """Handle every request due now, oldest first; how many were handled."""
        handled = 0
        while True:
            now = self.clock()
            taken = await self.store.take_inbox(list(self.handlers), self.owner, now,
                                                now + timedelta(seconds=self.lease), limit=self.batch)
            if not taken:
                return handled
            for item in taken:
                handled += await self._handle(item)

    async def _handle(self, item: InboxItem) -> bool:
        handler = self.handlers[item.kind]
        try:
            async with asyncio.timeout(self.lease / 2):  # done well before another process may take it
                await handler(item.payload)
        except (StoreUnavailable, TimeoutError) as exc:
            error = f"{type(exc).__name__}: {exc}"
            if item.attempts >= self.max_attempts:
                log.error("inbox request %d (%s) failed %d times, kept as failed: %s",
                          item.id, item.kind, item.attempts, error)
                await self.store.fail_inbox(item, error)
            else:
                delay = self.backoff(item.attempts)
                log.warning("inbox request %d (%s) goes again in %.1f s: %s",
                            item.id, item.kind, delay, error)
                await self.store.retry_inbox(item, self.clock() + timedelta(seconds=delay), error)
            return False
        except Exception as exc:
            log.exception("inbox request %d (%s) failed; kept as failed", item.id, item.kind)
            await self.store.fail_inbox(item, f"{type(exc).__name__}: {exc}")
            return False
        await self.store.finish_inbox(item)
        return True

    async def run(self, stop: asyncio.Event) -> None:
        """Handle requests until ``stop`` is set, waking on ``wake()`` or when a retry or lease falls due;
        a failing round (the database is down) backs off."""
        while not stop.is_set():
            self._wake.clear()  # before the round: a wake during it must not be lost
            delay = await self._round()
            # A failing store is not asked again before its backoff, however often it is woken.
            await first_of(stop, *(() if self.failed_rounds else (self._wake,)), within=delay)

    async def _round(self) -> float:
        kinds = list(self.handlers)
        try:
            due = await self.store.next_inbox_at(kinds)  # a read: polling often costs no write
            if due is not None and due <= self.clock():
                await self.run_once()
                due = await self.store.next_inbox_at(kinds)
        except Exception as exc:
            self.failed_rounds += 1
            delay = self.backoff(self.failed_rounds)
            log.warning("inbox round failed (%d in a row: %r); trying again in %.1f s",
                        self.failed_rounds, exc, delay)
            return delay
        self.failed_rounds = 0
        if due is None:
            return self.poll_interval
        return min(self.poll_interval, max((due - self.clock()).total_seconds(), 0.0))
