"""The ``[time]`` and ``[reminders]`` tables: the working calendar and the escalation chain.

```toml
[time]
timezone = "America/Chicago"         # or OFFBOARD_TIMEZONE / [offboard] timezone
working_days = ["mon", "tue", "wed", "thu", "fri"]
holidays = ["2026-12-25", "2027-01-01"]
work_starts = "09:00"
work_ends = "17:00"
digest_at = "09:00"

[time.departments.tech]              # any of the settings above, for one department
working_days = ["mon", "tue", "wed", "thu", "fri", "sat"]

[reminders]
enabled = true                       # false: no due dates, no timers, no reminders
escalation = ["4h", "1d"]            # working time after the due time: the case thread, then managers

[reminders.departments.tech]
escalation = ["2h", "1d"]
```
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from adapters.ports import ConfigError
from dialogs.calendar import Grace, WorkCalendar, parse_clock, parse_weekdays
from dialogs.timing import DEFAULT_ESCALATION, Timing, check_escalation

CALENDAR_KEYS = ("timezone", "working_days", "holidays", "work_starts", "work_ends", "digest_at")


def table(data: Mapping[str, Any], key: str, where: str) -> Mapping[str, Any]:
    """A sub-table, or {} when absent; ConfigError when it is something else."""
    value = data.get(key, {})
    if not isinstance(value, Mapping):
        raise ConfigError(f"{where} must be a table")
    return value


def timezone_of(data: Mapping[str, Any]) -> str | None:
    """``[time] timezone``, if set."""
    value = table(data, "time", "[time]").get("timezone")
    if value is not None and not isinstance(value, str):
        raise ConfigError("[time] timezone must be a name such as \"America/Chicago\"")
    return value


def timing_from(data: Mapping[str, Any], timezone: str) -> Timing | None:
    """The reminders' settings, or None when ``[reminders] enabled = false``."""
    reminders = table(data, "reminders", "[reminders]")
    unknown = set(reminders) - {"enabled", "escalation", "departments"}
    if unknown:
        raise ConfigError(f"[reminders] has no setting {', '.join(sorted(unknown))}")
    enabled = reminders.get("enabled", True)
    if not isinstance(enabled, bool):
        raise ConfigError("[reminders] enabled must be true or false")
    if not enabled:
        return None
    times = table(data, "time", "[time]")
    base = calendar_from(times, "[time]", WorkCalendar(tz=_zone(timezone, "OFFBOARD_TIMEZONE")),
                         extra=("departments",))
    calendars = {name: calendar_from(t, f"[time.departments.{name}]", base)
                 for name, t in _tables(times, "departments", "[time.departments]").items()}
    escalation = graces(reminders.get("escalation"), "[reminders] escalation", DEFAULT_ESCALATION)
    escalations = {}
    for name, t in _tables(reminders, "departments", "[reminders.departments]").items():
        where = f"[reminders.departments.{name}]"
        if set(t) - {"escalation"}:
            raise ConfigError(f"{where} has no setting {', '.join(sorted(set(t) - {'escalation'}))}")
        escalations[name] = graces(t.get("escalation"), f"{where} escalation", escalation)
    return Timing(base, escalation, calendars, escalations)


def calendar_from(raw: Mapping[str, Any], where: str, base: WorkCalendar,
                  extra: tuple[str, ...] = ()) -> WorkCalendar:
    """A calendar from a table, each missing setting taken from ``base``."""
    unknown = set(raw) - set(CALENDAR_KEYS) - set(extra)
    if unknown:
        raise ConfigError(f"{where} has no setting {', '.join(sorted(unknown))} "
                          f"(known: {', '.join(CALENDAR_KEYS)})")
    parts: dict[str, Any] = {}
    try:
        if "timezone" in raw and where != "[time]":
            parts["tz"] = _zone(raw["timezone"], f"{where} timezone")
        if "working_days" in raw:
            if not isinstance(raw["working_days"], list):
                raise ValueError("working_days is a list such as [\"mon\", \"tue\"]")
            parts["working_days"] = parse_weekdays(raw["working_days"])
        if "holidays" in raw:
            parts["holidays"] = frozenset(_day(d) for d in _list(raw["holidays"], "holidays"))
        for key in ("work_starts", "work_ends", "digest_at"):
            if key in raw:
                parts[key] = parse_clock(raw[key])
        return WorkCalendar(**{**_fields(base), **parts})
    except ValueError as exc:
        raise ConfigError(f"{where}: {exc}") from None


def graces(raw: Any, where: str, default: tuple[Grace, ...]) -> tuple[Grace, ...]:
    """Escalation grace periods such as ["4h", "1d"]."""
    if raw is None:
        return default
    try:
        chain = tuple(Grace.parse(str(g)) for g in _list(raw, "escalation"))
        check_escalation(chain)
    except ValueError as exc:
        raise ConfigError(f"{where}: {exc}") from None
    return chain


def _zone(name: Any, where: str) -> ZoneInfo:
    try:
        return ZoneInfo(str(name))
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"{where} {name!r} is not a known time zone") from None


def _tables(raw: Mapping[str, Any], key: str, where: str) -> dict[str, Mapping[str, Any]]:
    out = {}
    for name, value in table(raw, key, where).items():
        if not isinstance(value, Mapping):
            raise ConfigError(f"{where[:-1]}.{name}] must be a table")
        out[name] = value
    return out


def _list(raw: Any, what: str) -> list[Any]:
    if not isinstance(raw, list):
        raise ValueError(f"{what} must be a list")
    return raw


def _day(raw: Any) -> date:
    if isinstance(raw, date):
        return raw
    try:
        return date.fromisoformat(str(raw))
    except ValueError:
        raise ValueError(f"holiday {raw!r} is not a date such as \"2026-12-25\"") from None


def _fields(cal: WorkCalendar) -> dict[str, Any]:
    return {k: getattr(cal, k) for k in ("tz", "working_days", "holidays", "work_starts", "work_ends",
                                         "digest_at")}
