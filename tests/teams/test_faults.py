"""Teams' faults: 429 with Retry-After, 412/502/504, answers lost on the way back. Each post goes out once."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.teams.fake_teams import FakeTeams
from tests.teams.harness import ADMIN, ALICE, CASES, TECH, TeamsBot, running_bot


def assert_once(fake: FakeTeams) -> None:
    """No card went out twice (each posted card carries its notice id on its first element)."""
    ids = Counter(m.card["body"][0].get("id") for m in fake.messages if m.card["body"][0].get("id"))
    assert [k for k, n in ids.items() if n > 1] == [], "a notice went out twice"


async def test_429_then_success_delivers_once_after_retry_after(bot: TeamsBot) -> None:
    fake = bot.fake
    fake.fail("post", ("status", (429, {"Retry-After": "1"})))
    await bot.open_case()
    posts = [c for c in fake.calls if c.route == "post" and c.body["channelData"]["channel"]["id"] == CASES]
    assert [c.fault for c in posts] == ["status 429", None]
    assert posts[1].at - posts[0].at >= 1.0, "Retry-After was honoured"
    assert len(fake.channel(CASES)) == 1 and len(fake.channel(ADMIN)) == 1
    assert not [c for c in fake.calls if c.route == "graph" and "/messages" in c.path], \
        "a 429 says nothing went out: no lookup"
    assert_once(fake)


@pytest.mark.parametrize("status", [412, 502, 504])
async def test_an_answer_that_may_hide_a_post_is_looked_up_before_posting_again(bot: TeamsBot,
                                                                                 status: int) -> None:
    fake = bot.fake
    fake.fail("post", ("status", status))
    await bot.open_case()
    lookups = [c for c in fake.ok_calls("graph") if c.path.endswith("/messages")]
    assert lookups, "the channel was read before the post was repeated"
    assert len(fake.channel(CASES)) == 1 and len(fake.channel(ADMIN)) == 1
    assert_once(fake)


async def test_a_post_whose_answer_was_lost_is_found_not_posted_again(bot: TeamsBot) -> None:
    fake = bot.fake
    fake.fail("post", ("drop_after", None), ("drop_after", None))
    await bot.open_case()
    assert [c.fault for c in fake.calls if c.fault] == ["drop_after", "drop_after"]
    assert len(fake.channel(CASES)) == 1 and len(fake.channel(ADMIN)) == 1, "found, not posted twice"
    case = (await bot.svc.store.list_cases())[0]
    ref = await bot.svc.store.get_message_ref("teams", case.id, "card:admin_one")
    assert ref is not None and ref.message_id == fake.channel(ADMIN)[0].id, "and edited from then on"
    edits = fake.channel(ADMIN)[0].edits
    await bot.click("review_account", "done", ALICE)
    assert len(fake.channel(ADMIN)) == 1 and fake.channel(ADMIN)[0].edits == edits + 1
    assert_once(fake)


async def test_thread_replies_in_doubt_at_a_hand_off_are_looked_up_in_the_thread(bot: TeamsBot) -> None:
    fake = bot.fake
    await bot.open_case()
    fake.fail("send", ("drop_after", None))
    fake.fail("post", ("drop_after", None), ("drop_after", None))
    for item, action in (("review_account", "done"), ("contact_client", "done"),
                         ("cancel_recurring_billing", "done"), ("keep_tm_contract", "done"),
                         ("keep_other_contracts", "done"), ("accounts_receivable", "no"),
                         ("unbundled_services", "no"), ("newsletter", "yes")):
        await bot.click(item, action, ALICE)
    await bot.click("prepayment", "answer", ALICE, dollars="1500", hours="10")
    await bot.click("managed_contract_expiration", "answer", ALICE)
    await bot.click("quickbooks_terms", "na", ALICE, reason="Already net 0")
    summary = fake.channel(CASES)[0]
    lines = [m.text for m in fake.thread(CASES, summary.id)]
    assert lines.count("Routing step one: Admin is complete; handed off to Tech.") == 1
    tech = [m.text.splitlines()[0] for m in fake.channel(TECH)]
    assert tech == ["@Tech", "▶️ Step 2 · Routing step two: Tech"]
    assert any("/replies" in c.path for c in fake.ok_calls("graph")), "the thread was read"
    assert_once(fake)


async def test_failing_edits_are_retried_and_never_become_posts(bot: TeamsBot) -> None:
    fake = bot.fake
    await bot.open_case()
    fake.fail("update", ("status", 502), ("drop", None), ("status", (429, {"Retry-After": "0"})))
    await bot.click("review_account", "done", ALICE)
    await bot.click("contact_client", "done", ALICE)
    (card,) = fake.channel(ADMIN)
    assert "Done — Alice Admin" in card.text and card.text.count("Done — Alice Admin") == 2
    assert not [d for d in await bot.svc.store.deliveries("teams") if d.status == "failed"]


async def test_when_the_channel_cannot_be_read_the_post_waits_rather_than_repeats(tmp_path: Path,
                                                                                 fake: FakeTeams) -> None:
    # No installation yet: the bot knows the service URL from the configuration, but not the team.
    top = f'service_url = "{fake.service_url}"'
    async with running_bot(tmp_path, fake, top_config=top, install=False) as bot:
        fake.fail("post", ("drop_after", None))
        await bot.say("offboard AcmeCo", ALICE)  # personal chats need no reference
        (form,) = [m for m in fake.messages if m.channel.startswith("a:")]
        await bot.submit(form, ALICE, "open_case", stop_date="2099-01-31", contact_name="Pat",
                         contact_phone="+1 202 555 0130", contact_email="pat@acme.example")
        deadline = time.monotonic() + 10
        while not any("cannot look" in (d.last_error or "") for d in await bot.svc.store.deliveries("teams")):
            assert time.monotonic() < deadline, "the delivery never asked to look"
            await asyncio.sleep(0.02)
        assert len(fake.channel(CASES)) == 1, "in doubt and unverifiable: not posted again"
        deliveries = await bot.svc.store.deliveries("teams")
        waiting = [d for d in deliveries if "cannot look" in (d.last_error or "")]
        assert waiting and waiting[0].next_attempt_at > datetime.now(UTC)
