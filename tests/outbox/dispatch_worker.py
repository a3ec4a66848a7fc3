"""A dispatcher process for the restart test: ``python -m tests.outbox.dispatch_worker DB_PATH URL``.

Opens the store on DB_PATH (a path or a URL) and runs a Dispatcher until killed, with one
sender ("http") that POSTs every notice (id, target, payload) to URL/notices and,
after a crash, asks URL/has/<id> whether the notice already arrived, the way a real
platform lookup (Slack message metadata) would answer it.
"""

from __future__ import annotations

import asyncio
import signal
import sys

import aiohttp

from bot.outbox import Dispatcher, PermanentFailure
from storage.base import MessageRef, Notice
from storage.registry import store_for

SENDER = "http"


class HttpSender:
    """Delivers notices to the test's recording server."""

    name = SENDER

    def __init__(self, session: aiohttp.ClientSession, url: str) -> None:
        self.session = session
        self.url = url.rstrip("/")

    async def send(self, notice: Notice, ref: MessageRef | None) -> MessageRef | None:
        body = {"id": notice.id, "target": notice.target, "payload": notice.payload}
        async with self.session.post(f"{self.url}/notices", json=body) as resp:
            if resp.status >= 400:
                raise PermanentFailure(f"HTTP {resp.status}")
        return None

    async def reconcile(self, notice: Notice) -> MessageRef | bool:
        async with self.session.get(f"{self.url}/has/{notice.id}") as resp:
            resp.raise_for_status()
            found: bool = (await resp.json())["has"]
            return found


async def main(db_path: str, url: str) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    store = store_for(db_path)
    await store.open()
    try:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as session:
            # A short lease: a killed worker's deliveries are taken over within seconds.
            dispatcher = Dispatcher(store, backoff_base=0.05, backoff_cap=0.5, poll_interval=0.05, lease=2.0)
            await dispatcher.register(HttpSender(session, url))
            print("ready", flush=True)
            await dispatcher.run(stop)
    finally:
        await store.close()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2]))
