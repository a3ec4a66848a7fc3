"""The managers' dashboard in words: where each case stands in time, and its audit trail as a story."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo
from typing import Any

from dialogs.actor import SYSTEM
from dialogs.present import CaseView, describe_value
from dialogs.summaries import CasePage
from dialogs.timeline import duration_text, read_timeline, state_text, step_times
from dialogs.views import CaseSummary
from storage.base import EventRecord

# Changes the engine derives from another change (a condition closed an item, a step's items
# unlocked): folded away under the change that caused them.
DERIVED = frozenset({"state", "closed_by_condition", "opened_by_condition"})


@dataclass(frozen=True)
class CaseRow:
    """One case on the dashboard."""

    summary: CaseSummary
    days_left: str
    late: bool
    step: str | None  # "Step 2 · Tech"
    step_age: str | None  # how long the current step has been with its department
    closed_on: str | None
    needs_manager: tuple[str, ...] = ()


@dataclass
class Line:
    """One line of the case's story, with the changes it caused folded under it."""

    at: datetime
    who: str
    text: str
    derived: list[Line] = field(default_factory=list)


def case_row(view: CaseView, events: Sequence[EventRecord], today: date, now: datetime) -> CaseRow:
    """The dashboard's facts about one case: days left, the current step's age, the closed date."""
    summary = view.summary(today)
    days, late = _days_left(summary, today)
    step = age = None
    if view.case.status == "open" and view.case.step_index < len(view.checklist.steps):
        current = view.checklist.steps[view.case.step_index]
        step = f"Step {current.number} · {view.checklist.department_label(current.department)}"
        times = step_times(view.checklist, read_timeline(events), view.case.opened_at)
        started = times[current.id]["started"]
        age = duration_text(now - started) if started else None
    closed = view.case.closed_at.astimezone(now.tzinfo).date().isoformat() if view.case.closed_at else None
    return CaseRow(summary, days, late, step, age, closed, needs_manager(view, summary))


def page_rows(page: CasePage, today: date, now: datetime) -> list[CaseRow]:
    """The dashboard's rows for a page of kept summaries (no case is derived or its events read)."""
    rows = []
    for n, summary in enumerate(page.summaries):
        days, late = _days_left(summary, today)
        step = age = None
        index, started = page.step_index[n], page.step_started[n]
        if summary.status == "open" and index < len(summary.steps):
            current = summary.steps[index]
            step = f"Step {current.number} · {current.department_label}"
            age = duration_text(now - started) if started else None
        closed = page.closed_at[n]
        rows.append(CaseRow(summary, days, late, step, age,
                            closed.astimezone(now.tzinfo).date().isoformat() if closed else None,
                            tuple(summary.needs_manager)))
    return rows


def needs_manager(view: CaseView, summary: CaseSummary) -> tuple[str, ...]:
    """Open items only a manager can do, in the steps reached so far."""
    given = getattr(summary, "needs_manager", None)  # CaseSummary.needs_manager, where the engine has it
    if given is not None:
        return tuple(given)
    if view.case.status != "open":
        return ()
    reached = view.checklist.steps[: view.case.step_index + 1]
    return tuple(view.text(i.id) for s in reached for i in s.items
                 if i.manager and view.derived[i.id].status == "open")


def _days_left(summary: CaseSummary, today: date) -> tuple[str, bool]:
    if not summary.stop_date or summary.status != "open":
        return "—", False
    days = (date.fromisoformat(summary.stop_date) - today).days
    if days > 1:
        return f"{days} days left", False
    if days in (0, 1):
        return ("stops today" if days == 0 else "stops tomorrow"), False
    return f"{-days} day{'s' if days < -1 else ''} overdue", True


def story(view: CaseView, events: Sequence[EventRecord], tz: tzinfo) -> list[Line]:
    """The audit trail as people tell it; derived changes fold under the change that caused them."""
    lines: list[Line] = []
    cause: Line | None = None  # the last thing a person did (the bot's own lines cause nothing)
    for event in events:
        line = Line(event.at.astimezone(tz), str(event.actor.get("name", "someone")), _words(view, event))
        if event.kind in DERIVED and (cause or lines):
            (cause or lines[-1]).derived.append(line)
            continue
        lines.append(line)
        if event.actor.get("platform") != SYSTEM.platform:
            cause = line
    return lines


def _words(view: CaseView, e: EventRecord) -> str:
    item = view.checklist.items.get(e.item_id or "")
    title = f"“{view.text(item.id)}”" if item else ""
    new, old = e.new or {}, e.old or {}
    value = describe_value(item, new.get("value") or {}) if item and new.get("value") else ""
    said: dict[str, Any] = {
        "case_opened": "opened the case",
        "answered": f"answered {title}: {value}" if value else f"answered {title}",
        "edited": f"changed {title}: {state_text(item, old)} → {state_text(item, new)}" if item else "",
        "not_applicable": f"marked {title} not applicable: {e.note}",
        "undone": f"undid {title}",
        "gate_confirmed": f"confirmed {title}",
        "ticket_closed": f"closed ticket {e.note} on {title}",
        "assigned": f"took {title}",
        "handoff": _handoff(view, old.get("step"), new.get("step")),
        "case_cancelled": f"cancelled the case: {e.note}",
        "case_reopened": "reopened the case",
        "case_completed": "case completed",
        "documents_exported": "posted the documents to the case thread",
        "header_changed": _header_changed(view, old, new, e.note),
        "due_changed": f"due dates moved ({len(new.get('items', {}))} item(s))",
        "snoozed": f"snoozed the reminders for {title} until {new.get('day', '?')}: {e.note}",
        "reminded": _reminded(title, new),
        "document": f"{title} is ready",
        "gate_opened": f"{title} opened",
        "gate_closed": f"{title} locked again",
        "closed_by_condition": f"{title} no longer applies",
        "opened_by_condition": f"{title} applies again",
        "state": f"{title} is now {_state(new.get('status'))}",
    }
    return str(said.get(e.kind) or e.kind.replace("_", " "))


def _header_changed(view: CaseView, old: dict[str, Any], new: dict[str, Any], why: str | None) -> str:
    labels = {h.id: h.label for h in view.checklist.header}
    moves = [f"“{labels.get(k, k)}” from {old.get(k) or 'not set'} to {v}" for k, v in new.items()]
    return f"moved {', '.join(moves)}: {why}" if why else f"moved {', '.join(moves)}"


def _reminded(title: str, new: dict[str, Any]) -> str:
    level = new.get("level", 0)
    where = {0: "reminded", 1: "escalated into the case thread", 2: "escalated to the managers"}.get(level)
    return f"{where}: {title} {new.get('late', 'late')}"


def _handoff(view: CaseView, done: str | None, nxt: str | None) -> str:
    steps = view.checklist.steps_by_id
    if done not in steps:
        return "handed off"
    if nxt not in steps:
        return f"completed the last step, {view.step_title(done)}"
    return f"handed {view.step_title(done)} off to {view.checklist.department_label(steps[nxt].department)}"


def _state(status: Any) -> str:
    return {"open": "open", "locked": "locked", "skipped": "not applying", "done": "done",
            "na": "not applicable"}.get(str(status), str(status))
