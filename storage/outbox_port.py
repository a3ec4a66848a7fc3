"""The outbox half of the Store port: notices, their deliveries, and the messages they made.

A notice is written in the same transaction as the change that causes it,
together with one delivery per registered sender (Slack, Teams...). Deliveries
queue per (case, target, sender) in notice order; a newer notice with the same
coalesce key supersedes older ones still waiting (the latest content goes out,
in the place of the first).

Several processes may deliver from one database: ``claim`` leases the head of
each queue to one of them; the others skip that queue until the lease is
released (``mark_*``) or runs out (the process died). An attempt whose outcome
may be unknown is recorded as *in doubt* before it is made (``mark_in_doubt``),
and committed: whichever process claims the delivery next looks it up before
posting again. For a message that is posted once and then edited (a notice with
a ``ref_key``: a step card, the case summary) the doubt belongs to the message
(sender, case, ref_key), so a newer notice that supersedes the one in doubt
inherits it.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class NoticeKind(StrEnum):
    """What a notice tells; each sender renders each kind its own way (and skips kinds it has no form for)."""

    SUMMARY = "summary"  # the case's live summary (posted once, then edited)
    CARD = "card"  # a step card (posted once, then edited)
    THREAD = "thread"  # a line in the case thread
    HANDOFF = "handoff"  # the ping to the next department
    MANAGERS = "managers"  # a note to the managers
    DOCUMENT = "document"  # a document is ready for the case thread
    MANAGER_ITEM = "manager_item"  # a manager-only item waits: its buttons, for the managers (then edited)
    REMINDER = "reminder"  # an item is past its due time: the department (or the managers) reminded
    ESCALATION = "escalation"  # still late after a grace period: the case thread, then the managers
    DIGEST = "digest"  # a department's items due today or late (posted once a day, then edited)


class DeliveryStatus(StrEnum):
    """Where one notice stands with one sender."""

    PENDING = "pending"  # waiting (or being worked on, while leased)
    SENT = "sent"
    SUPERSEDED = "superseded"  # a newer notice of its coalesce key went instead
    FAILED = "failed"  # dead-lettered: refused for good, or failed unexpectedly


@dataclass
class Notice:
    """Something to tell people, written to the outbox with the change that causes it."""

    case_id: str | None
    kind: NoticeKind
    target: str
    payload: dict[str, Any]
    created_at: datetime
    ref_key: str | None = None  # a message that must be posted once and then edited
    coalesce_key: str | None = None  # a newer waiting notice with this key supersedes
    id: int | None = None


@dataclass
class Delivery:
    """One notice on its way through one sender."""

    id: int
    notice: Notice
    sender: str
    attempts: int  # claims so far
    next_attempt_at: datetime
    status: DeliveryStatus = DeliveryStatus.PENDING
    last_error: str | None = None
    in_doubt: bool = False  # an earlier post may have gone out: look it up before posting
    lease_owner: str | None = None
    leased_until: datetime | None = None
    position: int | None = None  # its place in its queue (a notice id; see storage.outbox_sql)


@dataclass
class MessageRef:
    """Which platform message shows which card, so it is edited in place later."""

    sender: str
    case_id: str
    ref_key: str
    channel: str
    message_id: str
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Change:
    """A notice was committed (what the change feed tells listeners, such as open browsers)."""

    notice_id: int
    case_id: str | None
    kind: str
    target: str


class OutboxStore(ABC):
    """Notices, deliveries and message references."""

    @abstractmethod
    async def register_sender(self, sender: str, at: datetime) -> None:
        """Deliver through this sender too: it gets a delivery of every notice written from now on."""

    @abstractmethod
    async def claim(self, sender: str, owner: str, now: datetime, lease_until: datetime,
                    limit: int = 50) -> list[Delivery]:
        """Lease the head of each of the sender's queues that is due now and not leased; counts an attempt."""

    @abstractmethod
    async def due_deliveries(self, sender: str, now: datetime, limit: int = 50) -> list[Delivery]:
        """The head of each queue that is due by ``now``, leased or not (a read: nothing is claimed)."""

    @abstractmethod
    async def next_due_at(self, sender: str) -> datetime | None:
        """When a claim may next find something: the earliest due (or lease end) of a queue's head."""

    @abstractmethod
    async def mark_in_doubt(self, delivery: Delivery, at: datetime) -> None:
        """Record, and commit, that a post is about to be made whose outcome may be unknown."""

    @abstractmethod
    async def clear_doubt(self, delivery: Delivery) -> None:
        """The post did not go out (a clear refusal, or a look-up that found nothing)."""

    @abstractmethod
    async def mark_sent(self, delivery: Delivery, at: datetime, ref: MessageRef | None) -> None:
        """Sent: store the message it made (if any) and release the lease, in one transaction."""

    @abstractmethod
    async def mark_retry(self, delivery: Delivery, at: datetime, error: str) -> None:
        """Not now: due again at ``at`` (or superseded, if a newer notice of its key waits)."""

    @abstractmethod
    async def defer(self, delivery: Delivery, at: datetime) -> None:
        """Not now, and not an attempt (its channel is paced): due again at ``at``, the lease released;
        superseded instead if a newer notice of its key waits."""

    @abstractmethod
    async def newest(self, delivery: Delivery) -> Delivery:
        """What to send for this claimed delivery now: the newest waiting notice of its message (its
        coalesce key), leased in its place, which is superseded; or itself. A post in doubt is itself."""

    @abstractmethod
    async def mark_failed(self, delivery: Delivery, error: str) -> None:
        """Dead-letter it: it stops holding back its queue; ``requeue`` sends it again."""

    @abstractmethod
    async def requeue(self, delivery_id: int, now: datetime) -> Delivery | None:
        """Put a dead-lettered delivery back in its queue (superseded instead if a newer one of its key
        went out); None if there is no such delivery or it is not dead-lettered."""

    @abstractmethod
    async def deliveries(self, sender: str | None = None,
                         status: DeliveryStatus | None = None) -> list[Delivery]:
        """Deliveries with their notices, by notice id then sender (for the command line and tests)."""

    @abstractmethod
    async def notices(self, target: str, after_id: int = 0, *, newest: int | None = None) -> list[Notice]:
        """The notices kept for a target (a channel's history), oldest first: every one, or only the
        ``newest`` so many."""

    @abstractmethod
    async def get_message_ref(self, sender: str, case_id: str, ref_key: str) -> MessageRef | None:
        """The message that shows a card, if it was posted."""

    @abstractmethod
    async def put_message_ref(self, ref: MessageRef) -> None:
        """Remember the message that shows a card (and that it is no longer in doubt)."""

    @abstractmethod
    async def message_refs(self, case_id: str) -> list[MessageRef]:
        """Every message of a case."""

    @abstractmethod
    async def prune(self, before: datetime) -> dict[str, int]:
        """Forget finished deliveries, card and summary notices and request ids older than ``before``.

        Kept: waiting deliveries, and the notices a channel's history shows (thread lines,
        hand-offs, documents, and the first notice of each card). Returns counts removed.
        """
