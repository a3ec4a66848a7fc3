"""Posted forms -> engine commands. Every decision is the engine's; this only translates."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dialogs.actor import Actor
from dialogs.engine import Engine, Outcome
from dialogs.errors import InvalidInput

ITEM_ACTIONS = ("done", "na", "yes", "no", "answer", "confirm", "undo", "claim", "close_ticket")


def tickets_from_form(form: Mapping[str, str]) -> list[dict[str, str]]:
    """Ticket rows posted as tickets-N-number / -title / -decision; blank rows dropped."""
    rows: dict[int, dict[str, str]] = {}
    for key, value in form.items():
        parts = key.split("-")
        if len(parts) == 3 and parts[0] == "tickets" and parts[1].isdigit():
            rows.setdefault(int(parts[1]), {})[parts[2]] = value
    return [row for _, row in sorted(rows.items())
            if any(str(row.get(k, "")).strip() for k in ("number", "title"))]


async def perform(engine: Engine, actor: Actor, form: Mapping[str, str]) -> Outcome:
    """Run the item action a card's form posted."""
    action = form.get("action", "")
    if action not in ITEM_ACTIONS:
        raise InvalidInput(f"Unknown action {action!r}")
    case_id, item_id = form.get("case_id", ""), form.get("item_id", "")
    try:
        version = int(form.get("version", ""))
    except ValueError:
        raise InvalidInput("The card is out of date; reload the page.") from None
    request_id = form.get("request_id") or None
    common: dict[str, Any] = {"request_id": request_id}
    if action == "done":
        return await engine.mark_done(case_id, item_id, actor, version,
                                      hours=form.get("hours") or None, **common)
    if action == "na":
        return await engine.not_applicable(case_id, item_id, form.get("reason", ""), actor, version,
                                           **common)
    if action in ("yes", "no"):
        raw = {"answer": action, "detail": form.get("detail", "")}
        return await engine.answer(case_id, item_id, raw, actor, version, **common)
    if action == "answer":
        fields: dict[str, Any] = dict(form)
        if any(k.startswith("tickets-") for k in form) or form.get("kind") == "tickets":
            fields["tickets"] = tickets_from_form(form)
        return await engine.answer(case_id, item_id, fields, actor, version, **common)
    if action == "confirm":
        return await engine.confirm_gate(case_id, item_id, actor, version, **common)
    if action == "undo":
        return await engine.undo(case_id, item_id, actor, version, **common)
    if action == "claim":
        return await engine.claim(case_id, item_id, actor, version, **common)
    return await engine.close_ticket(case_id, item_id, form.get("arg", ""), actor, version, **common)
