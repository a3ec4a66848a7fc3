"""Engine and store timings on a real SQLite file: prints figures, asserts nothing.

    make bench            (or: .venv/bin/python -m bench.engine --cases 50)
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


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cases", type=int, default=30)
    asyncio.run(main(parser.parse_args().cases))
