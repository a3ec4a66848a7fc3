"""The timers half of the Store port: when reminders fall due, kept with the state that implies them.

One row per pending reminder: an item's due time (its overdue reminder), each escalation
step, and each department's daily digest. The engine writes a case's rows in the same
transaction as the change that implies them (``WriteTx.put_timer`` / ``delete_timers``);
a scheduler claims the rows that are due with a lease (``claim_timers``), so with several
processes on one database each row is worked by one of them, and marks a row fired in the
transaction that writes its notices. A fired row stays until the item is resolved or its due
time moves: that is how "at most once per item per due time" is kept across restarts.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class TimerKind(StrEnum):
    """What a timer is for."""

    DUE = "due"  # an item's due time: the overdue reminder (and the digest's index of what is due)
    ESCALATION = "escalation"  # an escalation step (``level`` 1: the case thread, 2: the managers)
    DIGEST = "digest"  # a department's digest, at the start of each working day


class TimerStatus(StrEnum):
    """Whether a timer's notice went out."""

    PENDING = "pending"
    FIRED = "fired"


@dataclass
class TimerRecord:
    """One timer. ``key`` names it: ``CASE:ITEM:due``, ``CASE:ITEM:escalation:1``, ``digest:DEPT``."""

    key: str
    kind: TimerKind
    department: str
    fire_at: datetime
    case_id: str | None = None
    item_id: str | None = None
    due_at: datetime | None = None
    level: int = 0
    status: TimerStatus = TimerStatus.PENDING
    fired_at: datetime | None = None
    lease_owner: str | None = None
    lease_until: datetime | None = None


def due_key(case_id: str, item_id: str) -> str:
    """The key of an item's due timer."""
    return f"{case_id}:{item_id}:due"


def escalation_key(case_id: str, item_id: str, level: int) -> str:
    """The key of one escalation step of an item."""
    return f"{case_id}:{item_id}:escalation:{level}"


def digest_key(department: str) -> str:
    """The key of a department's digest timer."""
    return f"digest:{department}"


class TimerStore(ABC):
    """Reading and claiming timers (writes of a case's timers go through its WriteTx)."""

    @abstractmethod
    async def claim_timers(self, owner: str, now: datetime, lease_until: datetime,
                           limit: int = 100) -> list[TimerRecord]:
        """Lease pending timers due by ``now`` that nobody holds (or whose lease ran out), earliest first."""

    @abstractmethod
    async def next_timer_at(self) -> datetime | None:
        """The earliest fire time of a pending timer (a leased one's lease end, if later)."""

    @abstractmethod
    async def timers(self, case_id: str | None = None) -> list[TimerRecord]:
        """Every timer (of one case), by fire time then key."""

    @abstractmethod
    async def due_timers(self, department: str, until: datetime) -> list[TimerRecord]:
        """A department's item due timers (pending or fired) due by ``until``, by case then due time."""

    @abstractmethod
    async def ensure_timer(self, timer: TimerRecord) -> bool:
        """Insert a timer unless one with its key exists; whether it was inserted."""

    @abstractmethod
    async def release_timer(self, timer: TimerRecord) -> None:
        """Give a claimed timer back (its lease cleared) without firing it."""
