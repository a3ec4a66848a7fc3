"""Three bot servers on one PostgreSQL, Slack behind a load balancer, faults injected, one server killed.

Three ``python -m bot serve`` processes share one throwaway PostgreSQL database and one
fake Slack Web API (started here). A few hundred signed clicks go to them at random,
each sent again to another server (Slack's retries, a load balancer's second try), some
stale; meanwhile the fake answers posts and edits with 429s, 5xx, a proxy's 502 page
and connections dropped after the message was stored, and one server is killed with
SIGKILL halfway. Then: every acknowledged click applied once, every card and summary
posted once (counted at the fake) and showing the newest state, each case's messages in
order, and nothing left waiting once the faults stop.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import os
import random
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlencode

import aiohttp
import pytest

from adapters.slack.cards import card_message
from adapters.slack.ids import SENDER, Act, ItemRef
from adapters.slack.messages import summary_message
from dialogs.checklist import DEFAULT_CHECKLIST
from dialogs.checklist_loader import load_checklist
from dialogs.engine import Engine
from dialogs.timing import Timing
from storage.base import DeliveryStatus
from storage.postgres import PostgresStore
from tests.conftest import ALICE as ENGINE_ALICE
from tests.conftest import HEADER
from tests.postgres import free_port
from tests.slack.fake_slack import BOT_TOKEN, FakeSlack
from tests.slack.harness import ADMIN, ALICE, CASES, SECRET, config_file, sign

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]
SERVERS, CASE_COUNT = 3, 12
PUBLIC_URL = "https://offboard.example.com"
# Admin's first step, clickable without a modal, in an order the checklist allows.
CLICKS = [("review_account", "done"), ("contact_client", "done"), ("cancel_recurring_billing", "done"),
          ("keep_tm_contract", "done"), ("keep_other_contracts", "done"), ("accounts_receivable", "no"),
          ("unbundled_services", "no"), ("newsletter", "yes")]
FAULTS = [("status", (429, {"Retry-After": "1"})), ("status", 500), ("status_after", 502),
          ("drop_after", None), ("drop", None)]


class Server:
    """One ``python -m bot serve`` process."""

    def __init__(self, proc: asyncio.subprocess.Process, port: int) -> None:
        self.proc, self.port = proc, port
        self.url = f"http://127.0.0.1:{port}"

    @property
    def alive(self) -> bool:
        return self.proc.returncode is None


async def start_server(env: dict[str, str], log: Path, args: Sequence[str] = ()) -> Server:
    port = free_port()
    with log.open("ab") as out:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "serve", *args, cwd=ROOT, env={**env, "OFFBOARD_PORT": str(port)},
            stdin=asyncio.subprocess.DEVNULL, stdout=out, stderr=out)
    return Server(proc, port)


async def until_up(session: aiohttp.ClientSession, server: Server, log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert server.alive, log.read_text(errors="replace")  # noqa: ASYNC240
        with contextlib.suppress(aiohttp.ClientError):
            async with session.get(f"{server.url}/healthz") as resp:
                if resp.status == 200:
                    return
        await asyncio.sleep(0.1)
    pytest.fail(f"server on {server.port} did not start:\n{log.read_text(errors='replace')}")  # noqa: ASYNC240


def click_body(case_id: str, item_id: str, action: str, version: int, action_ts: str) -> bytes:
    ref = ItemRef(action, case_id, item_id, version)
    payload = {"type": "block_actions", "team": {"id": "T0FAKE"}, "api_app_id": "A0FAKE", "token": "x",
               "user": {"id": ALICE.id, "username": ALICE.name, "name": ALICE.name, "team_id": "T0FAKE"},
               "container": {"type": "message", "message_ts": "1.0", "channel_id": ADMIN},
               "channel": {"id": ADMIN}, "message": {"ts": "1.0", "blocks": []},
               "trigger_id": f"trigger-{action_ts}", "response_url": "https://hooks.slack.test/actions/1",
               "actions": [{"type": "button", "action_id": Act.of(action).numbered(0),
                            "block_id": f"act:{item_id}", "value": ref.encode(),
                            "text": {"type": "plain_text", "text": action}, "action_ts": action_ts}]}
    return urlencode({"payload": json.dumps(payload)}).encode()


async def post_click(session: aiohttp.ClientSession, server: Server, body: bytes) -> bool:
    """Whether the server acknowledged the click (a killed server does not)."""
    ts = str(int(time.time()))
    headers = {"Content-Type": "application/x-www-form-urlencoded", "X-Slack-Request-Timestamp": ts,
               "X-Slack-Signature": sign(body, ts, SECRET)}
    try:
        async with session.post(f"{server.url}/slack/events", data=body, headers=headers) as resp:
            await resp.read()
            return resp.status == 200
    except (aiohttp.ClientError, TimeoutError):
        return False


async def test_three_servers_one_database_faults_and_a_kill(
        tmp_path: Path, fake: FakeSlack, postgres_url: str) -> None:
    rng = random.Random(10)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OFFBOARD_", "SLACK_"))}
    env.update({"OFFBOARD_DATABASE": postgres_url, "OFFBOARD_CONFIG": str(config_file(tmp_path)),
                "SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SECRET, "SLACK_API_URL": fake.api_url,
                "OFFBOARD_OUTBOX_LEASE": "2", "PYTHONUNBUFFERED": "1",
                "OFFBOARD_SECRET_KEY": "the-three-servers-share-this-one-key"})
    log = tmp_path / "servers.log"
    store = PostgresStore(postgres_url)
    await store.open()  # the schema is in place before the servers race to migrate it
    servers = [await start_server(env, log) for _ in range(SERVERS)]
    timeout = aiohttp.ClientTimeout(total=15)
    try:
        async with aiohttp.ClientSession(timeout=timeout) as session:
            # The cases open while the servers start: their notices wait in the outbox.
            engine = Engine(store, load_checklist(DEFAULT_CHECKLIST), timing=Timing())  # as the servers
            header = {**HEADER, "stop_date": (date.today() + timedelta(days=30)).isoformat()}
            opened = await asyncio.gather(*(engine.open_case(f"Client {n:02d}", header, ENGINE_ALICE)
                                            for n in range(CASE_COUNT)))
            cases = [str(o.case_id) for o in opened]
            for server in servers:
                await until_up(session, server, log)

            stamps = itertools.count(1)
            sent_requests = Counter[str]()
            clicks_done = 0
            total_clicks = CASE_COUNT * len(CLICKS)
            faulting = True

            async def inject_faults() -> None:
                while faulting:
                    method = rng.choice(["chat.postMessage", "chat.update"])
                    if len(fake.faults.get(method) or ()) < 2:  # the next call or two of it fails
                        fake.fail(method, rng.choice(FAULTS))
                    await asyncio.sleep(0.05)

            async def click(case_id: str, item_id: str, action: str) -> None:
                nonlocal clicks_done
                version = (await store.get_items(case_id))[item_id].version
                body = click_body(case_id, item_id, action, version, f"{time.time():.6f}{next(stamps):04d}")
                if rng.random() < 0.2:  # a stale click from an old card: refused, changes nothing
                    stale = click_body(case_id, item_id, action, version - 1, f"0.{next(stamps)}")
                    await post_click(session, rng.choice([s for s in servers if s.alive]), stale)
                    sent_requests["stale"] += 1
                acked = False
                while not acked:  # Slack retries an unacknowledged click; the load balancer picks again
                    live = [s for s in servers if s.alive]
                    first, second = rng.choice(live), rng.choice(live)
                    results = await asyncio.gather(post_click(session, first, body),
                                                   post_click(session, second, body))
                    sent_requests["click"] += 2
                    acked = any(results)
                clicks_done += 1
                if clicks_done == total_clicks // 2:
                    servers[0].proc.kill()  # SIGKILL, mid-run, with deliveries in flight

            async def work(case_id: str) -> None:
                for item_id, action in CLICKS:
                    await click(case_id, item_id, action)

            faults = asyncio.create_task(inject_faults())
            await asyncio.gather(*(work(c) for c in cases))
            faulting = False
            await faults
            fake.faults.clear()  # the faults clear
            assert not servers[0].alive and sum(sent_requests.values()) >= 200

            deadline = time.monotonic() + 40
            while await store.deliveries(SENDER, DeliveryStatus.PENDING):
                assert time.monotonic() < deadline, f"deliveries still waiting; see {log}"
                await asyncio.sleep(0.2)
            assert await store.deliveries(SENDER, DeliveryStatus.FAILED) == []

            # Every acknowledged click was applied once.
            for case_id in cases:
                answered = Counter(e.item_id for e in await store.get_events(case_id)
                                   if e.kind == "answered")
                assert answered == Counter(item for item, _ in CLICKS), case_id

            # Every card and summary was posted once, and shows the newest state.
            payloads = [m.metadata["event_payload"] for m in fake.messages if m.metadata]
            posted = Counter((p["case_id"], p["ref_key"]) for p in payloads if "ref_key" in p)
            assert posted == Counter({(c, k): 1 for c in cases for k in ("summary", "card:admin_one")})
            for case_id in cases:
                view = await engine.view(case_id)
                summary = next(m for m in fake.channel(CASES) if m.metadata
                               and m.metadata["event_payload"].get("case_id") == case_id)
                assert summary.text == summary_message(view.summary(engine.today()), PUBLIC_URL).text
                card = next(m for m in fake.channel(ADMIN) if m.metadata
                            and m.metadata["event_payload"].get("case_id") == case_id)
                assert card.blocks == card_message(view.card("admin_one"), PUBLIC_URL).blocks

            # Each case's thread lines went out once, in order.
            thread_ids: dict[str, list[int]] = defaultdict(list)
            for m in fake.messages:
                if m.metadata and m.thread_ts:
                    thread_ids[m.thread_ts].append(m.metadata["event_payload"]["notice_id"])
            for ids in thread_ids.values():
                assert ids == sorted(ids) and len(ids) == len(set(ids))
    finally:
        for server in servers:
            if server.alive:
                server.proc.terminate()
        for server in servers:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(server.proc.wait(), 10)
            if server.alive:
                server.proc.kill()
                await server.proc.wait()
        await store.close()
