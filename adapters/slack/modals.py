"""Modals: the case header, an item's inputs, the cancel confirmation; and reading them back.

Every input's block id is the name of the field the engine validates, so an
InvalidInput(field=...) comes back inline on the right input.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from adapters.slack.blocks import Block, clip, md, plain, section
from adapters.slack.ids import ItemRef, Modal
from dialogs.checklist import Checklist
from dialogs.present import DECISIONS
from dialogs.views import ActionView, CaseSummary, InputField, ItemView, TicketView

VALUE = "v"  # the action id of every input element
TICKETS_PAGE = 25  # existing rows a tickets modal shows; more pages get their own buttons on the card
MAX_TICKET_ROWS = 30  # a page and its blank rows: 3 inputs a row, under a modal's 100 blocks
TITLES = {"na": "Not applicable", "done": "Done", "yes": "Yes", "answer": "Answer",
          "snooze": "Snooze reminders", "snooze_until": "Snooze until a date"}


def view(callback: Modal, title: str, blocks: list[Block], *, submit: str | None = None,
         close: str = "Close", metadata: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """A modal view (titles and buttons clipped to Slack's 24 characters)."""
    out: dict[str, Any] = {"type": "modal", "callback_id": callback.value, "title": plain(title, 24),
                           "close": plain(close, 24), "blocks": blocks[:100]}
    if submit:
        out["submit"] = plain(submit, 24)
    if metadata is not None:
        out["private_metadata"] = json.dumps(metadata, separators=(",", ":"))
    return out


def notice_view(message: str, title: str = "Offboard", more: str = "") -> dict[str, Any]:
    """A modal that only says something (a result, a refusal, "loading"); ``more`` is mrkdwn."""
    return view(Modal.NOTICE, title, [section(f"{md(message, 2500)} {more}".strip())])


def loading_view(title: str = "Offboard") -> dict[str, Any]:
    """What opens at once, while the bot looks things up."""
    return notice_view("Just a moment…", title)


def header_modal(checklist: Checklist, client: str, channel: str | None) -> dict[str, Any]:
    """The case header, prefilled with the client; built from the checklist only (no database)."""
    blocks = [text_input("client", "Client", default=client, max_length=200)]
    for h in checklist.header:
        if h.default is not None:
            continue
        if h.kind == "date":
            blocks.append(field_input(InputField(h.id, "date", h.label, required=h.required)))
        else:
            blocks.append(text_input(h.id, h.label, optional=not h.required, max_length=300))
    return view(Modal.OPEN_CASE, clip(f"Open {checklist.case_noun} case", 24), blocks,
                submit="Open case", close="Cancel", metadata={"ch": channel})


def item_modal(item: ItemView, action: ActionView, ref: ItemRef, channel: str | None) -> dict[str, Any]:
    """The inputs one click asks for: a reason, an amount and hours, a date, a choice, ticket rows.

    A tickets form shows one page of rows (the button's argument) and says which
    ticket numbers it showed, so saving it keeps every row of the other pages.
    """
    blocks = [section(f"*{md(item.text, 2500)}*")]
    metadata: dict[str, Any] = {"r": ref.encode(), "ch": channel}
    for f in action.inputs:
        if f.kind == "tickets":
            page = ticket_page(item, ref.arg)
            blocks += ticket_rows(f, item, page)
            metadata["s"] = [t.number for t in page_rows(item, page)]
        else:
            blocks.append(field_input(f))
    return view(Modal.ITEM, TITLES.get(action.action, clip(action.label, 24)), blocks, submit="Save",
                close="Cancel", metadata=metadata)


def confirm_modal(message: str, metadata: Mapping[str, Any]) -> dict[str, Any]:
    """"Save anyway?": pushed over an item's modal, whose values stay as typed underneath."""
    return view(Modal.CONFIRM_SAVE, "Save anyway?", [section(md(message, 2500))], submit="Save anyway",
                close="Back", metadata=metadata)


def ticket_page(item: ItemView, arg: str | None) -> int:
    """The page a tickets button opens (its argument), within the pages there are."""
    pages = max(1, -(-len(item.tickets) // TICKETS_PAGE))
    return min(int(arg), pages - 1) if arg and arg.isdigit() else 0


def page_rows(item: ItemView, page: int) -> tuple[TicketView, ...]:
    """The existing rows one page shows."""
    return item.tickets[page * TICKETS_PAGE:(page + 1) * TICKETS_PAGE]


def cancel_modal(summary: CaseSummary) -> dict[str, Any]:
    """Cancelling asks why; the case's history stays."""
    done = sum(p.done for p in summary.steps)
    total = sum(p.total for p in summary.steps)
    holder = f" It is with {md(summary.holder, 100)};" if summary.holder else ""
    blocks = [section(f"Cancel the case for *{md(summary.client, 300)}*?{holder} {done}/{total} items "
                      "are done. Its history stays, and `/offboard reopen CLIENT` reopens it."),
              text_input("reason", "Why is it cancelled?", multiline=True)]
    return view(Modal.CANCEL_CASE, "Cancel case", blocks, submit="Cancel the case", close="Keep it",
                metadata={"case_id": summary.case_id})


def reopen_modal(summary: CaseSummary, note: str | None = None) -> dict[str, Any]:
    """Reopening asks why; the reason is recorded in the case's history."""
    done = sum(p.done for p in summary.steps)
    total = sum(p.total for p in summary.steps)
    text = (f"Reopen the {md(summary.status, 20)} case for *{md(summary.client, 300)}*? {done}/{total} items "
            "are done; it goes on where it stopped.")
    blocks = [section(text + (f"\n_{md(note, 1000)}_" if note else "")),
              text_input("reason", "Why is it reopened?", multiline=True)]
    return view(Modal.REOPEN_CASE, "Reopen case", blocks, submit="Reopen the case", close="Keep it closed",
                metadata={"case_id": summary.case_id})


def date_modal(summary: CaseSummary, dates: list[tuple[str, str, str | None]]) -> dict[str, Any]:
    """Moving a date of the case (the stop date): which, to when, and why; due dates follow."""
    blocks = [section(f"Move a date of the case for *{md(summary.client, 300)}*. Every due date counted from "
                      "it moves too, and the case thread says so.")]
    if len(dates) > 1:
        choices = tuple(label for _, label, _ in dates)
        blocks.append(field_input(InputField("field", "choice", "Which date", choices=choices,
                                             default=choices[0])))
    blocks.append(field_input(InputField("date", "date", dates[0][1] if len(dates) == 1 else "New date",
                                         default=dates[0][2])))
    blocks.append(text_input("reason", "Why does it move?", multiline=True))
    return view(Modal.CHANGE_DATE, "Move a date", blocks, submit="Move it", close="Cancel",
                metadata={"case_id": summary.case_id, "fields": [i for i, _, _ in dates]})


def field_input(f: InputField) -> Block:
    """One input block for one engine input field."""
    if f.kind == "date":
        element: Block = {"type": "datepicker", "action_id": VALUE}
        if f.default and _is_date(f.default):
            element["initial_date"] = f.default
    elif f.kind == "choice":
        options = [_option(c, str(n)) for n, c in enumerate(f.choices[:100])]
        element = {"type": "static_select", "action_id": VALUE, "options": options,
                   "placeholder": plain("Choose", 150)}
        if f.default in f.choices[:100]:
            element["initial_option"] = options[f.choices.index(f.default)]
    elif f.kind == "yesno":
        options = [_option("Yes", "yes"), _option("No", "no")]
        element = {"type": "radio_buttons", "action_id": VALUE, "options": options}
        if f.default in ("yes", "no"):
            element["initial_option"] = options[0 if f.default == "yes" else 1]
    else:
        return text_input(f.name, f.label, default=f.default, hint=f.hint, optional=not f.required,
                          multiline=f.kind == "text", max_length=3000 if f.kind == "text" else 50)
    return _input(f.name, f.label, element, optional=not f.required, hint=f.hint)


def text_input(block_id: str, label: str, *, default: str | None = None, hint: str | None = None,
               optional: bool = False, multiline: bool = False, max_length: int = 3000) -> Block:
    """A plain text input."""
    element: Block = {"type": "plain_text_input", "action_id": VALUE, "multiline": multiline,
                      "max_length": max_length}
    if default:
        element["initial_value"] = default[:max_length]
    return _input(block_id, label, element, optional=optional, hint=hint)


def ticket_rows(f: InputField, item: ItemView, page: int = 0) -> list[Block]:
    """Ticket rows: number, title and a decision each; the page's rows first, then blank rows.

    Ten blank rows to start with, five more on every edit, at most MAX_TICKET_ROWS in all.
    """
    rows = list(page_rows(item, page))
    count = min(len(rows) + 5 if rows else 10, MAX_TICKET_ROWS)
    decisions = [_option(DECISIONS.get(c, c), c) for c in (f.choices or tuple(DECISIONS))]
    blocks: list[Block] = []
    for n in range(count):
        t = rows[n] if n < len(rows) else None
        blocks.append(text_input(f"tickets_{n}_number", f"Ticket {n + 1}: number", optional=True,
                                 max_length=40, default=t.number if t else None))
        blocks.append(text_input(f"tickets_{n}_title", f"Ticket {n + 1}: title", optional=True,
                                 max_length=200, default=t.title if t else None))
        select: Block = {"type": "static_select", "action_id": VALUE, "options": decisions,
                         "placeholder": plain("Decision", 150)}
        chosen = next((o for o in decisions if t and o["value"] == t.decision), None)
        if chosen:
            select["initial_option"] = chosen
        blocks.append(_input(f"tickets_{n}_decision", f"Ticket {n + 1}: decision", select, optional=True))
    if len(item.tickets) > len(rows):
        blocks.append(section(f"_This form shows tickets {page * TICKETS_PAGE + 1}–"
                              f"{page * TICKETS_PAGE + len(rows)} of {len(item.tickets)}; the others "
                              "stay as they are. Clear a row's number and title to remove it._"))
    return blocks


def values(state: Mapping[str, Any]) -> dict[str, str]:
    """What was entered, by block id (blank inputs left out)."""
    out: dict[str, str] = {}
    for block_id, elements in (state.get("values") or {}).items():
        for element in elements.values():
            value = (element.get("value") or element.get("selected_date")
                     or (element.get("selected_option") or {}).get("value"))
            if value is not None and str(value).strip():
                out[str(block_id)] = str(value)
    return out


def error_block(view_blocks: Iterable[Mapping[str, Any]], field: str | None) -> str:
    """The input block an engine error belongs on (the first input when it names none)."""
    inputs = [str(b.get("block_id")) for b in view_blocks if b.get("type") == "input"]
    wanted = {"tickets": "tickets_0_number"}.get(field or "", field)
    return wanted if wanted in inputs else (inputs[0] if inputs else "")


def _input(block_id: str, label: str, element: Block, *, optional: bool, hint: str | None = None) -> Block:
    block: Block = {"type": "input", "block_id": block_id, "label": plain(label, 2000),
                    "element": element, "optional": optional}
    if hint:
        block["hint"] = plain(hint, 2000)
    return block


def _option(text: str, value: str) -> Block:
    return {"text": plain(text, 75), "value": value[:150]}


def _is_date(text: str) -> bool:
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True
