"""Reading a case's audit trail for its documents: edits, gate openings, hand-offs, step times.

Pure functions over the events a store returns (oldest first); nothing here
touches the store or the clock.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, tzinfo
from typing import Any

from dialogs.checklist import Checklist, ItemDef
from dialogs.present import describe_value
from dialogs.reasons import STATUS_WORDS, Reason
from storage.base import EventRecord

# Events by which an item's answer changed; "answered" counts when it replaces an earlier answer.
_EDIT_WORDS = {
    "answered": "Answered again",
    "edited": "Changed",
    "not_applicable": "Marked not applicable",
    "undone": "Undone",
    "closed_by_condition": "No longer applies",
    "state": "Set aside",
}
_ANSWERED = ("done", "na")


@dataclass
class Timeline:
    """What the documents need from the audit trail, keyed for quick look-up."""

    opened: EventRecord | None = None
    handoffs: dict[str, EventRecord] = field(default_factory=dict)  # step id -> its hand-off
    by_item: dict[str, list[EventRecord]] = field(default_factory=dict)
    closing: EventRecord | None = None  # the last case_completed / case_cancelled, if the case is closed


def read_timeline(events: Sequence[EventRecord]) -> Timeline:
    """Sort a case's events into what the documents look up."""
    t = Timeline()
    for event in events:
        if event.kind == "case_opened" and t.opened is None:
            t.opened = event
        elif event.kind == "handoff":
            step = (event.old or {}).get("step")
            if step and step not in t.handoffs:
                t.handoffs[step] = event
        elif event.kind in ("case_completed", "case_cancelled"):
            t.closing = event
        elif event.kind == "case_reopened":
            t.closing = None
        if event.item_id is not None:
            t.by_item.setdefault(event.item_id, []).append(event)
    return t


def state_text(item: ItemDef, state: Mapping[str, Any] | None) -> str:
    """An item's recorded state (status, value, reason) in words."""
    state = state or {}
    status = state.get("status")
    if status == "done":
        return describe_value(item, state.get("value") or {})
    if status == "na":
        return f"Not applicable: {state.get('reason')}"
    if status == "skipped":
        return "Does not apply"
    return "No answer"


def edits(item: ItemDef, events: Sequence[EventRecord], when: WhenFormat,
          words: Callable[[Reason], str] | None = None) -> list[dict[str, Any]]:
    """Every change to an answer already given: old -> new, who and when (``words`` words a reason)."""
    if item.kind in ("gate", "generated"):
        return []
    out = []
    for event in events:
        old, new = event.old or {}, event.new or {}
        if event.kind not in _EDIT_WORDS or old.get("status") not in _ANSWERED:
            continue
        before, after = state_text(item, old), state_text(item, new)
        note = event.note if event.kind == "state" else None
        why = new.get("why")
        if event.kind == "closed_by_condition" and why and words is not None:
            after = f"{STATUS_WORDS['skipped']}: {words(Reason.from_json(why))}"
        elif event.kind == "closed_by_condition" and event.note:
            after = event.note  # events written before reasons were data: "Does not apply: “...” is yes"
        if before == after:
            continue
        out.append({"kind": event.kind, "label": _EDIT_WORDS[event.kind], "old": before, "new": after,
                    "by": event.actor.get("name"), "at": when(event.at), "note": note})
    return out


def gate_opened(events: Sequence[EventRecord]) -> EventRecord | None:
    """The event that last opened (or confirmed) a gate, unless it was locked again since."""
    last = None
    for event in events:
        if event.kind in ("gate_opened", "gate_confirmed"):
            last = event
        elif event.kind in ("gate_closed", "undone"):
            last = None
    return last


def ticket_closures(events: Sequence[EventRecord]) -> dict[str, EventRecord]:
    """Ticket number -> the event that closed it."""
    return {str(e.note or "").lstrip("#"): e for e in events if e.kind == "ticket_closed"}


def step_times(checklist: Checklist, t: Timeline, opened_at: datetime) -> dict[str, dict[str, Any]]:
    """Per step: when it became active, when it was handed off, and the time in between."""
    out: dict[str, dict[str, Any]] = {}
    start: datetime | None = t.opened.at if t.opened else opened_at
    for step in checklist.steps:
        handoff = t.handoffs.get(step.id)
        end = handoff.at if handoff else None
        out[step.id] = {"started": start, "ended": end, "handoff": handoff,
                        "duration": (end - start) if start and end else None}
        start = end
    return out


class WhenFormat:
    """Times as people read them, in the MSP's time zone."""

    def __init__(self, tz: tzinfo) -> None:
        self.tz = tz

    def __call__(self, when: datetime | None) -> str | None:
        return None if when is None else f"{when.astimezone(self.tz):%Y-%m-%d %H:%M}"

    @property
    def zone(self) -> str:
        """The time zone's name, e.g. UTC or America/New_York."""
        return str(self.tz)


def duration_text(span: timedelta | None) -> str | None:
    """3 d 4 h, 2 h 5 min, 12 min, under a minute."""
    if span is None:
        return None
    minutes = int(span.total_seconds() // 60)
    if minutes < 1:
        return "under a minute"
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h" if hours else f"{days} d"
    if hours:
        return f"{hours} h {mins} min" if mins else f"{hours} h"
    return f"{mins} min"
