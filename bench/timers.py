"""The scheduler's pass over due timers with many open cases: it costs what is due, not a scan of every case.

A template case is opened by the engine with reminders on (its items and timers as the engine
writes them) and copied ``--open-cases`` times, each copy a whole number of weeks later (up to
a year), so that at the chosen moment only the copies of one week have a timer due: their
prepayment's overdue reminder. The figures: a pass when nothing is due (what the server does
after every commit), a pass that fires what is due (each timer checked again and fired in its
own transaction on its case), and, for scale, what reading every open case would cost.

    .venv/bin/python -m bench.timers --open-cases 10000      (also a phase of python -m bench)
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.cache import SHAPING, cached, default_cache_dir, key
from bot.scheduler import Scheduler
from dialogs.actor import Actor
from dialogs.checklist import DEFAULT_CHECKLIST
from dialogs.checklist_loader import load_checklist
from dialogs.engine import Engine
from dialogs.reminders import Reminders
from dialogs.timing import Timing
from dialogs.values import client_key
from storage.base import TimerKind
from storage.sqlite import SQLiteStore

T0 = datetime(2026, 11, 27, 9, tzinfo=UTC)  # a Friday
WEEKS = 52
BATCH = 100
SAMPLE = 200  # cases read to estimate what a scan of every case costs
HEADER = {"stop_date": "2026-12-31", "contact_name": "Pat", "contact_phone": "+1 202 555 0130",
          "contact_email": "pat@example.com"}
STOP = date(2026, 12, 31)
ADMIN = Actor("bench", "U1", "Bench Admin", frozenset({"admin"}))
SHAPES = (*SHAPING, "bench/timers.py", "dialogs/timers.py", "dialogs/due.py", "dialogs/calendar.py")


class Clock:
    """The benchmark's clock: still, moved by hand."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


async def seed(path: Path, cases: int) -> None:
    """``cases`` open cases, each with its items and timers, copies of one the engine opened."""
    timing = Timing()
    async with SQLiteStore(path) as store:
        engine = Engine(store, load_checklist(DEFAULT_CHECKLIST), clock=Clock(T0), timing=timing)
        out = await engine.open_case("Template", HEADER, ADMIN)
        template = await store.get_case(str(out.case_id))
        assert template is not None
        items = await store.get_items(template.id)
        timers = await store.timers(template.id)
        for start in range(1, cases, BATCH):
            async with store.write() as tx:
                for n in range(start, min(start + BATCH, cases)):
                    shift = timedelta(weeks=n % WEEKS)
                    name = f"Client {n:06d}"
                    case = replace(template, id=f"c{n:010x}", client=name, client_key=client_key(name),
                                   opened_at=template.opened_at + shift,
                                   header={**template.header, "stop_date": str(STOP + shift),
                                           "opened_on": str((T0 + shift).date())})
                    await tx.insert_case(case)
                    for item in items.values():
                        await tx.put_item(replace(item, case_id=case.id,
                                                  updated_at=item.updated_at and item.updated_at + shift))
                    for t in timers:
                        await tx.put_timer(replace(
                            t, key=t.key.replace(template.id, case.id), case_id=case.id,
                            fire_at=t.fire_at + shift, due_at=t.due_at and t.due_at + shift))


async def measure(path: Path, cases: int) -> dict[str, Any]:
    """Time the passes on a copy of the seeded database (firing changes it)."""
    timing = Timing()
    async with SQLiteStore(path) as store:
        clock = Clock(T0)
        engine = Engine(store, load_checklist(DEFAULT_CHECKLIST), clock=clock, timing=timing)
        scheduler = Scheduler(store, Reminders(engine, timing), clock=clock, owner="bench", batch=BATCH)
        timers = await store.timers()
        pending = sum(t.status == "pending" and t.kind is not TimerKind.DIGEST for t in timers)
        prepay = next(t for t in timers if t.key.endswith(":prepayment:due") and t.case_id
                      and t.fire_at < T0 + timedelta(days=7))
        clock.now = prepay.fire_at - timedelta(minutes=1)  # nothing due yet
        await scheduler.start()  # the digests: tomorrow morning
        idle = []
        for _ in range(20):
            started = time.perf_counter()
            due = await store.next_timer_at()
            if due is not None and due <= clock.now:
                await scheduler.run_once()
            idle.append(time.perf_counter() - started)
        claim_idle = time.perf_counter()
        assert await store.claim_timers("nobody", clock.now, clock.now) == []
        claim_idle = time.perf_counter() - claim_idle
        clock.now = prepay.fire_at + timedelta(minutes=1)
        started = time.perf_counter()
        fired = await scheduler.run_once()
        fire_s = time.perf_counter() - started
        open_cases = await store.list_cases("open")
        started = time.perf_counter()
        for case in open_cases[:SAMPLE]:
            await engine.view(case.id)
        sample_s = time.perf_counter() - started
    return {"open_cases": cases, "pending_timers": pending,
            "idle_pass_ms": round(sorted(idle)[len(idle) // 2] * 1000, 2),
            "idle_claim_ms": round(claim_idle * 1000, 2),
            "fired": fired, "fire_pass_ms": round(fire_s * 1000, 1),
            "fire_per_timer_ms": round(fire_s * 1000 / max(fired, 1), 2),
            "scan_estimate_ms": round(sample_s / min(SAMPLE, len(open_cases)) * len(open_cases) * 1000)}


async def timers_phase(cache: Path, cases: int, say: Any = print) -> dict[str, Any]:
    """Seed (cached) and measure; every figure."""
    async def build(folder: Path) -> None:
        say(f"timers: seeding {cases:,} open cases with their timers")
        await seed(folder / "timers.db", cases)

    folder = await cached(cache, "timers", key(["timers", cases], SHAPES), build)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp) / "timers.db"
        work.write_bytes((folder / "timers.db").read_bytes())
        figures = await measure(work, cases)
    say(f"timers: {describe(figures)}")
    return figures


def describe(f: dict[str, Any]) -> str:
    """The figures in one line."""
    return (f"{f['open_cases']:,} open cases, {f['pending_timers']:,} pending timers: a pass with nothing "
            f"due {f['idle_pass_ms']} ms (a claim {f['idle_claim_ms']} ms); {f['fired']} due fired in "
            f"{f['fire_pass_ms']:,} ms "
            f"({f['fire_per_timer_ms']} ms each); reading every case instead: ~{f['scan_estimate_ms']:,} ms")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--open-cases", type=int, default=10_000)
    parser.add_argument("--cache-dir", type=Path, default=default_cache_dir())
    options = parser.parse_args()
    asyncio.run(timers_phase(options.cache_dir, options.open_cases))
