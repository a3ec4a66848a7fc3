"""The working calendar: working days, holidays, working hours and the time zone, as pure arithmetic.

Dates are the MSP's local dates; moments are timezone-aware datetimes (returned in UTC).
Wall-clock times are combined with the calendar's zone, so a due time of 17:00 stays
17:00 across a daylight-saving change. Nothing here reads the clock or any I/O.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
"""Working days are named by these (date.weekday() is the index)."""
_SEARCH = 3700  # days a search for a working day may look (ten years of holidays is a configuration error)
_GRACE = re.compile(r"(\d+)\s*([dhm])")
_REMEMBER = 4096  # answers a calendar keeps of each kind (WorkCalendar._days, ._moments); then it starts over


@dataclass(frozen=True)
class Grace:
    """A stretch of working time: whole working days (same clock time), then working minutes."""

    days: int = 0
    minutes: int = 0

    @classmethod
    def parse(cls, text: str) -> Grace:
        """"4h", "30m", "1d", "1d 4h"; ValueError names what is wrong."""
        cleaned = text.strip().lower()
        parts = _GRACE.findall(cleaned)
        if not parts or _GRACE.sub("", cleaned).strip():
            raise ValueError(f"{text!r} is not a grace period such as \"4h\", \"30m\" or \"1d\"")
        days = sum(int(n) for n, unit in parts if unit == "d")
        minutes = sum(int(n) * (60 if unit == "h" else 1) for n, unit in parts if unit != "d")
        return cls(days, minutes)

    def __str__(self) -> str:
        hours, minutes = divmod(self.minutes, 60)
        text = " ".join(p for p in (f"{self.days}d" * bool(self.days), f"{hours}h" * bool(hours),
                                    f"{minutes}m" * bool(minutes)) if p)
        return text or "0m"

    @property
    def key(self) -> tuple[int, int]:
        """For ordering grace periods (days weigh more than any minutes)."""
        return self.days, self.minutes


@dataclass(frozen=True)
class WorkCalendar:
    """When people work: which weekdays, which holidays, which hours, in which time zone."""

    tz: tzinfo = UTC
    working_days: frozenset[int] = frozenset(range(5))  # 0 = Monday
    holidays: frozenset[date] = field(default_factory=frozenset)
    work_starts: time = time(9)
    work_ends: time = time(17)
    digest_at: time = time(9)
    # Answers worked out already. Each is a pure function of the calendar and its arguments, and one
    # click asks the same ones dozens of times (every item's due date and escalations, walking day by
    # day: ~0.5 ms a click). Not part of the calendar's value.
    _days: dict[tuple[str, date, int], date] = field(
        default_factory=dict, init=False, repr=False, compare=False)
    _moments: dict[tuple[object, object], datetime] = field(
        default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not self.working_days or not self.working_days <= set(range(7)):
            raise ValueError("name at least one working day")
        if self.work_starts >= self.work_ends:
            raise ValueError(f"work starts ({self.work_starts:%H:%M}) after it ends ({self.work_ends:%H:%M})")

    # ---- days
    def is_working_day(self, day: date) -> bool:
        """A working weekday that is not a holiday."""
        return day.weekday() in self.working_days and day not in self.holidays

    def on_or_after(self, day: date) -> date:
        """The day itself if people work then, else the next day they do."""
        return self._search(day, 1)

    def on_or_before(self, day: date) -> date:
        """The day itself if people work then, else the last day before it they did."""
        return self._search(day, -1)

    def next_working_day(self, day: date) -> date:
        """The first working day after ``day``."""
        return self._search(day + timedelta(days=1), 1)

    def previous_working_day(self, day: date) -> date:
        """The last working day before ``day``."""
        return self._search(day - timedelta(days=1), -1)

    def add_business_days(self, day: date, n: int) -> date:
        """The n-th working day after ``day`` (n = 0: ``day``, or the next working day)."""
        if (known := self._days.get(("add", day, n))) is not None:
            return known
        return self._day(("add", day, n), self._add_business_days(day, n))

    def _add_business_days(self, day: date, n: int) -> date:
        if n < 0:
            return self.sub_business_days(day, -n)
        out = self.on_or_after(day) if n == 0 else day
        for _ in range(n):
            out = self.next_working_day(out)
        return out

    def sub_business_days(self, day: date, n: int) -> date:
        """The n-th working day before ``day`` (n = 0: ``day``, or the working day before it)."""
        if (known := self._days.get(("sub", day, n))) is not None:
            return known
        return self._day(("sub", day, n), self._sub_business_days(day, n))

    def _sub_business_days(self, day: date, n: int) -> date:
        if n < 0:
            return self.add_business_days(day, -n)
        out = self.on_or_before(day) if n == 0 else day
        for _ in range(n):
            out = self.previous_working_day(out)
        return out

    def _search(self, day: date, step: int) -> date:
        if (known := self._days.get(("search", day, step))) is not None:
            return known
        return self._day(("search", day, step), self._walk(day, step))

    def _walk(self, day: date, step: int) -> date:
        for _ in range(_SEARCH):
            if self.is_working_day(day):
                return day
            day += timedelta(days=step)
        raise ValueError(f"no working day within {_SEARCH} days of {day}: check working_days and holidays")

    # ---- moments
    def today(self, now: datetime) -> date:
        """The local date at a moment."""
        return now.astimezone(self.tz).date()

    def at(self, day: date, clock: time) -> datetime:
        """A local date and wall-clock time as a UTC moment."""
        if (known := self._moments.get((day, clock))) is not None:
            return known
        return self._moment((day, clock), datetime.combine(day, clock, tzinfo=self.tz).astimezone(UTC))

    def _day(self, key: tuple[str, date, int], answer: date) -> date:
        if len(self._days) >= _REMEMBER:
            self._days.clear()
        self._days[key] = answer
        return answer

    def _moment(self, key: tuple[object, object], answer: datetime) -> datetime:
        if len(self._moments) >= _REMEMBER:
            self._moments.clear()
        self._moments[key] = answer
        return answer

    def end_of_day(self, day: date) -> datetime:
        """When work ends on a day: an item due that day is late from then on."""
        return self.at(day, self.work_ends)

    def start_of_day(self, day: date) -> datetime:
        """When work starts on a day."""
        return self.at(day, self.work_starts)

    def next_digest(self, after: datetime) -> datetime:
        """The first digest time (a working day at ``digest_at``) later than ``after``."""
        day = self.on_or_after(self.today(after))
        while (moment := self.at(day, self.digest_at)) <= after:
            day = self.next_working_day(day)
        return moment

    def resume_at(self, day: date) -> datetime:
        """When reminders snoozed until ``day`` come back: the start of work that day (or the next)."""
        return self.start_of_day(self.on_or_after(day))

    def add_working_time(self, start: datetime, grace: Grace) -> datetime:
        """``start`` plus working time: whole working days at the same clock time, then working minutes
        (nights, weekends and holidays do not count)."""
        if (known := self._moments.get((start, grace))) is not None:
            return known
        return self._moment((start, grace), self._add_working_time(start, grace))

    def _add_working_time(self, start: datetime, grace: Grace) -> datetime:
        local = start.astimezone(self.tz)
        day, clock = local.date(), local.time().replace(tzinfo=None)
        if grace.days:
            day = self.add_business_days(day, grace.days)
        left = timedelta(minutes=grace.minutes)
        if not left:
            return self.at(day, clock)
        for _ in range(_SEARCH):
            if self.is_working_day(day) and clock < self.work_ends:
                begin = max(clock, self.work_starts)
                room = _span(begin, self.work_ends)
                if left <= room:
                    return self.at(day, (datetime.combine(day, begin) + left).time())
                left -= room
            day, clock = self.next_working_day(day), self.work_starts
        raise ValueError("working time ran past the calendar's search")  # pragma: no cover - _search raises


def _span(begin: time, end: time) -> timedelta:
    anchor = date(2000, 1, 3)
    return datetime.combine(anchor, end) - datetime.combine(anchor, begin)


def parse_weekdays(names: list[str]) -> frozenset[int]:
    """["mon", "tue", ...] as weekday numbers; ValueError names an unknown day."""
    out = set()
    for name in names:
        key = str(name).strip().lower()[:3]
        if key not in WEEKDAYS:
            raise ValueError(f"{name!r} is not a weekday (mon, tue, wed, thu, fri, sat, sun)")
        out.add(WEEKDAYS.index(key))
    return frozenset(out)


def parse_clock(text: str) -> time:
    """"09:00" as a time; ValueError otherwise."""
    match = re.fullmatch(r"([01]?\d|2[0-3]):([0-5]\d)", str(text).strip())
    if match is None:
        raise ValueError(f"{text!r} is not a time of day such as \"09:00\"")
    return time(int(match[1]), int(match[2]))
