"""Platform-neutral views: what adapters render as Block Kit, Adaptive Cards or HTML.

Views are plain frozen dataclasses; ``to_json`` turns one into the dict that
travels in an outbox notice and ``from_json`` reads it back (for every sender
alike). Every string in a view is plain text: escaping
is the adapter's job, for its own surface.

Both directions go through one small codec (the end of this module) instead of
``dataclasses.asdict`` and the frozen classes' ``__init__``: a click builds a
step card's notice and the outbox reads it back once per send, and those two
took ~1 ms of a click's CPU between them (docs/BENCHMARKS.md). A field that
holds views, or a tuple that JSON turns into a list, is named in ``_NESTED`` or
``_TUPLES``; every other field is a plain value and needs nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import MISSING, dataclass, fields
from typing import Any, TypeVar

T = TypeVar("T")


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
    due_on: str | None = None  # the due date (ISO) of an item not done yet
    due_day: str | None = None  # the due date as people say it: "Tue 1 Dec"
    due_text: str | None = None  # "due in 3 days", "2 days late" (dialogs.due.due_words)
    late: bool = False
    snoozed: str | None = None  # reminders silenced: "until Wed 2 Dec (Alice Admin: waiting for the bank)"


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
        return to_plain(self)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> StepCard:
        """The StepCard a "card" notice carries."""
        return from_plain(cls, data)


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
    late_items: int = 0  # items (not done yet) past their due time
    next_due: str | None = None  # the most urgent item not done yet, in words: "“Collect…” 2 days late"
    days_to_stop: int | None = None  # days from today to the stop date (negative: past it)
    due_ats: tuple[str, ...] = ()  # when each item not done yet becomes late (ISO), to count them later
    urgent: tuple[str, ...] = ()  # the most urgent item: (text, department, due date, late at), or ()

    def to_json(self) -> dict[str, Any]:
        """The dict that travels in a notice."""
        return to_plain(self)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> CaseSummary:
        """The CaseSummary a "summary" notice carries."""
        return from_plain(cls, data)


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
        return to_plain(self)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> HandoffView:
        """The HandoffView a "handoff" notice carries."""
        return from_plain(cls, data)


# ---- the codec

_NESTED: dict[type, dict[str, type]] = {
    ActionView: {"inputs": InputField},
    ItemView: {"actions": ActionView, "tickets": TicketView},
    StepCard: {"items": ItemView},
    CaseSummary: {"steps": StepProgress},
    HandoffView: {"recorded": RecordedLine, "changed": RecordedLine},
}
"""Fields that hold a tuple of views, and the view they hold."""
_TUPLES: dict[type, tuple[str, ...]] = {InputField: ("choices",),
                                        CaseSummary: ("needs_manager", "due_ats", "urgent")}
"""Fields that hold a tuple of plain values (a list once it went through JSON)."""
_PAIRS: dict[type, tuple[str, ...]] = {CaseSummary: ("header",)}
"""Fields that hold a tuple of (label, value) pairs."""

View = Any


def to_plain(view: View) -> dict[str, Any]:
    """A view as plain data, equal to what ``dataclasses.asdict`` makes of it (tuples stay tuples)."""
    out = dict(view.__dict__)
    for name in _NESTED.get(type(view), ()):
        if inner := out[name]:  # most items have no tickets, most buttons no inputs
            out[name] = tuple([to_plain(v) for v in inner])
    return out


def from_plain(cls: type[T], data: Mapping[str, Any]) -> T:
    """``cls(**data)`` for a view read back from JSON, with its tuples and nested views restored.

    A frozen dataclass's ``__init__`` sets each field through ``object.__setattr__`` (7 µs for an
    ItemView); a view is only data, so it is made by filling its ``__dict__`` (0.7 µs)."""
    defaults, required = _shape(cls)
    values = {**defaults, **data}
    missing = required - values.keys()
    if missing:
        raise TypeError(f"{cls.__name__} without {', '.join(sorted(missing))}")
    for name, inner in _NESTED.get(cls, {}).items():
        values[name] = tuple(from_plain(inner, v) for v in values[name])
    for name in _TUPLES.get(cls, ()):
        values[name] = tuple(values[name])
    for name in _PAIRS.get(cls, ()):
        values[name] = tuple((str(k), str(v)) for k, v in values[name])
    view = object.__new__(cls)
    view.__dict__.update(values)
    return view


_SHAPES: dict[type, tuple[dict[str, Any], frozenset[str]]] = {}


def _shape(cls: type) -> tuple[dict[str, Any], frozenset[str]]:
    """A view's defaults (all immutable) and its fields without one."""
    if cls not in _SHAPES:
        found = fields(cls)
        _SHAPES[cls] = ({f.name: f.default for f in found if f.default is not MISSING},
                        frozenset(f.name for f in found if f.default is MISSING))
    return _SHAPES[cls]
