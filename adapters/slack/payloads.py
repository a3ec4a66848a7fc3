"""The shape every signed Slack payload must have before a listener sees it.

A signed request can still be malformed (a replayed, hand-made or buggy one):
actions that are not a list, no user, a view without its metadata, a command
without trigger_id, a button value such as ``{"v": 1e999}``. Each is refused
here with a reason (HTTP 400), so no listener runs and nothing changes.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import orjson

from adapters.slack.ids import ItemRef, Modal, is_item_action
from dialogs.errors import InvalidInput

# Modals whose private_metadata carries what they act on.
_WITH_REF = (Modal.ITEM.value, Modal.CONFIRM_SAVE.value)
_WITH_CASE = (Modal.CANCEL_CASE.value, Modal.REOPEN_CASE.value)


def loads(text: str) -> Any:
    """JSON as the json module reads it, through orjson first (a click's payload is ~20 kB: 3x faster).

    What orjson refuses (NaN, a lone surrogate) is read by the json module, which also words the error.
    """
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)


def dumps(value: Any) -> str:
    """JSON for a Web API request's body (a step card's blocks: ~8 kB), through orjson: the json module
    was 6.6 % of a worker's time at 200 clicks/s. What orjson refuses goes through the json module."""
    try:
        return orjson.dumps(value).decode()
    except TypeError:  # orjson.JSONEncodeError: e.g. an int past 64 bits
        return json.dumps(value)


def form_body(form: Mapping[str, str]) -> tuple[dict[str, Any] | None, str | None]:
    """A form-encoded body (slash command or interaction payload) as bolt reads it: the payload's JSON,
    or the fields; and why it is not one Slack sends (None when it is)."""
    if "payload" in form:
        try:
            payload = loads(form["payload"])
        except ValueError as exc:
            return None, f"malformed JSON: {exc}"
        if not isinstance(payload, dict):
            return None, "payload is not a JSON object"
        return payload, interaction_problem(payload)
    if "command" in form:
        for key in ("user_id", "trigger_id"):
            if not _text(form.get(key, "")):
                return None, f"slash command without {key}"
    return dict(form), None


def event_problem(body: Mapping[str, Any]) -> str | None:
    """Why a JSON body (Events API) is not one Slack sends."""
    if body.get("type") != "event_callback":
        return None
    event = body.get("event")
    if not isinstance(event, dict) or not _text(event.get("type")):
        return "event_callback without an event"
    if event.get("type") == "app_home_opened" and not _text(event.get("user")):
        return "app_home_opened without a user"
    return None


def interaction_problem(payload: Mapping[str, Any]) -> str | None:
    """Why an interaction payload (a click, a submitted modal) cannot be acted on."""
    kind = payload.get("type")
    if kind not in ("block_actions", "view_submission"):
        return None
    user = payload.get("user")
    if not isinstance(user, dict) or not _text(user.get("id")):
        return f"{kind} without a user"
    if kind == "block_actions":
        return _actions_problem(payload)
    return _view_problem(payload.get("view"))


def _actions_problem(payload: Mapping[str, Any]) -> str | None:
    actions = payload.get("actions")
    if not isinstance(actions, list) or not actions:
        return "block_actions without a list of actions"
    if not _text(payload.get("trigger_id")):
        return "block_actions without trigger_id"
    for action in actions:
        if not isinstance(action, dict) or not _text(action.get("action_id")):
            return "an action without action_id"
        if is_item_action(action["action_id"]):
            try:
                ItemRef.decode(str(action.get("value") or ""))
            except InvalidInput:
                return "a button value that is not offboard's"
    return None


def _view_problem(view: Any) -> str | None:
    if not isinstance(view, dict) or not _text(view.get("callback_id")):
        return "view_submission without a view"
    state = view.get("state")
    if not isinstance(state, dict) or not isinstance(state.get("values", {}), dict):
        return "view_submission without state values"
    callback = view["callback_id"]
    if callback not in (*_WITH_REF, *_WITH_CASE):
        return None
    try:
        meta = json.loads(view.get("private_metadata") or "")
    except ValueError:
        return f"{callback} view without its metadata"
    if not isinstance(meta, dict):
        return f"{callback} view without its metadata"
    if callback in _WITH_REF:
        try:
            ItemRef.decode(str(meta.get("r") or ""))
        except InvalidInput:
            return f"{callback} view without the item it answers"
    elif not _text(meta.get("case_id")):
        return f"{callback} view without its case"
    return None


def _text(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip())
