"""Weeks of a case in milliseconds: the scheduler and the outbox on a clock that jumps to each timer."""

from __future__ import annotations

from datetime import datetime

from bot.outbox import Dispatcher
from bot.scheduler import Scheduler
from dialogs.engine import Engine
from dialogs.reminder_views import DigestView, ReminderView
from dialogs.reminders import Reminders
from storage.base import Notice, Store
from tests.conftest import StillClock
from tests.fakes import RecordingSender
from tests.time.conftest import TIMING

TIMED = ("reminder", "escalation", "digest")


class Sim:
    """A scheduler and a dispatcher (delivering to a recorder) on one still clock."""

    def __init__(self, store: Store, engine: Engine, clock: StillClock, owner: str = "p1",
                 recorder: RecordingSender | None = None) -> None:
        self.store, self.clock = store, clock
        self.recorder = recorder or RecordingSender()
        self.dispatcher = Dispatcher(store, [self.recorder], clock=clock)
        self.scheduler = Scheduler(store, Reminders(engine, TIMING), clock=clock, owner=owner)

    async def start(self) -> Sim:
        await self.dispatcher.start()
        await self.scheduler.start()
        return self

    async def step(self) -> None:
        """Fire what is due now and deliver it."""
        await self.scheduler.run_once()
        await self.dispatcher.run_once()

    async def until(self, moment: datetime) -> None:
        """Jump from timer to timer up to ``moment``, firing and delivering at each."""
        while (due := await self.store.next_timer_at()) is not None and due <= moment:
            self.clock.now = max(self.clock.now, due)
            await self.step()
        self.clock.now = max(self.clock.now, moment)
        await self.step()

    def said(self) -> list[str]:
        """Every reminder, escalation and digest delivered, in the order they were written, in short."""
        return [said(n) for n in self.timed()]

    def timed(self) -> list[Notice]:
        """The reminder, escalation and digest notices delivered, in the order they were written (the
        outbox keeps order per channel; across channels, delivery may interleave)."""
        return sorted((n for n in self.recorder.sent if n.kind in TIMED), key=lambda n: n.id or 0)


def said(n: Notice) -> str:
    """"Tue 01 Dec 17:00 reminder dept:admin prepayment: late (due today)"."""
    when = f"{n.created_at:%a %d %b %H:%M}"
    if n.kind == "digest":
        d = DigestView.from_json(n.payload["digest"])
        lines = "; ".join(f"{line.item_id} {line.due_text}" for c in d.cases for line in c.lines)
        return f"{when} digest {n.target}: {lines}"
    r = ReminderView.from_json(n.payload["reminder"])
    holder = f" (held by {r.holder['name']})" if r.holder else ""
    return f"{when} {n.kind}{r.level or ''} {n.target.split(':')[0]}: {r.item_id} {r.due_text}{holder}"
