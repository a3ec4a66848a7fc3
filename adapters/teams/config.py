"""Teams settings: credentials from the environment, channels and people from the ``[teams]`` table.

Nothing here imports the Agents SDK: bot/app.py reads these settings to decide
whether to mount Teams at all. An empty app id silently turns authentication
off in the SDK, so Teams without credentials is refused unless the explicit
local mode (OFFBOARD_TEAMS_LOCAL=1, loopback only) is set. See docs/teams.md.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from adapters.ports import ConfigError, CoreSettings, Secret
from adapters.teams.links import public_url
from adapters.teams.settings_parts import (
    GUID,
    Mention,
    channel_id,
    guids,
    https_url,
    mentions,
    number,
)

# The botbuilder names (what Azure's bot registration shows), then the Agents SDK's own.
APP_ID = ("MicrosoftAppId", "CONNECTIONS__SERVICE_CONNECTION__SETTINGS__CLIENTID")
APP_PASSWORD = ("MicrosoftAppPassword", "CONNECTIONS__SERVICE_CONNECTION__SETTINGS__CLIENTSECRET")
APP_TENANT = ("MicrosoftAppTenantId", "CONNECTIONS__SERVICE_CONNECTION__SETTINGS__TENANTID")
LOCAL = "OFFBOARD_TEAMS_LOCAL"
GRAPH_URL = "https://graph.microsoft.com/v1.0"


@dataclass(frozen=True)
class Credentials:
    """The bot's Azure registration: app id, client secret, and its tenant (single-tenant bots)."""

    app_id: str
    password: Secret
    tenant_id: str | None = None


@dataclass(frozen=True)
class Department:
    """Where a department works, who belongs to it, and whom a hand-off mentions."""

    department: str
    channel: str
    members: frozenset[str] = frozenset()  # AAD object ids
    groups: frozenset[str] = frozenset()  # AAD group ids (read through Microsoft Graph)
    roster: bool = True  # the channel's team roster counts as the department
    mentions: tuple[Mention, ...] = ()


@dataclass(frozen=True)
class TeamsSettings:
    """Everything the Teams adapter needs; secrets masked in repr."""

    credentials: Credentials | None  # None: the local mode, no authentication at all
    cases_channel: str
    public_url: str
    link_secret: Secret = field(repr=False, default=Secret(""))  # set at mount: the deployment's key
    departments: Mapping[str, Department] = field(default_factory=dict)
    managers: frozenset[str] = frozenset()
    manager_groups: frozenset[str] = frozenset()
    manager_mentions: tuple[Mention, ...] = ()
    managers_channel: str = ""
    tenants: frozenset[str] = frozenset()  # empty: any tenant
    service_url: str | None = None  # until an installation tells the bot its own
    graph_url: str = GRAPH_URL
    team_group: str | None = None  # the team's AAD group, when no installation said it
    members_ttl: float = 60.0
    link_ttl: float = 7 * 86400.0

    @property
    def local(self) -> bool:
        """Running without credentials (OFFBOARD_TEAMS_LOCAL=1, loopback only)."""
        return self.credentials is None

    def channel_of(self, department: str) -> str:
        """A department's channel id; ConfigError if it has none."""
        try:
            return self.departments[department].channel
        except KeyError:
            raise ConfigError(f"[teams.departments.{department}] is missing: which channel?") from None

    def check_departments(self, departments: Iterable[str]) -> None:
        """Every department the loaded checklists name needs a channel."""
        missing = sorted(set(departments) - set(self.departments))
        if missing:
            raise ConfigError("Teams: no channel for department(s) " + ", ".join(missing) +
                              "; add [teams.departments.NAME] channel = \"19:...@thread.tacv2\"")


def credentials(env: Mapping[str, str]) -> Credentials | None:
    """The app registration from the environment; ConfigError when it is half given."""
    app_id, password, tenant = (_either(env, names) for names in (APP_ID, APP_PASSWORD, APP_TENANT))
    if not app_id and not password:
        if tenant:
            raise ConfigError(f"{APP_TENANT[0]} is set but {APP_ID[0]} and {APP_PASSWORD[0]} are not")
        return None
    if not app_id or not password:
        given, missing = (APP_ID[0], APP_PASSWORD[0]) if app_id else (APP_PASSWORD[0], APP_ID[0])
        raise ConfigError(f"{given} is set but {missing} is not: Teams needs both (or neither)")
    if not GUID.match(app_id):
        raise ConfigError(f"{APP_ID[0]} {app_id!r} is not an app id (a GUID from the bot registration)")
    if tenant and not GUID.match(tenant):
        raise ConfigError(f"{APP_TENANT[0]} {tenant!r} is not a tenant id (a GUID)")
    return Credentials(app_id, Secret(password), tenant or None)


def teams_settings(config: CoreSettings) -> TeamsSettings | None:
    """The Teams settings, or None when Teams is not configured; ConfigError when it cannot work."""
    env = config.environ
    creds = credentials(env)
    local = env.get(LOCAL, "").strip().lower() in ("1", "true", "yes")
    table = config.extra.get("teams")
    if creds is None and not local and table is None:
        return None
    if creds is None and not local:
        raise ConfigError(
            f"[teams] is configured but {APP_ID[0]}/{APP_PASSWORD[0]} are not: without credentials the "
            f"SDK would accept anyone's requests. Set them, or {LOCAL}=1 to try Teams locally (loopback "
            "only, no authentication)")
    if creds is not None and local:
        raise ConfigError(f"{LOCAL}=1 and Teams credentials are both set: choose one")
    if local and not config.local:
        raise ConfigError(f"{LOCAL}=1 turns authentication off: it needs OFFBOARD_HOST on the loopback")
    if not isinstance(table, Mapping):
        raise ConfigError("Teams is configured but the config file has no [teams] table")
    public = public_url(config, table, local=local)
    depts = table.get("departments", {})
    if not isinstance(depts, Mapping):
        raise ConfigError("[teams.departments] must be a table of departments")
    cases = channel_id(table.get("cases_channel"), "[teams] cases_channel", required=True)
    return TeamsSettings(
        credentials=creds, cases_channel=cases, public_url=public,
        departments={name: _department(name, raw) for name, raw in depts.items()},
        managers=frozenset(guids(table.get("managers", []), "[teams] managers")),
        manager_groups=frozenset(guids(table.get("manager_groups", []), "[teams] manager_groups")),
        manager_mentions=mentions(table, "[teams]", prefix="managers_"),
        managers_channel=channel_id(table.get("managers_channel"), "[teams] managers_channel") or cases,
        tenants=frozenset(guids(table.get("tenants", []), "[teams] tenants")),
        service_url=https_url(table.get("service_url"), "[teams] service_url", local=local),
        graph_url=https_url(table.get("graph_url"), "[teams] graph_url", local=local) or GRAPH_URL,
        team_group=_one_guid(table.get("team_group"), "[teams] team_group"),
        members_ttl=number(table.get("members_ttl", 60), "[teams] members_ttl"),
        link_ttl=number(table.get("link_days", 7), "[teams] link_days") * 86400.0,
    )


def _department(name: str, raw: Any) -> Department:
    where = f"[teams.departments.{name}]"
    if not isinstance(raw, Mapping):
        raise ConfigError(f"{where} must be a table with channel = \"19:...@thread.tacv2\"")
    members = frozenset(guids(raw.get("members", []), f"{where} members"))
    groups = frozenset(guids(raw.get("groups", []), f"{where} groups"))
    roster = raw.get("roster", not members and not groups)
    if not isinstance(roster, bool):
        raise ConfigError(f"{where} roster must be true or false")
    return Department(name, channel_id(raw.get("channel"), f"{where} channel", required=True),
                      members, groups, roster, mentions(raw, where))


def _either(env: Mapping[str, str], names: tuple[str, str]) -> str:
    first, second = (env.get(n, "").strip() for n in names)
    if first and second and first != second:
        raise ConfigError(f"{names[0]} and {names[1]} are both set, to different values")
    return first or second


def _one_guid(value: Any, where: str) -> str | None:
    if value in (None, ""):
        return None
    if not isinstance(value, str) or not re.match(GUID, value):
        raise ConfigError(f"{where} = {value!r} is not an AAD id (a GUID)")
    return value
