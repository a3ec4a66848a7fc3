"""Ticket rows: what a save may change, "no open tickets" as a choice, closing decided tickets.

A form shows some rows (Slack pages them); a save says which ticket numbers it
showed. Rows it did not show are kept as they are, so no surface can drop rows
it never showed; a save that does not say what it showed while rows exist is
refused. An empty list is never a save: "there are no open tickets" is its own
answer (``none``).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping
from typing import Any

from dialogs.errors import InvalidInput

NONE_LABEL = "No open tickets"


def rows_from_fields(fields: Mapping[str, Any], sep: str) -> list[dict[str, str]]:
    """Ticket rows from a form's flat fields ``tickets<sep>N<sep>number|title|decision``, in row order.

    Every surface names its ticket inputs this way (Slack ``tickets_0_number``, Teams ``tickets:0:number``,
    the web ``tickets-0-number``); rows with neither a number nor a title are blank and dropped.
    """
    rows: dict[int, dict[str, str]] = {}
    for key, value in fields.items():
        parts = key.split(sep)
        if len(parts) == 3 and parts[0] == "tickets" and parts[1].isdigit():
            rows.setdefault(int(parts[1]), {})[parts[2]] = str(value or "").strip()
    return [row for _, row in sorted(rows.items()) if row.get("number") or row.get("title")]


def shown_numbers(raw: Any) -> list[str] | None:
    """The ticket numbers a form showed (a list, or one per line), NFKC-normalized; None if not said."""
    if raw is None:
        return None
    if isinstance(raw, str):
        items: Iterable[Any] = raw.splitlines()
    elif isinstance(raw, list | tuple):
        items = raw
    else:
        raise InvalidInput("The form's list of shown tickets is not a list", field="tickets")
    return [unicodedata.normalize("NFKC", str(n)).strip() for n in items if str(n).strip()]


def merge_rows(existing: list[dict[str, Any]], submitted: list[dict[str, Any]], shown: list[str] | None,
               none: bool) -> dict[str, Any]:
    """The tickets value after a save: kept rows, changed rows, new rows, or "none"."""
    if none:
        if submitted:
            raise InvalidInput(f"Either list tickets or choose “{NONE_LABEL}”, not both", field="tickets")
        if existing:
            raise InvalidInput(f"{len(existing)} ticket(s) are recorded; remove them in the form first "
                               f"(or close them) before saying “{NONE_LABEL}”", field="tickets")
        return {"tickets": [], "none": True}
    if existing and shown is None:
        raise InvalidInput("This form does not say which tickets it showed, so saving it could drop "
                           "the others; reload the card and edit again", field="tickets")
    shown_set = set(shown or ())
    by_number = {r["number"]: r for r in submitted}
    rows: list[dict[str, Any]] = []
    for old in existing:
        number = old["number"]
        if number not in shown_set:
            if number in by_number:
                raise InvalidInput(f"Ticket #{number} is already recorded (on another page of the form)",
                                   field="tickets")
            rows.append(dict(old))
        elif number in by_number:
            new = dict(by_number[number])
            if new.get("closed") is None:
                new["closed"] = bool(old.get("closed"))  # an edit never reopens a ticket
            rows.append(new)
    known = {r["number"] for r in existing}
    rows += [{**r, "closed": bool(r.get("closed"))} for r in submitted if r["number"] not in known]
    if not rows:
        what = "That would leave no tickets" if existing else "No tickets were entered"
        raise InvalidInput(f"{what}. If there are no open tickets, choose “{NONE_LABEL}” instead.",
                           field="tickets")
    return {"tickets": rows}


def close_decided(value: Mapping[str, Any], decision: str) -> tuple[dict[str, Any], list[str]]:
    """Every open ticket with this decision closed: the new value and the numbers closed."""
    rows, closed = [], []
    for row in value.get("tickets", []):
        row = dict(row)
        if row.get("decision") == decision and not row.get("closed"):
            row["closed"] = True
            closed.append(str(row["number"]))
        rows.append(row)
    return {**value, "tickets": rows}, closed
