"""The store port's errors: what callers catch instead of a driver's exceptions."""

from __future__ import annotations

OPEN_CASE_PER_CLIENT = "cases_one_open_per_client"
REQUEST_ONCE = "processed_requests_pkey"


class StoreError(Exception):
    """Something the store could not do; the message says what (never a driver's own exception)."""


class ConstraintError(StoreError):
    """The change breaks a rule of the data (an id taken, a reference to nothing): nothing was kept.

    ``constraint`` names the rule where the backend says which (e.g. ``cases_one_open_per_client``).
    """

    def __init__(self, message: str, constraint: str | None = None) -> None:
        super().__init__(message)
        self.constraint = constraint


class DuplicateOpenCase(ConstraintError):
    """The client already has an open case (two processes opened one at once, say)."""

    def __init__(self, client_key: str) -> None:
        super().__init__(f"client {client_key!r} already has an open case", OPEN_CASE_PER_CLIENT)
        self.client_key = client_key


class DuplicateRequest(ConstraintError):
    """This request id was already recorded."""

    def __init__(self, request_id: str) -> None:
        super().__init__(f"request {request_id!r} was already processed", REQUEST_ONCE)
        self.request_id = request_id


class StoreUnavailable(StoreError):
    """The database cannot be reached, or is too busy now: the same call may work later."""


class LeaseLost(StoreError):
    """A delivery's lease ran out and another process took it over: its outcome is not ours to record."""
