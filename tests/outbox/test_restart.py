"""A dispatcher killed mid-delivery and restarted delivers every notice exactly once.

For real: the dispatcher runs in a subprocess (tests/outbox/dispatch_worker.py) and
delivers over HTTP to a recording server in this test; SIGKILL lands while the server
is still answering a delivery it has already recorded, so the restarted worker must
ask (``reconcile``) instead of sending that notice again.
"""

from __future__ import annotations

import asyncio
import sys
from collections import Counter, defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

import pytest
from aiohttp import web

from storage.base import Notice
from storage.sqlite import SQLiteStore
from tests.outbox.dispatch_worker import SENDER

ROOT = Path(__file__).resolve().parents[2]
NOTICES = 40
TARGETS = 4
KILL_AFTER = 10

pytestmark = pytest.mark.slow


class Recorder:
    """The platform: records every notice POSTed to it, answers slowly, and says what it has."""

    def __init__(self, kill_after: int) -> None:
        self.received: list[tuple[int, str, int]] = []  # (notice id, target, n)
        self.lookups: list[tuple[int, bool]] = []
        self.reached = asyncio.Event()
        self.kill_after = kill_after

    async def post(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.received.append((int(body["id"]), str(body["target"]), int(body["payload"]["n"])))
        if len(self.received) >= self.kill_after:
            self.reached.set()
        await asyncio.sleep(0.05)  # a slow platform: the sender is mid-delivery for a while
        return web.json_response({"ok": True})

    async def has(self, request: web.Request) -> web.Response:
        notice_id = int(request.match_info["id"])
        found = any(r[0] == notice_id for r in self.received)
        self.lookups.append((notice_id, found))
        return web.json_response({"has": found})


@pytest.fixture
async def recorder() -> AsyncIterator[tuple[Recorder, str]]:
    rec = Recorder(KILL_AFTER)
    app = web.Application()
    app.router.add_post("/notices", rec.post)
    app.router.add_get("/has/{id}", rec.has)
    runner = web.AppRunner(app, handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    assert host == "127.0.0.1"
    try:
        yield rec, f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()


async def start_worker(db_path: Path, url: str, log: IO[bytes]) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.outbox.dispatch_worker", str(db_path), url,
        cwd=ROOT, stdin=asyncio.subprocess.DEVNULL, stdout=log, stderr=log,
    )


async def kill(proc: asyncio.subprocess.Process) -> None:
    if proc.returncode is None:
        proc.kill()
    await proc.wait()


def worker_log(log_path: Path) -> str:
    return log_path.read_text(errors="replace")


async def wait_until(cond: Callable[[], Awaitable[bool]], seconds: float, what: str,
                     proc: asyncio.subprocess.Process, log_path: Path) -> None:
    """Poll ``cond`` for up to ``seconds``; fail with the worker's output if it dies or time runs out."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while not await cond():
        if proc.returncode is not None:
            pytest.fail(f"worker exited ({proc.returncode}) before {what}:\n{worker_log(log_path)}")
        if loop.time() > deadline:
            pytest.fail(f"timed out waiting for {what}:\n{worker_log(log_path)}")
        await asyncio.sleep(0.02)


async def statuses(db_path: Path) -> Counter[str]:
    store = SQLiteStore(db_path)
    await store.open()
    try:
        return Counter("in doubt" if d.in_doubt and d.status == "pending" else str(d.status)
                       for d in await store.deliveries(SENDER))
    finally:
        await store.close()


async def test_killed_dispatcher_delivers_each_notice_exactly_once_after_restart(
    db_path: Path, tmp_path: Path, recorder: tuple[Recorder, str]
) -> None:
    rec, url = recorder
    store = SQLiteStore(db_path)
    await store.open()
    try:
        await store.register_sender(SENDER, datetime.now(UTC))
        async with store.write() as tx:
            for n in range(NOTICES):
                await tx.add_notice(Notice(None, "thread", f"t{n % TARGETS}", {"n": n}, datetime.now(UTC)))
    finally:
        await store.close()

    log_path = tmp_path / "worker.log"
    with log_path.open("wb") as log:
        first = await start_worker(db_path, url, log)
        try:
            async def reached() -> bool:
                return rec.reached.is_set()

            await wait_until(reached, 15, f"{KILL_AFTER} deliveries", first, log_path)
        finally:
            await kill(first)  # SIGKILL, while the server still sleeps on the last delivery

        delivered_before_restart = len(rec.received)
        assert KILL_AFTER <= delivered_before_restart < NOTICES
        in_doubt = await statuses(db_path)
        assert in_doubt["in doubt"] >= 1, f"the kill did not land mid-delivery: {in_doubt}"
        assert rec.lookups == []

        second = await start_worker(db_path, url, log)
        try:
            async def all_sent() -> bool:
                return (await statuses(db_path))["sent"] == NOTICES

            await wait_until(all_sent, 20, "every notice to be sent", second, log_path)
        finally:
            await kill(second)

    assert await statuses(db_path) == Counter({"sent": NOTICES})
    counts = Counter(notice_id for notice_id, _, _ in rec.received)
    duplicates = {notice_id: c for notice_id, c in counts.items() if c != 1}
    assert duplicates == {}, f"delivered more than once: {duplicates}"
    assert sorted(n for _, _, n in rec.received) == list(range(NOTICES))
    per_target: dict[str, list[int]] = defaultdict(list)
    for _, target, n in rec.received:
        per_target[target].append(n)
    assert set(per_target) == {f"t{i}" for i in range(TARGETS)}
    for target, ns in per_target.items():
        assert ns == sorted(ns), f"{target} out of order: {ns}"
    # The restarted worker asked about the in-doubt notices, and the platform had them.
    assert any(found for _, found in rec.lookups), rec.lookups
