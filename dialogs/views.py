"""Platform-neutral views: what adapters render as Block Kit, Adaptive Cards or HTML.

Views are plain frozen dataclasses; ``to_json`` turns one into the dict that
travels in an outbox notice and ``from_json`` reads it back (for every sender
alike). Every string in a view is plain text: escaping
is the adapter's job, for its own surface.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any


@dataclass(frozen=True)
class InputField:
    """One input a person fills in to answer an item."""

    name: str
    kind: str  # money | hours | text | date | choice | yesno | tickets
    label: str
    required: bool = True
    default: str | None = None
    choices: tuple[str, ...] = ()
    hint: str | None = None


@dataclass(frozen=True)
class ActionView:
    """A button: the command it sends and the item version it was rendered from."""

    action: str  # done | na | yes | no | answer | confirm | undo | claim | close_ticket
    label: str
    item_id: str
    version: int
    style: str | None = None  # primary | danger
    inputs: tuple[InputField, ...] = ()
    arg: str | None = None  # e.g. the ticket number for close_ticket


@dataclass(frozen=True)
class TicketView:
    """One row of a tickets item."""

    number: str
    title: str
    decision: str
    decision_label: str
    closed: bool


@dataclass(frozen=True)
class ItemView:
    """One item as a person sees it on a step card."""

    id: str
    kind: str
    text: str
    status: str
    version: int
    depth: int = 0
    reason: str | None = None  # why it is locked or does not apply, without a status word
    reason_kind: str | None = None  # dialogs.reasons.ReasonKind
    note: str | None = None
    value_text: str | None = None
    answered_by: str | None = None
    answered_at: str | None = None
    assignee: str | None = None
    manager_only: bool = False
    copy_text: str | None = None
    actions: tuple[ActionView, ...] = ()
    tickets: tuple[TicketView, ...] = ()


@dataclass(frozen=True)
class StepCard:
    """A routing step for its department's channel."""

    case_id: str
    client: str
    step_id: str
    number: int
    title: str
    department: str
    department_label: str
    status: str  # waiting | active | complete | reopened (handed off, with open work again)
    done: int
    total: int
    items: tuple[ItemView, ...]
    case_status: str = "open"

    def to_json(self) -> dict[str, Any]:
        """The dict that travels in a notice."""
        out: dict[str, Any] = plain(self)
        return out

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> StepCard:
        """The StepCard a "card" notice carries."""
        items = tuple(
            ItemView(**{**i, "actions": tuple(_action(a) for a in i.get("actions", ())),
                        "tickets": tuple(TicketView(**t) for t in i.get("tickets", ()))})
            for i in data["items"])
        return cls(**{**data, "items": items})


@dataclass(frozen=True)
class StepProgress:
    """One step's line on the case summary."""

    step_id: str
    number: int
    title: str
    department_label: str
    status: str
    done: int
    total: int


@dataclass(frozen=True)
class CaseSummary:
    """Where a case stands: what managers watch in the case thread."""

    case_id: str
    client: str
    title: str
    status: str  # open | completed | cancelled
    stop_date: str | None
    opened_at: str
    opened_by: str
    holder: str | None  # the department label that holds the ball
    steps: tuple[StepProgress, ...]
    header: tuple[tuple[str, str], ...]
    overdue: bool = False
    needs_manager: tuple[str, ...] = ()  # open items only a manager may do, in the case's words

    def to_json(self) -> dict[str, Any]:
        """The dict that travels in a notice."""
        out: dict[str, Any] = plain(self)
        return out

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> CaseSummary:
        """The CaseSummary a "summary" notice carries."""
        return cls(**{**data, "steps": tuple(StepProgress(**s) for s in data["steps"]),
                      "header": tuple((str(k), str(v)) for k, v in data.get("header", ())),
                      "needs_manager": tuple(data.get("needs_manager", ()))})


@dataclass(frozen=True)
class RecordedLine:
    """One answer, as a hand-off repeats it to the next department."""

    text: str
    value_text: str
    by: str | None


@dataclass(frozen=True)
class HandoffView:
    """What the next department is told when a step completes."""

    case_id: str
    client: str
    from_step: str
    from_department: str
    to_step: str
    to_department: str
    to_department_label: str
    recorded: tuple[RecordedLine, ...]
    kind: str = "handoff"  # handoff | reopened (the step has open work again) | complete_again
    note: str | None = None  # what happened, in words (reopened, complete again)
    changed: tuple[RecordedLine, ...] = ()  # complete again: the answers that changed

    def to_json(self) -> dict[str, Any]:
        """The dict that travels in a notice."""
        out: dict[str, Any] = plain(self)
        return out

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> HandoffView:
        """The HandoffView a "handoff" notice carries."""
        return cls(**{**data, "recorded": tuple(RecordedLine(**r) for r in data["recorded"]),
                      "changed": tuple(RecordedLine(**r) for r in data.get("changed", ()))})


_SCALARS = frozenset({str, int, float, bool, type(None)})
_FIELDS: dict[type, tuple[str, ...]] = {}


def plain(value: Any) -> Any:
    """A view as plain data, exactly as ``dataclasses.asdict`` makes it (dataclasses become dicts,
    tuples stay tuples) without asdict's deep copy of every string: a step card's notice took ~2 ms
    that way, most of a click's CPU time (docs/BENCHMARKS.md). Views are frozen and hold only views,
    tuples and immutable scalars, so nothing here needs copying."""
    cls = type(value)
    if cls in _SCALARS:
        return value
    names = _FIELDS.get(cls)
    if names is None and hasattr(cls, "__dataclass_fields__"):
        names = _FIELDS[cls] = tuple(f.name for f in fields(value))
    if names is not None:
        return {name: plain(getattr(value, name)) for name in names}
    if cls is tuple or cls is list:
        return cls(plain(v) for v in value)
    if cls is dict:
        return {k: plain(v) for k, v in value.items()}
    return value


def _action(a: Mapping[str, Any]) -> ActionView:
    inputs = tuple(InputField(**{**f, "choices": tuple(f.get("choices", ()))}) for f in a.get("inputs", ()))
    return ActionView(**{**a, "inputs": inputs})
