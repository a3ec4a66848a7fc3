"""Checklist definitions: the steps, items and header fields a checklist file describes.

Files are read and validated by dialogs.checklist_loader.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from dialogs.conditions import Condition
from dialogs.due_rule import DueRule as DueRule

BUILTIN_DIR = Path(__file__).parent / "checklists"
DEFAULT_CHECKLIST = BUILTIN_DIR / "offboarding.toml"

ITEM_KINDS = ("task", "yesno", "amount", "text", "date", "choice", "tickets", "gate", "generated")
HEADER_KINDS = ("text", "date", "email", "phone")
DOCUMENTS = ("memo", "summary", "checklist")
AMOUNT_FIELDS = ("dollars", "hours")
DECISIONS = {
    "covered": "covered by the ending contract",
    "billable": "billable",
    "close": "close without completing",
}
"""What the service manager may decide for an open ticket, and how it reads."""


@dataclass(frozen=True)
class Closes:
    """``closes = { tickets = "x", decision = "close" }``: marking the task done closes those tickets."""

    tickets: str
    decision: str


@dataclass(frozen=True)
class NearDate:
    """``confirm_near = { field = "stop_date", days = 62 }``: a date farther away asks to confirm."""

    field: str
    days: int


@dataclass(frozen=True)
class HeaderField:
    """One field of the case header, asked before anything is posted."""

    id: str
    label: str
    kind: str
    required: bool = False
    not_past: bool = False
    default: str | None = None


@dataclass(frozen=True)
class ItemDef:
    """One line of the checklist."""

    id: str
    kind: str
    text: str
    step: str
    department: str
    position: int
    parent: str | None = None
    when: Condition | None = None
    behind: str | None = None
    after: tuple[str, ...] = ()
    manager: bool = False
    na_allowed: bool = True
    note: str | None = None
    input_label: str | None = None
    fields: tuple[str, ...] = ()
    allow_zero: bool = False
    default: str | None = None
    choices: tuple[str, ...] = ()
    detail: str | None = None
    document: str | None = None
    open_when: Condition | None = None
    confirm: str | None = None
    suggest: Condition | None = None
    rebate_of: str | None = None
    copy_text: str | None = None
    log_hours: bool = False
    closes: Closes | None = None
    at_most: str | None = None  # an amount item this amount may not exceed, field by field
    confirm_unused: bool = False  # a rebate over the unused prepaid labor asks to confirm
    not_before: str | None = None  # a header date this date may not precede
    confirm_near: NearDate | None = None
    due: DueRule | None = None  # its own due rule (else its step's)


@dataclass(frozen=True)
class StepDef:
    """A routing step: one department's share of the checklist."""

    id: str
    title: str
    department: str
    number: int
    items: tuple[ItemDef, ...]
    log_hours: bool = False
    due: DueRule | None = None  # the due rule of each of its items that has none of its own


@dataclass(frozen=True)
class Checklist:
    """A whole checklist: header, departments and steps in routing order."""

    id: str
    title: str
    departments: Mapping[str, str]
    header: tuple[HeaderField, ...]
    steps: tuple[StepDef, ...]
    source: str = ""
    case_noun: str = "case"

    @cached_property
    def items(self) -> dict[str, ItemDef]:
        """Every item by id, in routing order."""
        return {item.id: item for step in self.steps for item in step.items}

    @cached_property
    def steps_by_id(self) -> dict[str, StepDef]:
        """Every step by id."""
        return {step.id: step for step in self.steps}

    def department_label(self, department: str) -> str:
        """The label a person sees for a department id."""
        return self.departments.get(department, department)

    @cached_property
    def has_due_rules(self) -> bool:
        """Whether any step or item says when it is due (a checklist without rules gets no timers)."""
        return any(step.due or any(item.due for item in step.items) for step in self.steps)
