"""Teams settings: credentials or the explicit local mode, never silently open; ids and URLs checked."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from adapters.teams.config import teams_settings
from bot.app import build_app, services
from bot.config import Config, ConfigError
from tests.teams.fake_teams import FakeTeams
from tests.teams.harness import config_file

ROOT = Path(__file__).resolve().parents[2]
APP_ID = "11111111-2222-4333-8444-555555555555"
SECRET = "s" * 32


def config(tmp_path: Path, table: str | None, **env: str) -> Config:
    path = tmp_path / "c.toml"
    path.write_text(table or "", encoding="utf-8")
    return Config.load({"OFFBOARD_CONFIG": str(path), "OFFBOARD_DATABASE": str(tmp_path / "db.sqlite"),
                        **env})


MINIMAL = '[teams]\ncases_channel = "19:cases@thread.tacv2"\npublic_url = "https://offboard.example.com"\n'
CREDS = {"MicrosoftAppId": APP_ID, "MicrosoftAppPassword": "pw", "OFFBOARD_SECRET_KEY": SECRET}


def test_teams_stays_off_without_its_settings(tmp_path: Path) -> None:
    assert teams_settings(config(tmp_path, None)) is None


def test_make_run_does_not_even_load_the_sdk() -> None:
    code = ("import sys, bot.app, bot.cli; from bot.config import Config; "
            "from adapters.teams import teams_settings; assert teams_settings(Config.load({})) is None; "
            "print(any(m.startswith('microsoft_agents') for m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_a_teams_table_without_credentials_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="without credentials the SDK would accept anyone"):
        teams_settings(config(tmp_path, MINIMAL))


def test_the_local_mode_is_explicit_and_loopback_only(tmp_path: Path) -> None:
    settings = teams_settings(config(tmp_path, MINIMAL, OFFBOARD_TEAMS_LOCAL="1"))
    assert settings is not None and settings.local and settings.credentials is None
    with pytest.raises(ConfigError, match="needs OFFBOARD_HOST on the loopback"):
        teams_settings(config(tmp_path, MINIMAL, OFFBOARD_TEAMS_LOCAL="1", OFFBOARD_HOST="0.0.0.0",
                              OFFBOARD_WEB_TOKEN="t" * 20))
    with pytest.raises(ConfigError, match="choose one"):
        teams_settings(config(tmp_path, MINIMAL, OFFBOARD_TEAMS_LOCAL="1", **CREDS))


@pytest.mark.parametrize(("env", "problem"), [
    ({"MicrosoftAppId": APP_ID}, "MicrosoftAppId is set but MicrosoftAppPassword is not"),
    ({"MicrosoftAppPassword": "pw"}, "MicrosoftAppPassword is set but MicrosoftAppId is not"),
    ({"MicrosoftAppTenantId": APP_ID}, "MicrosoftAppTenantId is set"),
    ({"MicrosoftAppId": "my-bot", "MicrosoftAppPassword": "pw"}, "is not an app id"),
    ({**CREDS, "CONNECTIONS__SERVICE_CONNECTION__SETTINGS__CLIENTID": APP_ID.replace("1", "9")},
     "both set, to different values"),
], ids=["id-only", "password-only", "tenant-only", "id-not-guid", "conflicting-names"])
def test_half_or_bad_credentials_say_which_and_why(tmp_path: Path, env: dict[str, str], problem: str) -> None:
    with pytest.raises(ConfigError, match=problem):
        teams_settings(config(tmp_path, MINIMAL, **env))


def test_the_sdks_own_setting_names_work_too(tmp_path: Path) -> None:
    env = {"CONNECTIONS__SERVICE_CONNECTION__SETTINGS__CLIENTID": APP_ID,
           "CONNECTIONS__SERVICE_CONNECTION__SETTINGS__CLIENTSECRET": "pw",
           "CONNECTIONS__SERVICE_CONNECTION__SETTINGS__TENANTID": APP_ID, "OFFBOARD_SECRET_KEY": SECRET}
    settings = teams_settings(config(tmp_path, MINIMAL, **env))
    assert settings is not None and settings.credentials is not None
    assert settings.credentials.app_id == APP_ID and settings.credentials.tenant_id == APP_ID
    shown = repr(settings)
    assert "pw'" not in shown and SECRET not in shown, "secrets stay out of repr"


@pytest.mark.parametrize(("table", "problem"), [
    ("", "no \\[teams\\] table"),
    ('[teams]\npublic_url = "https://x.example"\n', "cases_channel is required"),
    ('[teams]\ncases_channel = "#cases"\npublic_url = "https://x.example"\n', "is not a channel id"),
    ('[teams]\ncases_channel = "19:c@thread.tacv2"\n', r"\(or \[teams\] public_url\) is required"),
    ('[teams]\ncases_channel = "19:c@thread.tacv2"\npublic_url = "http://x.example"\n', "must be https"),
    (MINIMAL + 'managers = ["mary"]\n', "is not an AAD object id"),
    (MINIMAL + 'tenants = "contoso"\n', "must be a list"),
    (MINIMAL + 'service_url = "http://smba.example/amer/"\n', "is not an https URL"),
    (MINIMAL + '[teams.departments.admin]\nmembers = []\n', "channel is required"),
    (MINIMAL + '[teams.departments.admin]\nchannel = "19:a@thread.tacv2"\ntag = "Admin"\n', "tag must be"),
    (MINIMAL + '[teams.departments.admin]\nchannel = "19:a@thread.tacv2"\n'
               'people = [{ id = "' + APP_ID + '", name = "<at>x</at>" }]\n', "without < or >"),
], ids=["no-table", "no-cases", "cases-name", "no-public-url", "http-public-url", "manager-not-guid",
        "tenants-string", "http-service-url", "no-channel", "tag-string", "mention-markup"])
def test_bad_settings_say_which_and_why(tmp_path: Path, table: str, problem: str) -> None:
    with pytest.raises(ConfigError, match=problem):
        teams_settings(config(tmp_path, table, **CREDS))


async def test_every_department_needs_a_channel(tmp_path: Path) -> None:
    table = MINIMAL + '[teams.departments.admin]\nchannel = "19:a@thread.tacv2"\n'
    async with services(config(tmp_path, table, **CREDS)) as svc:
        with pytest.raises(ConfigError, match="no channel for department\\(s\\) tech"):
            build_app(svc)


async def test_without_teams_there_is_no_messaging_endpoint(tmp_path: Path) -> None:
    from aiohttp.test_utils import TestClient, TestServer

    async with services(config(tmp_path, None)) as svc, \
            TestClient(TestServer(build_app(svc), host="127.0.0.1")) as client:
        resp = await client.post("/api/messages", json={"type": "message"})
        assert resp.status in (404, 405)


def test_the_test_tables_parse(tmp_path: Path) -> None:
    fake = FakeTeams()
    path = config_file(tmp_path, fake)
    settings = teams_settings(Config.load({"OFFBOARD_CONFIG": str(path), "OFFBOARD_TEAMS_LOCAL": "1"}))
    assert settings is not None and settings.departments["tech"].roster is True
    assert settings.departments["admin"].roster is False, "configured members: no roster lookups"
