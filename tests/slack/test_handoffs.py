"""Undo after a hand-off reopens the step for everyone to see; manager-only items reach the managers."""

from __future__ import annotations

import json

from tests.slack.harness import ADMIN, ALICE, CASES, MARY, TECH, TOM, SlackBot


def said(message: object) -> str:
    return json.dumps(getattr(message, "blocks", []), ensure_ascii=False) + getattr(message, "text", "")


async def test_undo_after_the_hand_off_reopens_the_step_and_tells_the_next_department(bot: SlackBot) -> None:
    fake = bot.fake
    await bot.open_case()
    await bot.work_step_one()
    await bot.click("review_account", "undo", ALICE)

    admin_card = fake.channel(ADMIN)[0]
    assert "reopened: open work again, with Admin" in said(admin_card)
    summary = fake.channel(CASES)[0]
    assert "with Admin and Tech" in summary.text
    thread = [m.text for m in fake.thread(CASES, summary.ts)]
    assert "Alice Admin undid “Review AcmeCo's account”: step 1 is reopened (Routing step one: Admin; " \
           "with Admin)." in thread
    note = fake.channel(TECH)[-1]
    assert note.text.startswith("<!subteam^S0TECH> AcmeCo: Alice Admin undid “Review AcmeCo's account”")

    await bot.click("review_account", "done", ALICE)
    assert "complete" in said(fake.channel(ADMIN)[0]) and "reopened" not in said(fake.channel(ADMIN)[0])
    assert "Step 1 is complete again (Routing step one: Admin): “Review AcmeCo's account”: Done." in \
        [m.text for m in fake.thread(CASES, summary.ts)]
    assert "is complete again" in fake.channel(TECH)[-1].text


async def test_a_manager_only_item_is_posted_to_the_managers_with_its_button(bot: SlackBot) -> None:
    fake = bot.fake
    await bot.open_case()
    await bot.work_step_one()
    await bot.click("open_tickets", "no_tickets", TOM)
    tech_card = said(fake.message_with_block("item:email_summary_report"))
    assert "Waits for a manager" in tech_card
    (posted,) = [m for m in fake.channel(CASES) if "managers-act:email_summary_report" in said(m)]
    assert posted.text.startswith("<!subteam^S0MANAGERS> AcmeCo: “Service manager: email the summary report")
    assert "Waits for a manager: “Service manager: email the summary report to AcmeCo”" in \
        said(fake.channel(CASES)[0]), "the case summary says so too"

    payload = bot.click_payload("email_summary_report", "done", MARY, where="managers-")
    assert (await bot.interact(payload)).status == 200
    await bot.submit(MARY)  # the Done form asks for hours logged (optional)
    await bot.settle()
    posted = next(m for m in fake.channel(CASES) if m.ts == posted.ts)
    assert posted.edits >= 1 and "no longer waits for a manager" in said(posted), "edited in place"
    items = await bot.svc.store.get_items((await bot.svc.store.list_cases())[0].id)
    assert items["email_summary_report"].status == "done"
