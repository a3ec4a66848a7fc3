"""The data every document template gets: a case's state and audit trail as a plain dict.

``build_context`` is pure: the case view, its events, the company, the time
zone and the moment of rendering go in; a dict of strings, numbers, lists and
dicts comes out. What people typed stays data here: no value is ever compiled
as a template (the templates escape it for their format).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, tzinfo
from decimal import Decimal
from typing import Any

from bot.documents.company import Company
from dialogs.actor import SYSTEM
from dialogs.checklist import ItemDef, StepDef
from dialogs.present import CaseView, money
from dialogs.reasons import STATUS_WORDS
from dialogs.state import logged_hours, rebate_suggestion
from dialogs.text import render
from dialogs.timeline import (
    Timeline,
    WhenFormat,
    duration_text,
    edits,
    gate_opened,
    read_timeline,
    step_times,
    ticket_closures,
)
from storage.base import EventRecord

DOCUMENT_TITLES = {
    "memo": "\u201cWhat\u2019s Next\u201d memo",
    "summary": "Client summary report of existing issues and tickets",
    "checklist": "Completed checklist",
}
STATUS_LABELS = {status: STATUS_WORDS[status] for status in ("done", "na", "skipped", "locked", "open")}
CASE_STATUS_LABELS = {"open": "Open", "completed": "Completed", "cancelled": "Cancelled"}
STEP_STATUS_LABELS = {"waiting": "Waiting", "active": "In progress", "complete": "Handed off",
                      "reopened": "Reopened (open work again after its hand-off)"}
TICKET_DECISIONS = {
    "covered": ("Worked under the ending contract",
                "Completed before service stops, under the contract that is ending, at no extra charge."),
    "billable": ("Billable",
                 "Completed as billable work, paid in advance from the prepaid labor block."),
    "close": ("Closed without completing",
              "Closed without completing service due to end of contract."),
}


def build_context(view: CaseView, events: Sequence[EventRecord], *, document: str, company: Company,
                  tz: tzinfo, now: datetime) -> dict[str, Any]:
    """Everything a document template may read (see docs/documents.md for the list)."""
    when = WhenFormat(tz)
    t = read_timeline(events)
    case = view.case
    header = [{"id": h.id, "label": h.label, "value": case.header.get(h.id) or None}
              for h in view.checklist.header]
    times = step_times(view.checklist, t, case.opened_at)
    steps = [_step(view, t, step, times[step.id], when) for step in view.checklist.steps]
    items = [item for step in steps for item in step["item_list"]]
    counts = {status: sum(1 for i in items if i["status"] == status) for status in STATUS_LABELS}
    return {
        "document": document,
        "document_title": DOCUMENT_TITLES[document],
        "title": render(view.checklist.title, view.values),
        "client": case.client,
        "case": {
            "id": case.id, "checklist": view.checklist.id, "status": case.status,
            "status_label": CASE_STATUS_LABELS.get(case.status, case.status),
            "opened_at": when(case.opened_at), "opened_by": case.opened_by.get("name"),
            "closed_at": when(case.closed_at),
        },
        "header": header,
        "fields": {"client": case.client, **{h["id"]: h["value"] for h in header}},
        "company": company.to_context(),
        "generated_at": when(now),
        "generated_on": f"{now.astimezone(tz):%Y-%m-%d}",
        "timezone": when.zone,
        "steps": steps,
        "counts": counts,
        "open_items": [i for i in items if i["status"] == "open"],
        "locked_items": [i for i in items if i["status"] == "locked"],
        "gates": [{"text": i["text"], "status": i["status"], "status_label": i["status_label"],
                   "opened_at": i["opened_at"], "opened_by": i["by"], "reason": i["reason"]}
                  for i in items if i["kind"] == "gate"],
        "handoffs": [{"from": s["title"], "from_department": s["department"], "to": s["handed_to"],
                      "at": s["handed_off_at"], "by": s["handed_off_by"]}
                     for s in steps if s["handed_off_at"]],
        "money": _money(view),
        "tickets": _tickets(view, t, when),
        "answers": {i["id"]: {"status": i["status"], "text": i["text"], "value": i["value"],
                              "value_text": i["value_text"], "answer": i["answer"]} for i in items},
        "closing": _closing(view, t, when),
    }


def _step(view: CaseView, t: Timeline, step: StepDef, times: dict[str, Any],
          when: WhenFormat) -> dict[str, Any]:
    checklist = view.checklist
    card = view.card(step.id)
    nxt = checklist.steps[step.number] if step.number < len(checklist.steps) else None
    handoff = times["handoff"]
    hours = None
    if step.log_hours:
        hours = f"{sum((_hours(view, i.id) for i in step.items), Decimal('0')):.2f}"
    return {
        "id": step.id, "number": step.number, "title": card.title, "department": card.department_label,
        "status": card.status, "status_label": STEP_STATUS_LABELS.get(card.status, card.status),
        "done": card.done, "total": card.total,
        "started_at": when(times["started"]) if card.status != "waiting" else None,
        "handed_off_at": when(handoff.at) if handoff else None,
        "handed_off_by": handoff.actor.get("name") if handoff else None,
        "handed_to": checklist.department_label(nxt.department) if handoff and nxt else None,
        "duration": duration_text(times["duration"]),
        "logged_hours": hours,
        "item_list": [_item(view, t, item, when) for item in step.items],
    }


def _item(view: CaseView, t: Timeline, item: ItemDef, when: WhenFormat) -> dict[str, Any]:
    rec = view.records[item.id]
    derived = view.derived[item.id]
    status = derived.status
    events = t.by_item.get(item.id, [])
    answered = status in ("done", "na")
    who = rec.updated_by or {}
    by = who.get("name") if answered and who.get("platform") != SYSTEM.platform else None
    at = when(rec.updated_at) if answered else None
    label = STATUS_LABELS.get(status, status)
    opened_at = None
    if item.kind == "gate":
        opening = gate_opened(events) if status == "done" else None
        opened_at = at = when(opening.at) if opening else None
        confirmed = opening is not None and opening.kind == "gate_confirmed"
        by = opening.actor.get("name") if opening and confirmed else None
        label = ("Confirmed" if confirmed else "Opened") if status == "done" else label
    elif item.kind == "generated" and status == "done":
        label = "Generated"
    value = dict(rec.value or {}) if status == "done" else None
    value_text = view.value_text(item.id) if status == "done" else None
    return {
        "id": item.id, "kind": item.kind, "text": view.text(item.id), "depth": _depth(view, item),
        "status": status, "status_label": label, "value": value, "value_text": value_text,
        "answer": _answer(item, value, value_text),
        "reason": rec.reason if status == "na" else view.reason_text(item.id),
        "note": render(item.note, view.values) if item.note else None,
        "by": by, "at": at, "opened_at": opened_at,
        "hours": (value or {}).get("hours") if item.kind != "amount" else None,
        "manager": item.manager,
        "edits": edits(item, events, when, view.words),
        "tickets": _ticket_rows(view, item, t, when) if item.kind == "tickets" else [],
    }


def _answer(item: ItemDef, value: dict[str, Any] | None, value_text: str | None) -> str | None:
    """What a document shows beside the status: the answer, without repeating "Done"."""
    if value is None or item.kind in ("gate", "generated"):
        return None
    if item.kind == "task":
        return f"{value['hours']} h logged" if value.get("hours") else None
    if item.kind == "tickets":
        rows = value.get("tickets", [])
        closed = sum(1 for r in rows if r.get("closed"))
        return f"{len(rows)} ticket(s), {closed} closed" if rows else "No open tickets"
    return value_text


def _depth(view: CaseView, item: ItemDef) -> int:
    depth, parent = 0, item.parent
    while parent is not None and depth < 5:
        depth, parent = depth + 1, view.checklist.items[parent].parent
    return depth


def _hours(view: CaseView, item_id: str) -> Decimal:
    rec = view.records[item_id]
    hours = (rec.value or {}).get("hours") if rec.status == "done" else None
    return Decimal(hours) if hours and view.checklist.items[item_id].log_hours else Decimal("0")


def _ticket_rows(view: CaseView, item: ItemDef, t: Timeline, when: WhenFormat) -> list[dict[str, Any]]:
    rec = view.records[item.id]
    if rec.status != "done":
        return []
    closed = ticket_closures(t.by_item.get(item.id, []))
    rows = []
    for row in (rec.value or {}).get("tickets", []):
        label, meaning = TICKET_DECISIONS.get(row["decision"], (row["decision"], ""))
        event = closed.get(row["number"]) if row.get("closed") else None
        rows.append({"number": row["number"], "title": row.get("title") or None,
                     "decision": row["decision"], "decision_label": label, "meaning": meaning,
                     "closed": bool(row.get("closed")),
                     "closed_by": event.actor.get("name") if event else None,
                     "closed_at": when(event.at) if event else None})
    return rows


def _tickets(view: CaseView, t: Timeline, when: WhenFormat) -> dict[str, Any]:
    item = next((i for i in view.checklist.items.values() if i.kind == "tickets"), None)
    rows = _ticket_rows(view, item, t, when) if item else []
    recorded = item is not None and view.records[item.id].status == "done"
    decisions = [{"decision": key, "label": label, "meaning": meaning,
                  "rows": [r for r in rows if r["decision"] == key]}
                 for key, (label, meaning) in TICKET_DECISIONS.items()]
    return {"recorded": recorded, "item_text": view.text(item.id) if item else None, "rows": rows,
            "by_decision": [d for d in decisions if d["rows"]],
            "open_count": sum(1 for r in rows if not r["closed"]),
            "closed_count": sum(1 for r in rows if r["closed"])}


def _money(view: CaseView) -> dict[str, Any] | None:
    checklist, records = view.checklist, view.records
    rebate = next((i for i in checklist.items.values() if i.rebate_of), None)
    if rebate is None or rebate.rebate_of is None:
        return None
    source = records[rebate.rebate_of]
    prepaid = source.value or {} if source.status == "done" else {}
    suggestion = rebate_suggestion(checklist, records, rebate) or {}
    given = records[rebate.id].value or {} if view.derived[rebate.id].status == "done" else {}
    return {
        "prepaid": bool(prepaid),
        "prepaid_dollars": money(prepaid["dollars"]) if prepaid.get("dollars") else None,
        "prepaid_hours": prepaid.get("hours"),
        "logged_hours": f"{logged_hours(checklist, records):.2f}",
        "unused_hours": suggestion.get("hours"),
        "suggested_rebate": money(suggestion["dollars"]) if suggestion.get("dollars") else None,
        "rebate_text": view.text(rebate.id),
        "rebate_status": STATUS_LABELS.get(view.derived[rebate.id].status),
        "rebate_dollars": money(given["dollars"]) if given.get("dollars") else None,
        "rebate_hours": given.get("hours"),
        "rebate_reason": records[rebate.id].reason if view.derived[rebate.id].status == "na" else None,
    }


def _closing(view: CaseView, t: Timeline, when: WhenFormat) -> dict[str, Any] | None:
    case = view.case
    if case.status == "open" or t.closing is None:
        return None
    event = t.closing
    return {"status": case.status, "at": when(event.at), "by": event.actor.get("name"),
            "reason": event.note if case.status == "cancelled" else None}
