"""A client named `Acme <at>Sales</at> {{7*7}}` is shown literally and mentions no one."""

from __future__ import annotations

from tests.teams.card_check import mentions, walk
from tests.teams.harness import ADMIN, ALICE, CASES, MARY, TECH, TECH_TAG, TeamsBot

NAME = "Acme <at>Sales</at> {{7*7}}"


async def test_a_client_name_with_markup_is_shown_as_typed_and_pings_nobody(bot: TeamsBot) -> None:
    fake = bot.fake
    opened = await bot.open_case(NAME)
    assert f"Opened the offboarding case for {NAME}." in str(opened["value"])
    summary = fake.channel(CASES)[0]
    assert f"Client: {NAME}" in summary.text and f"Remove {NAME} from managed services" in summary.text
    step = fake.channel(ADMIN)[0]
    assert f"Review {NAME}'s account" in step.text

    for item, action in (("review_account", "done"), ("contact_client", "done"),
                         ("cancel_recurring_billing", "done"), ("keep_tm_contract", "done"),
                         ("keep_other_contracts", "done"), ("accounts_receivable", "no"),
                         ("unbundled_services", "no"), ("newsletter", "yes")):
        await bot.click(item, action, ALICE)
    await bot.click("prepayment", "answer", ALICE, dollars="100", hours="1")
    await bot.click("managed_contract_expiration", "answer", ALICE)
    await bot.click("quickbooks_terms", "na", ALICE, reason=f"{NAME} pays cash")
    ping = fake.channel(TECH)[0]
    assert f"finished Routing step one: Admin for {NAME}." in ping.text and f"{NAME} pays cash" in ping.text

    everything = [m.card for m in fake.messages]
    for card in everything:
        # The name is only ever in TextRuns (shown literally), never in a TextBlock's markdown.
        blocks = [n.get("text", "") for n in walk(card["body"]) if n.get("type") == "TextBlock"]
        assert not [b for b in blocks if "Sales" in b or "{{" in b], blocks
    mentioned = {m["id"] for card in everything for m in mentions(card)}
    assert mentioned <= {TECH_TAG, ALICE.aad, MARY.aad}, "only configured people and tags are mentioned"
    # (Not "49" anywhere: a random case id may hold those digits.)
    assert not any("Sales</at> 49" in m.text for m in fake.messages), "{{7*7}} was never evaluated"
