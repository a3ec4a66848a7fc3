"""The inbox half of the Store port: requests kept before they are acknowledged, handled after.

A platform that only needs to hear "received" (a Slack button click: its
acknowledgement carries nothing) does not make the person wait for the engine:
the request is committed here, acknowledged, and handled moments later by a
worker (bot.inbox). So an acknowledged request is never lost, and the work
behind it leaves the request's path.

Several processes may work one database: ``take_inbox`` leases the oldest
waiting requests of the kinds a process can handle; a lease that runs out (the
process died) lets another take them. A request is handled at least once; what
handles it makes a repeat harmless (the engine's request ids).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any


class InboxStatus(StrEnum):
    """Where a kept request stands (a handled one is deleted)."""

    WAITING = "waiting"  # to be handled (or being handled, while leased)
    FAILED = "failed"  # its handler failed unexpectedly, or too often: kept for a person to look at


@dataclass
class InboxItem:
    """One request kept in the inbox."""

    id: int
    kind: str  # who handles it, e.g. "slack.click"
    payload: dict[str, Any]
    received_at: datetime
    attempts: int = 0  # takes so far
    next_attempt_at: datetime | None = None
    status: InboxStatus = InboxStatus.WAITING
    last_error: str | None = None
    lease_owner: str | None = None
    lease_until: datetime | None = None


class InboxStore(ABC):
    """Keeping requests, and leasing them to whoever handles them."""

    @abstractmethod
    async def receive(self, kind: str, payload: dict[str, Any], at: datetime) -> int:
        """Commit a request to be handled; its id."""

    @abstractmethod
    async def take_inbox(self, kinds: Collection[str], owner: str, now: datetime, lease_until: datetime,
                         limit: int = 32) -> list[InboxItem]:
        """Lease the oldest waiting requests of these kinds that are due and nobody holds, oldest first."""

    @abstractmethod
    async def finish_inbox(self, item: InboxItem) -> None:
        """A request was handled: forget it (unless another process has taken it over meanwhile)."""

    @abstractmethod
    async def retry_inbox(self, item: InboxItem, at: datetime, error: str) -> None:
        """Handle a request again at ``at`` (its lease released)."""

    @abstractmethod
    async def fail_inbox(self, item: InboxItem, error: str) -> None:
        """Keep a request that cannot be handled, for a person to look at."""

    @abstractmethod
    async def next_inbox_at(self, kinds: Collection[str]) -> datetime | None:
        """The earliest moment a take may find a waiting request of these kinds (a lease's end, if later)."""

    @abstractmethod
    async def inbox(self, status: InboxStatus | None = None) -> list[InboxItem]:
        """The kept requests (of one status), oldest first."""
