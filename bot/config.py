"""Configuration from an injectable mapping (the environment by default) and an optional TOML file.

Handlers never read os.environ: the composition root builds one Config and
passes it down. Secrets are masked in repr.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import phonenumbers

from bot.documents.company import Company
from dialogs.checklist import BUILTIN_DIR

LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
VIEWERS = ("departments", "everyone")


class ConfigError(Exception):
    """The configuration cannot work; the message says which setting and why."""


class Secret(str):
    """A string that does not show itself in repr or logs."""

    def __repr__(self) -> str:
        return "Secret('****')" if self else "Secret('')"


@dataclass(frozen=True)
class Config:
    """Everything the bot needs to start."""

    database: Path = Path("data/offboard.db")
    host: str = "127.0.0.1"
    port: int = 8080
    timezone: str = "UTC"
    checklists: tuple[Path, ...] = (BUILTIN_DIR / "offboarding.toml", BUILTIN_DIR / "onboarding.toml")
    extra: Mapping[str, Any] = field(default_factory=dict, repr=False)
    templates: Path | None = None  # document templates that override the built-in ones
    company: Company = field(default_factory=Company)  # the [company] table: who signs the documents
    web_token: Secret | None = None  # required when the server listens beyond the loopback
    environ: Mapping[str, str] = field(default_factory=dict, repr=False)  # for adapters' own settings
    phone_region: str = "US"  # phone numbers typed without +country are read in this region
    render_timeout: float = 5.0  # seconds a document may take to render before it is stopped
    viewers: str = "departments"  # who may list and view cases: departments (and managers) | everyone

    @property
    def tz(self) -> ZoneInfo:
        """The MSP's time zone (dates such as "not in the past" are judged there)."""
        return ZoneInfo(self.timezone)

    @property
    def local(self) -> bool:
        """Bound to the loopback only."""
        return self.host in LOCAL_HOSTS

    @classmethod
    def load(cls, environ: Mapping[str, str] | None = None) -> Config:
        """Read OFFBOARD_* settings, and the TOML file OFFBOARD_CONFIG names (env wins)."""
        env = os.environ if environ is None else environ
        data: dict[str, Any] = {}
        file = env.get("OFFBOARD_CONFIG")
        if file:
            try:
                data = tomllib.loads(Path(file).read_text(encoding="utf-8"))
            except (OSError, tomllib.TOMLDecodeError) as exc:
                raise ConfigError(f"OFFBOARD_CONFIG={file}: {exc}") from None
        core = data.get("offboard", {})

        def pick(key: str, default: Any) -> Any:
            return env.get(f"OFFBOARD_{key.upper()}", core.get(key, default))

        try:
            port = int(pick("port", 8080))
        except ValueError:
            raise ConfigError("OFFBOARD_PORT must be a number") from None
        if not 0 < port < 65536:
            raise ConfigError(f"OFFBOARD_PORT {port} is not a port number")
        try:
            company = Company.from_table(data.get("company", {}))
        except ValueError as exc:
            raise ConfigError(f"[company] {exc}") from None
        checklists = pick("checklists", None)
        if isinstance(checklists, str):
            checklists = [p for p in checklists.split(os.pathsep) if p]
        region = str(pick("phone_region", "US")).strip().upper()
        if region not in phonenumbers.SUPPORTED_REGIONS:
            raise ConfigError(f"OFFBOARD_PHONE_REGION {region!r} is not a region code such as US, GB or DE")
        try:
            render_timeout = float(pick("render_timeout", 5))
        except (TypeError, ValueError):
            raise ConfigError("OFFBOARD_RENDER_TIMEOUT must be a number of seconds") from None
        if not 0 < render_timeout <= 600:
            raise ConfigError(f"OFFBOARD_RENDER_TIMEOUT {render_timeout} must be between 0 and 600 seconds")
        viewers = str(pick("viewers", "departments"))
        if viewers not in VIEWERS:
            raise ConfigError(f"[offboard] viewers = {viewers!r}: choose one of {', '.join(VIEWERS)}")
        config = cls(
            database=Path(pick("database", "data/offboard.db")),
            host=str(pick("host", "127.0.0.1")),
            port=port,
            timezone=str(pick("timezone", "UTC")),
            checklists=tuple(Path(p) for p in checklists) if checklists else cls.checklists,
            extra=data,
            templates=Path(pick("templates", "")) if pick("templates", "") else None,
            company=company,
            web_token=Secret(str(pick("web_token", ""))) or None,
            environ=dict(env),
            phone_region=region,
            render_timeout=render_timeout,
            viewers=viewers,
        )
        if not config.local and not config.web_token:
            raise ConfigError(
                f"OFFBOARD_HOST={config.host} is not the loopback: set OFFBOARD_WEB_TOKEN so the "
                "web workspace and dashboard are not open to anyone who can reach the port")
        try:
            config.tz  # noqa: B018 - validate early
        except (ZoneInfoNotFoundError, ValueError):
            raise ConfigError(f"OFFBOARD_TIMEZONE {config.timezone!r} is not a known time zone") from None
        return config
