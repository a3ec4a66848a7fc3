"""One registry of the Slack adapter's ids, shared by the block builders and the handlers.

A button's action_id says what it does (``item_done#0``: the suffix only keeps
ids unique within a message); its value says on what: the case, the item and
the item version the card was rendered from.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from enum import StrEnum

from dialogs.errors import InvalidInput

ROUTE = "/slack/events"
SENDER = "slack"
COMMAND = "/offboard"
METADATA_EVENT = "offboard_notice"


class Act(StrEnum):
    """Action ids of buttons (block_actions)."""

    DONE = "item_done"
    NA = "item_na"
    YES = "item_yes"
    NO = "item_no"
    ANSWER = "item_answer"
    CONFIRM = "item_confirm"
    UNDO = "item_undo"
    CLAIM = "item_claim"
    CLOSE_TICKET = "item_close_ticket"
    NO_TICKETS = "item_no_tickets"
    SNOOZE = "item_snooze"  # a reminder's (and a late item's) "Snooze a day"
    SNOOZE_UNTIL = "item_snooze_until"

    @classmethod
    def of(cls, engine_action: str) -> Act:
        """The action id of an engine action (ActionView.action)."""
        return cls(f"item_{engine_action}")

    @property
    def engine_action(self) -> str:
        """The engine action a button sends."""
        return self.value.removeprefix("item_")

    def numbered(self, n: int) -> str:
        """The action id made unique within a message."""
        return f"{self.value}#{n}"

    def pattern(self) -> re.Pattern[str]:
        """Matches this action id with or without its number."""
        return re.compile(rf"^{re.escape(self.value)}(#\d+)?$")


ITEM_ACTS = tuple(Act)
_ITEM_ACTION_ID = re.compile(rf"^(?:{'|'.join(re.escape(a.value) for a in ITEM_ACTS)})(#\d+)?$")


def is_item_action(action_id: object) -> bool:
    """Whether an action id is one of a step card's buttons (any Act, numbered or not): one match."""
    return _ITEM_ACTION_ID.match(str(action_id)) is not None


class Modal(StrEnum):
    """Callback ids of modals (view_submission)."""

    OPEN_CASE = "open_case"
    ITEM = "item_input"
    CANCEL_CASE = "cancel_case"
    REOPEN_CASE = "reopen_case"
    CONFIRM_SAVE = "confirm_save"  # "save anyway?" pushed over an item's modal
    CHANGE_DATE = "change_date"  # /offboard date CLIENT: move the stop date, with a reason
    NOTICE = "notice"


@dataclass(frozen=True)
class ItemRef:
    """What a button acts on: case, item, the version it was rendered from, and an argument."""

    action: str
    case_id: str
    item_id: str
    version: int
    arg: str | None = None
    modal: bool = False  # the action asks for input first

    def encode(self) -> str:
        """The button value (well under Slack's 2000 characters: ids are short)."""
        data: dict[str, object] = {"a": self.action, "c": self.case_id, "i": self.item_id, "v": self.version}
        if self.arg is not None:
            data["x"] = self.arg
        if self.modal:
            data["m"] = 1
        return json.dumps(data, separators=(",", ":"))

    @classmethod
    def decode(cls, value: str) -> ItemRef:
        """Read a button value or modal metadata back; InvalidInput if it is not one of ours."""
        try:
            data = json.loads(value)
            version = data["v"]
            if not isinstance(version, int) or isinstance(version, bool) or not 0 <= version < 2**53:
                raise ValueError("the version is not a whole number")  # 1e999 is a float (infinity)
            return cls(str(data["a"]), str(data["c"]), str(data["i"]), version,
                       None if data.get("x") is None else str(data["x"]), bool(data.get("m")))
        except (ValueError, TypeError, KeyError, AttributeError, RecursionError):
            raise InvalidInput("This button is not one of offboard's; reload the message.") from None
