"""Conditions: small pure expressions over a case's answers.

A condition evaluates to True, False or None; None means "not known yet"
(an item it reads has no answer), which keeps dependent items waiting.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

Answers = Mapping[str, Any]
"""Item id -> the answer value of every item that is done (absent otherwise)."""


@dataclass(frozen=True)
class ItemIs:
    """{ item = "x", is = true }: item x was answered with this value."""

    item: str
    value: bool | str

    def evaluate(self, answers: Answers) -> bool | None:
        """True or False once x is answered, None before."""
        if self.item not in answers:
            return None
        got = answers[self.item]
        if isinstance(got, Mapping):
            got = got.get("answer", got.get("choice"))
        return bool(got == self.value)

    def items(self) -> Iterator[str]:
        """Ids this condition reads."""
        yield self.item

    def describe(self, label: Callable[[str], str]) -> str:
        """Human words for this condition."""
        shown = ("yes" if self.value else "no") if isinstance(self.value, bool) else self.value
        return f"“{label(self.item)}” is {shown}"


@dataclass(frozen=True)
class ItemAnswered:
    """{ item = "x", answered = true }: item x is done."""

    item: str

    def evaluate(self, answers: Answers) -> bool | None:
        """True once x is done; never None (waiting is False here)."""
        return self.item in answers

    def items(self) -> Iterator[str]:
        """Ids this condition reads."""
        yield self.item

    def describe(self, label: Callable[[str], str]) -> str:
        """Human words for this condition."""
        return f"“{label(self.item)}” is done"


@dataclass(frozen=True)
class TicketsClosed:
    """{ tickets_closed = "x" }: tickets item x is done and every row on it is closed."""

    item: str

    def evaluate(self, answers: Answers) -> bool | None:
        """True when every ticket row is closed."""
        rows = answers.get(self.item)
        if rows is None:
            return False
        return all(row.get("closed") for row in rows.get("tickets", []))

    def items(self) -> Iterator[str]:
        """Ids this condition reads."""
        yield self.item

    def describe(self, label: Callable[[str], str]) -> str:
        """Human words for this condition."""
        return f"all tickets on “{label(self.item)}” are closed"

    def waiting(self, answers: Answers) -> str:
        """What still holds the condition shut, in a person's words."""
        rows = answers.get(self.item)
        if rows is None:
            return "the open tickets have not been reviewed yet"
        still = [r for r in rows.get("tickets", []) if not r.get("closed")]
        return f"{len(still)} of {len(rows.get('tickets', []))} tickets still open"


@dataclass(frozen=True)
class All:
    """{ all = [...] }: every part holds."""

    parts: tuple[Condition, ...]

    def evaluate(self, answers: Answers) -> bool | None:
        """False if any part is False, None if any is unknown, else True."""
        results = [p.evaluate(answers) for p in self.parts]
        if False in results:
            return False
        return None if None in results else True

    def items(self) -> Iterator[str]:
        """Ids this condition reads."""
        for p in self.parts:
            yield from p.items()

    def describe(self, label: Callable[[str], str]) -> str:
        """Human words for this condition."""
        return " and ".join(p.describe(label) for p in self.parts)


@dataclass(frozen=True)
class Any_:
    """{ any = [...] }: at least one part holds."""

    parts: tuple[Condition, ...]

    def evaluate(self, answers: Answers) -> bool | None:
        """True if any part is True, None if any is unknown, else False."""
        results = [p.evaluate(answers) for p in self.parts]
        if True in results:
            return True
        return None if None in results else False

    def items(self) -> Iterator[str]:
        """Ids this condition reads."""
        for p in self.parts:
            yield from p.items()

    def describe(self, label: Callable[[str], str]) -> str:
        """Human words for this condition."""
        return " or ".join(p.describe(label) for p in self.parts)


@dataclass(frozen=True)
class Not:
    """{ not = {...} }: the part does not hold."""

    part: Condition

    def evaluate(self, answers: Answers) -> bool | None:
        """The opposite of the part; unknown stays unknown."""
        result = self.part.evaluate(answers)
        return None if result is None else not result

    def items(self) -> Iterator[str]:
        """Ids this condition reads."""
        yield from self.part.items()

    def describe(self, label: Callable[[str], str]) -> str:
        """Human words for this condition."""
        return f"not ({self.part.describe(label)})"


Condition = ItemIs | ItemAnswered | TicketsClosed | All | Any_ | Not
