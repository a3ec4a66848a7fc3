"""Errors the engine raises; each carries a message meant for the person who acted."""

from __future__ import annotations


class OffboardError(Exception):
    """Base of every error the engine reports to a person."""

    @property
    def message(self) -> str:
        """The text to show the person who acted."""
        return str(self)


class InvalidInput(OffboardError):
    """What was typed cannot be accepted; nothing changed."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


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
