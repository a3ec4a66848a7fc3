"""Working a case through the engine the way people would, whatever the checklist says.

The walker reads the buttons the engine offers (ActionView) and presses one on
each open item, filling in the inputs an action asks for; so it follows any
checklist file, not a script of the built-in SOP.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, timedelta
from typing import Any

from dialogs.actor import Actor
from dialogs.checklist import HeaderField
from dialogs.engine import Engine
from dialogs.present import CaseView
from dialogs.views import ActionView, InputField

BENCH_ADMIN = Actor("bench", "U0BENCHADMIN", "Bench Admin", frozenset({"admin", "tech"}), manager=True)
PREFERENCE = ("confirm", "done", "no", "yes", "no_tickets", "answer", "na")
"""Which button to press when an item offers several (undo and claim are never pressed)."""
HEADER = {"stop_date": (date.today() + timedelta(days=45)).isoformat(), "contact_name": "Pat Bench",
          "contact_phone": "+1 202 555 0130", "contact_email": "pat@bench.example"}


def header(checklist_header: Collection[HeaderField]) -> dict[str, str]:
    """A valid case header for a checklist: the SOP's fields, and plausible text for any other."""
    out = {}
    for field in checklist_header:
        if field.required and field.id not in HEADER:
            out[field.id] = _filled(InputField(field.id, field.kind, field.label)) or "Bench"
    return {**out, **{k: v for k, v in HEADER.items() if any(f.id == k for f in checklist_header)}}


def next_action(view: CaseView, skip: Collection[str] = ()) -> tuple[ActionView, dict[str, Any]] | None:
    """The button to press next (first open item of the earliest step), with its inputs filled in."""
    for step in view.checklist.steps:
        for item in view.card(step.id).items:
            if item.status != "open" or item.id in skip:
                continue
            for wanted in PREFERENCE:
                action = next((a for a in item.actions if a.action == wanted), None)
                if action is not None:
                    return action, fields(action)
    return None


def fields(action: ActionView) -> dict[str, Any]:
    """Inputs as a person would fill them in: the default when there is one."""
    if action.action == "na":
        return {"reason": "Does not apply to this client"}
    out: dict[str, Any] = {}
    for field in action.inputs:
        value = field.default if field.default not in (None, "") else _filled(field)
        if value is not None:
            out[field.name] = value
    return out


def _filled(field: InputField) -> Any:
    if not field.required and field.kind != "tickets":
        return None
    return {"money": "1,500", "hours": "10", "date": HEADER["stop_date"], "yesno": "no", "tickets": [],
            "choice": field.choices[0] if field.choices else "", "email": "pat@bench.example",
            "phone": "+1 202 555 0130"}.get(field.kind, "Bench")


async def walk(engine: Engine, case_id: str, *, skip: Collection[str] = (), presses: int | None = None,
               actor: Actor = BENCH_ADMIN) -> CaseView:
    """Press buttons until the case closes, nothing but ``skip`` is left, or ``presses`` were made."""
    for _ in range(presses if presses is not None else 400):
        view = await engine.view(case_id)
        choice = next_action(view, skip) if view.case.status == "open" else None
        if choice is None:
            return view
        action, raw = choice
        await engine.act(case_id, action.item_id, action.action, actor, action.version, raw, arg=action.arg)
    if presses is None:
        raise RuntimeError(f"case {case_id} still open after 400 actions")
    return await engine.view(case_id)
