"""Engine and store timings on a real SQLite file: prints figures, asserts nothing.

    make bench            (or: .venv/bin/python -m bench.engine --cases 50)
    .venv/bin/python -m bench.engine --cases 120 --passes 6     (the CPU of one applied click)

``--passes`` times the click loop instead: in each pass every case gets one
non-modal click (done / yes / no on its first open item, as the bot's engine
with reminders on) followed by one dispatcher round with a null sender; the
figure is the process CPU and the wall time per click.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from bot.outbox import Dispatcher
from dialogs.actor import Actor
from dialogs.checklist import DEFAULT_CHECKLIST
from dialogs.checklist_loader import load_checklist
from dialogs.engine import Engine
from dialogs.timing import Timing
from storage.base import MessageRef, Notice
from storage.sqlite import SQLiteStore

ADMIN = Actor("bench", "U1", "Bench Admin", frozenset({"admin"}))
HEADER = {"stop_date": "2099-12-31", "contact_name": "Pat", "contact_phone": "+1 202 555 0130",
          "contact_email": "pat@example.com"}


class NullSender:
    """Accepts every notice at once (measures the dispatcher and store, not a platform)."""

    name = "null"

    async def send(self, notice: Notice, ref: MessageRef | None) -> MessageRef | None:
        if notice.ref_key and notice.case_id and ref is None:
            return MessageRef(self.name, notice.case_id, notice.ref_key, notice.target, str(notice.id))
        return None

    async def reconcile(self, notice: Notice) -> bool:
        return False


async def timed(samples: list[float], run: Callable[[], Awaitable[object]]) -> None:
    start = time.perf_counter()
    await run()
    samples.append((time.perf_counter() - start) * 1000)


def report(name: str, samples: list[float]) -> None:
    samples = sorted(samples)
    p95 = samples[min(len(samples) - 1, int(len(samples) * 0.95))]
    print(f"{name:<34} n={len(samples):>5}  p50 {statistics.median(samples):7.2f} ms  "
          f"p95 {p95:7.2f} ms  max {samples[-1]:7.2f} ms")


async def main(cases: int) -> None:
    checklist = load_checklist(DEFAULT_CHECKLIST)
    with tempfile.TemporaryDirectory() as tmp:
        store = SQLiteStore(Path(tmp) / "bench.db")
        await store.open()
        engine = Engine(store, checklist)
        dispatcher = Dispatcher(store, [NullSender()])
        await dispatcher.start()
        opened: list[float] = []
        answered: list[float] = []
        ids: list[str] = []
        for n in range(cases):
            async def open_one(n: int = n) -> None:
                out = await engine.open_case(f"Client {n}", HEADER, ADMIN)
                ids.append(str(out.case_id))
            await timed(opened, open_one)
        for case_id in ids:
            for item_id in ("review_account", "contact_client", "cancel_recurring_billing"):
                version = (await store.get_items(case_id))[item_id].version
                async def done(c: str = case_id, i: str = item_id, v: int = version) -> None:
                    await engine.mark_done(c, i, ADMIN, v)
                await timed(answered, done)
        report("open_case (case + 39 items)", opened)
        report("mark_done (sequential)", answered)

        race: list[float] = []
        for case_id in ids:
            version = (await store.get_items(case_id))["newsletter"].version
            start = time.perf_counter()
            await asyncio.gather(*(engine.answer(case_id, "newsletter", {"answer": "yes"}, ADMIN, version)
                                   for _ in range(5)))
            race.append((time.perf_counter() - start) * 1000)
        report("5 concurrent answers, one item", race)

        start = time.perf_counter()
        sent = await dispatcher.run_once()
        elapsed = time.perf_counter() - start
        print(f"{'outbox drain':<34} {sent} notices in {elapsed * 1000:.0f} ms "
              f"({sent / elapsed:,.0f} notices/s)")
        await store.close()


CLICKS = ("done", "no", "yes")
"""The buttons the click loop presses: the ones that need no dialog."""


async def click_loop(cases: int, passes: int) -> None:
    """Per click: ``engine.act`` on a non-modal button, then one dispatcher round (a null sender)."""
    checklist = load_checklist(DEFAULT_CHECKLIST)
    with tempfile.TemporaryDirectory() as tmp:
        store = SQLiteStore(Path(tmp) / "bench.db")
        await store.open()
        engine = Engine(store, checklist, timing=Timing())
        dispatcher = Dispatcher(store, [NullSender()])
        await dispatcher.start()
        ids = [str((await engine.open_case(f"Client {n}", HEADER, ADMIN)).case_id) for n in range(cases)]
        await dispatcher.run_once()
        wall: list[float] = []
        cpu = 0.0
        for n in range(passes + 1):  # the first pass warms up
            for case_id in ids:
                view = await engine.view(case_id)
                item, action = next((i, a) for step in checklist.steps for i in view.card(step.id).items
                                    if i.status == "open" for a in i.actions
                                    if a.action in CLICKS and not any(f.required for f in a.inputs))
                start, start_cpu = time.perf_counter(), time.process_time()
                await engine.act(case_id, item.id, action.action, ADMIN, action.version)
                await dispatcher.run_once()
                if n:
                    cpu += time.process_time() - start_cpu
                    wall.append((time.perf_counter() - start) * 1000)
        report("click + dispatcher round (wall)", wall)
        print(f"{'CPU per click':<34} {cpu * 1000 / len(wall):.2f} ms over {len(wall)} clicks")
        await store.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=30)
    parser.add_argument("--passes", type=int, default=0, help="time the click loop: this many clicks a case")
    args = parser.parse_args()
    asyncio.run(click_loop(args.cases, args.passes) if args.passes else main(args.cases))
