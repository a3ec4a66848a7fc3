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

    def describe(self, label: Callable[[str], str], holds: bool = True) -> str:
        """“x” is yes / is no / is paper / is not paper."""
        if isinstance(self.value, bool):
            return f"“{label(self.item)}” is {'yes' if self.value == holds else 'no'}"
        return f"“{label(self.item)}” is {'' if holds else 'not '}{self.value}"

    def to_json(self) -> dict[str, Any]:
        """The condition as the checklist file writes it."""
        return {"item": self.item, "is": self.value}


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

    def describe(self, label: Callable[[str], str], holds: bool = True) -> str:
        """“x” is answered / is not answered yet."""
        return f"“{label(self.item)}” is {'answered' if holds else 'not answered yet'}"

    def to_json(self) -> dict[str, Any]:
        """The condition as the checklist file writes it."""
        return {"item": self.item, "answered": True}


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

    def describe(self, label: Callable[[str], str], holds: bool = True) -> str:
        """All tickets on “x” are closed / some are still open."""
        if holds:
            return f"all tickets on “{label(self.item)}” are closed"
        return f"tickets on “{label(self.item)}” are still open"

    def to_json(self) -> dict[str, Any]:
        """The condition as the checklist file writes it."""
        return {"tickets_closed": self.item}

    def counts(self, answers: Answers) -> tuple[int, int] | None:
        """(still open, recorded) ticket rows, or None before the tickets were reviewed."""
        rows = answers.get(self.item)
        if rows is None:
            return None
        tickets = rows.get("tickets", [])
        return sum(1 for r in tickets if not r.get("closed")), len(tickets)


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

    def describe(self, label: Callable[[str], str], holds: bool = True) -> str:
        """a and b; negated (De Morgan): not a or not b."""
        return (" and " if holds else " or ").join(_part(p, label, holds) for p in self.parts)

    def to_json(self) -> dict[str, Any]:
        """The condition as the checklist file writes it."""
        return {"all": [p.to_json() for p in self.parts]}


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

    def describe(self, label: Callable[[str], str], holds: bool = True) -> str:
        """a or b; negated (De Morgan): not a and not b."""
        return (" or " if holds else " and ").join(_part(p, label, holds) for p in self.parts)

    def to_json(self) -> dict[str, Any]:
        """The condition as the checklist file writes it."""
        return {"any": [p.to_json() for p in self.parts]}


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

    def describe(self, label: Callable[[str], str], holds: bool = True) -> str:
        """The part, described the other way."""
        return self.part.describe(label, not holds)

    def to_json(self) -> dict[str, Any]:
        """The condition as the checklist file writes it."""
        return {"not": self.part.to_json()}


Condition = ItemIs | ItemAnswered | TicketsClosed | All | Any_ | Not


def _part(cond: Condition, label: Callable[[str], str], holds: bool) -> str:
    """A part of all/any; a part that is itself all/any (after negation) gets parentheses."""
    inner = cond
    while isinstance(inner, Not):
        inner, holds = inner.part, not holds
    text = inner.describe(label, holds)
    return f"({text})" if isinstance(inner, All | Any_) and len(inner.parts) > 1 else text


def condition_from_json(data: Mapping[str, Any]) -> Condition:
    """A condition back from to_json() (the loader validates files; this reads what we wrote)."""
    if "all" in data:
        return All(tuple(condition_from_json(p) for p in data["all"]))
    if "any" in data:
        return Any_(tuple(condition_from_json(p) for p in data["any"]))
    if "not" in data:
        return Not(condition_from_json(data["not"]))
    if "tickets_closed" in data:
        return TicketsClosed(str(data["tickets_closed"]))
    if "is" in data:
        return ItemIs(str(data["item"]), data["is"])
    return ItemAnswered(str(data["item"]))
