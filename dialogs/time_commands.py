"""Commands about time: snooze an item's reminders, move a date of the case (the service stop date).

Both run through the engine's one write path and settle, so the case's timers follow at once:
a snooze moves the reminders that are not sent yet to its end; a moved date moves every due
date anchored on it (and records which).
"""

from __future__ import annotations

from datetime import timedelta

from dialogs.actor import Actor, check_case_permission
from dialogs.checklist import Checklist
from dialogs.due import day_text
from dialogs.engine_base import EngineBase
from dialogs.errors import Conflict, InvalidInput
from dialogs.outcome import Outcome
from dialogs.present import CaseView
from dialogs.values import clean_text, parse_date
from storage.base import CaseRecord, EventRecord, ItemRecord, WriteTx

MAX_SNOOZE_DAYS = 90


def _reason(raw: str) -> str:
    try:
        return clean_text(raw, label="Why", multiline=True)
    except InvalidInput as exc:
        raise InvalidInput(exc.message, field="reason") from None


class TimeCommands(EngineBase):
    """Snoozing reminders and moving the case's dates."""

    async def snooze(self, case_id: str, item_id: str, reason: str, actor: Actor, seen_version: int, *,
                     until: str | None = None, request_id: str | None = None) -> Outcome:
        """Silence an item's reminders for a working day, or until a date; they resume after."""
        why = _reason(reason)

        async def apply(tx: WriteTx, cl: Checklist, case: CaseRecord,
                        records: dict[str, ItemRecord], view: CaseView) -> Outcome:
            item = cl.items[item_id]
            if view.derived[item_id].status != "open":
                raise Conflict(view.cannot(item_id, "be snoozed"))
            if self.timing is None or view.pending_due(item_id) is None:
                raise Conflict(f"“{view.text(item_id)}” has no due date, so no reminders to snooze.")
            now = self.clock()
            cal = self.timing.calendar_for(item.department)
            today = cal.today(now)
            if until is None:
                day = cal.next_working_day(today)
            else:
                try:
                    day = parse_date(until, label="Until")
                except InvalidInput as exc:
                    raise InvalidInput(exc.message, field="until") from None
                if day <= today or day > today + timedelta(days=MAX_SNOOZE_DAYS):
                    raise InvalidInput(f"Until must be after today and within {MAX_SNOOZE_DAYS} days "
                                       f"(today is {today.isoformat()})", field="until")
            resume = cal.resume_at(day)
            day = cal.today(resume)
            rec = records[item_id]
            old = rec.snooze
            rec.snooze = {"until": resume.isoformat(), "day": day.isoformat(), "by": actor.to_json(),
                          "why": why, "at": now.isoformat()}
            await tx.put_item(rec)
            await tx.append_event(EventRecord(case.id, "snoozed", actor.to_json(), now, item_id, old=old,
                                              new=rec.snooze, note=why))
            when = f"{day_text(day, today)} {cal.work_starts:%H:%M}"
            settler = self.settler(tx, cl, case, records, actor, now)
            await settler.thread(f"{actor.name} snoozed the reminders for “{view.text(item_id)}” "
                                 f"until {when}: {why}")
            await settler.settle(touched={item_id})
            return Outcome("changed", f"Reminders for “{view.text(item_id)}” are snoozed until {when}.",
                           case.id, item_id, rec.version)

        return await self._run(case_id, apply, request_id, item_id=item_id, actor=actor,
                               seen_version=seen_version)

    async def change_date(self, case_id: str, field: str, value: str, reason: str, actor: Actor, *,
                          request_id: str | None = None) -> Outcome:
        """Move a date of the case's header (the service stop date), with a reason; due dates follow."""
        why = _reason(reason)

        async def change(tx: WriteTx, cl: Checklist, case: CaseRecord,
                         records: dict[str, ItemRecord], view: CaseView) -> Outcome:
            check_case_permission(actor, cl, "change the case's dates")
            header = next((h for h in cl.header if h.id == field and h.kind == "date"), None)
            if header is None:
                dates = ", ".join(h.id for h in cl.header if h.kind == "date")
                raise InvalidInput(f"{field!r} is not a date of the case (its dates: {dates})", field="field")
            try:
                new = parse_date(value, label=header.label)
            except InvalidInput as exc:
                raise InvalidInput(exc.message, field="date") from None
            today = self.today()
            if header.not_past and new < today:
                raise InvalidInput(f"{header.label} {new.isoformat()} is in the past "
                                   f"(today is {today.isoformat()})", field="date")
            old = case.header.get(field)
            if old == new.isoformat():
                return Outcome("stale", f"Nothing changed: {header.label} is already {old}.", case.id,
                               version=case.version)
            now = self.clock()
            case.header = {**case.header, field: new.isoformat()}
            case.version += 1
            await tx.update_case(case)
            await tx.append_event(EventRecord(case.id, "header_changed", actor.to_json(), now,
                                              old={field: old}, new={field: new.isoformat()}, note=why))
            settler = self.settler(tx, cl, case, records, actor, now)
            await settler.thread(f"{actor.name} moved “{header.label}” from {old or 'not set'} to "
                                 f"{new.isoformat()}: {why}")
            await settler.settle()
            await settler.refresh({s.id for s in cl.steps if s.number <= case.step_index + 1})
            return Outcome("changed", f"Moved “{header.label}” for {case.client} to {new.isoformat()}.",
                           case.id, version=case.version)

        return await self._run(case_id, change, request_id)
