"""Adaptive Card building blocks (version 1.5, Teams' limit), built as dicts, never as templates.

Every string from a view is plain text typed by someone (a client named
``Acme <at>Sales</at> {{7*7}}`` included). It only ever enters a card as a
``TextRun``, which Adaptive Cards render literally (no markdown), so it
formats nothing and mentions no one. The only ``TextBlock`` with markup is
the mention line, built from configured names (adapters.teams.messages).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

from adapters.teams.ids import CARD, ItemRef, Verb

Element = dict[str, Any]

VERSION = "1.5"
MAX_MESSAGE = 28 * 1024  # Teams refuses a message whose JSON is larger
ENVELOPE = 2 * 1024  # what the activity around a card may add (channelData, summary)
MAX_PRIMARY_ACTIONS = 5  # more go to the card's overflow menu
ELLIPSIS = "…"
STYLES = {"primary": "positive", "danger": "destructive"}


def clip(text: str | None, limit: int) -> str:
    """Plain text cut to ``limit`` characters, with an ellipsis when cut."""
    text = text or ""
    return text if len(text) <= limit else text[: max(limit - 1, 0)] + ELLIPSIS


def run(text: str | None, limit: int = 2000, **style: Any) -> Element:
    """A TextRun: shown literally (Adaptive Cards apply no markdown to it)."""
    return {"type": "TextRun", "text": clip(text, limit) or " ", **style}


def para(*runs: Element | str, separator: bool = False, spacing: str | None = None) -> Element:
    """A RichTextBlock of runs (a plain string is a run without style)."""
    block: Element = {"type": "RichTextBlock",
                      "inlines": [run(r) if isinstance(r, str) else r for r in runs] or [run(" ")]}
    if separator:
        block["separator"] = True
    if spacing:
        block["spacing"] = spacing
    return block


def subtle(text: str | None, limit: int = 2000, **style: Any) -> Element:
    """A quieter line of plain text."""
    return para(run(text, limit, isSubtle=True, **style), spacing="none")


def heading(text: str | None, limit: int = 500) -> Element:
    """A title line."""
    return para(run(text, limit, weight="bolder", size="medium"))


def container(items: Sequence[Element], *, ident: str | None = None, separator: bool = False,
              style: str | None = None) -> Element:
    """A group of elements (an item on a step card)."""
    block: Element = {"type": "Container", "items": list(items)}
    if ident:
        block["id"] = ident
    if separator:
        block["separator"] = True
    if style:
        block["style"] = style
    return block


def execute(title: str, verb: Verb, data: dict[str, Any], *, style: str | None = None,
            inputs: bool = True) -> Element:
    """A button that sends an adaptiveCard/action invoke to the bot."""
    action: Element = {"type": "Action.Execute", "title": clip(title, 60) or "?", "verb": verb.value,
                       "data": data}
    if style in STYLES:
        action["style"] = STYLES[style]
    if not inputs:
        action["associatedInputs"] = "none"
    return action


def item_button(ref: ItemRef, label: str, style: str | None = None) -> Element:
    """A step card's button for one engine action on one item version."""
    return execute(label, Verb.ITEM, ref.to_data(), style=style, inputs=False)


def open_url(title: str, url: str) -> Element:
    """A button that opens a link."""
    return {"type": "Action.OpenUrl", "title": clip(title, 60), "url": url}


def actions(buttons: Sequence[Element]) -> Element:
    """An ActionSet; past the first few, buttons go to the overflow menu."""
    out = [dict(b, mode="secondary") if n >= MAX_PRIMARY_ACTIONS else b for n, b in enumerate(buttons)]
    return {"type": "ActionSet", "actions": out}


def link_run(text: str, url: str | None) -> Element:
    """A run that opens a link when there is one."""
    if not url:
        return run(text, isSubtle=True)
    return run(text, color="accent", selectAction={"type": "Action.OpenUrl", "url": url})


def card(body: Iterable[Element], *, fallback: str, entities: Sequence[Element] = (),
         card_actions: Sequence[Element] = ()) -> Element:
    """A top-level card, full width in Teams; ``entities`` are its @mentions."""
    out: Element = {"type": "AdaptiveCard", "version": VERSION, "body": list(body),
                    "fallbackText": clip(fallback, 500),
                    "msteams": {"width": "Full"}}
    if entities:
        out["msteams"]["entities"] = list(entities)
    if card_actions:
        out["actions"] = list(card_actions)
    return out


def attachment(content: Element) -> Element:
    """A card as a message attachment."""
    return {"contentType": CARD, "content": content}


def size(obj: Any) -> int:
    """Bytes of JSON as the Bot Connector receives it (json.dumps: ASCII-escaped, spaced)."""
    return len(json.dumps(obj))


def fits(content: Element) -> bool:
    """Whether a card leaves room for its message's envelope under Teams' limit."""
    return size(content) <= MAX_MESSAGE - ENVELOPE
