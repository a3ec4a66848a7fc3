"""Clicks: refusals are private and change nothing; replays and retries act once; a click is kept before it
is acknowledged, and one whose change cannot be saved is told, never lost in silence."""

from __future__ import annotations

import contextlib
import json
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlencode

from storage.sqlite_inbox import inbox_path
from tests.slack.harness import ADMIN, ALICE, OSCAR, TOM, SlackBot


async def item(bot: SlackBot, item_id: str) -> tuple[str, int]:
    case = (await bot.svc.store.list_cases("open"))[0]
    rec = (await bot.svc.store.get_items(case.id))[item_id]
    return rec.status, rec.version


async def events(bot: SlackBot) -> int:
    case = (await bot.svc.store.list_cases())[0]
    return len(await bot.svc.store.get_events(case.id))


async def test_a_refused_click_gets_a_private_explanation_and_changes_nothing(bot: SlackBot) -> None:
    await bot.open_case()
    before, seen, updates = await item(bot, "review_account"), await events(bot), len(bot.fake.calls)
    await bot.click("review_account", "done", OSCAR)
    (note,) = bot.fake.ephemerals
    assert note["user"] == OSCAR.id and note["channel"] == ADMIN
    assert "Admin department and you are not a member" in note["text"]
    assert await item(bot, "review_account") == before
    assert await events(bot) == seen
    chat = [c.method for c in bot.fake.calls[updates:] if c.method.startswith("chat.")]
    assert chat == ["chat.postEphemeral"], "nothing posted or edited"


async def test_a_refused_modal_click_says_so_in_the_modal_and_privately(bot: SlackBot) -> None:
    await bot.open_case()
    payload = bot.click_payload("quickbooks_terms", "na", TOM)  # Tom is in Tech, not Admin
    resp = await bot.interact(payload)
    assert resp.status == 200
    view = bot.fake.views[bot.fake.last_view_id or ""]
    assert view["title"]["text"] == "Not allowed" and "submit" not in view
    assert "not a member" in bot.fake.ephemerals[0]["text"]
    assert (await item(bot, "quickbooks_terms"))[0] == "open"


async def test_the_same_signed_click_replayed_acts_once(bot: SlackBot) -> None:
    await bot.open_case()
    body = urlencode({"payload": json.dumps(bot.click_payload("review_account", "done", ALICE))}).encode()
    ts = str(int(time.time()))
    first = await bot.post(body, "application/x-www-form-urlencoded", timestamp=ts)
    await bot.applied()
    seen = await events(bot)
    replay = await bot.post(body, "application/x-www-form-urlencoded", timestamp=ts)
    assert first.status == replay.status == 200
    await bot.applied()
    assert await events(bot) == seen, "the replay changed nothing"
    assert (await item(bot, "review_account"))[0] == "done"
    assert bot.fake.ephemerals == [], "a duplicate is not news to anyone"


async def test_a_slack_retry_acts_once(bot: SlackBot) -> None:
    await bot.open_case()
    body = urlencode({"payload": json.dumps(bot.click_payload("contact_client", "done", ALICE))}).encode()
    assert (await bot.post(body, "application/x-www-form-urlencoded")).status == 200
    await bot.applied()
    seen = await events(bot)
    retry = await bot.post(body, "application/x-www-form-urlencoded",
                           headers={"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"})
    assert retry.status == 200
    await bot.applied()
    assert await events(bot) == seen
    await bot.settle()
    changes = [c for c in bot.fake.ok_calls("chat.update") if "contact_client" in json.dumps(c.args)]
    assert changes, "the one change reached the card"


async def test_a_replayed_modal_submission_opens_one_case(bot: SlackBot) -> None:
    await bot.command("AcmeCo", ALICE)
    view = bot.fake.views[bot.fake.last_view_id or ""]
    fields = {"stop_date": "2099-01-31", "contact_name": "Pat", "contact_phone": "+1 202 555 0130",
              "contact_email": "pat@acme.example"}
    first = await bot.submit(ALICE, view["id"], **fields)
    again = await bot.submit(ALICE, view["id"], **fields)
    assert "Opened" in json.dumps(first) and "Already done" in json.dumps(again)
    assert len(await bot.svc.store.list_cases()) == 1


def refuse_inserts(bot: SlackBot, table: str) -> Callable[[], None]:
    """Make the database refuse every new row of a table, as a full disk would; the undo."""
    database = Path(bot.svc.config.database)
    path = str(inbox_path(database) if table == "inbox" else database)  # the inbox has a file of its own
    with contextlib.closing(sqlite3.connect(path)) as conn:
        conn.execute(f"CREATE TRIGGER refuse_{table} BEFORE INSERT ON {table} "
                     "BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END")

    def undo() -> None:
        with contextlib.closing(sqlite3.connect(path)) as conn:
            conn.execute(f"DROP TRIGGER refuse_{table}")
    return undo


async def test_a_click_the_database_cannot_keep_is_an_error_to_slack_not_a_silent_loss(bot: SlackBot) -> None:
    await bot.open_case()
    before, seen = await item(bot, "review_account"), await events(bot)
    undo = refuse_inserts(bot, "inbox")
    resp = await bot.interact(bot.click_payload("review_account", "done", ALICE))
    assert resp.status == 500, "Slack shows the person an error"
    assert await item(bot, "review_account") == before and await events(bot) == seen
    undo()
    await bot.click("review_account", "done", ALICE)  # clicking again works
    assert (await item(bot, "review_account"))[0] == "done"


async def test_a_kept_click_whose_change_cannot_be_saved_is_told_privately_and_changes_nothing(
        bot: SlackBot) -> None:
    await bot.open_case()
    before, seen = await item(bot, "review_account"), await events(bot)
    undo = refuse_inserts(bot, "processed_requests")
    resp = await bot.interact(bot.click_payload("review_account", "done", ALICE))
    assert resp.status == 200, "kept, so acknowledged"
    await bot.applied()
    assert await item(bot, "review_account") == before and await events(bot) == seen
    (note,) = bot.fake.ephemerals
    assert note["user"] == ALICE.id and note["channel"] == ADMIN
    assert note["text"] == ("Your click was not saved: offboard could not write to its database just now. "
                            "Nothing changed; please click again.")
    assert await bot.svc.store.inbox() == [], "told at once, not applied later by surprise"
    undo()
    await bot.click("review_account", "done", ALICE)
    assert (await item(bot, "review_account"))[0] == "done"


async def test_a_stale_click_says_who_already_did_it(bot: SlackBot) -> None:
    await bot.open_case()
    stale = bot.click_payload("review_account", "done", ALICE)
    await bot.click("review_account", "done", ALICE)
    stale["actions"][0]["action_ts"] = f"{time.time():.6f}"  # a second, later click on the old card
    resp = await bot.interact(stale)
    assert resp.status == 200
    await bot.applied()
    assert "already answered by Alice Admin" in bot.fake.ephemerals[-1]["text"]


async def test_undo_of_someone_elses_answer_is_refused(bot: SlackBot) -> None:
    await bot.open_case()
    bot.fake.members[ADMIN].append(TOM.id)  # Tom joins #admin
    bot.adapter.members.forget()
    await bot.click("review_account", "done", ALICE)
    await bot.click("review_account", "undo", TOM)
    assert "Only Alice Admin, who answered it, or a manager can undo this." in bot.fake.ephemerals[-1]["text"]
    await bot.click("review_account", "undo", ALICE)
    assert (await item(bot, "review_account"))[0] == "open"


async def test_a_claim_leaves_other_clicks_alone_and_a_losing_claim_says_who_claimed(bot: SlackBot) -> None:
    await bot.open_case()
    bot.fake.members[ADMIN].append(TOM.id)  # Tom joins #admin
    bot.adapter.members.forget()
    toms_claim = bot.click_payload("review_account", "claim", TOM)  # the card as both saw it
    toms_done = bot.click_payload("review_account", "done", TOM)
    await bot.click("review_account", "claim", ALICE)
    card = json.dumps(bot.fake.message_with_block("item:review_account").blocks)
    assert "Held by Alice Admin" in card

    assert (await bot.interact(toms_claim)).status == 200
    await bot.applied()
    note = bot.fake.ephemerals[-1]["text"]
    assert note.startswith("Nothing changed: Alice Admin claimed this item at ")
    assert (await bot.interact(toms_done)).status == 200
    await bot.applied()
    assert (await item(bot, "review_account"))[0] == "done", "the answer was not made stale by the claim"
