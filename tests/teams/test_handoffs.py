"""Undo after a hand-off reopens the step, and Tech hears it in Teams: in words, mentioning its tag."""

from __future__ import annotations

from tests.teams.card_check import mentions
from tests.teams.harness import ALICE, CASES, TECH, TECH_TAG, TeamsBot

STEP_ONE = [("review_account", "done", {}), ("accounts_receivable", "no", {}), ("contact_client", "done", {}),
            ("prepayment", "answer", {"dollars": "1,500", "hours": "10"}),
            ("cancel_recurring_billing", "done", {}), ("managed_contract_expiration", "answer", {}),
            ("keep_tm_contract", "done", {}), ("keep_other_contracts", "done", {}),
            ("unbundled_services", "no", {}), ("newsletter", "yes", {}),
            ("quickbooks_terms", "na", {"reason": "Terms are already net 0"})]


async def test_undo_after_the_hand_off_tells_tech_and_then_that_it_is_complete_again(bot: TeamsBot) -> None:
    fake = bot.fake
    await bot.open_case()
    for item, action, values in STEP_ONE:
        await bot.click(item, action, ALICE, **values)
    assert len(fake.channel(TECH)) == 2, "the hand-off and Tech's step card"

    await bot.click("review_account", "undo", ALICE)
    note = fake.channel(TECH)[-1]
    assert [m["id"] for m in mentions(note.card)] == [TECH_TAG]
    assert "AcmeCo: Alice Admin undid “Review AcmeCo's account”" in note.text
    assert "reopened" in fake.showing("review_account").text
    summary = fake.channel(CASES)[0]
    assert "Admin and Tech" in summary.text, "both hold the ball while step one is open again"

    await bot.click("review_account", "done", ALICE)
    again = fake.channel(TECH)[-1]
    assert "is complete again" in again.text and "Review AcmeCo's account" in again.text
    assert "reopened" not in fake.showing("review_account").text
