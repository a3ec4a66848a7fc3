"""Errors the engine raises; each carries a message meant for the person who acted."""

from __future__ import annotations

from collections.abc import Mapping


class OffboardError(Exception):
    """Base of every error the engine reports to a person."""

    @property
    def message(self) -> str:
        """The text to show the person who acted."""
        return str(self)


class InvalidInput(OffboardError):
    """What was typed cannot be accepted; nothing changed.

    ``errors`` maps each bad field to its message, so a form shows every
    error at once on its own field; ``field`` and ``message`` are the first.
    An error about the form as a whole has no field and empty ``errors``.
    """

    def __init__(self, message: str, field: str | None = None,
                 errors: Mapping[str, str] | None = None) -> None:
        super().__init__(message)
        self.field = field
        self.errors: dict[str, str] = dict(errors) if errors else ({field: message} if field else {})

    @classmethod
    def of(cls, errors: Mapping[str, str]) -> InvalidInput:
        """Several fields' errors at once (at least one), in the order the form shows them."""
        field, message = next(iter(errors.items()))
        return cls(message, field=field, errors=errors)


class NeedsConfirmation(InvalidInput):
    """What was typed is unusual rather than wrong: say so, and save it when the person confirms."""


class NotAllowed(OffboardError):
    """The actor may not do this; nothing changed."""


class NotFound(OffboardError):
    """No such case, step or item."""


class Conflict(OffboardError):
    """The action clashes with the case's current state (e.g. a second open case)."""

    def __init__(self, message: str, case_id: str | None = None) -> None:
        super().__init__(message)
        self.case_id = case_id


class ChecklistError(OffboardError):
    """A checklist file is invalid; names the file and the path to the bad field."""

    def __init__(self, file: str, path: str, problem: str) -> None:
        super().__init__(f"{file}: {path}: {problem}" if path else f"{file}: {problem}")
        self.file = file
        self.path = path
        self.problem = problem
