"""Platform-neutral views of what the scheduler says: a reminder (or escalation) and a digest.

Like dialogs.views: frozen dataclasses, plain text only, ``to_json``/``from_json`` for the
outbox. Every surface words them through dialogs.replies, so they read the same everywhere.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from dialogs.views import ActionView, InputField

DIGEST_CASE = "~digest"
"""The case id a digest's notice carries: digests belong to no case, but are posted once a day per
department and edited in place (a message reference is kept per case and key)."""


@dataclass(frozen=True)
class ReminderView:
    """An item past its due time: the overdue reminder (level 0) or an escalation step (1, 2)."""

    case_id: str
    client: str
    item_id: str
    item_text: str
    step_number: int
    step_title: str
    department: str
    department_label: str
    due_on: str  # the due date, ISO
    due_day: str  # the due date as people say it: "Tue 1 Dec"
    due_text: str  # "1 day late"
    level: int = 0  # 0: the department is reminded; 1: the case thread, naming the managers; 2: managers
    holder: Mapping[str, Any] | None = None  # who claimed it: platform, user_id, name
    manager_only: bool = False  # only a manager may do it: the managers are reminded, not the department
    stop_date: str | None = None
    actions: tuple[ActionView, ...] = ()  # snooze

    def to_json(self) -> dict[str, Any]:
        """The dict that travels in a notice."""
        return asdict(self)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ReminderView:
        """The ReminderView a reminder or escalation notice carries."""
        return cls(**{**data, "actions": tuple(_action(a) for a in data.get("actions", ()))})


@dataclass(frozen=True)
class DigestLine:
    """One item on a digest."""

    item_id: str
    text: str
    step_number: int
    due_day: str
    due_text: str  # "due today", "2 days late"
    late: bool
    holder: str | None = None  # who claimed it, by name


@dataclass(frozen=True)
class DigestCase:
    """A case's items on a digest."""

    case_id: str
    client: str
    stop_date: str | None
    lines: tuple[DigestLine, ...]


@dataclass(frozen=True)
class DigestView:
    """A department's items due today or late, grouped by case: one message at the start of the day."""

    department: str
    department_label: str
    day: str  # ISO date
    day_text: str  # "Mon 30 Nov"
    cases: tuple[DigestCase, ...]

    @property
    def late(self) -> int:
        """Items late."""
        return sum(line.late for case in self.cases for line in case.lines)

    @property
    def due_today(self) -> int:
        """Items due today, not late yet."""
        return sum(not line.late for case in self.cases for line in case.lines)

    def to_json(self) -> dict[str, Any]:
        """The dict that travels in a notice."""
        return asdict(self)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> DigestView:
        """The DigestView a digest notice carries."""
        cases = tuple(DigestCase(**{**c, "lines": tuple(DigestLine(**line) for line in c["lines"])})
                      for c in data["cases"])
        return cls(**{**data, "cases": cases})


def _action(a: Mapping[str, Any]) -> ActionView:
    inputs = tuple(InputField(**{**f, "choices": tuple(f.get("choices", ()))}) for f in a.get("inputs", ()))
    return ActionView(**{**a, "inputs": inputs})
