"""Two scheduler processes on one database (SQLite and PostgreSQL): each timer fires once."""

from __future__ import annotations

import asyncio
import sys
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from bot.scheduler import Scheduler
from dialogs.checklist import Checklist
from dialogs.engine import Engine
from dialogs.reminder_views import ReminderView
from dialogs.reminders import Reminders
from storage.base import Store, TimerStatus
from storage.registry import store_for
from tests.conftest import StillClock
from tests.engine.support import open_case
from tests.time.conftest import TIMING

CASES = 12
ROOT = Path(__file__).resolve().parents[2]


async def test_two_schedulers_on_one_database_fire_each_timer_once(database: str, offboarding: Checklist,
                                                                  still: StillClock) -> None:
    stores: list[Store] = [store_for(database), store_for(database)]
    for store in stores:
        await store.open()
    try:
        engines = [Engine(s, offboarding, clock=still, timing=TIMING) for s in stores]
        case_ids = [(await open_case(engines[n % 2], f"Client {n}")).case_id for n in range(CASES)]
        await stores[0].register_sender("watch", still())
        schedulers = [Scheduler(s, Reminders(e, TIMING), owner=f"p{n}", batch=5)
                      for n, (s, e) in enumerate(zip(stores, engines, strict=True))]
        for scheduler in schedulers:
            await scheduler.start()
        for moment in (datetime(2026, 12, 1, 17, tzinfo=UTC), datetime(2026, 12, 2, 13, tzinfo=UTC),
                       datetime(2026, 12, 4, 17, tzinfo=UTC)):
            still.now = moment
            await asyncio.gather(*(s.run_once() for s in schedulers))
        sent = [d.notice for d in await stores[0].deliveries("watch")
                if d.notice.kind in ("reminder", "escalation")]
        fired = Counter((ReminderView.from_json(n.payload["reminder"]).case_id,
                         ReminderView.from_json(n.payload["reminder"]).item_id,
                         ReminderView.from_json(n.payload["reminder"]).level) for n in sent)
        # Per case: the prepayment's three steps by Wednesday; on Friday evening the other ten items of
        # step one are due and reminded (their escalation waits for Monday).
        assert len(fired) == CASES * (3 + 10) and set(fired.values()) == {1}, "each timer once"
        assert {c for c, _, _ in fired} == set(case_ids)
        timers = await stores[1].timers()
        assert all(t.status is TimerStatus.FIRED for t in timers if t.fire_at <= still.now
                   and t.kind != "digest")
        digests = [d for d in await stores[0].deliveries("watch") if d.notice.kind == "digest"]
        assert len(digests) == 3, "one admin digest per pass that found it due, never two"
    finally:
        for store in stores:
            await store.close()


async def test_two_scheduler_processes_fire_each_timer_once(database: str, offboarding: Checklist,
                                                            still: StillClock) -> None:
    """The same, with two real processes (tests/time/scheduler_worker.py) starting their passes together."""
    store = store_for(database)
    await store.open()
    try:
        engine = Engine(store, offboarding, clock=still, timing=TIMING)
        for n in range(CASES):
            await open_case(engine, f"Client {n}")
        await store.register_sender("watch", still())
        moment = datetime(2026, 12, 2, 17, tzinfo=UTC)  # the prepayment's reminder and both escalations
        workers = [await asyncio.create_subprocess_exec(
            sys.executable, "-m", "tests.time.scheduler_worker", database, moment.isoformat(), f"w{n}",
            cwd=ROOT, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT) for n in range(2)]
        try:
            for worker in workers:
                assert worker.stdout is not None
                line = await asyncio.wait_for(worker.stdout.readline(), 60)
                assert line == b"ready\n", line + await worker.stdout.read()
            outputs = [out.decode() for out, _ in await asyncio.wait_for(asyncio.gather(
                *(w.communicate(b"go\n") for w in workers)), 60)]
        finally:
            for worker in workers:
                if worker.returncode is None:
                    worker.kill()
        fired = [int(out.split()[-1]) for out in outputs]
        sent = [d.notice for d in await store.deliveries("watch")
                if d.notice.kind in ("reminder", "escalation")]
        keys = Counter((ReminderView.from_json(n.payload["reminder"]).case_id,
                        ReminderView.from_json(n.payload["reminder"]).level) for n in sent)
        assert len(keys) == CASES * 3 and set(keys.values()) == {1}, "each timer once"
        assert sum(fired) == len(sent), "what each process says it fired went out, once"
    finally:
        await store.close()
