"""Slack settings: tokens from the environment, channels and people from the ``[slack]`` table.

Nothing here imports slack_sdk: bot/app.py reads these settings to decide
whether to mount Slack at all. See docs/slack.md for an annotated example.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from adapters.ports import ConfigError, CoreSettings, Secret

_CHANNEL = re.compile(r"^[CG][A-Z0-9]{2,}$")
_USER = re.compile(r"^[UW][A-Z0-9]{2,}$")
_GROUP = re.compile(r"^S[A-Z0-9]{2,}$")
DOCUMENT_FORMATS = ("pdf", "html", "md")


@dataclass(frozen=True)
class DepartmentChannel:
    """Where a department works: its channel, the user group to ping, extra members."""

    department: str
    channel: str
    group: str | None = None
    members: frozenset[str] = frozenset()


@dataclass(frozen=True)
class SlackSettings:
    """Everything the Slack adapter needs; secrets masked in repr."""

    bot_token: Secret
    signing_secret: Secret
    cases_channel: str
    departments: Mapping[str, DepartmentChannel] = field(default_factory=dict)
    managers: frozenset[str] = frozenset()
    managers_group: str | None = None
    managers_channel: str = ""
    app_token: Secret | None = None
    api_url: str | None = None  # always ends with '/'
    public_url: str | None = None  # where the dashboard is reachable, for "Show all" links
    document_format: str = "pdf"
    members_ttl: float = 60.0
    pace_per_channel: float = 1.0  # messages per second to one channel (Slack's limit); 0: not paced

    @property
    def socket_mode(self) -> bool:
        """Connect out through Socket Mode instead of receiving HTTP requests."""
        return self.app_token is not None

    def channel_of(self, department: str) -> str:
        """A department's channel id; ConfigError if it has none."""
        try:
            return self.departments[department].channel
        except KeyError:
            raise ConfigError(f"[slack.departments.{department}] is missing: which channel?") from None

    def check_departments(self, departments: Iterable[str]) -> None:
        """Every department the loaded checklists name needs a channel."""
        missing = sorted(set(departments) - set(self.departments))
        if missing:
            raise ConfigError("Slack: no channel for department(s) " + ", ".join(missing) +
                              "; add [slack.departments.NAME] channel = \"C...\" to the config file")


def normalize_api_url(url: str) -> str:
    """SLACK_API_URL with the trailing '/' AsyncWebClient needs."""
    url = url.strip()
    if not re.match(r"^https?://[^/\s]+", url):
        raise ConfigError(f"SLACK_API_URL {url!r} is not an http(s) URL")
    return url if url.endswith("/") else url + "/"


def slack_settings(config: CoreSettings) -> SlackSettings | None:
    """The Slack settings, or None when Slack is not configured; ConfigError when half-configured."""
    env = config.environ
    token, secret = env.get("SLACK_BOT_TOKEN", "").strip(), env.get("SLACK_SIGNING_SECRET", "").strip()
    if not token and not secret:
        return None
    if not token or not secret:
        given, missing = ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET")[:: 1 if token else -1]
        raise ConfigError(f"{given} is set but {missing} is not: Slack needs both (or neither)")
    table = config.extra.get("slack")
    if not isinstance(table, Mapping):
        raise ConfigError("Slack is configured (SLACK_BOT_TOKEN) but the config file has no [slack] table")
    cases = _id(table, "cases_channel", _CHANNEL, "[slack] cases_channel", required=True)
    depts = table.get("departments", {})
    if not isinstance(depts, Mapping):
        raise ConfigError("[slack.departments] must be a table of departments")
    departments = {name: _department(name, raw) for name, raw in depts.items()}
    fmt = str(table.get("document_format", "pdf"))
    if fmt not in DOCUMENT_FORMATS:
        raise ConfigError(f"[slack] document_format {fmt!r}: choose one of {', '.join(DOCUMENT_FORMATS)}")
    try:
        ttl = float(table.get("members_ttl", 60))
    except (TypeError, ValueError):
        raise ConfigError("[slack] members_ttl must be a number of seconds") from None
    try:
        pace = float(table.get("pace_per_channel", 1.0))
    except (TypeError, ValueError):
        raise ConfigError("[slack] pace_per_channel must be a number of messages per second") from None
    public = str(table.get("public_url", "")).strip().rstrip("/") or None
    if public is not None and not re.match(r"^https?://[^\s|<>]+$", public):
        raise ConfigError(f"[slack] public_url {public!r} is not an http(s) URL")
    app_token = env.get("SLACK_APP_TOKEN", "").strip()
    api_url = env.get("SLACK_API_URL", "").strip()
    return SlackSettings(
        bot_token=Secret(token), signing_secret=Secret(secret), cases_channel=cases,
        departments=departments,
        managers=frozenset(_ids(table.get("managers", []), _USER, "[slack] managers")),
        managers_group=_id(table, "managers_group", _GROUP, "[slack] managers_group"),
        managers_channel=_id(table, "managers_channel", _CHANNEL, "[slack] managers_channel") or cases,
        app_token=Secret(app_token) if app_token else None,
        api_url=normalize_api_url(api_url) if api_url else None,
        public_url=public or config.public_url, document_format=fmt, members_ttl=max(ttl, 0.0),
        pace_per_channel=max(pace, 0.0),
    )


def _department(name: str, raw: Any) -> DepartmentChannel:
    where = f"[slack.departments.{name}]"
    if not isinstance(raw, Mapping):
        raise ConfigError(f"{where} must be a table with channel = \"C...\"")
    return DepartmentChannel(
        name, _id(raw, "channel", _CHANNEL, f"{where} channel", required=True) or "",
        _id(raw, "group", _GROUP, f"{where} group"),
        frozenset(_ids(raw.get("members", []), _USER, f"{where} members")))


def _id(table: Mapping[str, Any], key: str, pattern: re.Pattern[str], where: str, *,
        required: bool = False) -> Any:
    value = table.get(key)
    if value is None or value == "":
        if required:
            raise ConfigError(f"{where} is required (a Slack id such as {_example(pattern)})")
        return None
    if not isinstance(value, str) or not pattern.match(value):
        raise ConfigError(f"{where} = {value!r} is not a Slack id such as {_example(pattern)} "
                          "(channel ids, not #names: see docs/slack.md)")
    return value


def _ids(values: Any, pattern: re.Pattern[str], where: str) -> list[str]:
    if isinstance(values, str) or not isinstance(values, list):
        raise ConfigError(f"{where} must be a list of Slack ids")
    return [_id({"v": v}, "v", pattern, where) for v in values]


def _example(pattern: re.Pattern[str]) -> str:
    return {_CHANNEL.pattern: "C0123ABCD", _USER.pattern: "U0123ABCD"}.get(pattern.pattern, "S0123ABCD")
