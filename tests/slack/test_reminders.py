"""Time in Slack: an overdue reminder, its escalations and the digest land where they should, valid per
slack_sdk.models; a snooze from the reminder's button; the App Home puts what needs you first; the stop
date moves through /offboard date."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta

from tests.slack.harness import ADMIN, ALICE, CASES, MANAGERS_GROUP, TOM, SlackBot, answer, stop_date
from tests.slack.test_limits import texts

STEP_ONE_BUT_PREPAYMENT = [("review_account", "done"), ("contact_client", "done"),
                           ("cancel_recurring_billing", "done"), ("keep_tm_contract", "done"),
                           ("keep_other_contracts", "done"), ("accounts_receivable", "no"),
                           ("unbundled_services", "no"), ("newsletter", "yes")]


async def late_prepayment(bot: SlackBot) -> None:
    """Step one done but the prepayment; then eight days pass and the scheduler runs."""
    await bot.open_case()
    for item, action in STEP_ONE_BUT_PREPAYMENT:
        await bot.click(item, action, ALICE)
    await bot.click("managed_contract_expiration", "answer", ALICE)
    await bot.click("quickbooks_terms", "na", ALICE, reason="Already net 0")
    later = datetime.now(UTC) + timedelta(days=8)
    bot.svc.engine.clock = bot.svc.dispatcher.clock = lambda: later  # the server's one clock, moved on
    assert bot.svc.scheduler is not None
    assert await bot.svc.scheduler.run_once() >= 3
    await bot.settle()


def words(message: object) -> str:
    return "\n".join([message.text, *texts(message.blocks)])  # type: ignore[attr-defined]


async def test_a_late_item_is_reminded_escalated_and_digested(bot: SlackBot) -> None:
    await late_prepayment(bot)
    fake = bot.fake
    reminder = next(m for m in fake.channel(ADMIN) if m.blocks and m.blocks[0].get("block_id") == "reminder")
    said = words(reminder)
    assert re.search(r"<!here> “Collect prepayment of \$___ for ___ hours labor” for AcmeCo is \d days late: "
                     r"it was due \w{3} \d+ \w{3} \(step 1, Admin\)\.", said), said
    assert [e["text"]["text"] for b in reminder.blocks if b["type"] == "actions" for e in b["elements"]] == [
        "Snooze a day", "Snooze until a date"]
    (summary,) = fake.channel(CASES)[:1]
    thread = [words(m) for m in fake.thread(CASES, summary.ts)]
    assert any(t.startswith(f"<!subteam^{MANAGERS_GROUP}> Still late: “Collect prepayment") for t in thread)
    managers = [words(m) for m in fake.channel(CASES)
                if m.blocks and m.blocks[0].get("block_id") == "reminder"]
    assert len(managers) == 1 and "Escalated to the managers: “Collect prepayment" in managers[0]
    digest = next(m for m in fake.channel(ADMIN) if m.blocks and m.blocks[0].get("block_id") == "digest")
    assert re.search(r"Admin, \w{3} \d+ \w{3}: 1 late", digest.text)
    assert "*AcmeCo (service stops " in words(digest) and "“Collect prepayment" in words(digest)
    card = fake.message_with_block("act:prepayment")
    assert re.search(r":warning: \*\d days late\* \(due \w{3} \d+ \w{3}\)", words(card)), "the card says late"
    assert fake.rejections == []


async def test_snooze_from_the_reminder(bot: SlackBot) -> None:
    await late_prepayment(bot)
    payload = bot.click_payload("prepayment", "snooze", ALICE, where="remind0-")
    resp = await bot.interact(payload)
    assert resp.status == 200
    modal = bot.fake.views[bot.fake.last_view_id or ""]
    assert modal["title"]["text"] == "Snooze reminders"
    done = await bot.submit(ALICE, reason="The bank transfer is on its way")
    assert done == {}, done
    await bot.settle()
    (summary,) = bot.fake.channel(CASES)[:1]
    thread = "\n".join(m.text for m in bot.fake.thread(CASES, summary.ts))
    assert re.search(r"Alice Admin snoozed the reminders for “Collect prepayment of \$___ for ___ hours "
                     r"labor” until \w{3} \d+ \w{3} 09:00: The bank transfer is on its way", thread), thread
    card = words(bot.fake.message_with_block("act:prepayment"))
    assert ":zzz: Reminders snoozed until" in card
    assert "(Alice Admin: The bank transfer is on its way)" in card


async def test_the_app_home_shows_what_needs_you_first(bot: SlackBot) -> None:
    await late_prepayment(bot)
    await bot.home(ALICE)
    home = bot.fake.published[ALICE.id]
    first = next(t for t in texts(home["blocks"]) if t.startswith("*Needs you*"))
    assert first.startswith("*Needs you*\n• *AcmeCo*: “Collect prepayment of $___ for ___ hours labor” — ")
    assert "days late" in first
    await bot.home(TOM)
    toms = texts(bot.fake.published[TOM.id]["blocks"])
    assert any(t.startswith("*Needs you*\nNothing right now") for t in toms)
    assert ":warning: 1 item late" in json.dumps(home, ensure_ascii=False)


async def test_the_stop_date_moves_through_a_modal(bot: SlackBot) -> None:
    await bot.open_case()
    assert answer("") == {}
    await bot.command("date AcmeCo", ALICE)
    modal = bot.fake.views[bot.fake.last_view_id or ""]
    assert modal["callback_id"] == "change_date" and modal["title"]["text"] == "Move a date"
    assert modal["blocks"][1]["element"]["initial_date"] == stop_date()
    later = (datetime.now(UTC).date() + timedelta(days=60)).isoformat()
    refused = await bot.submit(ALICE, date=later, reason=" ")
    assert refused == {"response_action": "errors", "errors": {"reason": "Why is required"}}
    done = await bot.submit(ALICE, date=later, reason="The client asked for a month more")
    assert done == {}, done
    await bot.settle()
    (summary,) = bot.fake.channel(CASES)[:1]
    thread = "\n".join(m.text for m in bot.fake.thread(CASES, summary.ts))
    assert (f"Alice Admin moved “Date service will stop” from {stop_date()} to {later}: The client asked "
            "for a month more") in thread
    assert later in words(summary)
    await bot.command("date AcmeCo", TOM)
    notice = bot.fake.views[bot.fake.last_view_id or ""]
    assert "Only the Admin department or a manager can change the case's dates." in json.dumps(notice)
