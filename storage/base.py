"""The Store port: everything the engine and the dispatcher keep, behind one interface.

A Store gives out one write transaction at a time (``async with
store.write() as tx``): everything done through ``tx`` commits together or not
at all. Reads outside a transaction see the last committed state.

Implementations: storage.sqlite.SQLiteStore. A new one (PostgreSQL, say) joins
by passing tests/contract/test_store_contract.py.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

JSON = dict[str, Any]


@dataclass
class CaseRecord:
    """A case: one client going through one checklist."""

    id: str
    checklist_id: str
    client: str
    client_key: str
    header: dict[str, str]
    status: str  # open | completed | cancelled
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
    status: str  # locked | open | done | na | skipped
    value: JSON | None = None
    reason: str | None = None
    version: int = 1
    updated_by: JSON | None = None
    updated_at: datetime | None = None
    assignee: JSON | None = None  # who holds it: the actor, and "at" (when they took it)
    holder_version: int = 1  # bumped by claim only: who holds an item is versioned apart from its answer


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
class Notice:
    """Something to tell people, written to the outbox with the change that causes it."""

    case_id: str | None
    kind: str
    target: str
    payload: JSON
    created_at: datetime
    ref_key: str | None = None  # a message that must be posted once and then edited
    coalesce_key: str | None = None  # a newer pending notice with this key supersedes
    id: int | None = None


@dataclass
class Delivery:
    """One notice on its way through one sender."""

    notice: Notice
    sender: str
    attempts: int
    next_attempt_at: datetime
    status: str = "pending"  # pending | sending | sent | superseded | failed
    last_error: str | None = None


@dataclass
class MessageRef:
    """Which platform message shows which card, so it is edited in place later."""

    sender: str
    case_id: str
    ref_key: str
    channel: str
    message_id: str
    extra: JSON = field(default_factory=dict)


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
        """Add a new case; its id must be new."""

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
        """Write a notice to the outbox; supersedes pending ones with its coalesce_key."""

    @abstractmethod
    async def request_result(self, request_id: str) -> JSON | None:
        """What a request id already did, if it was processed before."""

    @abstractmethod
    async def record_request(self, request_id: str, result: JSON, at: datetime) -> None:
        """Remember that a request id was processed, with its result."""


class Store(ABC):
    """The whole persistence port."""

    @abstractmethod
    async def open(self) -> None:
        """Connect and bring the schema up to date."""

    @abstractmethod
    async def close(self) -> None:
        """Finish pending work and disconnect."""

    @abstractmethod
    def write(self) -> AbstractAsyncContextManager[WriteTx]:
        """One write transaction at a time; commits on success, rolls back on error."""

    # ---- reads
    @abstractmethod
    async def get_case(self, case_id: str) -> CaseRecord | None:
        """A case by id."""

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
    async def get_events(self, case_id: str) -> list[EventRecord]:
        """A case's audit trail, oldest first."""

    # ---- outbox
    @abstractmethod
    async def register_sender(self, sender: str, at: datetime) -> None:
        """Start delivering to a sender: it receives notices written from now on."""

    @abstractmethod
    async def due_deliveries(self, sender: str, now: datetime, limit: int = 50) -> list[Delivery]:
        """The next deliveries for a sender: at most one per target, oldest first, due now."""

    @abstractmethod
    async def next_due_at(self, sender: str) -> datetime | None:
        """When the sender's earliest waiting delivery falls due, if any."""

    @abstractmethod
    async def mark_sending(self, delivery: Delivery, at: datetime) -> None:
        """Note that a delivery attempt started (so a crash leaves it in doubt, not lost)."""

    @abstractmethod
    async def mark_sent(self, delivery: Delivery, at: datetime, ref: MessageRef | None) -> None:
        """A delivery went out; store the message it made, if any, in the same transaction."""

    @abstractmethod
    async def mark_retry(self, delivery: Delivery, at: datetime, error: str) -> None:
        """A delivery failed for now; try again at ``at``."""

    @abstractmethod
    async def mark_failed(self, delivery: Delivery, error: str) -> None:
        """A delivery failed for good."""

    @abstractmethod
    async def deliveries(self, sender: str | None = None) -> list[Delivery]:
        """Every delivery (for the command line and tests), oldest first."""

    @abstractmethod
    async def notices(self, target: str, after_id: int = 0) -> list[Notice]:
        """Every notice written for a target (a channel's history), oldest first."""

    @abstractmethod
    async def get_message_ref(self, sender: str, case_id: str, ref_key: str) -> MessageRef | None:
        """The message that shows a card, if it was posted."""

    @abstractmethod
    async def put_message_ref(self, ref: MessageRef) -> None:
        """Remember the message that shows a card."""

    @abstractmethod
    async def message_refs(self, case_id: str) -> list[MessageRef]:
        """Every message of a case."""

    async def __aenter__(self) -> Store:
        await self.open()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

