"""Bad input through Slack: an inline error on the field, never a 500 and never stored."""

from __future__ import annotations

import json

import pytest

from tests.slack.harness import ALICE, SlackBot, stop_date

HEADER = {"contact_name": "Pat", "contact_phone": "+1 202 555 0130", "contact_email": "pat@acme.example"}


@pytest.mark.parametrize(("dollars", "hours", "field"), [
    ("9" * 30, "10", "dollars"), ("9" * 27, "10", "dollars"), ("1500", "9" * 28, "hours")])
async def test_amounts_with_too_many_digits_are_an_inline_error(bot: SlackBot, dollars: str, hours: str,
                                                                field: str) -> None:
    await bot.open_case()
    refused = await bot.click("prepayment", "answer", ALICE, dollars=dollars, hours=hours)
    assert refused["response_action"] == "errors"
    assert "over the limit" in refused["errors"][field]
    assert refused["errors"][field].startswith({"dollars": "Amount ($)", "hours": "Hours"}[field]), \
        "the error names the input by its label"


async def test_control_characters_in_an_answer_are_an_inline_error(bot: SlackBot) -> None:
    await bot.open_case()
    await bot.click("accounts_receivable", "yes", ALICE)
    refused = await bot.click("payment_arrangements", "answer", ALICE, text="Pays \x1b[2J by card")
    assert list(refused["errors"]) == ["text"]
    assert "Arrangement must not contain control characters (U+001B" in refused["errors"]["text"]
    case = (await bot.svc.store.list_cases())[0]
    assert (await bot.svc.store.get_items(case.id))["payment_arrangements"].status == "open"


@pytest.mark.parametrize(("client", "field", "message"), [
    ("\u0410cmeCo", "client", "looks like AcmeCo: AcmeCo already has an open case"),
    ("\u3164", "client", "Client name has nothing visible in it"),
    ("\u2800\u2800", "client", "Client name has nothing visible in it"),
    ("Acme\u202eoC", "client", "Client name must not contain control characters"),
], ids=["cyrillic-look-alike", "hangul-filler", "braille-blank", "bidi-override"])
async def test_client_names_that_are_not_a_new_client_are_refused_inline(
        bot: SlackBot, client: str, field: str, message: str) -> None:
    await bot.open_case("AcmeCo")
    await bot.command(client, ALICE)
    refused = await bot.submit(ALICE, client=client, stop_date=stop_date(), **HEADER)
    assert message in refused["errors"][field]
    assert [c.client for c in await bot.svc.store.list_cases()] == ["AcmeCo"]


async def test_an_emoji_family_is_a_client_name(bot: SlackBot) -> None:
    family = "\U0001f468\u200d\U0001f469\u200d\U0001f467 Family Dental"
    await bot.command(family, ALICE)
    opened = await bot.submit(ALICE, stop_date=stop_date(), **HEADER)
    assert "Opened" in json.dumps(opened, ensure_ascii=False)
    assert [c.client for c in await bot.svc.store.list_cases()] == [family]


async def test_an_impossible_phone_is_refused_on_its_field(bot: SlackBot) -> None:
    await bot.command("AcmeCo", ALICE)
    refused = await bot.submit(ALICE, stop_date=stop_date(), **{**HEADER, "contact_phone": "(((((((1234567"})
    assert list(refused["errors"]) == ["contact_phone"]
    assert "Contact phone '(((((((1234567' is not a valid phone number in region US" in \
        refused["errors"]["contact_phone"]
