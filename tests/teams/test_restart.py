"""A post whose answer never came, then the server is killed and restarted: one message, not two.

For real: the server runs as ``python -m bot serve`` in a subprocess, talking to
the fake Bot Connector in this test. The fake records the case summary's post
and never answers it; SIGKILL lands while the bot still waits. The restarted
server finds the delivery in doubt, reads the cases channel through Graph,
finds its post by the id on its card, and carries on from there.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import aiohttp
import pytest

from storage.sqlite import SQLiteStore
from tests.teams.fake_teams import FakeTeams
from tests.teams.harness import ALICE, CASES, TeamsBot, config_file, stop_date

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@asynccontextmanager
async def server(tmp_path: Path, fake: FakeTeams, port: int) -> AsyncIterator[asyncio.subprocess.Process]:
    """``python -m bot serve`` on the port, until the block ends (killed already, or told to stop)."""
    env = {**os.environ, "OFFBOARD_DATABASE": str(tmp_path / "offboard.db"), "OFFBOARD_PORT": str(port),
           "OFFBOARD_CONFIG": str(config_file(tmp_path, fake)), "OFFBOARD_TEAMS_LOCAL": "1",
           # A killed process's lease on its delivery runs out quickly, so the restart takes over.
           "OFFBOARD_OUTBOX_LEASE": "2"}
    log = (tmp_path / f"server-{time.monotonic_ns()}.log").open("wb")
    proc = await asyncio.create_subprocess_exec(sys.executable, "-m", "bot", "serve", cwd=ROOT, env=env,
                                                stdin=asyncio.subprocess.DEVNULL, stdout=log, stderr=log)
    try:
        async with aiohttp.ClientSession() as session:
            deadline = time.monotonic() + 20
            while True:
                assert proc.returncode is None, "the server exited at startup"
                try:
                    async with session.get(f"http://127.0.0.1:{port}/healthz") as resp:
                        if resp.status == 200:
                            break
                except aiohttp.ClientConnectionError:
                    pass
                assert time.monotonic() < deadline, "the server did not start"
                await asyncio.sleep(0.05)
        yield proc
    finally:
        if proc.returncode is None:
            proc.send_signal(signal.SIGTERM)
            await asyncio.wait_for(proc.wait(), 20)
        log.close()


async def until(check: object, within: float = 20) -> None:
    deadline = time.monotonic() + within
    while not check():  # type: ignore[operator]
        assert time.monotonic() < deadline, "waited in vain"
        await asyncio.sleep(0.05)


async def test_a_post_whose_answer_was_lost_then_a_restart_is_one_message(tmp_path: Path,
                                                                          fake: FakeTeams) -> None:
    port = free_port()
    fake.fail(f"post:{CASES}", ("hang", None))  # the case summary goes out; its answer never comes
    async with server(tmp_path, fake, port) as first, \
            aiohttp.ClientSession(base_url=f"http://127.0.0.1:{port}") as http:
        bot = TeamsBot(http, None, fake)  # type: ignore[arg-type]
        await bot.install()
        (form,) = await bot.say("offboard AcmeCo", ALICE)
        await bot.submit(form, ALICE, "open_case", stop_date=stop_date(), contact_name="Pat",
                         contact_phone="+1 202 555 0130", contact_email="pat@acme.example")
        await until(lambda: any(c.fault == "hang" for c in fake.calls))
        first.send_signal(signal.SIGKILL)
        await first.wait()
    assert len(fake.channel(CASES)) == 1, "the summary did go out"

    async with server(tmp_path, fake, port):  # the memo follows the summary into its thread
        await until(lambda: any(m.root for m in fake.messages if m.channel == CASES))
    assert len(fake.channel(CASES)) == 1, "found through Graph, not posted again"
    summary = fake.channel(CASES)[0]
    assert fake.thread(CASES, summary.id), "the thread hangs on the post that was found"
    assert any(c.route == "graph" and c.path.endswith("/messages") for c in fake.calls)
    async with SQLiteStore(tmp_path / "offboard.db") as store:
        case = (await store.list_cases())[0]
        ref = await store.get_message_ref("teams", case.id, "summary")
        assert ref is not None and ref.message_id == summary.id
        assert not [d for d in await store.deliveries("teams") if d.status == "failed" or d.in_doubt]
