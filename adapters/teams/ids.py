"""One registry of the Teams adapter's ids, shared by the card builders and the handlers.

A step card's button is an ``Action.Execute`` whose verb says what it does and
whose data says on what: the case, the item and the item version the card was
rendered from (``ItemRef``). Inputs on the bot's forms have ids ``f:NAME``,
named after the engine's fields, so an error that names a field lands on it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from dialogs.errors import InvalidInput

ROUTE = "/api/messages"
SENDER = "teams"
PLATFORM = "teams"
CARD = "application/vnd.microsoft.card.adaptive"
MESSAGE = "application/vnd.microsoft.activity.message"
INVOKE = "adaptiveCard/action"
FIELD = "f:"
CONVERSATIONS = "~teams"  # the pseudo case under which conversation references are kept
MARKER = "offboard-notice-"  # the id of a posted card's first element: notice id and part


class Verb(StrEnum):
    """Action.Execute verbs."""

    ITEM = "item"  # a button on a step card
    SAVE = "save"  # an item's input card, submitted
    BACK = "back"  # leave an input card: the step card again
    OPEN_CASE = "open_case"  # the case-header form
    CANCEL_CASE = "cancel_case"  # the cancel form
    CHANGE_DATE = "change_date"  # the move-the-stop-date form


@dataclass(frozen=True)
class ItemRef:
    """What a button acts on: case, item, the version it was rendered from, and an argument."""

    action: str
    case_id: str
    item_id: str
    version: int
    arg: str | None = None

    def to_data(self) -> dict[str, Any]:
        """The button's data (short keys: ids are short, the card stays small)."""
        data: dict[str, Any] = {"a": self.action, "c": self.case_id, "i": self.item_id, "v": self.version}
        if self.arg is not None:
            data["x"] = self.arg
        return data

    @classmethod
    def from_data(cls, data: Any) -> ItemRef:
        """Read a button's data back; InvalidInput if it is not one of ours."""
        try:
            return cls(str(data["a"]), str(data["c"]), str(data["i"]), int(data["v"]),
                       None if data.get("x") is None else str(data["x"]))
        except (AttributeError, ValueError, TypeError, KeyError):
            raise InvalidInput("This button is not one of offboard's; ask for the card again.") from None


def field_id(name: str) -> str:
    """The input id of an engine field."""
    return f"{FIELD}{name}"


def fields(data: Any) -> dict[str, str]:
    """The inputs a submitted card carried, by engine field name (blank ones left out)."""
    if not isinstance(data, dict):
        return {}
    return {k[len(FIELD):]: str(v) for k, v in data.items()
            if isinstance(k, str) and k.startswith(FIELD) and v is not None and str(v).strip()}
