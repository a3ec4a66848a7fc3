"""Building views from a case's state: texts, answers in words, and the actions each item offers."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from dialogs.checklist import DECISIONS as DECISIONS
from dialogs.checklist import Checklist, ItemDef
from dialogs.due import Due, day_text, due_words, is_late, item_due, urgency
from dialogs.reasons import STATE_PHRASES, Reason, lower_first, words
from dialogs.state import Derived, derive, progress, rebate_suggestion, step_complete
from dialogs.text import money as format_money
from dialogs.text import render
from dialogs.tickets import NONE_LABEL
from dialogs.timing import Timing
from dialogs.views import (
    ActionView,
    CaseSummary,
    InputField,
    ItemView,
    RecordedLine,
    StepCard,
    StepProgress,
    TicketView,
)
from storage.base import CaseRecord, ItemRecord

AMOUNT_LABELS = {"dollars": "Amount ($)", "hours": "Hours"}
"""The label of each amount input; errors about the input name it the same way."""
HOURS_LOGGED = "Hours logged"


class CaseView:
    """One case's state, ready to be shown: derives states once, renders texts on demand.

    With ``timing`` (reminders on) and ``now``, items say when they are due and offer a snooze.
    """

    def __init__(self, checklist: Checklist, case: CaseRecord, records: Mapping[str, ItemRecord], *,
                 timing: Timing | None = None, now: datetime | None = None) -> None:
        self.checklist = checklist
        self.case = case
        self.records = records
        self.values = case_values(case, records)
        self._texts: dict[str, str] = {}
        self.derived: dict[str, Derived] = derive(checklist, records, case.step_index)
        self.timing, self.now = timing, now
        self._due: dict[str, Due | None] = {}

    def due(self, item_id: str) -> Due | None:
        """When an item is due; None without reminders, a rule, or its anchor's date."""
        if self.timing is None:
            return None
        if item_id not in self._due:
            item = self.checklist.items[item_id]
            self._due[item_id] = item_due(self.checklist, item, self.case, self.records,
                                          self.timing.calendar_for(item.department))
        return self._due[item_id]

    def pending_due(self, item_id: str) -> Due | None:
        """When an item not done yet (open or locked) of an open case is due, with a clock to judge it."""
        if self.now is None or self.case.status != "open" or self.derived[item_id].status not in ("open",
                                                                                                  "locked"):
            return None
        return self.due(item_id)

    def due_words(self, item_id: str) -> str | None:
        """"due in 3 days", "2 days late"; None when the item is not waiting on a due date."""
        due = self.pending_due(item_id)
        if due is None or self.timing is None or self.now is None:
            return None
        return due_words(due, self.now, self.timing.calendar_for(self.checklist.items[item_id].department))

    def text(self, item_id: str) -> str:
        """An item's text with the case's values filled in."""
        if item_id not in self._texts:
            self._texts[item_id] = render(self.checklist.items[item_id].text, self.values)
        return self._texts[item_id]

    def reason_text(self, item_id: str) -> str | None:
        """Why an item is locked or does not apply, in words (no status word: surfaces add it)."""
        reason = self.derived[item_id].reason
        return None if reason is None else self.words(reason)

    def words(self, reason: Reason) -> str:
        """A reason in words, quoting items in the case's words."""
        return words(reason, self.text, self.checklist.department_label)

    def cannot(self, item_id: str, what: str) -> str:
        """Why an item cannot be acted on now: “X” cannot be answered now: it is locked. Waits for…."""
        status = self.derived[item_id].status
        why = self.reason_text(item_id)
        text = f"“{self.text(item_id)}” cannot {what} now: it {STATE_PHRASES.get(status, 'is ' + status)}"
        return f"{text} ({lower_first(why)})." if why else f"{text}."

    def value_text(self, item_id: str) -> str | None:
        """An item's answer in words, or None if it has none."""
        rec = self.records[item_id]
        if rec.status == "na":
            return f"Not applicable: {rec.reason}"
        if rec.status != "done":
            return None
        return describe_value(self.checklist.items[item_id], rec.value or {})

    def step_status(self, number: int) -> str:
        """waiting, active, complete; or reopened: handed off, but with open work again (an undo)."""
        handed = self.case.step_index
        if number <= handed:
            step = self.checklist.steps[number - 1]
            return "complete" if step_complete(self.checklist, self.derived, step.id) else "reopened"
        return "active" if number == handed + 1 else "waiting"

    def step_title(self, step_id: str) -> str:
        """A step's title with the case's values filled in."""
        return render(self.checklist.steps_by_id[step_id].title, self.values)

    def card(self, step_id: str) -> StepCard:
        """The step card for a department's channel."""
        step = self.checklist.steps_by_id[step_id]
        done, total = progress(self.checklist, self.derived, step_id)
        items = tuple(self.item_view(item) for item in step.items)
        return StepCard(
            self.case.id, self.case.client, step.id, step.number, self.step_title(step_id),
            step.department, self.checklist.department_label(step.department),
            self.step_status(step.number), done, total, items, self.case.status,
        )

    def item_view(self, item: ItemDef) -> ItemView:
        """One item with its state, answer and buttons."""
        rec = self.records[item.id]
        d = self.derived[item.id]
        who = rec.updated_by if rec.status in ("done", "na") else None
        return ItemView(
            id=item.id, kind=item.kind, text=self.text(item.id), status=d.status,
            version=rec.version, depth=self._depth(item), reason=self.reason_text(item.id),
            reason_kind=d.reason.kind.value if d.reason else None,
            note=render(item.note, self.values) if item.note else None,
            value_text=self.value_text(item.id),
            answered_by=(who or {}).get("name"),
            answered_at=_iso(rec.updated_at) if who else None,
            assignee=(rec.assignee or {}).get("name"), manager_only=item.manager,
            copy_text=item.copy_text,
            actions=self.actions(item, rec, d) if self.case.status == "open" else (),
            tickets=tuple(
                TicketView(t["number"], t.get("title", ""), t["decision"],
                           DECISIONS.get(t["decision"], t["decision"]), bool(t.get("closed")))
                for t in ((rec.value or {}).get("tickets", []) if rec.status == "done" else [])
            ),
            **self._due_fields(item),
        )

    def _due_fields(self, item: ItemDef) -> dict[str, Any]:
        due = self.pending_due(item.id)
        if due is None or self.now is None:
            return {}
        today = self._today(item)
        out: dict[str, Any] = {"due_on": due.on.isoformat(), "due_day": day_text(due.on, today),
                               "due_text": self.due_words(item.id), "late": is_late(due, self.now)}
        snooze = self.records[item.id].snooze or {}
        if snooze.get("until") and datetime.fromisoformat(snooze["until"]) > self.now:
            who = (snooze.get("by") or {}).get("name", "someone")
            out["snoozed"] = (f"until {day_text(date.fromisoformat(snooze['day']), today)} "
                              f"({who}: {snooze.get('why', '')})")
        return out

    def _today(self, item: ItemDef) -> date:
        assert self.timing is not None and self.now is not None
        return self.timing.calendar_for(item.department).today(self.now)

    def may_snooze(self, item: ItemDef) -> bool:
        """An open item due today or late offers to snooze its reminders."""
        due = self.pending_due(item.id)
        return due is not None and self.derived[item.id].status == "open" and due.on <= self._today(item)

    def _depth(self, item: ItemDef) -> int:
        depth, parent = 0, item.parent
        while parent is not None and depth < 5:
            depth, parent = depth + 1, self.checklist.items[parent].parent
        return depth

    def actions(self, item: ItemDef, rec: ItemRecord, d: Derived) -> tuple[ActionView, ...]:
        """The buttons an item offers in its current state."""
        v = rec.version
        def act(a: str, label: str, style: str | None = None,
                inputs: Iterable[InputField] = (), arg: str | None = None) -> ActionView:
            return ActionView(a, label, item.id, v, style, tuple(inputs), arg)

        if item.kind == "generated" or (item.kind == "gate" and item.confirm is None):
            return ()  # nobody answers these: they resolve by themselves
        if d.status in ("done", "na"):
            out = [act("undo", "Undo")]
            if item.kind not in ("task", "gate"):
                out.insert(0, act("answer", "Edit", inputs=self.inputs(item, rec)))
            if item.kind == "tickets" and d.status == "done":
                out += [act("close_ticket", f"Close #{t['number']}", arg=t["number"])
                        for t in (rec.value or {}).get("tickets", []) if not t.get("closed")]
            return tuple(out)
        if d.status != "open":
            return ()
        out = []
        if item.kind == "gate":
            return (act("confirm", item.confirm or "Confirm", "primary"),)
        if item.kind == "task":
            inputs = self.inputs(item, rec)
            out.append(act("done", "Done", "primary", inputs))
        elif item.kind == "yesno":
            yes_inputs = [InputField("detail", "text", item.detail)] if item.detail else []
            out += [act("yes", "Yes", "primary", yes_inputs), act("no", "No")]
        else:
            out.append(act("answer", _ANSWER_LABEL.get(item.kind, "Answer"), "primary",
                           self.inputs(item, rec)))
        if item.kind == "tickets":
            out.append(act("no_tickets", NONE_LABEL))
        if item.na_allowed:
            reason = InputField("reason", "text", "Why not applicable?")
            out.append(act("na", "Not applicable", inputs=[reason]))
        if rec.assignee is None:  # a claim carries the holder version, not the answer's
            out.append(ActionView("claim", "Claim", item.id, rec.holder_version))
        if self.may_snooze(item):
            why = InputField("reason", "text", "Why snooze?")
            until = InputField("until", "date", "Until")
            out += [act("snooze", "Snooze a day", inputs=[why]),
                    act("snooze_until", "Snooze until a date", inputs=[until, why])]
        return tuple(out)

    def inputs(self, item: ItemDef, rec: ItemRecord) -> list[InputField]:
        """The inputs that answering this item asks for, with defaults."""
        current = rec.value or {}
        label = item.input_label
        if item.kind == "amount":
            suggested = rebate_suggestion(self.checklist, self.records, item) or {}
            kinds = {"dollars": "money", "hours": "hours"}
            return [InputField(f, kinds[f], AMOUNT_LABELS[f],
                               default=current.get(f) or suggested.get(f),
                               hint=_rebate_hint(suggested) if suggested else None)
                    for f in item.fields]
        if item.kind == "text":
            fields = [InputField("text", "text", label or "Answer", default=current.get("text"))]
        elif item.kind == "date":
            default = current.get("date") or (self.case.header.get(item.default) if item.default else None)
            fields = [InputField("date", "date", label or "Date", default=default)]
        elif item.kind == "choice":
            fields = [InputField("choice", "choice", label or "Choose", default=current.get("choice"),
                                 choices=item.choices)]
        elif item.kind == "tickets":
            fields = [InputField("tickets", "tickets", label or "Open tickets", required=False,
                                 choices=tuple(DECISIONS),
                                 hint="One row per ticket: number, title, decision")]
        elif item.kind == "yesno":
            fields = [InputField("answer", "yesno", "Answer", default=_yesno(current.get("answer")))]
            if item.detail:
                fields.append(InputField("detail", "text", item.detail, required=False,
                                         default=current.get("detail")))
        else:
            fields = []
        if item.log_hours:
            fields.append(InputField("hours", "hours", f"{HOURS_LOGGED} (optional)", required=False,
                                     default=current.get("hours")))
        return fields

    def summary(self, today: date | None = None) -> CaseSummary:
        """The case's live summary for the cases channel."""
        steps = []
        for step in self.checklist.steps:
            done, total = progress(self.checklist, self.derived, step.id)
            steps.append(StepProgress(step.id, step.number, self.step_title(step.id),
                                      self.checklist.department_label(step.department),
                                      self.step_status(step.number), done, total))
        holder = None
        if self.case.status == "open":
            holders = []  # departments with open work: the current step's, and any reopened earlier
            for step in self.checklist.steps[: self.case.step_index + 1]:
                label = self.checklist.department_label(step.department)
                waiting = any(self.derived[i.id].status == "open" for i in step.items)
                current = step.number == self.case.step_index + 1
                if (waiting or current) and label not in holders:
                    holders.append(label)
            holder = " and ".join(holders) or None
        needs_manager = tuple(self.text(i.id) for i in self.checklist.items.values()
                              if i.manager and self.derived[i.id].status == "open") \
            if self.case.status == "open" else ()
        stop = self.case.header.get("stop_date")
        header = tuple((h.label, self.case.header[h.id]) for h in self.checklist.header
                       if self.case.header.get(h.id))
        due_ats, urgent = self._urgency()
        late, next_due = (urgency(due_ats, urgent, self.now, self.timing.calendar_for)
                          if self.timing and self.now else (0, None))
        days_to_stop = None
        if today and stop and self.case.status == "open":
            try:
                days_to_stop = (date.fromisoformat(stop) - today).days
            except ValueError:
                days_to_stop = None
        return CaseSummary(
            self.case.id, self.case.client, render(self.checklist.title, self.values),
            self.case.status, stop, _iso(self.case.opened_at) or "",
            str(self.case.opened_by.get("name", "")), holder, tuple(steps), header,
            overdue=bool(today and stop and self.case.status == "open" and stop < today.isoformat()),
            needs_manager=needs_manager, late_items=late, next_due=next_due, days_to_stop=days_to_stop,
            due_ats=due_ats, urgent=urgent,
        )

    def _urgency(self) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """When each item not done yet becomes late, and the most urgent one (dialogs.due.Urgent)."""
        ats, first = [], None
        for item in self.checklist.items.values():
            due = self.pending_due(item.id)
            if due is None:
                continue
            ats.append(due.at.isoformat())
            if first is None or due.at < first[0].at:
                first = (due, item)
        if first is None:
            return tuple(sorted(ats)), ()
        due, item = first
        urgent = (self.text(item.id), item.department, due.on.isoformat(), due.at.isoformat())
        return tuple(sorted(ats)), urgent

    def recorded(self, step_id: str) -> tuple[RecordedLine, ...]:
        """What a step recorded, for the hand-off to the next department."""
        lines = []
        for item in self.checklist.steps_by_id[step_id].items:
            value = self.value_text(item.id)
            if value is not None:
                by = (self.records[item.id].updated_by or {}).get("name")
                lines.append(RecordedLine(self.text(item.id), value, by))
        return tuple(lines)


_ANSWER_LABEL = {"amount": "Enter amount", "text": "Enter", "date": "Set date",
                 "choice": "Choose", "tickets": "Enter tickets"}


def _rebate_hint(s: Mapping[str, str]) -> str:
    return (f"Prepaid {s['prepaid_hours']} h ({money(s['prepaid_dollars'])}), logged {s['logged_hours']} h: "
            f"{s['hours']} h unused = {money(s['dollars'])}")


def _yesno(value: Any) -> str | None:
    return None if value is None else ("yes" if value else "no")


def _iso(when: datetime | None) -> str | None:
    return None if when is None else when.isoformat(timespec="seconds")


def case_values(case: CaseRecord, records: Mapping[str, ItemRecord]) -> dict[str, Any]:
    """What checklist texts may read: client, header fields, and answer.<item id>."""
    answers = {iid: dict(rec.value or {}) if rec.status == "done" else {} for iid, rec in records.items()}
    return {**case.header, "client": case.client, "answer": answers}


def money(value: str | Decimal) -> str:
    """$1,234.50 (the one way money is written)."""
    return format_money(value)


def describe_value(item: ItemDef, value: Mapping[str, Any]) -> str:
    """An answer in words."""
    hours = f" · {value['hours']} h" if value.get("hours") and item.kind != "amount" else ""
    if item.kind == "task":
        return "Done" + hours
    if item.kind == "yesno":
        word = "Yes" if value.get("answer") else "No"
        return f"{word}: {value['detail']}" if value.get("detail") else word
    if item.kind == "amount":
        parts = []
        if value.get("dollars") is not None:
            parts.append(money(value["dollars"]))
        if value.get("hours") is not None:
            parts.append(f"{value['hours']} hours")
        return " for ".join(parts)
    if item.kind == "text":
        return str(value.get("text", "")) + hours
    if item.kind == "date":
        return str(value.get("date", ""))
    if item.kind == "choice":
        return str(value.get("choice", ""))
    if item.kind == "tickets":
        rows = value.get("tickets", [])
        if not rows:
            return NONE_LABEL
        closed = sum(1 for r in rows if r.get("closed"))
        return f"{len(rows)} ticket(s), {closed} closed: " + "; ".join(
            f"#{r['number']} {DECISIONS.get(r['decision'], r['decision'])}" for r in rows)
    if item.kind == "gate":
        return "Confirmed" if value.get("confirmed") else "Opened"
    if item.kind == "generated":
        return "Generated"
    return str(value)
