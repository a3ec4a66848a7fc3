"""Document links: signed over case, document, format and expiry; served read-only until they expire."""

from __future__ import annotations

import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from adapters.teams.links import document_url
from tests.teams.fake_teams import FakeTeams
from tests.teams.harness import TeamsBot, running_bot


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def link(bot: TeamsBot, case_id: str, document: str = "memo", fmt: str = "md",
         expires: int | None = None) -> str:
    settings = bot.adapter.settings
    return document_url(settings.public_url, str(settings.link_secret), case_id, document, fmt,
                        expires or int(time.time()) + 600)


async def test_a_signed_link_downloads_its_document_and_nothing_else(bot: TeamsBot) -> None:
    await bot.open_case()
    case = (await bot.svc.store.list_cases())[0].id
    good = link(bot, case)
    resp = await bot.client.get(path_of(good))
    assert resp.status == 200 and "AcmeCo" in await resp.text()
    assert resp.headers["Content-Disposition"].startswith("attachment;")
    assert resp.headers["Cache-Control"] == "private, no-store"

    other = "c" + "0" * 10
    forged = [
        good.replace("/memo.md", "/checklist.md"),  # another document
        good.replace("/memo.md", "/memo.html"),  # another format
        good.replace(case, other),  # another case
        good.replace("expires=", "expires=9"),  # a later expiry
        good[:-3] + ("AAA" if not good.endswith("AAA") else "BBB"),  # another signature
        good.split("?")[0],  # no signature at all
        link(bot, case, expires=int(time.time()) - 1),  # expired
    ]
    for url in forged:
        resp = await bot.client.get(path_of(url))
        assert resp.status == 403, url
        assert "ask the bot to export" in await resp.text()
    assert (await bot.client.post(path_of(good))).status == 405, "read-only"
    assert (await bot.client.get(path_of(link(bot, other)))).status == 404


async def test_links_work_without_the_workspace_token_off_the_loopback(tmp_path: Path,
                                                                       fake: FakeTeams) -> None:
    env = {"OFFBOARD_TEAMS_LOCAL": "", "MicrosoftAppId": "11111111-2222-4333-8444-555555555555",
           "MicrosoftAppPassword": "pw", "OFFBOARD_SECRET_KEY": "k" * 32, "OFFBOARD_HOST": "0.0.0.0",
           "OFFBOARD_WEB_TOKEN": "t" * 24}
    async with running_bot(tmp_path, fake, env=env, install=False) as bot:
        assert (await bot.client.get("/dashboard")).status == 401, "the workspace still wants its token"
        resp = await bot.client.get(path_of(link(bot, "c" + "0" * 10)))
        assert resp.status == 404, "the link is checked by its own signature, not the workspace token"


@pytest.mark.parametrize("expires", ["abc", "-5", "1e9", "9" * 40, ""])
async def test_malformed_expiries_are_refused(bot: TeamsBot, expires: str) -> None:
    url = link(bot, "c" + "0" * 10).split("expires=")[0] + f"expires={expires}&sig=x"
    assert (await bot.client.get(path_of(url))).status == 403
