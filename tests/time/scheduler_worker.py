"""A scheduler process for the two-process test: ``python -m tests.time.scheduler_worker DB NOW OWNER``.

Opens the store on DB (a path or a URL), says "ready", waits for a line on stdin (so two workers
start their passes together), then runs scheduler passes at the still moment NOW until one finds
nothing, and prints how many timers it fired.
"""

from __future__ import annotations

import asyncio
import sys
from datetime import datetime

from bot.scheduler import Scheduler
from dialogs.checklist import DEFAULT_CHECKLIST
from dialogs.checklist_loader import load_checklist
from dialogs.engine import Engine
from dialogs.reminders import Reminders
from storage.registry import store_for
from tests.time.conftest import TIMING


async def main(database: str, now: str, owner: str) -> None:
    moment = datetime.fromisoformat(now)
    store = store_for(database)
    await store.open()
    try:
        engine = Engine(store, load_checklist(DEFAULT_CHECKLIST), clock=lambda: moment, timing=TIMING)
        scheduler = Scheduler(store, Reminders(engine, TIMING), owner=owner, batch=3)
        print("ready", flush=True)
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
        fired = 0
        while (sent := await scheduler.run_once()) or await store.claim_timers(owner, moment, moment):
            fired += sent
        print(f"fired {fired}", flush=True)
    finally:
        await store.close()


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:4]))
