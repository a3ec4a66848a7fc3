"""The Store port: everything the engine and the dispatcher keep, behind one interface.

A write transaction (``async with store.write(case_id) as tx``) commits all it
did or nothing. It is scoped to one case where the backend can lock per case
(PostgreSQL locks the case; SQLite has one writer for the whole file), so
writes to different cases may run at once and writes to one case queue up.
``write(client_key=...)`` locks a client instead: what opening a case needs.
Reads outside a transaction see the last committed state; ``load_case`` reads
a case and its items from one snapshot.

The port speaks in the records, enums and errors below, never in a driver's
types: a second open case of a client is ``DuplicateOpenCase``, not
``sqlite3.IntegrityError``.

The outbox (``storage.outbox_port``) and the timers (``storage.timers_port``) are part of the
same port; implementations:
storage.sqlite.SQLiteStore and storage.postgres.PostgresStore, both registered in
storage.registry and both run through tests/contract.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from storage.errors import (
    ConstraintError,
    DuplicateOpenCase,
    DuplicateRequest,
    LeaseLost,
    StoreError,
    StoreUnavailable,
)
from storage.inbox_port import InboxItem, InboxStatus, InboxStore
from storage.outbox_port import (
    Change,
    Delivery,
    DeliveryStatus,
    MessageRef,
    Notice,
    NoticeKind,
    OutboxStore,
)
from storage.timers_port import (
    TimerKind,
    TimerRecord,
    TimerStatus,
    TimerStore,
    digest_key,
    due_key,
    escalation_key,
)

JSON = dict[str, Any]

__all__ = [
    "JSON",
    "CaseRecord",
    "CaseSnapshot",
    "CaseStatus",
    "Change",
    "ConstraintError",
    "Delivery",
    "DeliveryStatus",
    "Dump",
    "DuplicateOpenCase",
    "DuplicateRequest",
    "EventRecord",
    "InboxItem",
    "InboxStatus",
    "InboxStore",
    "ItemRecord",
    "ItemStatus",
    "LeaseLost",
    "MessageRef",
    "Notice",
    "NoticeKind",
    "Store",
    "StoreError",
    "StoreUnavailable",
    "SummaryRecord",
    "TimerKind",
    "TimerRecord",
    "TimerStatus",
    "WriteTx",
    "digest_key",
    "due_key",
    "escalation_key",
]


# ---- enums


class CaseStatus(StrEnum):
    """Where a case stands."""

    OPEN = "open"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class ItemStatus(StrEnum):
    """The stored state of an item (see dialogs.state for what each means)."""

    LOCKED = "locked"
    OPEN = "open"
    DONE = "done"
    NA = "na"
    SKIPPED = "skipped"


# ---- records


@dataclass
class CaseRecord:
    """A case: one client going through one checklist."""

    id: str
    checklist_id: str
    client: str
    client_key: str
    header: dict[str, str]
    status: CaseStatus
    step_index: int  # how many steps have been handed off
    opened_by: JSON
    opened_at: datetime
    closed_at: datetime | None = None
    version: int = 1


@dataclass
class ItemRecord:
    """The current state of one item of one case."""

    case_id: str
    item_id: str
    status: ItemStatus
    value: JSON | None = None
    reason: str | None = None
    version: int = 1
    updated_by: JSON | None = None
    updated_at: datetime | None = None
    assignee: JSON | None = None  # who holds it: the actor, and "at" (when they took it)
    holder_version: int = 1  # bumped by claim only: who holds an item is versioned apart from its answer
    snooze: JSON | None = None  # reminders silenced: until (ISO, UTC), by, why, at


@dataclass
class EventRecord:
    """One change, appended in the same transaction as the state it changes."""

    case_id: str
    kind: str
    actor: JSON
    at: datetime
    item_id: str | None = None
    old: Any = None
    new: Any = None
    note: str | None = None
    id: int | None = None


@dataclass
class SummaryRecord:
    """Where a case stands, kept beside it (what lists read): sortable columns and the summary's JSON."""

    case_id: str
    status: str
    client: str
    client_key: str
    stop_date: str | None
    holder: str | None
    step_index: int
    opened_at: datetime
    closed_at: datetime | None
    step_started_at: datetime | None  # when the current step was reached (kept while it stays)
    summary: JSON
    next_due_at: datetime | None = None  # when its most urgent item not done yet becomes late


SUMMARY_ORDERS = ("newest", "oldest", "stop_date", "urgent")
"""How lists of summaries sort: opened newest first, oldest first, by stop date (soonest first), or
most urgent first (the earliest due time of an item not done yet: the longest late come first)."""


@dataclass(frozen=True)
class CaseSnapshot:
    """A case and its items, read in one transaction."""

    case: CaseRecord
    items: dict[str, ItemRecord]


@dataclass
class Dump:
    """Everything a store holds that is worth moving to another one (``python -m bot migrate-to``)."""

    cases: list[CaseRecord] = field(default_factory=list)
    items: list[ItemRecord] = field(default_factory=list)
    events: list[EventRecord] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)
    senders: list[tuple[str, datetime]] = field(default_factory=list)
    deliveries: list[Delivery] = field(default_factory=list)  # those not finished (pending, failed)
    message_refs: list[MessageRef] = field(default_factory=list)
    doubts: list[tuple[str, str, str, int | None, datetime]] = field(default_factory=list)
    requests: list[tuple[str, JSON, datetime]] = field(default_factory=list)
    timers: list[TimerRecord] = field(default_factory=list)
    inbox: list[InboxItem] = field(default_factory=list)  # requests not yet handled (or failed)

    def counts(self) -> dict[str, int]:
        """How many of each (what the target must hold after the copy)."""
        return {name: len(getattr(self, name)) for name in DUMP_PARTS}


DUMP_PARTS = ("cases", "items", "events", "notices", "senders", "deliveries", "message_refs", "doubts",
              "requests", "timers", "inbox")


class WriteTx(ABC):
    """The operations of one write transaction."""

    @abstractmethod
    async def get_case(self, case_id: str) -> CaseRecord | None:
        """A case by id."""

    @abstractmethod
    async def find_open_case(self, client_key: str) -> CaseRecord | None:
        """The open case of a client, if any."""

    @abstractmethod
    async def insert_case(self, case: CaseRecord) -> None:
        """Add a new case; DuplicateOpenCase if the client has one open, ConstraintError for a taken id."""

    @abstractmethod
    async def update_case(self, case: CaseRecord) -> None:
        """Store a case's new status, step and version."""

    @abstractmethod
    async def get_items(self, case_id: str) -> dict[str, ItemRecord]:
        """Every item of a case by item id."""

    @abstractmethod
    async def put_item(self, item: ItemRecord) -> None:
        """Insert or replace one item's state."""

    @abstractmethod
    async def append_event(self, event: EventRecord) -> int:
        """Append to the audit trail; returns the event id."""

    @abstractmethod
    async def add_notice(self, notice: Notice) -> int:
        """Write a notice and a delivery per registered sender; supersedes waiting ones of its key."""

    @abstractmethod
    async def put_summary(self, summary: SummaryRecord) -> None:
        """Store where a case stands; ``step_started_at`` is kept while the step index stays."""

    @abstractmethod
    async def request_result(self, request_id: str) -> JSON | None:
        """What a request id already did, if it was processed before."""

    @abstractmethod
    async def record_request(self, request_id: str, result: JSON, at: datetime) -> None:
        """Remember that a request id was processed, with its result; DuplicateRequest if it was."""

    @abstractmethod
    async def get_timers(self, case_id: str) -> list[TimerRecord]:
        """Every timer of a case."""

    @abstractmethod
    async def get_timer(self, key: str) -> TimerRecord | None:
        """One timer, held (on backends that lock rows) until the transaction ends."""

    @abstractmethod
    async def put_timer(self, timer: TimerRecord) -> None:
        """Insert or replace a timer (all of it: a replaced timer's lease is gone)."""

    @abstractmethod
    async def delete_timers(self, keys: list[str]) -> None:
        """Remove timers by key."""


class Store(OutboxStore, TimerStore, InboxStore):
    """The whole persistence port."""

    @abstractmethod
    async def open(self) -> None:
        """Connect and bring the schema up to date."""

    @abstractmethod
    async def close(self) -> None:
        """Finish pending work and disconnect."""

    @abstractmethod
    def write(self, case_id: str | None = None, *,
              client_key: str | None = None) -> AbstractAsyncContextManager[WriteTx]:
        """A write transaction, locking this case (or client) where the backend can; commits on success."""

    # ---- reads
    @abstractmethod
    async def get_case(self, case_id: str) -> CaseRecord | None:
        """A case by id."""

    @abstractmethod
    async def load_case(self, case_id: str) -> CaseSnapshot | None:
        """A case and its items from one snapshot (what a view renders)."""

    @abstractmethod
    async def list_cases(self, status: str | None = None) -> list[CaseRecord]:
        """Cases, newest first; only those with this status if given."""

    @abstractmethod
    async def find_cases(self, client_key: str) -> list[CaseRecord]:
        """Every case of a client, newest first."""

    @abstractmethod
    async def get_items(self, case_id: str) -> dict[str, ItemRecord]:
        """Every item of a case by item id."""

    @abstractmethod
    async def list_summaries(self, status: str | None = None, *, order: str = "newest", limit: int = 50,
                             offset: int = 0) -> list[SummaryRecord]:
        """A page of case summaries (one indexed query), in an order of SUMMARY_ORDERS; status "closed"
        means completed or cancelled."""

    @abstractmethod
    async def count_cases(self, status: str | None = None) -> int:
        """How many cases (with this status)."""

    @abstractmethod
    async def held_items(self) -> list[tuple[str, JSON]]:
        """(case id, who holds it) of every held item of an open case, on an index of held items only."""

    @abstractmethod
    async def cases_without_summary(self, limit: int = 500) -> list[str]:
        """Ids of cases that have no summary row yet (written before there were any)."""

    @abstractmethod
    async def get_events(self, case_id: str) -> list[EventRecord]:
        """A case's audit trail, oldest first."""

    # ---- the change feed
    @abstractmethod
    async def listen(self, callback: Callable[[Change], None]) -> Callable[[], None]:
        """Call ``callback`` for every notice committed from now on (by any process the backend can
        hear: all of them on PostgreSQL, this one on SQLite); returns the function that stops it."""

    # ---- moving to another store
    @abstractmethod
    async def dump(self) -> Dump:
        """Everything worth moving: cases, items, events, notices, unfinished deliveries, refs, requests."""

    @abstractmethod
    async def restore(self, dump: Dump) -> None:
        """Load a dump into an empty store (StoreError if it holds any case or notice)."""

    @abstractmethod
    async def counts(self) -> dict[str, int]:
        """How many rows of each Dump part the store holds (unfinished deliveries only)."""

    async def __aenter__(self) -> Store:
        await self.open()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()
