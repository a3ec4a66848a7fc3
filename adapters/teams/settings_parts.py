"""Checking the pieces of the ``[teams]`` table: channel ids, AAD ids, URLs, whom to mention."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from adapters.ports import ConfigError

GUID = re.compile(r"^[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
CHANNEL = re.compile(r"^19:[^\s@;/]+@thread\.[a-z0-9]+$")
_MENTION_NAME = re.compile(r"^[^<>\n]{1,100}$")


@dataclass(frozen=True)
class Mention:
    """Someone a message @mentions: a person (AAD object id) or a Teams tag."""

    id: str
    name: str
    kind: str = "person"  # person | tag


def channel_id(value: Any, where: str, *, required: bool = False) -> str:
    """A Teams channel id (19:...@thread.tacv2); '' when absent and not required."""
    if value in (None, ""):
        if required:
            raise ConfigError(f"{where} is required (a channel id such as 19:abc123@thread.tacv2)")
        return ""
    if not isinstance(value, str) or not CHANNEL.match(value):
        raise ConfigError(f"{where} = {value!r} is not a channel id such as 19:abc123@thread.tacv2 "
                          "(see docs/teams.md: 'Get link to channel' holds it)")
    return value


def guids(values: Any, where: str) -> list[str]:
    """A list of AAD object ids (GUIDs)."""
    if isinstance(values, str) or not isinstance(values, list):
        raise ConfigError(f"{where} must be a list of AAD object ids")
    for v in values:
        if not isinstance(v, str) or not GUID.match(v):
            raise ConfigError(f"{where}: {v!r} is not an AAD object id (a GUID)")
    return [v.lower() for v in values]


def https_url(value: Any, where: str, *, local: bool) -> str | None:
    """An https URL (http in the local mode, or to the loopback); trailing '/' removed."""
    if value in (None, ""):
        return None
    loopback = isinstance(value, str) and re.match(r"^http://(127\.0\.0\.1|localhost|\[::1\])[:/]", value)
    scheme = r"https?" if local or loopback else r"https"
    if not isinstance(value, str) or not re.match(rf"^{scheme}://[^\s/?#]+(/[^\s?#]*)?$", value.strip()):
        need = "an http(s)" if local else "an https"
        raise ConfigError(f"{where} = {value!r} is not {need} URL")
    return value.strip().rstrip("/")


def number(value: Any, where: str) -> float:
    """A non-negative number."""
    try:
        out = float(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{where} must be a number") from None
    if out < 0:
        raise ConfigError(f"{where} must not be negative")
    return out


def mentions(table: Mapping[str, Any], where: str, prefix: str = "") -> tuple[Mention, ...]:
    """Whom a message to this channel @mentions: a tag (preferred) or people, each with a name."""
    tag, people = table.get(f"{prefix}tag"), table.get(f"{prefix}people", [])
    out: list[Mention] = []
    if tag is not None:
        out.append(_mention(tag, f"{where} {prefix}tag", "tag"))
    if not isinstance(people, list):
        raise ConfigError(f"{where} {prefix}people must be a list of {{ id = \"...\", name = \"...\" }}")
    out += [_mention(p, f"{where} {prefix}people", "person") for p in people]
    return tuple(out)


def _mention(raw: Any, where: str, kind: str) -> Mention:
    if not isinstance(raw, Mapping) or not isinstance(raw.get("id"), str) or not raw["id"].strip():
        raise ConfigError(f"{where} must be {{ id = \"...\", name = \"...\" }}")
    name = raw.get("name")
    if not isinstance(name, str) or not _MENTION_NAME.match(name):
        raise ConfigError(f"{where}: name {name!r} must be 1-100 characters without < or >")
    ident = raw["id"].strip()
    if kind == "person" and not GUID.match(ident):
        raise ConfigError(f"{where}: {ident!r} is not an AAD object id (a GUID)")
    return Mention(ident.lower() if kind == "person" else ident, name, kind)
