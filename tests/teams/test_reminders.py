"""Time in Teams: the reminder, its escalations and the digest as valid Adaptive Cards, mentioning the
right people; a snooze from the reminder's button; due marks on the step card."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from tests.teams.card_check import mentions, problems, walk
from tests.teams.harness import ADMIN, ALICE, CASES, MARY, TOM, TeamsBot

STEP_ONE_BUT_PREPAYMENT = [("review_account", "done"), ("contact_client", "done"),
                           ("cancel_recurring_billing", "done"), ("keep_tm_contract", "done"),
                           ("keep_other_contracts", "done"), ("accounts_receivable", "no"),
                           ("unbundled_services", "no"), ("newsletter", "yes")]


async def late_prepayment(bot: TeamsBot) -> None:
    await bot.open_case()
    for item, action in STEP_ONE_BUT_PREPAYMENT:
        await bot.click(item, action, ALICE)
    await bot.click("managed_contract_expiration", "answer", ALICE)
    await bot.click("quickbooks_terms", "na", ALICE, reason="Already net 0")
    later = datetime.now(UTC) + timedelta(days=8)
    bot.svc.engine.clock = bot.svc.dispatcher.clock = lambda: later
    assert bot.svc.scheduler is not None
    assert await bot.svc.scheduler.run_once() >= 3
    await bot.settle()


async def test_reminders_escalations_and_the_digest_as_cards(bot: TeamsBot) -> None:
    await late_prepayment(bot)
    fake = bot.fake
    reminder = next(m for m in fake.channel(ADMIN) if m.text.startswith("@Alice Admin\n⏰"))
    assert problems(reminder.card) == []
    assert [m["name"] for m in mentions(reminder.card)] == ["Alice Admin"], "the department's people"
    assert re.search(r"“Collect prepayment of \$___ for ___ hours labor” for AcmeCo is \d days late: it was "
                     r"due \w{3} \d+ \w{3} \(step 1, Admin\)\.", reminder.text), reminder.text
    assert "[Snooze a day]" in reminder.text and "[Snooze until a date]" in reminder.text
    summary = fake.channel(CASES)[0]
    (thread,) = [m for m in fake.thread(CASES, summary.id) if "Still late" in m.text]
    assert [m["name"] for m in mentions(thread.card)] == [MARY.name] and problems(thread.card) == []
    digest = next(m for m in fake.channel(ADMIN) if m.text.startswith("📅"))
    assert re.search(r"Admin, \w{3} \d+ \w{3}: 1 late\nAcmeCo \(service stops [\d-]+\)\n"
                     r"• “Collect prepayment", digest.text), digest.text
    step = fake.showing("prepayment")
    assert re.search(r"⚠️ \d days late \(due \w{3} \d+ \w{3}\)", step.text), "the card says it is late"
    blocks = [n.get("text", "") for card in (reminder.card, digest.card) for n in walk(card["body"])
              if n.get("type") == "TextBlock"]
    assert not [b for b in blocks if "AcmeCo" in b], "what people typed stays in TextRuns"


async def test_snooze_from_the_reminder_card(bot: TeamsBot) -> None:
    await late_prepayment(bot)
    reminder = next(m for m in bot.fake.channel(ADMIN) if m.text.startswith("@Alice Admin\n⏰"))
    button = next(n for n in walk(reminder.card) if n.get("type") == "Action.Execute"
                  and n.get("data", {}).get("a") == "snooze")
    form = await bot.invoke(reminder, ALICE, button["verb"], dict(button["data"]))
    content = form["value"]
    save = next(a for a in content["actions"] if a.get("verb") == "save")
    done = await bot.invoke(reminder, ALICE, "save", {**save["data"], "f:reason": "Paid on Friday"})
    assert done["type"].endswith("card.adaptive"), done
    await bot.settle()
    summary = bot.fake.channel(CASES)[0]
    snoozed = r"Alice Admin snoozed the reminders for “Collect prepayment.*: Paid on Friday"
    assert any(re.search(snoozed, m.text) for m in bot.fake.thread(CASES, summary.id))
    assert "💤 Reminders snoozed until" in bot.fake.showing("prepayment").text


async def test_the_stop_date_moves_through_a_form(bot: TeamsBot) -> None:
    await bot.open_case()
    (form,) = await bot.say("date AcmeCo", ALICE)
    assert problems(form.card) == [] and "Move the service stop date for AcmeCo" in form.text
    later = (datetime.now(UTC).date() + timedelta(days=60)).isoformat()
    refused = await bot.submit(form, ALICE, "change_date", date=later, reason="")
    assert "Why is required" in str(refused["value"])
    done = await bot.submit(form, ALICE, "change_date", date=later, reason="A month more")
    assert f"Moved “Date service will stop” for AcmeCo to {later}." in str(done["value"])
    await bot.settle()
    summary = bot.fake.channel(CASES)[0]
    assert any("moved “Date service will stop” from " in m.text and f"to {later}: A month more" in m.text
               for m in bot.fake.thread(CASES, summary.id))
    (refusal,) = await bot.say("date AcmeCo", TOM)
    assert "Only the Admin department or a manager can change the case's dates." in refusal.text
