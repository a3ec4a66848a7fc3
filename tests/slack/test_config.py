"""Slack settings: both secrets or neither, channel ids, the API URL's trailing slash, Socket Mode."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from adapters.slack.config import normalize_api_url, slack_settings
from bot.app import build_app, services
from bot.config import Config, ConfigError
from tests.slack.fake_slack import APP_TOKEN, BOT_TOKEN, FakeSlack
from tests.slack.harness import ADMIN, ALICE, config_file, running_bot, stop_date


def config(tmp_path: Path, table: str | None = None, **env: str) -> Config:
    path = config_file(tmp_path) if table is None else tmp_path / "c.toml"
    if table is not None:
        path.write_text(table, encoding="utf-8")
    return Config.load({"OFFBOARD_CONFIG": str(path), "OFFBOARD_DATABASE": str(tmp_path / "db.sqlite"),
                        **env})


def test_slack_stays_off_without_its_secrets(tmp_path: Path) -> None:
    assert slack_settings(config(tmp_path)) is None


@pytest.mark.parametrize(("given", "missing"), [("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET"),
                                                ("SLACK_SIGNING_SECRET", "SLACK_BOT_TOKEN")])
def test_half_configured_slack_refuses_to_start(tmp_path: Path, given: str, missing: str) -> None:
    with pytest.raises(ConfigError, match=f"{given} is set but {missing} is not"):
        slack_settings(config(tmp_path, **{given: "x"}))


@pytest.mark.parametrize(("table", "problem"), [
    ("", "no \\[slack\\] table"),
    ('[slack]\ncases_channel = "#cases"\n', "not a Slack id"),
    ('[slack]\n', "cases_channel is required"),
    ('[slack]\ncases_channel = "C1CASES"\nmanagers = "U1"\n', "must be a list"),
    ('[slack]\ncases_channel = "C1CASES"\ndocument_format = "docx"\n', "document_format"),
    ('[slack]\ncases_channel = "C1CASES"\npublic_url = "offboard.example.com"\n', "public_url"),
    ('[slack]\ncases_channel = "C1CASES"\n[slack.departments.admin]\ngroup = "S1"\n', "channel is required"),
])
def test_bad_settings_say_which_and_why(tmp_path: Path, table: str, problem: str) -> None:
    with pytest.raises(ConfigError, match=problem):
        slack_settings(config(tmp_path, table, SLACK_BOT_TOKEN="x", SLACK_SIGNING_SECRET="y"))


async def test_every_department_needs_a_channel(tmp_path: Path) -> None:
    table = '[slack]\ncases_channel = "C1CASES"\n[slack.departments.admin]\nchannel = "C1ADMIN"\n'
    async with services(config(tmp_path, table, SLACK_BOT_TOKEN="x", SLACK_SIGNING_SECRET="y")) as svc:
        with pytest.raises(ConfigError, match="no channel for department\\(s\\) tech"):
            build_app(svc)


def test_settings_keep_secrets_out_of_repr(tmp_path: Path) -> None:
    settings = slack_settings(config(tmp_path, SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_SIGNING_SECRET="sssh",
                                     SLACK_APP_TOKEN=APP_TOKEN))
    assert settings is not None and settings.socket_mode
    shown = repr(settings)
    assert BOT_TOKEN not in shown and "sssh" not in shown and APP_TOKEN not in shown


@pytest.mark.parametrize(("given", "expected"), [
    ("http://127.0.0.1:9000/api", "http://127.0.0.1:9000/api/"),
    ("http://127.0.0.1:9000/api/", "http://127.0.0.1:9000/api/"),
    (" https://slack.example/api ", "https://slack.example/api/"),
])
def test_the_api_url_gets_its_trailing_slash(given: str, expected: str) -> None:
    assert normalize_api_url(given) == expected


def test_a_bad_api_url_is_refused() -> None:
    with pytest.raises(ConfigError, match="SLACK_API_URL"):
        normalize_api_url("slack.com/api")


async def test_socket_mode_connects_out_and_serves_the_same_app(tmp_path: Path, fake: FakeSlack) -> None:
    async with running_bot(tmp_path, fake, env={"SLACK_APP_TOKEN": APP_TOKEN}) as bot:
        resp = await bot.client.post("/slack/events", data=b"{}")
        assert resp.status in (404, 405), "no HTTP endpoint in Socket Mode"
        command: dict[str, Any] = {"command": "/offboard", "text": "help", "user_id": ALICE.id,
                                   "user_name": ALICE.name, "team_id": "T0FAKE", "channel_id": ADMIN,
                                   "trigger_id": "t-socket", "api_app_id": "A0FAKE"}
        reply = await fake.socket_request("slash_commands", command)
        assert "/offboard status CLIENT" in reply["payload"]["text"]
        await fake.socket_request("slash_commands", {**command, "text": "AcmeCo"})
        assert fake.views[fake.last_view_id or ""]["callback_id"] == "open_case"
    assert [c.method for c in fake.calls if c.method == "apps.connections.open"] == ["apps.connections.open"]


async def test_a_click_over_socket_mode_is_kept_then_applied(tmp_path: Path, fake: FakeSlack) -> None:
    async with running_bot(tmp_path, fake, env={"SLACK_APP_TOKEN": APP_TOKEN}) as bot:
        await bot.svc.engine.open_case("AcmeCo", {"stop_date": stop_date(), "contact_name": "Pat Client",
                                                  "contact_phone": "+1 202 555 0130",
                                                  "contact_email": "pat@acme.example"},
                                       await bot.adapter.members.actor(ALICE.id))
        bot.svc.dispatcher.wake()
        await bot.settle()
        await fake.socket_request("interactive", bot.click_payload("review_account", "done", ALICE))
        await bot.applied()
        await bot.settle()
        case = (await bot.svc.store.list_cases("open"))[0]
        assert (await bot.svc.store.get_items(case.id))["review_account"].status == "done"
        card = json.dumps(bot.fake.message_with_block("item:review_account").blocks)
        assert "Alice Admin" in card
