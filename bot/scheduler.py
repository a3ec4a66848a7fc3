"""The scheduler: claims timers that fall due and has the engine send what they stand for.

It runs in the server beside the outbox dispatcher, on the same clock. Several processes
may run one each on one database: a timer is claimed with a lease, so one of them works it;
the engine then checks, in one write transaction on the case, that it is still this
process's, still pending and still due (the item open, late, not snoozed), writes the
notices and marks it fired. A process that dies holding a lease loses it after ``lease``
seconds and another takes the timer over; a crash before the commit leaves it pending, so a
restart neither loses a reminder nor sends one twice. Digests: one timer per department,
moved on to the next working day each time it fires.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from bot.outbox import process_id
from bot.waiting import first_of
from dialogs.reminders import Reminders
from storage.base import Store

log = logging.getLogger(__name__)


class Scheduler:
    """Fires due timers, a batch at a time, until none is due; then sleeps until the next one."""

    def __init__(self, store: Store, reminders: Reminders, *, clock: Callable[[], datetime] | None = None,
                 lease: float = 60.0, poll_interval: float = 60.0, batch: int = 100, owner: str | None = None,
                 wake: Callable[[], None] = lambda: None, debounce: float = 1.0) -> None:
        self.store, self.reminders = store, reminders
        self.clock = clock or (lambda: reminders.engine.clock())  # the engine's, whatever it is then
        self.lease, self.poll_interval, self.batch = lease, poll_interval, batch
        self.debounce = debounce  # after a commit wakes it, how long it lets others follow first
        self.owner = owner or process_id()
        self.wake = wake  # the dispatcher's: what fired is delivered at once
        self.failed_rounds = 0
        self._changed = asyncio.Event()

    async def start(self) -> None:
        """Make sure each department has its digest timer."""
        added = await self.reminders.ensure_digests()
        if added:
            log.info("scheduler: %d digest timer(s) added", added)

    async def run_once(self) -> int:
        """Work every timer due now; how many sent something."""
        sent = 0
        while True:
            now = self.clock()
            claimed = await self.store.claim_timers(self.owner, now, now + timedelta(seconds=self.lease),
                                                    self.batch)
            for timer in claimed:
                try:
                    sent += await self.reminders.fire(timer, self.owner)
                except Exception:  # one broken timer must not stop the others; its lease runs out
                    log.exception("timer %s could not be fired; tried again after its lease", timer.key)
            if sent:
                self.wake()
            if len(claimed) < self.batch:
                return sent

    def changed(self) -> None:
        """Something was committed: a new timer may be due sooner than the one slept for."""
        self._changed.set()

    async def run(self, stop: asyncio.Event) -> None:
        """Fire timers until ``stop`` is set; a failing round backs off."""
        unlisten = await self.store.listen(lambda change: self.changed())
        try:
            while not stop.is_set():
                self._changed.clear()
                delay = await self._round()
                await first_of(stop, self._changed, within=delay)
                if self._changed.is_set() and not stop.is_set():  # clicks come in bursts: one look after
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(stop.wait(), self.debounce)
        finally:
            unlisten()

    async def _round(self) -> float:
        """Claim only when something is due: a look at the next fire time is a read, a claim a write."""
        try:
            due = await self.store.next_timer_at()
            if due is not None and due <= self.clock():
                await self.run_once()
                due = await self.store.next_timer_at()
        except Exception as exc:
            self.failed_rounds += 1
            delay = min(2.0 ** self.failed_rounds, self.poll_interval)
            log.warning("scheduler round failed (%d in a row: %r); again in %.0f s", self.failed_rounds, exc,
                        delay)
            return delay
        self.failed_rounds = 0
        if due is None:
            return self.poll_interval
        return min(max((due - self.clock()).total_seconds(), 0.0), self.poll_interval)
