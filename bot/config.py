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

from adapters.ports import ConfigError, Secret
from bot.documents.company import Company
from dialogs.checklist import BUILTIN_DIR

__all__ = ["Config", "ConfigError", "Secret"]

LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


@dataclass(frozen=True)
class Config:
    """Everything the bot needs to start."""

    database: str = "data/offboard.db"  # an SQLite file, or postgresql://... (storage.registry)
    host: str = "127.0.0.1"
    port: int = 8080
    timezone: str = "UTC"
    checklists: tuple[Path, ...] = (BUILTIN_DIR / "offboarding.toml", BUILTIN_DIR / "onboarding.toml")
    extra: Mapping[str, Any] = field(default_factory=dict, repr=False)
    templates: Path | None = None  # document templates that override the built-in ones
    company: Company = field(default_factory=Company)  # the [company] table: who signs the documents
    web_token: Secret | None = None  # required when the server listens beyond the loopback
    environ: Mapping[str, str] = field(default_factory=dict, repr=False)  # for adapters' own settings
    retention_days: int = 30  # sent notices and processed request ids older than this are pruned
    outbox_lease: float = 60.0  # seconds a process holds a delivery it claimed before others may take it

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
        try:
            retention_days = int(pick("retention_days", 30))
            outbox_lease = float(pick("outbox_lease", 60.0))
        except ValueError:
            raise ConfigError("OFFBOARD_RETENTION_DAYS and OFFBOARD_OUTBOX_LEASE must be numbers") from None
        if retention_days < 1 or outbox_lease <= 0:
            raise ConfigError("OFFBOARD_RETENTION_DAYS must be at least 1 and OFFBOARD_OUTBOX_LEASE positive")
        checklists = pick("checklists", None)
        if isinstance(checklists, str):
            checklists = [p for p in checklists.split(os.pathsep) if p]
        config = cls(
            database=str(pick("database", "data/offboard.db")),
            host=str(pick("host", "127.0.0.1")),
            port=port,
            timezone=str(pick("timezone", "UTC")),
            checklists=tuple(Path(p) for p in checklists) if checklists else cls.checklists,
            extra=data,
            templates=Path(pick("templates", "")) if pick("templates", "") else None,
            company=company,
            web_token=Secret(str(pick("web_token", ""))) or None,
            environ=dict(env),
            retention_days=retention_days,
            outbox_lease=outbox_lease,
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
