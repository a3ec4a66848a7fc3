"""/api/messages checks size and shape before the SDK sees a request; installs are remembered and greeted."""

from __future__ import annotations

import io
import json
from collections.abc import AsyncIterator

import pytest

from tests.teams.harness import ALICE, TEAM, TeamsBot


@pytest.mark.parametrize(("body", "status"), [
    (b"x" * (1024 * 1024 + 1), 413),
    (b'{"type": "message", ', 400),
    (b"[1, 2, 3]", 400),
    (b"\xff\xfe not utf-8", 400),
    (json.dumps({"type": "message", "serviceUrl": "http://127.0.0.1:1/amer/"}).encode(), 400),
    (json.dumps({"type": "message", "conversation": {"id": "a:1"}}).encode(), 400),
    (json.dumps({"type": ["message"], "conversation": {"id": "a:1"},
                 "serviceUrl": "http://127.0.0.1:1/amer/"}).encode(), 400),
], ids=["too-big", "truncated", "array", "not-utf8", "no-conversation", "no-service-url", "bad-type"])
async def test_what_is_not_an_activity_is_refused_before_any_turn(bot: TeamsBot, body: bytes,
                                                                  status: int) -> None:
    before = len(bot.fake.calls)
    resp = await bot.client.post("/api/messages", data=io.BytesIO(body),
                                 headers={"Content-Type": "application/json"})
    assert resp.status == status
    assert len(bot.fake.calls) == before, "no turn ran"


async def test_installing_the_app_teaches_the_bot_its_channels_and_greets_a_person(bot: TeamsBot) -> None:
    ref = await bot.adapter.references.get("19:tech@thread.tacv2")
    assert ref is not None and ref.service_url == bot.fake.service_url and ref.team_id == TEAM
    assert ref.team_group, "the team's AAD group, for reading its channels through Graph"
    greeting = bot.activity("installationUpdate", ALICE, bot.personal(ALICE), action="add")
    assert (await bot.post(greeting)).status in (200, 202)
    (hello,) = bot.fake.messages
    assert "offboard commands" in hello.text and "offboard CLIENT" in hello.text


async def test_a_body_over_a_mebibyte_without_content_length_is_413(bot: TeamsBot) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(17):
            yield b"a" * (64 * 1024)

    resp = await bot.client.post("/api/messages", data=chunks(), headers={"Content-Type": "application/json"})
    assert resp.status == 413
