"""Due rules (checklist data), the due date and time they give an item, and due times in words.

A rule is relative to an anchor: ``opened`` (the day the case opened), a date field of the
header (``stop_date``), or a date item's answer (``managed_contract_expiration``); ``after``,
``before`` or ``on`` it, in calendar ``days`` or ``business_days``. A due date lands on a
working day: ``after`` moves a weekend or holiday to the next working day, ``before`` and
``on`` to the one before (work due on a Sunday stop date is due on the Friday). An item is
late once work ends on its due date.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache

from dialogs.calendar import WorkCalendar
from dialogs.checklist import Checklist, DueRule, ItemDef
from storage.base import CaseRecord, ItemRecord

OPENED = "opened"
"""The anchor that means the day the case was opened."""


@dataclass(frozen=True)
class Due:
    """When an item is due: its local due date, and the moment it becomes late (end of work that day)."""

    on: date
    at: datetime


def rule_of(checklist: Checklist, item: ItemDef) -> DueRule | None:
    """The rule an item is due by: its own, else its step's; none for what nobody works by hand."""
    if item.kind == "generated" or (item.kind == "gate" and item.confirm is None):
        return None
    return item.due or checklist.steps_by_id[item.step].due


def due_date(rule: DueRule, anchor: date, cal: WorkCalendar) -> date:
    """The working day a rule gives, counted from its anchor's date."""
    if rule.relation == "after":
        if rule.business:
            return cal.add_business_days(anchor, rule.days)
        return cal.on_or_after(anchor + timedelta(days=rule.days))
    if rule.relation == "before":
        if rule.business:
            return cal.sub_business_days(anchor, rule.days)
        return cal.on_or_before(anchor - timedelta(days=rule.days))
    return cal.on_or_before(anchor)


def anchor_date(anchor: str, case: CaseRecord, records: Mapping[str, ItemRecord],
                cal: WorkCalendar) -> date | None:
    """The date an anchor stands for in a case, or None while it is not known (an item not answered)."""
    if anchor == OPENED:
        return cal.today(case.opened_at)
    raw: object = case.header.get(anchor)
    if raw is None and anchor in records:
        rec = records[anchor]
        raw = (rec.value or {}).get("date") if rec.status == "done" else None
    if not isinstance(raw, str):
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        return None


def item_due(checklist: Checklist, item: ItemDef, case: CaseRecord, records: Mapping[str, ItemRecord],
             cal: WorkCalendar) -> Due | None:
    """When one item of a case is due, if it has a rule and its anchor is known."""
    rule = rule_of(checklist, item)
    if rule is None:
        return None
    anchor = anchor_date(rule.anchor, case, records, cal)
    if anchor is None:
        return None
    on = due_date(rule, anchor, cal)
    return Due(on, cal.end_of_day(on))


def day_text(day: date, today: date) -> str:
    """A date as people say it: "Wed 2 Dec" (with the year when it is not this year's)."""
    return _day_text(day, day.year == today.year)


@lru_cache(maxsize=4096)  # strftime twice for every due item on a card: ~10 µs each
def _day_text(day: date, this_year: bool) -> str:
    text = f"{day:%a} {day.day} {day:%b}"
    return text if this_year else f"{text} {day.year}"


def due_words(due: Due, now: datetime, cal: WorkCalendar) -> str:
    """"due today", "due tomorrow", "due in 3 days"; "late (due today)", "1 day late", "2 days late"."""
    today = cal.today(now)
    if now >= due.at or due.on < today:
        days = (today - due.on).days
        return "late (due today)" if days <= 0 else f"{days} day{'s' if days > 1 else ''} late"
    days = (due.on - today).days
    return "due today" if days == 0 else "due tomorrow" if days == 1 else f"due in {days} days"


def is_late(due: Due, now: datetime) -> bool:
    """Whether work on a due item is late at ``now``."""
    return now >= due.at


def urgency(due_ats: Sequence[str], urgent: Sequence[str], now: datetime,
            calendar_for: Callable[[str], WorkCalendar]) -> tuple[int, str | None]:
    """How many items are late at ``now``, and the most urgent one in words ("“Collect…” 2 days late").

    ``due_ats``: when each item not done yet becomes late (ISO); ``urgent``: the most urgent one as
    (text, department, due date, late at), or empty. Kept summaries carry both, so a list read days
    later says what is true then without deriving the case again (dialogs.summaries).
    """
    late = sum(now >= datetime.fromisoformat(at) for at in due_ats)
    if not urgent:
        return late, None
    text, department, on, at = urgent
    due = Due(date.fromisoformat(on), datetime.fromisoformat(at))
    return late, f"“{text}” {due_words(due, now, calendar_for(department))}"
