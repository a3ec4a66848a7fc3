"""Whether an answer can be right, as the checklist file declares (at_most, not_before, ...).

What cannot be right is refused with InvalidInput on the field, naming the limit;
what is merely unusual raises NeedsConfirmation unless the person confirmed it.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from dialogs.checklist import ItemDef
from dialogs.errors import InvalidInput, NeedsConfirmation
from dialogs.present import AMOUNT_LABELS, CaseView, money
from dialogs.state import rebate_suggestion


def check_answer(item: ItemDef, value: Mapping[str, Any], view: CaseView, *, confirmed: bool) -> None:
    """Refuse what cannot be right; ask to confirm what is unusual (unless ``confirmed``)."""
    if item.kind == "amount":
        _amount(item, value, view, confirmed)
    elif item.kind == "date" and value.get("date"):
        _date(item, date.fromisoformat(str(value["date"])), view, confirmed)


def _shown(field: str, amount: Decimal) -> str:
    return money(amount) if field == "dollars" else f"{amount:.2f} hours"


def _amount(item: ItemDef, value: Mapping[str, Any], view: CaseView, confirmed: bool) -> None:
    if item.at_most is not None:
        limit = view.records[item.at_most]
        if limit.status == "done" and limit.value:
            for field in item.fields:
                given, top = Decimal(value[field]), Decimal(limit.value.get(field) or "0")
                if given > top:
                    raise InvalidInput(
                        f"{AMOUNT_LABELS[field]}: {_shown(field, given)} is more than the prepaid "
                        f"{_shown(field, top)} (“{view.text(item.at_most)}”)", field=field)
    if item.confirm_unused and not confirmed:
        unused = rebate_suggestion(view.checklist, view.records, item)
        if unused is None:
            return
        for field in item.fields:
            given, top = Decimal(value[field]), Decimal(unused[field])
            if given > top:
                raise NeedsConfirmation(
                    f"{AMOUNT_LABELS[field]}: {_shown(field, given)} is more than the unused prepaid labor "
                    f"({unused['prepaid_hours']} hours prepaid, {unused['logged_hours']} logged: "
                    f"{unused['hours']} hours, {money(unused['dollars'])}). Save it anyway?", field=field)


def _date(item: ItemDef, when: date, view: CaseView, confirmed: bool) -> None:
    header = {h.id: h.label for h in view.checklist.header}
    if item.not_before and view.case.header.get(item.not_before):
        first = date.fromisoformat(view.case.header[item.not_before])
        if when < first:
            raise InvalidInput(f"{item.input_label or 'Date'} {when.isoformat()} is before the case's "
                               f"{header[item.not_before].lower()} ({first.isoformat()})", field="date")
    near = item.confirm_near
    if near and not confirmed and view.case.header.get(near.field):
        anchor = date.fromisoformat(view.case.header[near.field])
        days = (when - anchor).days
        if abs(days) > near.days:
            side = "after" if days > 0 else "before"
            raise NeedsConfirmation(
                f"{when.isoformat()} is {abs(days)} days {side} the {header[near.field].lower()} "
                f"({anchor.isoformat()}). Save it anyway?", field="date")
