"""Slack's faults: 429 with Retry-After, 500, dropped connections. Notices go out once, in order."""

from __future__ import annotations

import time
from collections import defaultdict

from tests.slack.fake_slack import FakeSlack
from tests.slack.harness import ADMIN, ALICE, CASES, TECH, SlackBot


def posted_notice_ids(fake: FakeSlack) -> dict[str, list[int]]:
    """Per channel (and thread), the outbox notice ids of the messages that really went out."""
    out: dict[str, list[int]] = defaultdict(list)
    for m in fake.messages:
        if m.metadata:
            out[f"{m.channel}/{m.thread_ts or '-'}"].append(m.metadata["event_payload"]["notice_id"])
    return out


def assert_once_in_order(fake: FakeSlack) -> None:
    for where, ids in posted_notice_ids(fake).items():
        assert len(ids) == len(set(ids)), f"{where}: a notice went out twice: {ids}"
        assert ids == sorted(ids), f"{where}: out of order: {ids}"


async def test_429_then_500_then_a_dropped_connection(bot: SlackBot) -> None:
    fake = bot.fake
    fake.fail("chat.postMessage", ("status", (429, {"Retry-After": "1"})), ("status", 500), ("drop", None))
    started = time.monotonic()
    await bot.open_case()
    assert time.monotonic() - started >= 1, "Retry-After was honoured"
    faults = [c.fault for c in fake.calls if c.fault]
    assert faults == ["status 429", "status 500", "drop"]
    (summary,) = fake.channel(CASES)
    (card,) = fake.channel(ADMIN)
    assert card.text.startswith("Step 1 for AcmeCo")
    assert fake.thread(CASES, summary.ts)[0].files, "the memo followed its summary into the thread"
    assert_once_in_order(fake)

    # The card, once its ts is known, is only ever edited, even when an edit fails on the way.
    fake.fail("chat.update", ("status", 500), ("drop", None))
    await bot.click("review_account", "done", ALICE)
    assert len(fake.channel(ADMIN)) == 1
    assert "Alice Admin" in str(fake.channel(ADMIN)[0].blocks)
    assert not [d for d in await bot.svc.store.deliveries("slack") if d.status == "failed"]


async def test_a_post_that_went_out_before_the_connection_dropped_is_not_posted_again(bot: SlackBot) -> None:
    fake = bot.fake
    fake.fail("chat.postMessage", ("drop_after", None), ("drop_after", None))
    await bot.open_case()
    assert [c.fault for c in fake.calls if c.fault] == ["drop_after", "drop_after"]
    assert len(fake.channel(CASES)) == 1 and len(fake.channel(ADMIN)) == 1, "found, not posted twice"
    lookups = {c.method for c in fake.ok_calls() if c.method.startswith("conversations.h")}
    assert lookups == {"conversations.history"}, "reconciled by the notice id in the message metadata"
    assert_once_in_order(fake)
    case = (await bot.svc.store.list_cases())[0]
    ref = await bot.svc.store.get_message_ref("slack", case.id, "card:admin_one")
    assert ref is not None and ref.message_id == fake.channel(ADMIN)[0].ts


async def test_posts_in_doubt_at_a_hand_off_are_looked_up_not_repeated(bot: SlackBot) -> None:
    fake = bot.fake
    await bot.open_case()
    # The hand-off posts a thread line, Tech's ping and Tech's card: each answer is lost on the way back.
    fake.fail("chat.postMessage", *[("drop_after", None)] * 3)
    await bot.work_step_one()
    assert [c.fault for c in fake.calls if c.fault] == ["drop_after"] * 3
    summary = fake.channel(CASES)[0]
    assert [m.text for m in fake.thread(CASES, summary.ts)].count(
        "Routing step one: Admin is complete; handed off to Tech.") == 1
    assert [m.text.split(" ")[0] for m in fake.channel(TECH)] == ["<!subteam^S0TECH>", "Step"]
    assert {"conversations.history", "conversations.replies"} <= {c.method for c in fake.ok_calls()}
    assert_once_in_order(fake)


async def test_rate_limits_on_edits_wait_and_keep_order(bot: SlackBot) -> None:
    fake = bot.fake
    await bot.open_case()
    fake.fail("chat.update", ("status", (429, {"Retry-After": "1"})))
    await bot.click("review_account", "done", ALICE)
    await bot.click("contact_client", "done", ALICE)
    card = fake.channel(ADMIN)[0]
    text = str(card.blocks)
    assert "Review AcmeCo" in text and text.count("Alice Admin") >= 2, "both answers are on the card"
    assert len(fake.channel(ADMIN)) == 1
