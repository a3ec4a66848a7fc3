"""The web workspace's settings: local or served, who may sign in, how many live streams.

From the core Config (host, public URL, shared token, trusted proxies) and the
``[web]`` table of the config file:

    [web]
    live_connections = 200      # live-update streams in total
    live_per_client = 6         # ... from one address
    live_idle_seconds = 300     # a stream with nothing to say for this long is closed

    [web.people.karla]          # served mode: Karla signs in as herself
    name = "Karla Palmer"
    token_sha256 = "9f86d0..."  # printf %s "$TOKEN" | sha256sum
    departments = ["admin"]
    manager = true
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from adapters.ports import ConfigError, CoreSettings, Secret
from dialogs.actor import Actor

_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_KEY = re.compile(r"^[A-Za-z0-9_.-]{1,40}$")


@dataclass(frozen=True)
class WebPerson:
    """Someone who signs in to the served workspace with their own token."""

    key: str
    name: str
    token_sha256: str = field(repr=False)
    departments: frozenset[str] = frozenset()
    manager: bool = False

    @property
    def actor(self) -> Actor:
        """Who the audit trail names when this person acts."""
        return Actor("web", f"web:{self.key}", self.name, self.departments, manager=self.manager)


@dataclass(frozen=True)
class WebSettings:
    """Everything the workspace decides by; secrets masked in repr."""

    served: bool = False
    port: int = 8080
    hosts: frozenset[str] = frozenset({"127.0.0.1", "localhost", "::1"})
    public_url: str | None = None
    token: Secret | None = None
    people: Mapping[str, WebPerson] = field(default_factory=dict)
    trusted_proxies: frozenset[str] = frozenset()
    live_total: int = 200
    live_per_client: int = 6
    live_idle: float = 300.0

    @property
    def needs_sign_in(self) -> bool:
        """Served, or a token guards even the local workspace."""
        return self.served or self.token is not None


def web_settings(config: CoreSettings) -> WebSettings:
    """Read the workspace's settings; ConfigError names the bad one."""
    table = config.extra.get("web", {})
    if not isinstance(table, Mapping):
        raise ConfigError("[web] must be a table")
    raw_people = table.get("people", {})
    if not isinstance(raw_people, Mapping):
        raise ConfigError("[web.people] must be a table of people: [web.people.NAME]")
    people = {key: _person(key, raw) for key, raw in raw_people.items()}
    return WebSettings(
        served=config.served, port=config.port, hosts=config.allowed_hosts, public_url=config.public_url,
        token=config.web_token, people=people, trusted_proxies=frozenset(config.trusted_proxies),
        live_total=_count(table, "live_connections", 200),
        live_per_client=_count(table, "live_per_client", 6),
        live_idle=float(_count(table, "live_idle_seconds", 300)),
    )


def _person(key: str, raw: Any) -> WebPerson:
    where = f"[web.people.{key}]"
    if not _KEY.match(key):
        raise ConfigError(f"{where}: a person's key is letters, digits, '_', '.' or '-' (at most 40)")
    if not isinstance(raw, Mapping):
        raise ConfigError(f"{where} must be a table with token_sha256 = \"...\"")
    digest = str(raw.get("token_sha256", "")).strip().lower()
    if not _SHA256.match(digest):
        raise ConfigError(f"{where} token_sha256 must be 64 hex digits: printf %s \"$TOKEN\" | sha256sum")
    departments = raw.get("departments", [])
    if not isinstance(departments, list) or not all(isinstance(d, str) for d in departments):
        raise ConfigError(f"{where} departments must be a list of department ids, e.g. [\"admin\"]")
    manager = raw.get("manager", False)
    if not isinstance(manager, bool):
        raise ConfigError(f"{where} manager must be true or false")
    name = str(raw.get("name") or key).strip()
    return WebPerson(key, name, digest, frozenset(departments), manager)


def _count(table: Mapping[str, Any], key: str, default: int) -> int:
    value = table.get(key, default)
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ConfigError(f"[web] {key} must be a whole number (not negative)")
    return value
