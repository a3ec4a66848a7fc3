"""Why an item is locked or does not apply: a reason is data (a kind and its details), worded once.

``derive`` returns a Reason; ``words`` turns it into one sentence without a
status word ("Waits for step 1 to hand off to Tech"). Each surface adds its
status word once ("Locked: …", "Does not apply: …") from STATUS_WORDS.
Events keep the Reason as JSON (``to_json``), never as prose.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from dialogs.conditions import Condition, condition_from_json

Label = Callable[[str], str]

STATUS_WORDS = {"open": "Open", "done": "Done", "na": "Not applicable", "locked": "Locked",
                "skipped": "Does not apply"}
"""An item's state as a person reads it (a status label, or the word before a reason)."""

STATE_PHRASES = {"open": "is open", "done": "is done", "na": "is marked not applicable",
                 "locked": "is locked", "skipped": "does not apply"}
"""An item's state inside a sentence: "“Review AcmeCo's account” is locked"."""


class ReasonKind(StrEnum):
    """What holds an item back."""

    STEP = "step"  # its step is not reached: the step before must hand off
    ANSWER = "answer"  # its condition reads items that are not answered yet
    CONDITION = "condition"  # its condition does not hold: it does not apply
    GATE = "gate"  # it sits behind a gate that is not open
    AFTER = "after"  # items before it are not done yet
    UNTIL = "until"  # a gate: its condition does not hold yet
    TICKETS = "tickets"  # a gate: tickets are still open (or not reviewed yet)
    CONFIRM = "confirm"  # a gate: nobody has confirmed it yet


@dataclass(frozen=True)
class Reason:
    """One reason, with the details each kind needs (item ids, never words)."""

    kind: ReasonKind
    items: tuple[str, ...] = ()
    step: int | None = None
    department: str | None = None  # a department id
    condition: Condition | None = None
    holds: bool = True  # the condition is worded as holding (True) or as failing (False)
    still_open: int | None = None
    total: int | None = None
    inner: Reason | None = None  # behind a gate: why the gate is shut

    def to_json(self) -> dict[str, Any]:
        """What an event keeps."""
        out: dict[str, Any] = {"kind": self.kind.value}
        if self.items:
            out["items"] = list(self.items)
        for key in ("step", "department", "still_open", "total"):
            if getattr(self, key) is not None:
                out[key] = getattr(self, key)
        if self.condition is not None:
            out["condition"] = self.condition.to_json()
            out["holds"] = self.holds
        if self.inner is not None:
            out["inner"] = self.inner.to_json()
        return out

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Reason:
        """Read back what to_json wrote."""
        cond = data.get("condition")
        inner = data.get("inner")
        return cls(ReasonKind(data["kind"]), tuple(data.get("items", ())), data.get("step"),
                   data.get("department"), None if cond is None else condition_from_json(cond),
                   bool(data.get("holds", True)), data.get("still_open"), data.get("total"),
                   None if inner is None else cls.from_json(inner))


def words(reason: Reason, label: Label, department: Label = lambda d: d) -> str:
    """The reason as one sentence, without a status word, quoting items by their text."""
    quoted = [f"“{label(i)}”" for i in reason.items]
    kind = reason.kind
    if kind is ReasonKind.STEP:
        return f"Waits for step {reason.step} to hand off to {department(reason.department or '')}"
    if kind is ReasonKind.ANSWER:
        return f"Waits for an answer to {_and(quoted)}"
    if kind is ReasonKind.AFTER:
        return f"Waits for {_and(quoted)}"
    if kind is ReasonKind.CONDITION and reason.condition is not None:
        return _capital(reason.condition.describe(label, reason.holds))
    if kind is ReasonKind.UNTIL and reason.condition is not None:
        return "Waits until " + reason.condition.describe(label, reason.holds)
    if kind is ReasonKind.TICKETS:
        if reason.total is None:
            return "The open tickets have not been reviewed yet"
        return f"{reason.still_open} of {reason.total} tickets still open"
    if kind is ReasonKind.CONFIRM:
        return f"Waits for someone to confirm {_and(quoted) or 'it'}"
    if kind is ReasonKind.GATE:
        behind = f"Behind {_and(quoted)}"
        if reason.inner is None:
            return behind
        return f"{behind}: {lower_first(words(reason.inner, label, department))}"
    return kind.value


def _and(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1] if parts else ""


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def lower_first(text: str) -> str:
    """The first letter lowered where a sentence continues another ("Waits…" -> "waits…")."""
    first = text.split(" ", 1)[0]
    return text[:1].lower() + text[1:] if first[:1].isupper() and first[1:].islower() else text
