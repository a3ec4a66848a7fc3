"""Posted forms -> engine commands. Every decision is the engine's; this only translates."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from dialogs.actor import Actor
from dialogs.engine import Engine
from dialogs.errors import InvalidInput
from dialogs.outcome import Outcome
from dialogs.tickets import rows_from_fields


async def perform(engine: Engine, actor: Actor, form: Mapping[str, str]) -> Outcome:
    """Run the item action a card's form posted."""
    try:
        version = int(form.get("version", ""))
    except ValueError:
        raise InvalidInput("The card is out of date; reload the page.") from None
    fields: dict[str, Any] = dict(form)
    if form.get("kind") == "tickets":
        fields["tickets"] = rows_from_fields(form, "-")
        try:  # the ticket numbers the form showed: rows it did not show are kept as they are
            fields["shown"] = json.loads(form["shown"]) if "shown" in form else None
        except ValueError:
            raise InvalidInput("The card is out of date; reload the page.") from None
    return await engine.act(form.get("case_id", ""), form.get("item_id", ""), form.get("action", ""),
                            actor, version, fields, arg=form.get("arg") or None,
                            request_id=form.get("request_id") or None)
