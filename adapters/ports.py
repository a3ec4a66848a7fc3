"""The seam between the adapters and the rest of the bot: everything an adapter may use.

An adapter (Slack, Teams, the web workspace) imports this module, the
engine's commands and views (``dialogs``) and the records of the store port
(``storage.base``) — never the composition root (``bot``), never another
adapter. ``bot.app`` builds one ``AdapterContext`` and hands it to each
adapter's ``mount``. tests/test_boundaries.py holds the line.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import tzinfo
from typing import Any, Protocol

from dialogs.checklist import Checklist
from dialogs.engine import Engine
from storage.base import MessageRef, Notice, Store

__all__ = [
    "LOCAL_HOSTS", "AdapterContext", "ConfigError", "CoreSettings", "DocumentService", "MessageRef",
    "Notice", "PermanentFailure", "RenderedDocument", "RetryLater", "Secret", "Sender",
]

LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
"""The loopback's names: a server bound to one of them is local, not served."""


class ConfigError(Exception):
    """The configuration cannot work; the message says which setting and why."""


class Secret(str):
    """A string that does not show itself in repr or logs."""

    def __repr__(self) -> str:
        return "Secret('****')" if self else "Secret('')"


class RetryLater(Exception):
    """The sender could not deliver now; try again after ``retry_after`` seconds if given.

    ``delivered``: False when the platform clearly did not act on the call (a 429, an
    error answer that says so); None when the outcome is unknown (a 5xx, a dropped
    connection, an answer that is not the platform's own) — a post then stays *in
    doubt* and is looked up (``Sender.reconcile``) before it is ever repeated.
    """

    def __init__(self, message: str, retry_after: float | None = None, *,
                 delivered: bool | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.delivered = delivered


class PermanentFailure(Exception):
    """The platform refused this notice for good (bad channel, revoked token...): nothing went out."""


class Sender(Protocol):
    """A platform's side of delivery (Slack, Teams, a test recorder).

    The outbox calls ``send`` once per claimed delivery. Any exception other than
    RetryLater(delivered=False) or PermanentFailure leaves a post in doubt; the next
    attempt, by whichever process claims it, first calls ``reconcile``.
    """

    name: str

    async def send(self, notice: Notice, ref: MessageRef | None) -> MessageRef | None:
        """Deliver one notice; edit ``ref`` when given; return the message made by a post."""

    async def reconcile(self, notice: Notice) -> MessageRef | bool:
        """Did an earlier attempt of this notice go out? Its message (or True) if found, False if not.

        Raises RetryLater when the platform cannot be asked now: "not found" must be
        an answer, never a guess, or the post would be repeated.
        """


class RenderedDocument(Protocol):
    """One document in one format, ready to upload or download (read-only attributes)."""

    @property
    def document(self) -> str: ...
    @property
    def format(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def filename(self) -> str: ...
    @property
    def media_type(self) -> str: ...
    @property
    def content(self) -> bytes: ...


class DocumentService(Protocol):
    """The case documents (memo, summary report, checklist) in md, html and, if installed, pdf."""

    @property
    def formats(self) -> tuple[str, ...]:
        """The formats this server can render."""

    @property
    def company_configured(self) -> bool:
        """Whether the documents carry the MSP's own name (else they say "[Company name]")."""

    async def render(self, case_id: str, document: str, fmt: str) -> RenderedDocument:
        """One document of a case; a DocumentError (an OffboardError) when it cannot be made."""

    async def for_notice(self, payload: Mapping[str, Any], fmt: str = "pdf") -> RenderedDocument:
        """The document a "document" notice announces."""


class CoreSettings(Protocol):
    """What adapters read of the bot's configuration (bot.config.Config provides it)."""

    @property
    def environ(self) -> Mapping[str, str]:
        """The environment the bot was started with (platform tokens live here)."""

    @property
    def extra(self) -> Mapping[str, Any]:
        """The config file's tables (``[slack]``, ``[teams]``, ...)."""

    @property
    def web_token(self) -> Secret | None:
        """The web workspace's access token, if set."""

    @property
    def local(self) -> bool:
        """Whether the server listens on the loopback only."""

    @property
    def served(self) -> bool:
        """Reachable by others: off the loopback, or behind a public URL."""

    @property
    def port(self) -> int:
        """The port the server listens on."""

    @property
    def allowed_hosts(self) -> frozenset[str]:
        """The host names this server answers to."""

    @property
    def public_url(self) -> str | None:
        """Where people reach the server (links in messages point here)."""

    @property
    def trusted_proxies(self) -> tuple[str, ...]:
        """Addresses whose X-Forwarded-* headers are believed."""

    @property
    def tz(self) -> tzinfo:
        """The MSP's time zone."""


@dataclass(frozen=True)
class AdapterContext:
    """What every adapter is given: the engine, the store port, documents, and the outbox's hooks."""

    engine: Engine
    store: Store
    documents: DocumentService
    settings: CoreSettings
    secret: bytes  # signs cookies and links; the same in every process of one deployment
    wake: Callable[[], None]  # new notices were committed: deliver them now
    register: Callable[[Sender], None]  # deliver notices through this sender too
    # Keep a request durably, to be handled moments after it is acknowledged (bot.inbox), and who handles
    # a kind: a platform whose acknowledgement carries nothing need not wait for the engine.
    receive: Callable[[str, dict[str, Any]], Awaitable[None]]
    handle: Callable[[str, Callable[[dict[str, Any]], Awaitable[None]]], None]
    stop: asyncio.Event  # set when the server shuts down (long-lived handlers watch it)
    serving: bool = True  # this process takes the platforms' requests (False: a worker process, bot.workers)

    @property
    def checklists(self) -> dict[str, Checklist]:
        """Every loaded checklist by id (the first is the default)."""
        return self.engine.checklists
