"""The working calendar and due rules as pure arithmetic: weekends, holidays, working hours, zones, DST."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from dialogs.calendar import Grace, WorkCalendar, parse_clock, parse_weekdays
from dialogs.checklist import DueRule
from dialogs.due import Due, day_text, due_date, due_words

NY = ZoneInfo("America/New_York")
XMAS = date(2026, 12, 25)  # a Friday
CAL = WorkCalendar(holidays=frozenset({XMAS, date(2027, 1, 1)}))
NY_CAL = WorkCalendar(tz=NY)

FRI, SAT, SUN, MON, TUE = (date(2026, 11, 27) + timedelta(days=n) for n in range(5))


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


def ny(*args: int) -> datetime:
    return datetime(*args, tzinfo=NY)  # type: ignore[misc]


@pytest.mark.parametrize(("day", "working"), [
    (FRI, True), (SAT, False), (SUN, False), (MON, True), (XMAS, False), (date(2026, 12, 24), True),
    (date(2027, 1, 1), False),
])
def test_working_days_skip_weekends_and_holidays(day: date, working: bool) -> None:
    assert CAL.is_working_day(day) is working


@pytest.mark.parametrize(("start", "n", "expected"), [
    (FRI, 0, FRI), (FRI, 1, MON), (FRI, 2, TUE), (SAT, 0, MON), (SAT, 1, MON), (SUN, 2, TUE),
    (date(2026, 12, 24), 1, date(2026, 12, 28)),  # over Christmas and the weekend
    (date(2026, 12, 31), 1, date(2027, 1, 4)),  # over New Year's Day and the weekend
    (MON, 5, date(2026, 12, 7)), (MON, -1, FRI),
])
def test_adding_business_days(start: date, n: int, expected: date) -> None:
    assert CAL.add_business_days(start, n) == expected


@pytest.mark.parametrize(("start", "n", "expected"), [
    (MON, 0, MON), (MON, 1, FRI), (SUN, 0, FRI), (SUN, 1, FRI),
    (date(2026, 12, 28), 1, date(2026, 12, 24)), (date(2027, 1, 8), 5, date(2026, 12, 31)),
    (FRI, -1, MON),
])
def test_subtracting_business_days(start: date, n: int, expected: date) -> None:
    assert CAL.sub_business_days(start, n) == expected


def test_a_department_that_works_saturdays() -> None:
    six = WorkCalendar(working_days=parse_weekdays(["mon", "tue", "wed", "thu", "fri", "saturday"]))
    assert six.add_business_days(FRI, 1) == SAT and six.add_business_days(SAT, 1) == MON
    assert six.sub_business_days(SUN, 0) == SAT


def test_end_of_day_keeps_the_wall_clock_across_daylight_saving() -> None:
    assert NY_CAL.end_of_day(date(2026, 3, 6)) == utc(2026, 3, 6, 22)  # EST, UTC-5
    assert NY_CAL.end_of_day(date(2026, 3, 9)) == utc(2026, 3, 9, 21)  # EDT, UTC-4 after the change
    assert NY_CAL.end_of_day(date(2026, 11, 2)) == utc(2026, 11, 2, 22)  # back on EST
    assert NY_CAL.start_of_day(date(2026, 3, 9)) == ny(2026, 3, 9, 9).astimezone(UTC)
    assert NY_CAL.today(utc(2026, 3, 10, 3)) == date(2026, 3, 9), "11 pm in New York is still the 9th"


@pytest.mark.parametrize(("after", "expected"), [
    (utc(2026, 11, 27, 8, 59), utc(2026, 11, 27, 9)),  # a working day, before the digest time
    (utc(2026, 11, 27, 9), utc(2026, 11, 30, 9)),  # at it: the next one (Friday -> Monday)
    (utc(2026, 11, 28, 12), utc(2026, 11, 30, 9)),  # a Saturday
    (utc(2026, 12, 24, 10), utc(2026, 12, 28, 9)),  # Christmas Eve: Christmas and a weekend follow
])
def test_the_next_digest_is_on_a_working_day(after: datetime, expected: datetime) -> None:
    assert CAL.next_digest(after) == expected


def test_the_next_digest_in_a_zone_with_daylight_saving() -> None:
    assert NY_CAL.next_digest(ny(2026, 3, 6, 12)) == ny(2026, 3, 9, 9).astimezone(UTC) == utc(2026, 3, 9, 13)


@pytest.mark.parametrize(("start", "grace", "expected"), [
    (utc(2026, 11, 30, 13), "4h", utc(2026, 11, 30, 17)),  # fits in the day
    (utc(2026, 11, 30, 17), "4h", utc(2026, 12, 1, 13)),  # due at the end of work: the next morning
    (utc(2026, 11, 27, 17), "4h", utc(2026, 11, 30, 13)),  # Friday evening: Monday
    (utc(2026, 11, 30, 7), "1h", utc(2026, 11, 30, 10)),  # before work starts
    (utc(2026, 11, 28, 10), "30m", utc(2026, 11, 30, 9, 30)),  # on a Saturday
    (utc(2026, 11, 27, 17), "1d", utc(2026, 11, 30, 17)),  # a working day later, same clock time
    (utc(2026, 11, 27, 17), "1d 4h", utc(2026, 12, 1, 13)),
    (utc(2026, 12, 24, 17), "2h", utc(2026, 12, 28, 11)),  # over Christmas
    (utc(2026, 11, 30, 10), "16h", utc(2026, 12, 2, 10)),  # two whole working days of hours
    (utc(2026, 11, 30, 10), "0m", utc(2026, 11, 30, 10)),
])
def test_working_time_skips_nights_weekends_and_holidays(start: datetime, grace: str,
                                                         expected: datetime) -> None:
    assert CAL.add_working_time(start, Grace.parse(grace)) == expected


def test_working_time_across_the_spring_forward() -> None:
    friday_end = NY_CAL.end_of_day(date(2026, 3, 6))
    assert NY_CAL.add_working_time(friday_end, Grace.parse("4h")) == ny(2026, 3, 9, 13).astimezone(UTC)
    assert NY_CAL.add_working_time(friday_end, Grace.parse("1d")) == ny(2026, 3, 9, 17).astimezone(UTC)


@pytest.mark.parametrize(("text", "days", "minutes"), [
    ("4h", 0, 240), ("30m", 0, 30), ("1d", 1, 0), ("1d 4h", 1, 240), ("90m", 0, 90), (" 2D ", 2, 0),
])
def test_grace_periods_parse(text: str, days: int, minutes: int) -> None:
    assert Grace.parse(text) == Grace(days, minutes)


@pytest.mark.parametrize("text", ["", "4", "h", "4x", "four hours", "4h and"])
def test_a_grace_period_that_is_not_one_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="not a grace period"):
        Grace.parse(text)


def test_grace_periods_print_as_typed() -> None:
    assert [str(Grace.parse(t)) for t in ("4h", "1d 4h", "90m", "0m")] == ["4h", "1d 4h", "1h 30m", "0m"]


def test_a_calendar_that_cannot_work_is_refused() -> None:
    with pytest.raises(ValueError, match="after it ends"):
        WorkCalendar(work_starts=time(17), work_ends=time(9))
    with pytest.raises(ValueError, match="at least one working day"):
        WorkCalendar(working_days=frozenset())
    mondays = frozenset(MON + timedelta(weeks=n) for n in range(600))
    with pytest.raises(ValueError, match="no working day within"):
        WorkCalendar(working_days=frozenset({0}), holidays=mondays).next_working_day(FRI)


def test_days_and_clock_times_parse() -> None:
    assert parse_weekdays(["Mon", "fri"]) == frozenset({0, 4})
    assert parse_clock("9:30") == time(9, 30) and parse_clock("17:00") == time(17)
    for bad in ("noon", "25:00", "9"):
        with pytest.raises(ValueError):
            parse_clock(bad)
    with pytest.raises(ValueError, match="not a weekday"):
        parse_weekdays(["funday"])


@pytest.mark.parametrize(("rule", "anchor", "expected"), [
    (DueRule("opened", "after", 2, True), FRI, TUE),
    (DueRule("stop_date", "before", 5, True), date(2026, 12, 31), date(2026, 12, 23)),  # over Christmas
    (DueRule("stop_date", "on"), SUN, FRI),  # due on a Sunday stop date: the Friday before
    (DueRule("stop_date", "after", 30), date(2026, 12, 5), date(2027, 1, 4)),  # lands on a Monday
    (DueRule("stop_date", "after", 26), FRI, date(2026, 12, 23)),
    (DueRule("x", "after", 1), FRI, MON),  # calendar days landing on a Saturday: the next working day
    (DueRule("x", "before", 1), MON, FRI),  # ...and before: the working day before
    (DueRule("x", "after"), SAT, MON),
])
def test_due_rules_land_on_working_days(rule: DueRule, anchor: date, expected: date) -> None:
    assert due_date(rule, anchor, CAL) == expected


def test_due_rules_say_what_they_are() -> None:
    assert DueRule("stop_date", "before", 5, True).describe() == "5 business days before stop_date"
    assert DueRule("opened", "after", 1).describe() == "1 day after opened"
    assert DueRule("stop_date", "on").describe() == "on stop_date"


@pytest.mark.parametrize(("now", "words"), [
    (utc(2026, 11, 27, 10), "due in 4 days"),
    (utc(2026, 11, 30, 10), "due tomorrow"),
    (utc(2026, 12, 1, 16, 59), "due today"),
    (utc(2026, 12, 1, 17), "late (due today)"),
    (utc(2026, 12, 2, 8), "1 day late"),
    (utc(2026, 12, 3, 12), "2 days late"),
])
def test_due_times_in_words(now: datetime, words: str) -> None:
    due = Due(TUE, CAL.end_of_day(TUE))
    assert due_words(due, now, CAL) == words


def test_due_dates_as_people_say_them() -> None:
    assert day_text(TUE, MON) == "Tue 1 Dec"
    assert day_text(date(2027, 1, 4), MON) == "Mon 4 Jan 2027"



def test_a_calendar_answers_the_same_when_asked_again_and_stays_equal_to_a_fresh_one() -> None:
    def ask(cal: WorkCalendar) -> tuple[object, ...]:
        return (cal.add_business_days(FRI, 3), cal.sub_business_days(MON, 2), cal.on_or_after(SAT),
                cal.end_of_day(XMAS), cal.add_working_time(ny(2026, 12, 24, 16), Grace.parse("1d 4h")))

    used = WorkCalendar(tz=NY, holidays=frozenset({XMAS}))
    first, again = ask(used), ask(used)  # the second time from what it remembers
    fresh = WorkCalendar(tz=NY, holidays=frozenset({XMAS}))
    assert first == again == ask(fresh)
    assert first[0] == date(2026, 12, 2) and first[2] == MON
    assert first[4] == ny(2026, 12, 29, 12).astimezone(UTC)  # Thu 16:00, a working day on (Xmas off), 4 h
    assert used == fresh and hash(used) == hash(fresh) and repr(used) == repr(fresh)
