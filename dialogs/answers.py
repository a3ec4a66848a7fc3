"""Turning what a person submitted for an item into the stored answer value."""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from typing import Any

from dialogs.checklist import ItemDef
from dialogs.errors import InvalidInput
from dialogs.present import AMOUNT_LABELS, DECISIONS, HOURS_LOGGED
from dialogs.values import clean_text, parse_date, parse_hours, parse_money

MAX_TICKETS = 200


def parse_answer(item: ItemDef, raw: Mapping[str, Any]) -> dict[str, Any]:
    """Validate raw inputs (strings from a form or buttons) into an answer value."""
    value: dict[str, Any] = {}
    if item.kind == "task":
        value["done"] = True
    elif item.kind == "yesno":
        value["answer"] = _yesno(raw.get("answer"))
        detail = str(raw.get("detail") or "").strip()
        if item.detail and value["answer"]:
            label = item.detail
            value["detail"] = _field(lambda: clean_text(detail, label=label, multiline=True), "detail")
    elif item.kind == "amount":
        for name in item.fields:
            text = str(raw.get(name) or "").strip()
            label = AMOUNT_LABELS[name]
            if not text:
                raise InvalidInput(f"{label} is required", field=name)
            parse = parse_money if name == "dollars" else parse_hours
            try:
                value[name] = f"{parse(text, allow_zero=item.allow_zero, label=label):.2f}"
            except InvalidInput as exc:
                raise InvalidInput(exc.message, field=name) from None
    elif item.kind == "text":
        value["text"] = _field(lambda: clean_text(str(raw.get("text") or ""),
                                                  label=item.input_label or "Answer", multiline=True), "text")
    elif item.kind == "date":
        value["date"] = _field(lambda: parse_date(str(raw.get("date") or ""),
                                                  label=item.input_label or "Date").isoformat(), "date")
    elif item.kind == "choice":
        choice = str(raw.get("choice") or "").strip()
        if choice not in item.choices:
            raise InvalidInput(f"Choose one of: {', '.join(item.choices)}", field="choice")
        value["choice"] = choice
    elif item.kind == "tickets":
        value["tickets"] = parse_tickets(raw.get("tickets"))
    else:
        raise InvalidInput(f"A {item.kind} item is not answered by hand")
    if item.log_hours and str(raw.get("hours") or "").strip():
        hours = _field(lambda: parse_hours(str(raw["hours"]), label=HOURS_LOGGED), "hours")
        value["hours"] = f"{hours:.2f}"
    return value


def parse_tickets(raw: Any) -> list[dict[str, Any]]:
    """Ticket rows: number, title and the service manager's decision; numbers unique.

    A row that does not say whether it is closed gets ``closed: None``; the
    engine keeps what the ticket was before (an edit never reopens a ticket).
    """
    if raw is None or raw == "":
        return []
    if not isinstance(raw, list):
        raise InvalidInput("Tickets must be a list of rows", field="tickets")
    if len(raw) > MAX_TICKETS:
        raise InvalidInput(f"At most {MAX_TICKETS} tickets", field="tickets")
    rows: list[dict[str, Any]] = []
    for n, row in enumerate(raw, 1):
        if not isinstance(row, Mapping):
            raise InvalidInput(f"Ticket row {n} is not a row", field="tickets")
        # NFKC: "４２" typed on a Japanese keyboard is ticket 42.
        number = unicodedata.normalize(
            "NFKC", clean_text(str(row.get("number") or ""), label=f"Ticket row {n}: number"))
        if len(number) > 40:
            raise InvalidInput(f"Ticket row {n}: number is too long", field="tickets")
        if any(r["number"] == number for r in rows):
            raise InvalidInput(f"Ticket #{number} is listed twice", field="tickets")
        decision = str(row.get("decision") or "").strip()
        if decision not in DECISIONS:
            raise InvalidInput(
                f"Ticket #{number}: choose a decision ({', '.join(DECISIONS.values())})", field="tickets")
        title = clean_text(str(row.get("title") or ""), label=f"Ticket #{number} title", required=False)
        rows.append({"number": number, "title": title, "decision": decision,
                     "closed": truthy(row["closed"]) if "closed" in row else None})
    return rows


def _yesno(raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    text = str(raw or "").strip().lower()
    if text in ("yes", "y", "true"):
        return True
    if text in ("no", "n", "false"):
        return False
    raise InvalidInput("Answer yes or no", field="answer")


def truthy(raw: Any) -> bool:
    """A checkbox or flag as forms send it: true, yes, 1, on."""
    return raw is True or str(raw).strip().lower() in ("true", "yes", "1", "on")


def _field(parse: Any, name: str) -> Any:
    try:
        return parse()
    except InvalidInput as exc:
        raise InvalidInput(exc.message, field=name) from None
