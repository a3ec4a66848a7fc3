"""The [time] and [reminders] tables: the calendar, per-department overrides, escalation, off."""

from __future__ import annotations

from datetime import date, time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.config import Config, ConfigError
from dialogs.calendar import Grace


def load(tmp_path: Path, toml: str, **env: str) -> Config:
    path = tmp_path / "offboard.toml"
    path.write_text(toml, encoding="utf-8")
    return Config.load({"OFFBOARD_CONFIG": str(path), **env})


def test_the_defaults_are_a_working_week_in_utc(tmp_path: Path) -> None:
    timing = load(tmp_path, "").timing
    assert timing is not None
    cal = timing.calendar
    assert (cal.tz, cal.working_days, cal.work_starts, cal.work_ends, cal.digest_at) == (
        ZoneInfo("UTC"), frozenset(range(5)), time(9), time(17), time(9))
    assert timing.escalation == (Grace(minutes=240), Grace(days=1))


def test_every_setting_and_a_departments_own(tmp_path: Path) -> None:
    config = load(tmp_path, """
[time]
timezone = "America/Chicago"
working_days = ["mon", "tue", "wed", "thu"]
holidays = ["2026-12-25", 2027-01-01]
work_starts = "08:30"
work_ends = "16:30"
digest_at = "08:00"

[time.departments.tech]
working_days = ["mon", "tue", "wed", "thu", "fri", "sat"]
timezone = "Europe/Berlin"

[reminders]
escalation = ["2h", "1d"]

[reminders.departments.tech]
escalation = ["30m"]
""")
    timing = config.timing
    assert timing is not None and config.timezone == "America/Chicago"
    admin, tech = timing.calendar_for("admin"), timing.calendar_for("tech")
    assert admin.tz == ZoneInfo("America/Chicago") and admin.working_days == frozenset(range(4))
    assert admin.holidays == frozenset({date(2026, 12, 25), date(2027, 1, 1)})
    assert (admin.work_starts, admin.work_ends, admin.digest_at) == (time(8, 30), time(16, 30), time(8))
    assert tech.tz == ZoneInfo("Europe/Berlin") and tech.working_days == frozenset(range(6))
    assert tech.holidays == admin.holidays and tech.work_starts == time(8, 30), "the rest is the company's"
    assert timing.escalation_for("admin") == (Grace(minutes=120), Grace(days=1))
    assert timing.escalation_for("tech") == (Grace(minutes=30),)


def test_offboard_timezone_is_the_calendars_zone(tmp_path: Path) -> None:
    config = load(tmp_path, "", OFFBOARD_TIMEZONE="Asia/Tokyo")
    assert config.timing is not None and config.timing.calendar.tz == ZoneInfo("Asia/Tokyo")
    config = load(tmp_path, '[offboard]\ntimezone = "Europe/Paris"\n')
    assert config.timing is not None and config.timing.calendar.tz == ZoneInfo("Europe/Paris")


def test_reminders_off_with_one_setting(tmp_path: Path) -> None:
    assert load(tmp_path, "[reminders]\nenabled = false\n").timing is None


@pytest.mark.parametrize(("toml", "message"), [
    ('[time]\nworking_days = ["mon", "funday"]', "[time]: 'funday' is not a weekday"),
    ('[time]\nworking_days = "mon"', "[time]: working_days is a list"),
    ('[time]\nholidays = ["Christmas"]', "[time]: holiday 'Christmas' is not a date"),
    ('[time]\nwork_starts = "9am"', "[time]: '9am' is not a time of day"),
    ('[time]\nwork_starts = "18:00"', "[time]: work starts (18:00) after it ends (17:00)"),
    ('[time]\nworking_days = []', "[time]: name at least one working day"),
    ('[time]\nlunch = "12:00"', "[time] has no setting lunch"),
    ('[time]\ntimezone = "Mars/Olympus"', "OFFBOARD_TIMEZONE 'Mars/Olympus' is not a known time zone"),
    ('[time.departments.tech]\ntimezone = "Nowhere"', "[time.departments.tech] timezone 'Nowhere'"),
    ('[offboard]\ntimezone = "UTC"\n[time]\ntimezone = "Europe/Paris"', "differ: keep one"),
    ('[reminders]\nenabled = "no"', "[reminders] enabled must be true or false"),
    ('[reminders]\nescalation = ["4 hours"]', "[reminders] escalation: '4 hours' is not a grace period"),
    ('[reminders]\nescalation = ["1d", "4h"]', "escalation grace periods must grow: 1d, 4h"),
    ('[reminders]\nescalation = ["1h", "2h", "3h"]', "escalation has 3 steps; at most 2"),
    ('[reminders]\nsnooze = "1d"', "[reminders] has no setting snooze"),
    ('[reminders.departments.tech]\nescalation = "4h"', "[reminders.departments.tech] escalation: escalation"
                                                        " must be a list"),
    ('[reminders.departments.tech]\ngrace = ["4h"]', "[reminders.departments.tech] has no setting grace"),
])
def test_a_bad_setting_says_which_and_why(tmp_path: Path, toml: str, message: str) -> None:
    with pytest.raises(ConfigError) as info:
        load(tmp_path, toml)
    assert message in str(info.value)
