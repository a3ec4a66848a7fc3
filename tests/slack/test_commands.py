"""/offboard help | list | status | cancel | export, the header modal's inline errors, and App Home."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

from tests.slack.fake_slack import FakeSlack
from tests.slack.harness import ALICE, CASES, MARY, OSCAR, SlackBot, running_bot, stop_date

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


async def test_reopen_asks_for_a_reason_and_records_it(bot: SlackBot) -> None:
    await bot.open_case("AcmeCo")
    await bot.command("cancel AcmeCo", ALICE)
    assert "`/offboard reopen CLIENT` reopens it" in json.dumps(bot.fake.views[bot.fake.last_view_id or ""])
    await bot.submit(ALICE, reason="Client stays after all")
    await bot.command("reopen AcmeCo", ALICE)
    view = bot.fake.views[bot.fake.last_view_id or ""]
    assert view["callback_id"] == "reopen_case"
    assert "Reopen the cancelled case for *AcmeCo*" in json.dumps(view)
    missing = await bot.submit(ALICE, reason="")
    assert missing["response_action"] == "errors" and "reason" in missing["errors"]
    assert await bot.submit(ALICE, reason="They are leaving after all") == {}
    await bot.settle()
    case = (await bot.svc.store.list_cases())[0]
    assert case.status == "open"
    summary = bot.fake.channel(CASES)[0]
    assert "Reopened the case for AcmeCo: They are leaving after all" in [
        m.text for m in bot.fake.thread(CASES, summary.ts)]
    await bot.command("reopen AcmeCo", ALICE)
    again = bot.fake.views[bot.fake.last_view_id or ""]
    assert "Nothing to reopen: the case for AcmeCo is open" in json.dumps(again)


async def test_status_shows_the_open_case_and_names_the_others(bot: SlackBot) -> None:
    await bot.open_case("AcmeCo")
    first = (await bot.svc.store.list_cases())[0]
    await bot.command("cancel AcmeCo", ALICE)
    await bot.submit(ALICE, reason="Opened by mistake")
    await bot.open_case("Acme Co")
    status = json.dumps(await bot.command("status acmeco", ALICE), ensure_ascii=False)
    assert "this is the open one" in status and f"Not shown: {first.id} (cancelled" in status
    by_id = json.dumps(await bot.command(f"status {first.id}", ALICE), ensure_ascii=False)
    assert "cancelled" in by_id and "Not shown" not in by_id


async def test_who_may_list_and_view_cases_is_configurable(bot: SlackBot, tmp_path: Path,
                                                           fake: FakeSlack) -> None:
    await bot.open_case("AcmeCo")
    for text in ("list", "status AcmeCo"):
        refused = json.dumps(await bot.command(text, OSCAR))
        assert "Only members of a department's channel and managers can list and view cases" in refused
        assert "AcmeCo" not in refused
    await bot.home(OSCAR)
    assert "AcmeCo" not in json.dumps(bot.fake.published[OSCAR.id])
    assert "AcmeCo" in json.dumps(await bot.command("list", MARY)), "managers may"

    (tmp_path / "everyone").mkdir()
    extra = '[offboard]\nviewers = "everyone"\n'
    async with running_bot(tmp_path / "everyone", fake, extra_config=extra) as open_bot:
        await open_bot.open_case("Beta LLC")
        assert "Beta LLC" in json.dumps(await open_bot.command("list", OSCAR))


async def test_app_home_says_when_no_company_name_is_configured(bot: SlackBot) -> None:
    await bot.home(ALICE)
    home = json.dumps(bot.fake.published[ALICE.id], ensure_ascii=False)
    assert "No company name is configured, so documents say “[Company name]”" in home
    assert "`[company]` table of the config file (`OFFBOARD_CONFIG`)" in home


async def test_the_audit_trail_names_people_by_display_name(bot: SlackBot) -> None:
    await bot.open_case("AcmeCo")
    await bot.click("review_account", "done", ALICE)
    case = (await bot.svc.store.list_cases())[0]
    names = {e.actor.get("name") for e in await bot.svc.store.get_events(case.id)}
    assert "Alice Admin" in names and "alice" not in names
