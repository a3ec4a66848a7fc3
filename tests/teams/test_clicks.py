"""Clicks: a refusal changes nothing and says why; a repeated invoke acts once; the card updates for all."""

from __future__ import annotations

import sqlite3

import pytest

from storage.sqlstore import SqlWriteTx as SQLiteWriteTx
from tests.teams.card_check import shown
from tests.teams.harness import ALICE, MARY, OSCAR, TOM, TeamsBot

MESSAGE = "application/vnd.microsoft.activity.message"


async def item(bot: TeamsBot, item_id: str) -> tuple[str, int]:
    case = (await bot.svc.store.list_cases("open"))[0]
    rec = (await bot.svc.store.get_items(case.id))[item_id]
    return rec.status, rec.version


async def events(bot: TeamsBot) -> int:
    case = (await bot.svc.store.list_cases())[0]
    return len(await bot.svc.store.get_events(case.id))


def outbound(bot: TeamsBot) -> list[str]:
    return [c.route for c in bot.fake.calls if c.route in ("post", "send", "reply", "update")]


async def test_a_click_refreshes_the_card_for_the_clicker_now_and_for_everyone_after(bot: TeamsBot) -> None:
    await bot.open_case()
    answer = await bot.click("review_account", "done", ALICE)
    mine = shown(answer["value"])
    assert "✅ Review AcmeCo's account\nDone — Alice Admin" in mine
    everyone = bot.fake.showing("review_account")
    assert everyone.edits == 1 and shown(everyone.card) == mine


async def test_a_refused_click_says_why_and_changes_nothing(bot: TeamsBot) -> None:
    await bot.open_case()
    before, seen, calls = await item(bot, "review_account"), await events(bot), len(outbound(bot))
    answer = await bot.click("review_account", "done", OSCAR)
    assert answer["type"] == MESSAGE
    assert "belongs to the Admin department and you are not a member of it" in answer["value"]
    assert await item(bot, "review_account") == before and await events(bot) == seen
    assert len(outbound(bot)) == calls, "nothing posted or edited"


async def test_a_refused_form_click_shows_no_form(bot: TeamsBot) -> None:
    await bot.open_case()
    message, button = bot.button("quickbooks_terms", "na")
    answer = await bot.invoke(message, TOM, button["verb"], button["data"])
    assert answer["type"] == MESSAGE and "not a member" in answer["value"]
    assert (await item(bot, "quickbooks_terms"))[0] == "open"


async def test_the_same_invoke_repeated_acts_once(bot: TeamsBot) -> None:
    await bot.open_case()
    message, button = bot.button("review_account", "done")
    activity = bot.invoke_activity(message, ALICE, "item", button["data"])
    first = await bot.send_invoke(activity)
    seen = await events(bot)
    again = await bot.send_invoke(activity)  # Teams retries an invoke with the same activity id
    assert await events(bot) == seen, "the repeat changed nothing"
    assert shown(first["value"]) == shown(again["value"]), "and the clicker still sees the card"
    assert (await item(bot, "review_account"))[0] == "done"


async def test_a_stale_click_says_who_already_did_it(bot: TeamsBot) -> None:
    await bot.open_case()
    message, button = bot.button("review_account", "done")
    await bot.click("review_account", "done", ALICE)
    answer = await bot.invoke(message, MARY, button["verb"], button["data"])  # the old card's button
    assert answer["type"] == MESSAGE
    assert "already answered by Alice Admin" in answer["value"]


async def test_a_wrong_amount_comes_back_on_its_field_with_what_was_typed(bot: TeamsBot) -> None:
    await bot.open_case()
    answer = await bot.click("prepayment", "answer", ALICE, dollars="fifteen hundred", hours="10")
    form = answer["value"]
    at = next(n for n, e in enumerate(form["body"]) if e.get("id") == "f:dollars")
    assert form["body"][at]["value"] == "fifteen hundred"
    assert form["body"][at + 1]["inlines"][0]["color"] == "attention"
    assert next(e for e in form["body"] if e.get("id") == "f:hours")["value"] == "10"
    assert (await item(bot, "prepayment"))[0] == "open"
    back = next(a for a in form["actions"] if a["verb"] == "back")
    card = await bot.invoke(bot.fake.showing("prepayment"), ALICE, "back", back["data"])
    assert "⬜ Review AcmeCo's account" in shown(card["value"]), "Back shows the step card again"


async def test_claim_and_undo(bot: TeamsBot) -> None:
    await bot.open_case()
    await bot.click("contact_client", "claim", ALICE)
    assert "Held by Alice Admin" in bot.fake.showing("contact_client").text
    await bot.click("contact_client", "done", ALICE)
    await bot.click("contact_client", "undo", ALICE)
    assert (await item(bot, "contact_client"))[0] == "open"


async def test_a_failed_commit_is_an_error_to_teams_not_a_silent_loss(
        bot: TeamsBot, monkeypatch: pytest.MonkeyPatch) -> None:
    await bot.open_case()
    before, seen = await item(bot, "review_account"), await events(bot)

    async def disk_full(self: SQLiteWriteTx, request_id: str, result: object, at: object) -> None:
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(SQLiteWriteTx, "record_request", disk_full)
    message, button = bot.button("review_account", "done")
    activity = bot.invoke_activity(message, ALICE, "item", button["data"])
    resp = await bot.post(activity)
    assert resp.status == 500, "Teams shows the person an error"
    assert await item(bot, "review_account") == before and await events(bot) == seen
    monkeypatch.undo()
    await bot.click("review_account", "done", ALICE)
    assert (await item(bot, "review_account"))[0] == "done"
