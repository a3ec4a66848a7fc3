"""``python -m bot serve --workers 1``: the server only answers; a worker process it keeps applies the clicks.

A real server process on a SQLite file with a fake Slack: a click is acknowledged and kept while the
worker is paused (so the server did not apply it), applied once the worker goes on; a worker killed
with SIGKILL is started again and applies the next click; stopping the server stops its worker.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import time
from collections.abc import Awaitable, Callable
from datetime import date, timedelta
from pathlib import Path

import aiohttp
import pytest

from dialogs.checklist import DEFAULT_CHECKLIST
from dialogs.checklist_loader import load_checklist
from dialogs.engine import Engine
from dialogs.timing import Timing
from storage.base import InboxStatus
from storage.sqlite import SQLiteStore
from tests.conftest import ALICE as ENGINE_ALICE
from tests.conftest import HEADER
from tests.multiprocess.test_three_servers import click_body, post_click, start_server, until_up
from tests.slack.fake_slack import BOT_TOKEN, FakeSlack
from tests.slack.harness import SECRET, config_file

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]


def children(pid: int) -> list[int]:
    """The live child processes of a process."""
    out: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        with contextlib.suppress(OSError):
            out += [int(c) for c in task.read_text().split()]
    return out


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


async def until(check: Callable[[], Awaitable[bool]], what: str, within: float = 20) -> None:
    deadline = time.monotonic() + within
    while not await check():
        assert time.monotonic() < deadline, what
        await asyncio.sleep(0.05)


async def test_a_server_with_a_worker_process_answers_and_the_worker_applies(
        tmp_path: Path, fake: FakeSlack) -> None:
    database = tmp_path / "offboard.db"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OFFBOARD_", "SLACK_"))}
    env.update({"OFFBOARD_DATABASE": str(database), "OFFBOARD_CONFIG": str(config_file(tmp_path)),
                "SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SECRET, "SLACK_API_URL": fake.api_url,
                "OFFBOARD_OUTBOX_LEASE": "2", "PYTHONUNBUFFERED": "1",
                "OFFBOARD_SECRET_KEY": "the-server-and-its-worker-share-this-key"})
    log = tmp_path / "server.log"
    store = SQLiteStore(database)
    await store.open()
    server = await start_server(env, log, ["--workers", "1"])
    stamps = iter(range(1, 100))
    case_id = ""

    async def click(item_id: str) -> bool:
        version = (await store.get_items(case_id))[item_id].version
        return await post_click(session, server, click_body(case_id, item_id, "done", version,
                                                             f"{time.time():.6f}{next(stamps):04d}"))

    async def done(item_id: str) -> bool:
        return (await store.get_items(case_id))[item_id].status == "done"

    def card_shows_done(item_id: str) -> Callable[[], Awaitable[bool]]:
        async def check() -> bool:
            return any(item_id in json.dumps(c.args) and "Done" in json.dumps(c.args)
                       for c in fake.ok_calls("chat.update"))
        return check

    try:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=15)) as session:
            await until_up(session, server, log)
            # A case opened beside the server (as a form would): the server registered Slack's sender.
            engine = Engine(store, load_checklist(DEFAULT_CHECKLIST), timing=Timing())
            stop = (date.today() + timedelta(days=30)).isoformat()
            opened = await engine.open_case("AcmeCo", {**HEADER, "stop_date": stop}, ENGINE_ALICE)
            case_id = str(opened.case_id)

            async def a_worker_runs(other_than: int = 0) -> bool:
                return children(server.proc.pid) not in ([], [other_than])

            await until(a_worker_runs, "the worker started")
            [worker] = children(server.proc.pid)

            async def cards_posted() -> bool:
                return any(m.channel for m in fake.messages if "review_account" in json.dumps(m.blocks))
            await until(cards_posted, "the worker posted the case's cards")

            os.kill(worker, signal.SIGSTOP)  # the worker pauses: only the server runs
            try:
                assert await click("review_account"), "acknowledged while no worker runs"
                [kept] = await store.inbox(InboxStatus.WAITING)
                assert kept.kind == "slack.click" and kept.payload["action"]["action_id"]
                assert not await done("review_account"), "the server kept the click and did not apply it"
            finally:
                os.kill(worker, signal.SIGCONT)
            await until(lambda: done("review_account"), "the worker applied the kept click")
            await until(card_shows_done("review_account"), "the card at Slack shows it done")

            os.kill(worker, signal.SIGKILL)
            await until(lambda: a_worker_runs(other_than=worker), "the server started its worker again")
            assert await click("contact_client")
            await until(lambda: done("contact_client"), "the new worker applied the next click")
            assert await store.inbox() == []
            [again] = children(server.proc.pid)
    finally:
        server.proc.terminate()
        returncode = await asyncio.wait_for(server.proc.wait(), 30)
        await store.close()
    assert returncode == 0, log.read_text(errors="replace")
    assert not alive(again), "the worker stopped (and was waited for) with its server"
    text = log.read_text(errors="replace")
    assert "worker 0 started" in text and "exited with -9; starting it again" in text
    assert "worker 0 stopped" in text


async def test_a_worker_whose_server_dies_stops_too(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OFFBOARD_", "SLACK_"))}
    env.update({"OFFBOARD_DATABASE": str(tmp_path / "offboard.db"), "PYTHONUNBUFFERED": "1"})
    log = tmp_path / "server.log"
    server = await start_server(env, log, ["--workers", "1"])
    try:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=15)) as session:
            await until_up(session, server, log)

            async def started() -> bool:
                return "offboard worker running" in log.read_text(errors="replace")
            await until(started, "the worker started")
        [worker] = children(server.proc.pid)
        server.proc.kill()  # SIGKILL: no chance to stop its worker
        await server.proc.wait()

        async def gone() -> bool:
            return not alive(worker)
        await until(gone, "the orphaned worker stopped")
    finally:
        if server.proc.returncode is None:
            server.proc.kill()
            await server.proc.wait()
    assert "the server's pipe closed: this worker stops" in log.read_text(errors="replace")
