"""/offboard help | list | status | cancel | export, the header modal's inline errors, and App Home."""

from __future__ import annotations

import json
from datetime import date, timedelta

from tests.slack.harness import ALICE, CASES, MARY, OSCAR, SlackBot, stop_date

HEADER = {"contact_name": "Pat", "contact_phone": "+1 202 555 0130", "contact_email": "pat@acme.example"}


async def test_help(bot: SlackBot) -> None:
    assert [c.method for c in bot.fake.calls] == ["auth.test"], "asked once, at startup"
    for text in ("help", "", "status"):
        reply = await bot.command(text, ALICE)
        assert "/offboard status CLIENT" in reply["text"]
    assert "needs a client name" in (await bot.command("status", ALICE))["text"]
    assert [c.method for c in bot.fake.calls] == ["auth.test"], "the reply is the acknowledgement"


async def test_list_status_and_export(bot: SlackBot) -> None:
    assert "No open cases" in json.dumps(await bot.command("list", ALICE))
    await bot.open_case("AcmeCo")
    await bot.open_case("Beta LLC")
    listing = json.dumps(await bot.command("list", ALICE))
    assert "AcmeCo" in listing and "Beta LLC" in listing and "with *Admin*" in listing
    status = await bot.command("status acmeco", ALICE)
    summary = bot.fake.channel(CASES)[0]
    assert "Service stops" in json.dumps(status["blocks"])
    assert f"https://slack.com/archives/{CASES}/p{summary.ts.replace('.', '')}" in json.dumps(status)
    await bot.settle()
    before = [f["name"] for m in bot.fake.thread(CASES, summary.ts) for f in m.files]
    assert before == ["acmeco-memo.md"]
    export = json.dumps(await bot.command("export AcmeCo", ALICE))
    assert "https://offboard.example.com/dashboard/" in export and "being uploaded" in export
    await bot.settle()
    after = [f["name"] for m in bot.fake.thread(CASES, summary.ts) for f in m.files]
    assert after == ["acmeco-memo.md", "acmeco-memo.md", "acmeco-checklist.md"], \
        "the memo again, and the checklist as it stands"
    refused = json.dumps(await bot.command("export AcmeCo", OSCAR))
    assert "Only the case's departments or a manager" in refused
    assert "No case for 'Nobody'" in json.dumps(await bot.command("status Nobody", ALICE))


async def test_cancel_asks_for_a_reason_first(bot: SlackBot) -> None:
    await bot.open_case("AcmeCo")
    await bot.command("cancel AcmeCo", ALICE)
    view = bot.fake.views[bot.fake.last_view_id or ""]
    assert view["callback_id"] == "cancel_case" and "Cancel the case for *AcmeCo*" in json.dumps(view)
    missing = await bot.submit(ALICE, reason="")
    assert missing["response_action"] == "errors" and "reason" in missing["errors"]
    assert (await bot.svc.store.list_cases())[0].status == "open"
    assert await bot.submit(ALICE, reason="Client stays after all") == {}
    await bot.settle()
    case = (await bot.svc.store.list_cases())[0]
    assert case.status == "cancelled"
    assert "cancelled" in bot.fake.channel(CASES)[0].text
    await bot.command("cancel AcmeCo", ALICE)
    assert "Nothing to cancel" in json.dumps(bot.fake.views[bot.fake.last_view_id or ""])


async def test_cancel_by_an_outsider_is_refused_before_the_form(bot: SlackBot) -> None:
    await bot.open_case("AcmeCo")
    await bot.command("cancel AcmeCo", OSCAR)
    view = bot.fake.views[bot.fake.last_view_id or ""]
    assert view["title"]["text"] == "Not allowed" and "submit" not in view
    assert "Only the Admin department or a manager can cancel a case" in bot.fake.ephemerals[-1]["text"]


async def test_header_errors_come_back_inline_by_block(bot: SlackBot) -> None:
    await bot.command("AcmeCo", ALICE)
    yesterday = (date.today() - timedelta(days=1)).isoformat()
    past = await bot.submit(ALICE, stop_date=yesterday, **HEADER)
    assert past["response_action"] == "errors"
    assert "is in the past" in past["errors"]["stop_date"]
    email = await bot.submit(ALICE, stop_date=stop_date(), **{**HEADER, "contact_email": "pat@"})
    assert list(email["errors"]) == ["contact_email"]
    assert await bot.svc.store.list_cases() == []
    assert "Opened" in json.dumps(await bot.submit(ALICE, stop_date=stop_date(), **HEADER))
    await bot.command("ACMECO", ALICE)
    again = await bot.submit(ALICE, stop_date=stop_date(), **HEADER)
    assert "already has an open case" in again["errors"]["client"]


async def test_the_header_modal_opens_before_anything_else(bot: SlackBot) -> None:
    await bot.command("AcmeCo", ALICE)
    methods = [c.method for c in bot.fake.calls if c.method != "auth.test"]
    assert methods[0] == "views.open", "the trigger_id is used first"


async def test_an_outsider_cannot_open_a_case(bot: SlackBot) -> None:
    await bot.command("AcmeCo", OSCAR)
    assert "Only the Admin department or a manager can open a case" in bot.fake.ephemerals[-1]["text"]
    view_id = bot.fake.last_view_id or ""
    assert bot.fake.views[view_id]["title"]["text"] == "Not allowed", "the form became the refusal"
    header = bot.fake.ok_calls("views.open")[-1].args["view"]  # had it been submitted in that moment:
    bot.fake.views[view_id] = {**header, "id": view_id, "hash": "h-early"}
    refused = await bot.submit(OSCAR, stop_date=stop_date(), **HEADER)
    assert "Only the Admin department" in refused["errors"]["client"]
    assert await bot.svc.store.list_cases() == []


async def test_app_home_lists_open_cases(bot: SlackBot) -> None:
    await bot.open_case("AcmeCo")
    resp = await bot.home(MARY)
    assert resp.status == 200
    home = bot.fake.published[MARY.id]
    assert home["type"] == "home"
    text = json.dumps(home)
    assert "AcmeCo" in text and "1. Admin 1/15" in text
