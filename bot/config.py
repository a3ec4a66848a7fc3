"""Configuration from an injectable mapping (the environment by default) and an optional TOML file.

Handlers never read os.environ: the composition root builds one Config and
passes it down. Secrets are masked in repr.
"""

from __future__ import annotations

import ipaddress
import os
import re
import secrets
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import phonenumbers

from adapters.ports import LOCAL_HOSTS, ConfigError, Secret
from bot.documents.company import Company
from bot.time_config import timezone_of, timing_from
from dialogs.checklist import BUILTIN_DIR
from dialogs.timing import Timing

__all__ = ["LOCAL_HOSTS", "Config", "ConfigError", "Secret", "secret_key"]

VIEWERS = ("departments", "everyone")

SECRET_FILE = "offboard.secret"
_URL = re.compile(r"^https?://[^\s/?#|<>]+(/[^\s?#|<>]*)?$", re.IGNORECASE)


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
    web_token: Secret | None = None  # served: the shared token for the read-only dashboard
    environ: Mapping[str, str] = field(default_factory=dict, repr=False)  # for adapters' own settings
    retention_days: int = 30  # sent notices and processed request ids older than this are pruned
    outbox_lease: float = 60.0  # seconds a process holds a delivery it claimed before others may take it
    public_url: str | None = None  # where people reach the server (its host is served; https: Secure cookies)
    secret_key: Secret | None = None  # signs cookies and links; see secret_key() when unset
    trusted_proxies: tuple[str, ...] = ()  # addresses whose X-Forwarded-Proto/-For are believed
    phone_region: str = "US"  # phone numbers typed without +country are read in this region
    render_timeout: float = 5.0  # seconds a document may take to render before it is stopped
    viewers: str = "departments"  # who may list and view cases: departments (and managers) | everyone
    timing: Timing | None = field(default_factory=Timing)  # [time] and [reminders]; None: reminders off

    @property
    def tz(self) -> ZoneInfo:
        """The MSP's time zone (dates such as "not in the past" are judged there)."""
        return ZoneInfo(self.timezone)

    @property
    def local(self) -> bool:
        """Bound to the loopback only."""
        return self.host in LOCAL_HOSTS

    @property
    def served(self) -> bool:
        """Reachable by others: bound beyond the loopback, or behind a public URL (a proxy, a tunnel)."""
        return not self.local or self.public_url is not None

    @property
    def allowed_hosts(self) -> frozenset[str]:
        """Host names the server answers to: the loopback's, the public URL's, Slack's public URL's."""
        names = set(LOCAL_HOSTS)
        slack = self.extra.get("slack")
        urls = [self.public_url, slack.get("public_url") if isinstance(slack, Mapping) else None]
        for url in urls:
            if isinstance(url, str) and _URL.match(url.strip()):
                names.add((urlsplit(url.strip()).hostname or "").lower())
        return frozenset(names - {""})

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
        timezone = _timezone(env, core, data)
        config = cls(
            database=str(pick("database", "data/offboard.db")),
            host=str(pick("host", "127.0.0.1")),
            port=port,
            timezone=timezone,
            checklists=tuple(Path(p) for p in checklists) if checklists else cls.checklists,
            extra=data,
            templates=Path(pick("templates", "")) if pick("templates", "") else None,
            company=company,
            web_token=Secret(str(pick("web_token", ""))) or None,
            environ=dict(env),
            retention_days=retention_days,
            outbox_lease=outbox_lease,
            public_url=_public_url(str(pick("public_url", ""))),
            secret_key=_secret(str(pick("secret_key", ""))),
            trusted_proxies=_addresses(pick("trusted_proxies", "")),
            phone_region=region,
            render_timeout=render_timeout,
            viewers=viewers,
            timing=timing_from(data, timezone),
        )
        web = data.get("web", {})
        people = web.get("people") if isinstance(web, Mapping) else None
        if config.served and not config.web_token and not people:
            why = (f"OFFBOARD_HOST={config.host} is not the loopback" if not config.local
                   else f"OFFBOARD_PUBLIC_URL={config.public_url} makes the workspace reachable by others")
            raise ConfigError(
                f"{why}: set OFFBOARD_WEB_TOKEN (the read-only dashboard) or [web.people.NAME] tokens "
                "so the web workspace and dashboard are not open to anyone who can reach the port")
        try:
            config.tz  # noqa: B018 - validate early
        except (ZoneInfoNotFoundError, ValueError):
            raise ConfigError(f"OFFBOARD_TIMEZONE {config.timezone!r} is not a known time zone") from None
        return config


def _timezone(env: Mapping[str, str], core: Mapping[str, Any], data: Mapping[str, Any]) -> str:
    """OFFBOARD_TIMEZONE, else [time] timezone, else [offboard] timezone, else UTC."""
    in_time, in_core = timezone_of(data), core.get("timezone")
    if in_time and in_core and in_time != in_core:
        raise ConfigError(f"[offboard] timezone = {in_core!r} and [time] timezone = {in_time!r} differ: "
                          "keep one")
    name = str(env.get("OFFBOARD_TIMEZONE") or in_time or in_core or "UTC")
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"OFFBOARD_TIMEZONE {name!r} is not a known time zone") from None
    return name


def _public_url(raw: str) -> str | None:
    url = raw.strip().rstrip("/")
    if not url:
        return None
    if not _URL.match(url):
        raise ConfigError(f"OFFBOARD_PUBLIC_URL {url!r} is not an http(s) URL such as https://offboard.example.com")
    return url


def _secret(raw: str) -> Secret | None:
    if not raw:
        return None
    if len(raw) < 32:
        raise ConfigError("OFFBOARD_SECRET_KEY must be at least 32 characters (e.g. openssl rand -hex 32)")
    return Secret(raw)


def _addresses(raw: Any) -> tuple[str, ...]:
    items = raw if isinstance(raw, list) else str(raw).split(",")
    out = []
    for item in (str(i).strip() for i in items):
        if not item:
            continue
        try:
            out.append(str(ipaddress.ip_address(item)))
        except ValueError:
            raise ConfigError(f"OFFBOARD_TRUSTED_PROXIES: {item!r} is not an IP address") from None
    return tuple(out)


def secret_key(config: Config) -> bytes:
    """OFFBOARD_SECRET_KEY, else a random key made once and kept (0600) in offboard.secret by the database.

    Several processes on one SQLite file share the key file; with PostgreSQL the
    setting is required (the processes need not share a disk).
    """
    if config.secret_key:
        return config.secret_key.encode()
    if "://" in config.database:
        raise ConfigError("OFFBOARD_SECRET_KEY is required with a database server: every process must "
                          "sign cookies and links with the same key (e.g. openssl rand -hex 32)")
    path = Path(config.database).parent / SECRET_FILE
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        draft = path.with_name(f".{SECRET_FILE}.{os.getpid()}.{secrets.token_hex(4)}")
        fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(secrets.token_hex(32) + "\n")
        try:
            os.link(draft, path)  # atomic, and never replaces a key another process made first
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    key = path.read_text(encoding="utf-8").strip()
    if len(key) < 32:
        raise ConfigError(f"{path} holds no usable key: delete it (a new one is made) "
                          "or set OFFBOARD_SECRET_KEY")
    return key.encode()
