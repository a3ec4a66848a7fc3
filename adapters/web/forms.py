"""Posted forms -> engine commands. Every decision is the engine's; this only translates."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from dialogs.actor import Actor
from dialogs.engine import Engine
from dialogs.errors import InvalidInput
from dialogs.outcome import Outcome


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
    try:
        version = int(form.get("version", ""))
    except ValueError:
        raise InvalidInput("The card is out of date; reload the page.") from None
    fields: dict[str, Any] = dict(form)
    if form.get("kind") == "tickets":
        fields["tickets"] = tickets_from_form(form)
        try:  # the ticket numbers the form showed: rows it did not show are kept as they are
            fields["shown"] = json.loads(form["shown"]) if "shown" in form else None
        except ValueError:
            raise InvalidInput("The card is out of date; reload the page.") from None
    return await engine.act(form.get("case_id", ""), form.get("item_id", ""), form.get("action", ""),
                            actor, version, fields, arg=form.get("arg") or None,
                            request_id=form.get("request_id") or None)
