"""Firing claimed timers: wait, then check again, then tell people, in one transaction.

``fire`` works one item timer inside a write transaction on its case: the timer must still
be this process's and pending, and what the case's state implies now must still be that
timer at that due time and already due (the item still open, still late, not snoozed).
Only then does it write the reminder (and the refreshed card and summary) to the outbox and
mark the timer fired: a restart neither loses nor repeats one. ``digest`` does the same for
a department's digest: one message of the items due today or late, grouped by case.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime

from dialogs.actor import SYSTEM
from dialogs.checklist import ItemDef
from dialogs.due import day_text, due_words, is_late
from dialogs.engine import Engine
from dialogs.errors import NotFound
from dialogs.present import CaseView
from dialogs.reminder_views import DIGEST_CASE, DigestCase, DigestLine, DigestView, ReminderView
from dialogs.timers import snoozed_until, wanted_timers
from dialogs.timing import Timing
from storage.base import EventRecord, Notice, NoticeKind, TimerKind, TimerRecord, TimerStatus, digest_key

SNOOZES = ("snooze", "snooze_until")
"""The actions a reminder offers."""


def reminder_view(view: CaseView, item: ItemDef, level: int) -> ReminderView:
    """An item past its due time, for the department (level 0) or an escalation step."""
    due = view.due(item.id)
    assert due is not None and view.timing is not None and view.now is not None
    cal = view.timing.calendar_for(item.department)
    step = view.checklist.steps_by_id[item.step]
    holder = view.records[item.id].assignee
    actions = tuple(a for a in view.item_view(item).actions if a.action in SNOOZES)
    return ReminderView(
        view.case.id, view.case.client, item.id, view.text(item.id), step.number, view.step_title(step.id),
        item.department, view.checklist.department_label(item.department), due.on.isoformat(),
        day_text(due.on, cal.today(view.now)), due_words(due, view.now, cal), level,
        {k: v for k, v in holder.items() if k != "at"} if holder else None, item.manager,
        view.case.header.get("stop_date"), actions)


def reminder_target(reminder: ReminderView) -> tuple[NoticeKind, str]:
    """Where a reminder goes: the department (the managers for a manager's item), the case thread, the
    managers' channel."""
    if reminder.level == 0:
        target = "managers" if reminder.manager_only else f"dept:{reminder.department}"
        return NoticeKind.REMINDER, target
    return NoticeKind.ESCALATION, f"case:{reminder.case_id}" if reminder.level == 1 else "managers"


def digest_cases(views: Iterable[CaseView], department: str, now: datetime,
                 timing: Timing) -> list[DigestCase]:
    """A department's open items due by the end of today (and not snoozed), per case."""
    cal = timing.calendar_for(department)
    today = cal.today(now)
    out = []
    for view in views:
        lines = []
        for item in view.checklist.items.values():
            due = view.due(item.id)
            if (item.department != department or due is None or due.on > today
                    or view.derived[item.id].status != "open"):
                continue
            snooze = snoozed_until(view.records[item.id])
            if snooze is not None and snooze > now:
                continue
            holder = view.records[item.id].assignee
            lines.append(DigestLine(item.id, view.text(item.id), view.checklist.steps_by_id[item.step].number,
                                    day_text(due.on, today), due_words(due, now, cal), is_late(due, now),
                                    str(holder.get("name")) if holder else None))
        if lines:
            out.append(DigestCase(view.case.id, view.case.client, view.case.header.get("stop_date"),
                                  tuple(lines)))
    return out


class Reminders:
    """What the scheduler asks of the engine: fire a claimed timer, keep a digest per department."""

    def __init__(self, engine: Engine, timing: Timing) -> None:
        self.engine, self.store, self.timing = engine, engine.store, timing

    async def fire(self, timer: TimerRecord, owner: str) -> bool:
        """Send what a claimed item timer stands for, if it still holds; whether anything was sent."""
        if timer.kind is TimerKind.DIGEST:
            return await self.digest(timer, owner)
        assert timer.case_id is not None and timer.item_id is not None
        now = self.engine.clock()
        async with self.store.write(timer.case_id) as tx:
            held = await tx.get_timer(timer.key)
            if held is None or held.status is not TimerStatus.PENDING or held.lease_owner != owner:
                return False  # fired, dropped or taken over meanwhile
            case = await tx.get_case(timer.case_id)
            try:
                checklist = self.engine.checklist_for(case) if case else None
            except NotFound:
                checklist = None
            if case is None or checklist is None:
                await tx.delete_timers([timer.key])
                return False
            records = await tx.get_items(case.id)
            view = CaseView(checklist, case, records, timing=self.timing, now=now)
            wanted = wanted_timers(view, self.timing).get(timer.key)
            if wanted is None:  # resolved, closed, locked again
                await tx.delete_timers([timer.key])
                return False
            if wanted.due_at != held.due_at or wanted.fire_at > now:  # moved, or snoozed: later
                await tx.put_timer(wanted)
                return False
            item = checklist.items[timer.item_id]
            reminder = reminder_view(view, item, timer.level)
            kind, target = reminder_target(reminder)
            settler = self.engine.settler(tx, checklist, case, records, SYSTEM, now)
            await settler.tell(kind, target, {"reminder": reminder.to_json()})
            if timer.kind is TimerKind.DUE:
                await settler.refresh({item.step})  # the card says it is late, and offers a snooze
            await tx.append_event(EventRecord(case.id, "reminded", SYSTEM.to_json(), now, item.id, new={
                "level": timer.level, "target": target, "due": reminder.due_on, "late": reminder.due_text}))
            held.status, held.fired_at = TimerStatus.FIRED, now
            held.lease_owner = held.lease_until = None
            await tx.put_timer(held)
            return True

    async def digest(self, timer: TimerRecord, owner: str) -> bool:
        """Post a department's digest (edited in place if it goes out again that day); schedule the next."""
        now = self.engine.clock()
        department = timer.department
        cal = self.timing.calendar_for(department)
        today = cal.today(now)
        by_case: dict[str, list[TimerRecord]] = defaultdict(list)
        for row in await self.store.due_timers(department, cal.end_of_day(today)):
            by_case[str(row.case_id)].append(row)
        views = []
        for case_id in by_case:
            try:
                view = await self.engine.view(case_id)
            except NotFound:
                continue
            if view.case.status == "open":
                views.append(view)
        cases = digest_cases(sorted(views, key=lambda v: (v.case.header.get("stop_date") or "9999",
                                                          v.case.client)), department, now, self.timing)
        label = next((c.department_label(department) for c in self.engine.checklists.values()
                      if department in c.departments), department)
        digest = DigestView(department, label, today.isoformat(), day_text(today, today), tuple(cases))
        async with self.store.write() as tx:
            held = await tx.get_timer(timer.key)
            if held is None or held.status is not TimerStatus.PENDING or held.lease_owner != owner:
                return False
            if digest.cases:
                ref = f"digest:{department}:{today.isoformat()}"
                await tx.add_notice(Notice(DIGEST_CASE, NoticeKind.DIGEST, f"dept:{department}",
                                           {"digest": digest.to_json()}, now, ref_key=ref, coalesce_key=ref))
            held.fire_at, held.fired_at = cal.next_digest(now), now
            held.lease_owner = held.lease_until = None
            await tx.put_timer(held)
        return bool(digest.cases)

    async def ensure_digests(self) -> int:
        """A digest timer for each department of a checklist with due rules; how many were added."""
        now = self.engine.clock()
        added = 0
        departments = {d for c in self.engine.checklists.values() if c.has_due_rules for d in c.departments}
        for department in sorted(departments):
            cal = self.timing.calendar_for(department)
            timer = TimerRecord(digest_key(department), TimerKind.DIGEST, department, cal.next_digest(now))
            added += await self.store.ensure_timer(timer)
        return added
