"""Typing to the bot: commands in a personal chat or @offboard in a channel, and the header form's errors."""

from __future__ import annotations

from datetime import date, timedelta

from adapters.teams.commands import teams_command, without_bot_mention
from tests.teams.harness import ADMIN, ALICE, BOT_ID, CASES, OSCAR, TOM, TeamsBot, stop_date

HEADER = {"stop_date": stop_date(), "contact_name": "Pat", "contact_phone": "+1 202 555 0130",
          "contact_email": "pat@acme.example"}


def test_the_bots_mention_is_removed_by_its_entity_only() -> None:
    activity = {"text": "<at>offboard</at> offboard offboard Inc <at>Tom</at>", "recipient": {"id": BOT_ID},
                "entities": [{"type": "mention", "text": "<at>offboard</at>", "mentioned": {"id": BOT_ID}},
                             {"type": "mention", "text": "<at>Tom</at>", "mentioned": {"id": "29:tom"}}]}
    text = without_bot_mention(activity)
    assert text == "offboard offboard Inc <at>Tom</at>", "other mentions and the word offboard stay"
    assert teams_command(text).arg == "offboard Inc <at>Tom</at>"
    assert without_bot_mention({**activity, "entities": []}) == activity["text"], "no entity: nothing removed"


def test_commands_read_like_the_manifest_lists_them() -> None:
    assert (teams_command("offboard AcmeCo").verb, teams_command("offboard AcmeCo").arg) == ("open", "AcmeCo")
    assert teams_command("list").verb == teams_command("offboard list").verb == "list"
    assert teams_command("status acme").arg == "acme"
    assert teams_command("status").arg == "status needs a client name"
    assert "Type offboard hello" in teams_command("hello").arg


async def test_in_a_channel_the_form_answers_in_the_thread_with_the_client_as_typed(bot: TeamsBot) -> None:
    (form,) = await bot.say("offboard offboard Inc", ALICE, channel=ADMIN)
    assert form.channel == ADMIN and form.root is not None, "a reply in the thread of Alice's post"
    client = next(n for n in form.card["body"] if n.get("id") == "f:client")
    assert client["value"] == "offboard Inc"


async def test_help_list_status_and_export(bot: TeamsBot) -> None:
    (reply,) = await bot.say("hello", ALICE)
    assert "Type offboard hello to open a case" in reply.text and "status CLIENT" in reply.text
    (reply,) = await bot.say("list", ALICE)
    assert "No open cases" in reply.text
    await bot.open_case("AcmeCo")
    await bot.open_case("Beta LLC")
    (reply,) = await bot.say("list", TOM, channel=ADMIN)
    assert "AcmeCo — stops" in reply.text and "with Admin" in reply.text and "Beta LLC" in reply.text
    (reply,) = await bot.say("status acmeco", ALICE)
    summary = bot.fake.channel(CASES)[0]
    assert "Service stops" in reply.text
    link = next(n for n in reply.card["body"][-1]["inlines"] if n.get("selectAction"))["selectAction"]["url"]
    assert link == f"https://teams.microsoft.com/l/message/{CASES}/{summary.id}"
    (reply,) = await bot.say("export AcmeCo", ALICE)
    assert "are being posted into the case thread" in reply.text
    await bot.settle()
    thread = bot.fake.thread(CASES, summary.id)
    documents = [m.text.splitlines()[0] for m in thread if m.text.startswith("📄")]
    assert documents == ["📄 \"What's Next\" memo for AcmeCo", "📄 \"What's Next\" memo for AcmeCo",
                         "📄 Checklist so far: AcmeCo"]
    (reply,) = await bot.say("export AcmeCo", OSCAR)
    assert "Only the case's departments or a manager can export" in reply.text
    (reply,) = await bot.say("status Nobody", ALICE)
    assert "No case for 'Nobody'" in reply.text


async def test_the_header_form_shows_errors_on_their_fields_and_keeps_what_was_typed(bot: TeamsBot) -> None:
    (form,) = await bot.say("offboard AcmeCo", ALICE)
    answer = await bot.submit(form, ALICE, "open_case", **{**HEADER, "contact_email": "pat at acme"})
    again = answer["value"]
    body = again["body"]
    at = next(n for n, e in enumerate(body) if e.get("id") == "f:contact_email")
    error = body[at + 1]["inlines"][0]
    assert "email" in error["text"].lower() and error["color"] == "attention", "the error is under its field"
    assert body[at]["value"] == "pat at acme"
    assert next(e for e in body if e.get("id") == "f:contact_name")["value"] == "Pat", "values kept"
    past = (date.today() - timedelta(days=3)).isoformat()
    answer = await bot.submit(again, ALICE, "open_case", **{**HEADER, "stop_date": past})
    body = answer["value"]["body"]
    at = next(n for n, e in enumerate(body) if e.get("id") == "f:stop_date")
    assert "is in the past" in body[at + 1]["inlines"][0]["text"]
    assert await bot.svc.store.list_cases() == []
    opened = await bot.submit(answer["value"], ALICE, "open_case", **HEADER)
    assert "Opened the offboarding case for AcmeCo" in str(opened)
    (form,) = await bot.say("offboard acmeco", ALICE)
    twice = await bot.submit(form, ALICE, "open_case", **HEADER)
    body = twice["value"]["body"]
    at = next(n for n, e in enumerate(body) if e.get("id") == "f:client")
    assert "already has an open case" in body[at + 1]["inlines"][0]["text"]
    assert len(await bot.svc.store.list_cases()) == 1


async def test_only_admin_or_a_manager_gets_the_form(bot: TeamsBot) -> None:
    (reply,) = await bot.say("offboard AcmeCo", TOM)
    assert "Only the Admin department or a manager can open a case." in reply.text
    assert not any(n.get("type", "").startswith("Input.") for n in reply.card["body"])


async def test_cancel_asks_for_a_reason_first(bot: TeamsBot) -> None:
    await bot.open_case("AcmeCo")
    (refused,) = await bot.say("cancel AcmeCo", OSCAR)
    assert "Only the Admin department or a manager can cancel a case." in refused.text
    (form,) = await bot.say("cancel AcmeCo", ALICE)
    assert "Cancel the case for AcmeCo?" in form.text
    missing = await bot.submit(form, ALICE, "cancel_case", reason="")
    assert "Reason" in str(missing["value"]) and (await bot.svc.store.list_cases())[0].status == "open"
    done = await bot.submit(form, ALICE, "cancel_case", reason="Client stays after all")
    assert "Cancelled the case for AcmeCo: Client stays after all" in str(done["value"])
    assert (await bot.svc.store.list_cases())[0].status == "cancelled"
