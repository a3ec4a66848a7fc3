"""The endpoint's checks run before bolt: forged, missing, stale or malformed signatures, size, JSON."""

from __future__ import annotations

import io
import json
import time
from collections.abc import AsyncIterator
from urllib.parse import urlencode

import pytest

from tests.slack.harness import ALICE, OSCAR, SlackBot, sign


def command_body(text: str = "AcmeCo") -> bytes:
    return urlencode({"command": "/offboard", "text": text, "user_id": ALICE.id, "user_name": ALICE.name,
                      "team_id": "T0FAKE", "channel_id": "C0ADMIN", "trigger_id": "t-1"}).encode()


async def nothing_ran(bot: SlackBot) -> None:
    assert [c.method for c in bot.fake.calls] == ["auth.test"], "no handler ran: no Web API call"
    assert await bot.svc.store.list_cases() == []


@pytest.mark.parametrize(("timestamp", "signature"), [
    (None, "v0=" + "0" * 64),  # forged
    (None, ""),  # missing signature
    ("", None),  # missing timestamp
    ("now-310", None),  # stale: signed correctly, but over 300 s old
    ("now+310", None),  # from the future
    ("abc", None),  # malformed: bolt alone answers 500 here
    ("1e9", None),
    ("-1", None),
    ("99999999999999999999999", None),
], ids=["forged", "no-signature", "no-timestamp", "stale", "future", "abc", "float", "negative", "huge"])
async def test_bad_signatures_are_401_and_nothing_runs(bot: SlackBot, timestamp: str | None,
                                                       signature: str | None) -> None:
    body = command_body()
    ts = timestamp if timestamp is not None else str(int(time.time()))
    if ts.startswith("now"):
        ts = str(int(time.time()) + int(ts[3:]))
    sig = signature if signature is not None else sign(body, ts)
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    if ts:
        headers["X-Slack-Request-Timestamp"] = ts
    if sig:
        headers["X-Slack-Signature"] = sig
    resp = await bot.client.post("/slack/events", data=body, headers=headers)
    assert resp.status == 401
    await nothing_ran(bot)


async def test_signed_with_another_secret_is_401(bot: SlackBot) -> None:
    body = command_body()
    ts = str(int(time.time()))
    resp = await bot.post(body, "application/x-www-form-urlencoded", timestamp=ts,
                          signature=sign(body, ts, "not-the-secret"))
    assert resp.status == 401
    await nothing_ran(bot)


async def test_body_over_a_mebibyte_is_413(bot: SlackBot) -> None:
    body = b"text=" + b"a" * (1024 * 1024)
    ts = str(int(time.time()))
    resp = await bot.client.post("/slack/events", data=io.BytesIO(body), headers={
        "Content-Type": "application/x-www-form-urlencoded", "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": sign(body, ts)})
    assert resp.status == 413
    await nothing_ran(bot)


async def test_body_over_a_mebibyte_without_content_length_is_413(bot: SlackBot) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(17):
            yield b"a" * (64 * 1024)

    ts = str(int(time.time()))
    resp = await bot.client.post("/slack/events", data=chunks(), headers={
        "Content-Type": "application/x-www-form-urlencoded", "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": "v0=" + "0" * 64})
    assert resp.status == 413
    await nothing_ran(bot)


@pytest.mark.parametrize(("body", "content_type"), [
    (b'{"type": "event_callback", ', "application/json"),
    (b"[1, 2, 3]", "application/json"),
    (urlencode({"payload": "{not json"}).encode(), "application/x-www-form-urlencoded"),
    (urlencode({"payload": json.dumps([1])}).encode(), "application/x-www-form-urlencoded"),
], ids=["truncated-json", "json-array", "payload-not-json", "payload-array"])
async def test_signed_malformed_json_is_400(bot: SlackBot, body: bytes, content_type: str) -> None:
    resp = await bot.post(body, content_type)
    assert resp.status == 400
    await nothing_ran(bot)


async def test_a_signed_command_goes_through(bot: SlackBot) -> None:
    resp = await bot.post(command_body(), "application/x-www-form-urlencoded")
    assert resp.status == 200
    assert [c.method for c in bot.fake.calls][:2] == ["auth.test", "views.open"]


async def test_url_verification_challenge(bot: SlackBot) -> None:
    body = json.dumps({"type": "url_verification", "challenge": "c-123", "token": "x"}).encode()
    resp = await bot.post(body, "application/json")
    assert resp.status == 200
    assert "c-123" in await resp.text()


# ---------------------------------------------------------------- signed but malformed: 400, nothing changed
async def case_state(bot: SlackBot) -> tuple[int, list[tuple[str, int]]]:
    case = (await bot.svc.store.list_cases())[0]
    items = await bot.svc.store.get_items(case.id)
    return len(await bot.svc.store.get_events(case.id)), sorted((i, r.version) for i, r in items.items())


def click(bot: SlackBot, **changes: object) -> dict[str, object]:
    payload = bot.click_payload("review_account", "done", ALICE)
    payload.update(changes)
    return payload


def valued(bot: SlackBot, value: str) -> dict[str, object]:
    payload = bot.click_payload("review_account", "done", ALICE)
    payload["actions"] = [{**payload["actions"][0], "value": value}]
    return payload


MALFORMED_CLICKS = {
    "actions-not-a-list": lambda bot: click(bot, actions={"action_id": "item_done#0"}),
    "no-actions": lambda bot: click(bot, actions=[]),
    "no-user": lambda bot: {k: v for k, v in click(bot).items() if k != "user"},
    "empty-user": lambda bot: click(bot, user={"id": ""}),
    "user-not-an-object": lambda bot: click(bot, user="U0ALICE"),
    "version-1e999": lambda bot: valued(bot, '{"a":"done","c":"c1","i":"review_account","v":1e999}'),
    "version-not-a-number": lambda bot: valued(bot, '{"a":"done","c":"c1","i":"review_account","v":"one"}'),
    "value-not-json": lambda bot: valued(bot, "{not json"),
    "no-trigger-id": lambda bot: {k: v for k, v in click(bot).items() if k != "trigger_id"},
}


@pytest.mark.parametrize("make", list(MALFORMED_CLICKS.values()), ids=list(MALFORMED_CLICKS))
async def test_a_signed_malformed_click_is_400_and_changes_nothing(bot: SlackBot, make: object) -> None:
    await bot.open_case()
    before, calls = await case_state(bot), len(bot.fake.calls)
    resp = await bot.interact(make(bot))  # type: ignore[operator]
    assert resp.status == 400, await resp.text()
    assert await case_state(bot) == before
    assert bot.fake.calls[calls:] == [], "no listener ran"


BAD_METADATA = [None, "", "not json", "[1]", '{"r": "{}"}', '{"r": "{\\"v\\": 1e999}"}']


@pytest.mark.parametrize("metadata", BAD_METADATA,
                         ids=["missing", "empty", "not-json", "not-an-object", "no-ref", "bad-ref"])
async def test_a_signed_view_without_its_metadata_is_400(bot: SlackBot, metadata: str | None) -> None:
    await bot.open_case()
    await bot.interact(bot.click_payload("prepayment", "answer", ALICE))
    view = dict(bot.fake.views[bot.fake.last_view_id or ""])
    if metadata is None:
        view.pop("private_metadata")
    else:
        view["private_metadata"] = metadata
    before = await case_state(bot)
    payload = {"type": "view_submission", "team": {"id": "T0FAKE"}, "user": {"id": ALICE.id},
               "view": {**view, "state": {"values": {}}}}
    resp = await bot.interact(payload)
    assert resp.status == 400
    assert await case_state(bot) == before


@pytest.mark.parametrize("missing", ["trigger_id", "user_id"])
async def test_a_signed_command_without_trigger_id_or_user_is_400(bot: SlackBot, missing: str) -> None:
    fields = {"command": "/offboard", "text": "AcmeCo", "user_id": ALICE.id, "team_id": "T0FAKE",
              "channel_id": "C0ADMIN", "trigger_id": "t-1"}
    fields[missing] = ""
    resp = await bot.post(urlencode(fields).encode(), "application/x-www-form-urlencoded")
    assert resp.status == 400
    await nothing_ran(bot)


async def test_a_failed_private_note_does_not_turn_a_handled_click_into_an_error(bot: SlackBot) -> None:
    await bot.open_case()
    bot.fake.fail("chat.postEphemeral", ("status", 500), ("status", 500), ("status", 500))
    resp = await bot.interact(bot.click_payload("review_account", "done", OSCAR))  # refused: a private note
    assert resp.status == 200
    bot.fake.fail("chat.postEphemeral", ("status", 500), ("status", 500), ("status", 500))
    stale = bot.click_payload("review_account", "done", ALICE)
    await bot.click("review_account", "done", ALICE)
    stale["actions"][0]["action_ts"] = f"{time.time():.6f}"
    resp = await bot.interact(stale)  # a stale click is told so privately; that note fails too
    assert resp.status == 200


async def test_bolt_reads_the_body_this_endpoint_parsed(bot: SlackBot) -> None:
    # The body is decoded once, here: bolt's own parser takes any form body that merely contains the
    # word "payload" for an interaction and loses the slash command's fields (no listener ran).
    resp = await bot.post(command_body("payload systems"), "application/x-www-form-urlencoded")
    assert resp.status == 200
    assert [c.method for c in bot.fake.calls][:2] == ["auth.test", "views.open"]
    opened = bot.fake.views[bot.fake.last_view_id or ""]
    assert "payload systems" in json.dumps(opened)
