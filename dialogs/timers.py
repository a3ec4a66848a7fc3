"""A case's timers, derived from its state: which reminders it implies, and keeping the stored ones in step.

An open case's open item with a due time has a due timer (its overdue reminder, at the due
time) and one timer per escalation step (the department's grace periods, in working time,
after it). A snooze moves the chain: what is not sent yet counts from the snooze's end.
Everything else has none: a done, not applicable, skipped or locked item, a closed case.
``sync_timers`` writes the difference in the caller's transaction; a fired timer is kept
while its due time stands, so a step is never sent twice for one due time.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from dialogs.due import day_text
from dialogs.present import CaseView
from dialogs.timing import Timing
from storage.base import ItemRecord, TimerKind, TimerRecord, TimerStatus, WriteTx, due_key, escalation_key

DueMove = tuple[datetime, datetime]
"""An item's due time before and after a change."""


def snoozed_until(rec: ItemRecord) -> datetime | None:
    """When an item's snooze ends, if it was ever snoozed."""
    snooze: Mapping[str, Any] = rec.snooze or {}
    until = snooze.get("until")
    return datetime.fromisoformat(until) if isinstance(until, str) else None


def wanted_timers(view: CaseView, timing: Timing) -> dict[str, TimerRecord]:
    """Every timer a case's state implies, by key."""
    case = view.case
    out: dict[str, TimerRecord] = {}
    if case.status != "open":
        return out
    for item in view.checklist.items.values():
        if view.derived[item.id].status != "open":
            continue
        due = view.due(item.id)
        if due is None:
            continue
        dept = item.department
        snooze = snoozed_until(view.records[item.id])
        start = max(due.at, snooze) if snooze else due.at
        key = due_key(case.id, item.id)
        out[key] = TimerRecord(key, TimerKind.DUE, dept, start, case.id, item.id, due.at)
        cal = timing.calendar_for(dept)
        for level, grace in enumerate(timing.escalation_for(dept), 1):
            key = escalation_key(case.id, item.id, level)
            out[key] = TimerRecord(key, TimerKind.ESCALATION, dept, cal.add_working_time(start, grace),
                                   case.id, item.id, due.at, level)
    return out


async def sync_timers(tx: WriteTx, view: CaseView, timing: Timing) -> dict[str, DueMove]:
    """Bring a case's stored timers to what its state implies; the items whose due time moved."""
    have = {t.key: t for t in await tx.get_timers(view.case.id)}
    want = wanted_timers(view, timing)
    await tx.delete_timers([key for key in have if key not in want])
    moved: dict[str, DueMove] = {}
    for key, wanted in want.items():
        held = have.get(key)
        if held is None:
            await tx.put_timer(wanted)
        elif held.due_at != wanted.due_at:  # a new due time: every step may go out again, once
            if wanted.kind is TimerKind.DUE and held.due_at and wanted.due_at and wanted.item_id:
                moved[wanted.item_id] = (held.due_at, wanted.due_at)
            await tx.put_timer(wanted)
        elif held.status is TimerStatus.PENDING and held.fire_at != wanted.fire_at:
            await tx.put_timer(wanted)  # snoozed (or the snooze was lifted)
    return moved


def moves_text(view: CaseView, timing: Timing, moved: Mapping[str, DueMove], today: date) -> str:
    """A thread line saying which due dates moved: “X” Wed 23 Dec → Fri 22 Jan 2027; …"""
    words = []
    for item_id, (old, new) in moved.items():
        cal = timing.calendar_for(view.checklist.items[item_id].department)
        words.append(f"“{view.text(item_id)}” {day_text(cal.today(old), today)} → "
                     f"{day_text(cal.today(new), today)}")
    shown = "; ".join(words[:3]) + (f"; and {len(words) - 3} more" if len(words) > 3 else "")
    return f"Due dates moved: {shown}."
