"""Input cards: the case header, an item's inputs, the cancel confirmation; and reading them back.

A form is shown to the person who clicked (the invoke's response card). When
the engine refuses what was entered, the same form comes back with the error
under the field it names and every value as it was typed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from adapters.teams.cards import Element, card, clip, execute, heading, para, run, subtle
from adapters.teams.ids import ItemRef, Verb, field_id
from dialogs.checklist import Checklist
from dialogs.present import DECISIONS
from dialogs.values import TEXT_MAX
from dialogs.views import ActionView, CaseSummary, InputField, ItemView

MAX_TICKET_ROWS = 15  # rows a form shows; a longer list is edited on the dashboard, never cut short here
MIN_ROWS, EMPTY_ROWS = 10, 3  # a first form shows ten rows; an edit, the recorded ones and three more
TITLES = {"na": "Not applicable", "done": "Done", "yes": "Yes", "answer": "Answer"}


def error_line(message: str) -> Element:
    """An error, right under the field it is about."""
    return para(run(message, 500, color="attention"), spacing="none")


def field_input(f: InputField, value: str | None) -> Element:
    """One input for one engine field, prefilled with what was typed (or the field's default)."""
    base: Element = {"id": field_id(f.name), "label": clip(f.label, 200)}
    if f.required:
        base |= {"isRequired": True, "errorMessage": f"{clip(f.label, 150)} is required"}
    given = value if value is not None else f.default
    if f.kind == "date":
        element = {"type": "Input.Date", **base}
    elif f.kind in ("choice", "yesno"):
        options = f.choices if f.kind == "choice" else ("yes", "no")
        element = {"type": "Input.ChoiceSet", "style": "compact", **base,
                   "choices": [{"title": clip(c, 100), "value": c} for c in options]}
    else:
        element = {"type": "Input.Text", **base, "maxLength": TEXT_MAX if f.kind == "text" else 40}
        if f.kind in ("money", "hours"):
            element["placeholder"] = "1,500.00" if f.kind == "money" else "10"
    if given:
        element["value"] = str(given)
    return element


def with_errors(inputs: Sequence[tuple[str, list[Element]]], errors: Mapping[str, str]) -> list[Element]:
    """Inputs by field, each followed by its error when it has one; an error of no field last."""
    out: list[Element] = []
    for name, elements in inputs:
        out += elements
        if errors.get(name):
            out.append(error_line(errors[name]))
    if errors.get(""):
        out.append(error_line(errors[""]))
    return out


def item_form(client: str, step_id: str, item: ItemView, action: ActionView, ref: ItemRef,
              entered: Mapping[str, str] | None = None, errors: Mapping[str, str] | None = None) -> Element:
    """The inputs one click asks for: a reason, an amount and hours, a date, a choice, ticket rows."""
    entered = entered or {}
    body: list[Element] = [subtle(client, 300), heading(item.text, 600)]
    fields: list[tuple[str, list[Element]]] = []
    for f in action.inputs:
        if f.kind == "tickets":
            fields.append(("tickets", ticket_rows(item, entered)))
        else:
            fields.append((f.name, [field_input(f, entered.get(f.name))]))
    body += with_errors(fields, errors or {})
    save = execute("Save", Verb.SAVE, {**ref.to_data(), "s": step_id}, style="positive")
    back = execute("Back to the card", Verb.BACK, {"c": ref.case_id, "s": step_id, "i": ref.item_id},
                   inputs=False)
    return card(body, fallback=f"{TITLES.get(action.action, action.label)}: {item.text}",
                card_actions=[save, back])


def ticket_rows(item: ItemView, entered: Mapping[str, str]) -> list[Element]:
    """Number, title and decision per ticket: the recorded ones, then a few empty rows."""
    decisions = [{"title": label, "value": key} for key, label in DECISIONS.items()]
    count = max(len(item.tickets) + EMPTY_ROWS, MIN_ROWS)
    out: list[Element] = [subtle("One row per open ticket: number, title and decision. "
                                 "Leave every row empty if there are none.")]
    for n in range(min(count, MAX_TICKET_ROWS)):
        t = item.tickets[n] if n < len(item.tickets) else None
        values = {k: entered.get(f"tickets:{n}:{k}", getattr(t, k, "") if t else "")
                  for k in ("number", "title", "decision")}
        number: Element = {"type": "Input.Text", "id": field_id(f"tickets:{n}:number"),
                           "label": f"Ticket {n + 1}: number", "maxLength": 40}
        title: Element = {"type": "Input.Text", "id": field_id(f"tickets:{n}:title"),
                          "label": f"Ticket {n + 1}: title", "maxLength": 200}
        decision: Element = {"type": "Input.ChoiceSet", "id": field_id(f"tickets:{n}:decision"),
                             "label": f"Ticket {n + 1}: decision", "style": "compact", "choices": decisions}
        for element, key in ((number, "number"), (title, "title"), (decision, "decision")):
            if values[key]:
                element["value"] = values[key]
        out += [number, title, decision]
    return out


def header_form(checklist: Checklist, client: str, entered: Mapping[str, str] | None = None,
                errors: Mapping[str, str] | None = None) -> Element:
    """The case header, prefilled with the client; built from the checklist only."""
    entered = entered or {}
    client_input = field_input(InputField("client", "text", "Client"), entered.get("client", client))
    fields = [("client", [client_input])]
    for h in checklist.header:
        if h.default is not None:
            continue
        f = InputField(h.id, "date" if h.kind == "date" else "text", h.label, required=h.required)
        element = field_input(f, entered.get(h.id))
        if h.kind in ("email", "phone"):
            element["style"] = "email" if h.kind == "email" else "tel"
        fields.append((h.id, [element]))
    body = [heading(f"Open {checklist.case_noun} case"), *with_errors(fields, errors or {})]
    submit = execute("Open case", Verb.OPEN_CASE, {"k": checklist.id}, style="positive")
    return card(body, fallback=f"Open {checklist.case_noun} case: {client}", card_actions=[submit])


def cancel_form(summary: CaseSummary, entered: Mapping[str, str] | None = None,
                errors: Mapping[str, str] | None = None) -> Element:
    """Cancelling asks why; the case's history stays."""
    done = sum(p.done for p in summary.steps)
    total = sum(p.total for p in summary.steps)
    holder = f" It is with {summary.holder};" if summary.holder else ""
    reason: Element = {"type": "Input.Text", "id": field_id("reason"), "label": "Why is it cancelled?",
                       "isMultiline": True, "isRequired": True, "errorMessage": "A reason is required",
                       "maxLength": TEXT_MAX}
    if (entered or {}).get("reason"):
        reason["value"] = (entered or {})["reason"]
    body: list[Element] = [
        para(run("Cancel the case for "), run(summary.client, 300, weight="bolder"),
             run(f"?{holder} {done}/{total} items are done. Its history stays.")),
        *with_errors([("reason", [reason])], errors or {}),
    ]
    submit = execute("Cancel the case", Verb.CANCEL_CASE, {"c": summary.case_id}, style="destructive")
    return card(body, fallback=f"Cancel the case for {summary.client}?", card_actions=[submit])


def date_form(summary: CaseSummary, entered: Mapping[str, str] | None = None,
              errors: Mapping[str, str] | None = None) -> Element:
    """Moving the service stop date asks for the new date and why; due dates follow."""
    given = entered or {}
    date: Element = {"type": "Input.Date", "id": field_id("date"), "label": "New stop date",
                     "isRequired": True, "errorMessage": "A date is required",
                     "value": given.get("date") or summary.stop_date or ""}
    reason: Element = {"type": "Input.Text", "id": field_id("reason"), "label": "Why does it move?",
                       "isMultiline": True, "isRequired": True, "errorMessage": "A reason is required",
                       "maxLength": TEXT_MAX}
    if given.get("reason"):
        reason["value"] = given["reason"]
    body: list[Element] = [
        para(run("Move the service stop date for "), run(summary.client, 300, weight="bolder"),
             run(f" (now {summary.stop_date or 'not set'})? Every due date counted from it moves too.")),
        *with_errors([("date", [date]), ("reason", [reason])], errors or {}),
    ]
    submit = execute("Move it", Verb.CHANGE_DATE, {"c": summary.case_id}, style="positive")
    return card(body, fallback=f"Move the stop date for {summary.client}?", card_actions=[submit])


def notice(text: str, title: str | None = None) -> Element:
    """A card that only says something (a result, a refusal)."""
    body = ([heading(title)] if title else []) + [para(run(text, 4000))]
    return card(body, fallback=text)


def field_errors(message: str, field: str | None, known: Sequence[str]) -> dict[str, str]:
    """Where an engine error goes: on the field it names, else above the buttons."""
    name = field if field in known else ("tickets" if field and field.startswith("tickets") else "")
    return {name if name and name in known else "": message}
