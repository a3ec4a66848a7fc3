"""The two double-post repros of issue 10, through the real Slack sender and the fake Slack, on every backend.

1. A post whose answer is lost (a proxy's 502 page, a dropped connection), then a click
   whose newer card and summary supersede the waiting ones: one card, one summary.
2. A post in doubt, the process crashes, the restarted process's look-up fails, then
   works: still one message.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from adapters.slack.ids import SENDER
from bot.outbox import Dispatcher
from storage.base import DeliveryStatus
from storage.registry import store_for
from tests.conftest import StillClock
from tests.slack.fake_slack import FakeSlack
from tests.slack.harness import ADMIN, ALICE, CASES, SlackBot, running_bot, stop_date


async def until(cond: Callable[[], Awaitable[bool]], what: str, within: float = 10) -> None:
    deadline = time.monotonic() + within
    while not await cond():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.02)


async def open_without_waiting(bot: SlackBot) -> None:
    await bot.command("AcmeCo", ALICE)
    await bot.submit(ALICE, stop_date=stop_date(), contact_name="Pat Client",
                     contact_phone="+1 202 555 0130", contact_email="pat@acme.example")


def posts_of(fake: FakeSlack, ref_key_prefix: str) -> list[str]:
    """The ts of every message posted for a card or summary (by its metadata)."""
    return [m.ts for m in fake.messages if m.metadata and str(
        m.metadata["event_payload"].get("ref_key", "")).startswith(ref_key_prefix)]


async def test_repro_a_post_in_doubt_then_a_click(tmp_path: Path, fake: FakeSlack, database: str) -> None:
    async with running_bot(tmp_path, fake, env={"OFFBOARD_DATABASE": database}) as bot:
        bot.svc.dispatcher.backoff_base = 30.0  # the retries wait: the click comes first
        # The summary's and the card's posts both take effect; their answers are lost.
        fake.fail("chat.postMessage", ("status_after", 502), ("drop_after", None))
        await open_without_waiting(bot)
        store = bot.svc.store

        async def both_in_doubt() -> bool:
            waiting = await store.deliveries(SENDER, DeliveryStatus.PENDING)
            due = await store.due_deliveries(SENDER, datetime.now(UTC) + timedelta(seconds=5))
            return sum(d.in_doubt for d in waiting) == 2 and not due

        await until(both_in_doubt, "the summary and the card to be in doubt")
        assert len(fake.channel(CASES)) == 1 and len(fake.channel(ADMIN)) == 1
        await bot.click("review_account", "done", ALICE)  # newer summary and card supersede both

        assert len(posts_of(fake, "summary")) == 1, "one summary in the cases channel"
        assert len(posts_of(fake, "card:")) == 1, "one card in Admin's channel"
        assert "Alice Admin" in json.dumps(fake.channel(ADMIN)[0].blocks), "edited to the newest content"
        (summary,) = fake.channel(CASES)
        assert fake.thread(CASES, summary.ts)[0].files, "the memo is threaded under the one summary"
        assert not await store.deliveries(SENDER, DeliveryStatus.FAILED)


async def test_repro_a_post_in_doubt_a_crash_a_failed_look_up_and_a_restart(
        tmp_path: Path, fake: FakeSlack, database: str) -> None:
    async with running_bot(tmp_path, fake, env={"OFFBOARD_DATABASE": database}) as bot:
        bot.svc.stop.set()  # this test runs the dispatchers itself, with a clock it moves
        await asyncio.sleep(0.1)
        sender = bot.adapter.sender
        clock = StillClock(datetime.now(UTC) + timedelta(seconds=1))
        await open_without_waiting(bot)

        # Process 1 posts; Slack stores the message but the answer never comes; the process dies.
        fake.fail("chat.postMessage", ("hold_after", None))
        first = Dispatcher(bot.svc.store, [sender], clock=clock, owner="process-1", pace_clock=bot.pace,
                           sleep=bot.pace.sleep)
        crashing = asyncio.create_task(first.run_once())
        await until(lambda: _async(any(c.fault == "hold_after" for c in fake.calls)), "the held post")
        crashing.cancel()
        await asyncio.gather(crashing, return_exceptions=True)
        held = [d for d in await bot.svc.store.deliveries(SENDER) if d.lease_owner == "process-1"
                and d.in_doubt]
        assert held, "the crash left a post in doubt, leased by the dead process"

        # Process 2 starts after the lease ran out; its first look-up fails.
        async with store_for(database) as store:
            second = Dispatcher(store, [sender], clock=clock, owner="process-2", backoff_base=5.0,
                                pace_clock=bot.pace, sleep=bot.pace.sleep)
            clock.advance(minutes=2)
            fake.fail("conversations.history", ("status", 500))
            await second.run_once()
            waiting = [d for d in await store.deliveries(SENDER) if d.id == held[0].id]
            assert waiting[0].in_doubt and waiting[0].status == "pending", "a failed look-up is no answer"
            clock.advance(minutes=1)
            while await second.run_once():
                clock.advance(minutes=1)
            assert not await store.due_deliveries(SENDER, clock.now + timedelta(days=1))
        assert len(posts_of(fake, "summary")) == 1 and len(posts_of(fake, "card:")) == 1
        assert {c.method for c in fake.ok_calls()} >= {"conversations.history"}


async def _async(value: bool) -> bool:
    return value
