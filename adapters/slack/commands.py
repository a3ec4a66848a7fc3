"""A click or a submitted modal -> one engine command. Every decision is the engine's."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from adapters.slack.ids import ItemRef
from dialogs.actor import Actor
from dialogs.engine import Engine
from dialogs.outcome import Outcome
from dialogs.tickets import rows_from_fields
from dialogs.views import ItemView


async def run_item(engine: Engine, actor: Actor, ref: ItemRef, raw: Mapping[str, Any],
                   request_id: str) -> Outcome:
    """Run the engine command a button (and its modal, if any) stands for."""
    return await engine.act(ref.case_id, ref.item_id, ref.action, actor, ref.version, raw,
                            arg=ref.arg, request_id=request_id)


def item_answer(item: ItemView, entered: Mapping[str, str], shown: Any = None) -> dict[str, Any]:
    """What a modal's inputs say, in the engine's terms (a choice's text, ticket rows and those shown)."""
    fields = {f.name: f for a in item.actions for f in a.inputs}
    raw: dict[str, Any] = {k: v for k, v in entered.items() if not k.startswith("tickets_")}
    choice = fields.get("choice")
    if choice is not None and "choice" in raw:
        index = raw["choice"]
        raw["choice"] = choice.choices[int(index)] if index.isdigit() and int(index) < len(choice.choices) \
            else index
    if "tickets" in fields:
        raw["tickets"] = rows_from_fields(entered, "_")
        raw["shown"] = shown if isinstance(shown, list) else []
    return raw


def click_id(action: Mapping[str, Any], user_id: str) -> str:
    """The request id of a click: the same click replayed or retried is the same request."""
    return f"slack:{action.get('action_ts', '')}:{user_id}:{action.get('action_id', '')}"


def submission_id(view: Mapping[str, Any]) -> str:
    """The request id of a modal submission: its view, its hash and what was entered."""
    state = json.dumps((view.get("state") or {}).get("values") or {}, sort_keys=True)
    digest = hashlib.sha256(f"{view.get('hash', '')}\n{state}".encode()).hexdigest()[:24]
    return f"slack:view:{view.get('id', '')}:{digest}"
