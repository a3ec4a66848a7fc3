"""The outbox's Teams side: every message the bot posts or edits in a channel goes out from here.

Where: a department's channel (step cards, hand-offs), the managers' channel,
and the cases channel, where each case's summary is a post and everything
else about the case is a reply in its thread. Pacing keeps under Teams' rate
limits. Faults become the dispatcher's retries: 429 -> RetryLater(Retry-After,
delivered=False); 412, 5xx and dropped connections -> RetryLater(delivered=None),
the post is in doubt. The Bot Connector cannot read a channel, so a post in
doubt is looked up in Microsoft Graph by the id the bot gave its card's first
element (``marker``: the case and message key for a card posted once and
edited later, else the notice id; and the part) before it is ever posted again.

The outbox keeps a post's doubt in the database and calls ``reconcile`` before
any retry. The extra parts of a split step card are this sender's own: before
posting one it records a placeholder reference (no message id yet), so a retry
by any process looks that part up instead of posting it twice.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable
from datetime import datetime
from typing import Any, TypeVar

import aiohttp
from pydantic import ValidationError

from adapters.ports import PermanentFailure, RetryLater
from adapters.teams.cards import Element, attachment
from adapters.teams.config import TeamsSettings
from adapters.teams.connector import BotConnector, Graph
from adapters.teams.ids import MARKER, SENDER
from adapters.teams.notices import Renderer, Where, where
from adapters.teams.pacing import Pacer
from adapters.teams.references import References
from storage.base import MessageRef, Notice, Store

log = logging.getLogger(__name__)
T = TypeVar("T")
_IN_DOUBT = {412, 500, 502, 503, 504}
_NETWORK = (aiohttp.ClientConnectionError, aiohttp.ClientPayloadError, OSError, TimeoutError)
_LOOKBACK = 600.0  # seconds before a notice was written that a lookup still reads


class TeamsSender:
    """Delivers outbox notices to Teams channels and threads."""

    name = SENDER

    def __init__(self, connector: BotConnector, graph: Graph, references: References, settings: TeamsSettings,
                 store: Store, renderer: Renderer, pacer: Pacer | None = None) -> None:
        self.connector, self.graph, self.references = connector, graph, references
        self.settings, self.store, self.renderer = settings, store, renderer
        self.pacer = pacer or Pacer()

    async def send(self, notice: Notice, ref: MessageRef | None) -> MessageRef | None:
        """Post or edit one notice (each part of a split step card)."""
        parts = self.renderer.cards(notice)
        if parts is None:
            log.warning("notice %s: kind %r has no Teams form; skipped", notice.id, notice.kind)
            return None
        place = await self._guard(where(notice, self.settings, self.store), notice)
        first: MessageRef | None = None
        for n, part in enumerate(parts, 1):
            key = f"{notice.ref_key}#{n}" if notice.ref_key and n > 1 else notice.ref_key
            known = ref if n == 1 else await self._part_ref(notice, key)
            made = await self._guard(self._one(notice, place, n, part, known, key), notice)
            if made is not None:  # known at once: a retry after a later part failed edits, never reposts
                await self.store.put_message_ref(made)
            if n == 1:
                first = made
        await self._retire_parts(notice, place, len(parts))
        return first if ref is None else None

    async def _one(self, notice: Notice, place: Where, n: int, card: Element, known: MessageRef | None,
                   key: str | None) -> MessageRef | None:
        marked = mark(card, notice, n)
        activity = {"type": "message", "attachments": [attachment(marked)],
                    "summary": str(card.get("fallbackText", ""))[:200]}
        reach = await self.references.reach(place.channel)
        if known is not None and not known.message_id:  # a placeholder: this part may have gone out
            found = await self._find(notice, place, n)
            known = None if found is None else self._ref(notice, key, *found)
            if known is not None:
                await self.store.put_message_ref(known)
        if known is not None:
            await self.pacer.wait(known.channel, reach.tenant_id)
            await self.connector.update(reach.service_url, known.channel, known.message_id, activity)
            return None
        if n > 1 and key and notice.case_id:  # the outbox keeps the doubt of part 1 only
            await self.store.put_message_ref(MessageRef(self.name, notice.case_id, key,
                                                        place.thread or place.channel, ""))
        await self.pacer.wait(place.thread or place.channel, reach.tenant_id)
        if place.thread:
            message_id = await self.connector.reply(reach.service_url, place.thread, activity)
            return self._ref(notice, key, place.thread, message_id)
        conversation, message_id = await self.connector.post(reach.service_url, place.channel,
                                                             reach.tenant_id, activity)
        return self._ref(notice, key, conversation, message_id)

    async def reconcile(self, notice: Notice) -> MessageRef | bool:
        """Did an earlier attempt of this notice go out? Looked up in the channel through Graph."""
        if notice.ref_key and notice.case_id and await self.store.get_message_ref(
                self.name, notice.case_id, notice.ref_key):
            return False  # it is an edit: doing it again is harmless
        place = await self._guard(where(notice, self.settings, self.store), notice)
        found = await self._find(notice, place, 1)
        if found is None:
            return False
        return self._ref(notice, notice.ref_key, *found) or True

    async def _find(self, notice: Notice, place: Where, n: int) -> tuple[str, str] | None:
        """(conversation, message id) of this notice's part ``n`` if it is in the channel."""
        reach = await self.references.reach(place.channel)
        if not reach.team_group:
            raise RetryLater(f"Teams: cannot look for notice {notice.id} in {place.channel}: the team's AAD "
                             "group is unknown (reinstall the app in the team, or set [teams] team_group)",
                             300.0)
        root = place.thread.split(";messageid=", 1)[1] if place.thread else None
        wanted = f'"{marker(notice, n)}"'
        oldest = notice.created_at.timestamp() - _LOOKBACK
        try:
            async for message in self.graph.channel_messages(reach.team_group, place.channel, root):
                if any(wanted in str(a.get("content") or "") for a in message.get("attachments") or []):
                    mid = str(message["id"])
                    return (place.thread or f"{place.channel};messageid={mid}"), mid
                if _created(message) < oldest:
                    break
        except aiohttp.ClientResponseError as exc:
            raise RetryLater(f"Teams: Graph answered {exc.status} looking for notice {notice.id}",
                             _retry_after(exc.headers) if exc.status == 429 else 60.0) from exc
        except _NETWORK as exc:
            raise RetryLater(f"Teams: Graph unreachable looking for notice {notice.id}: {exc!r}") from exc
        return None

    async def _part_ref(self, notice: Notice, key: str | None) -> MessageRef | None:
        if not key or not notice.case_id:
            return None
        return await self.store.get_message_ref(self.name, notice.case_id, key)

    async def _retire_parts(self, notice: Notice, place: Where, parts: int) -> None:
        """A step that now fits in fewer messages: the extra ones say so instead of showing old items."""
        if not notice.ref_key or not notice.case_id:
            return
        for n in range(parts + 1, parts + 20):
            key = f"{notice.ref_key}#{n}"
            old = await self.store.get_message_ref(self.name, notice.case_id, key)
            if old is None:
                return
            if not old.message_id:  # a part whose post was in doubt: retire it only if it went out
                found = await self._guard(self._find(notice, place, n), notice)
                if found is None:
                    continue
                old = self._ref(notice, key, *found)
            await self._guard(self._one(notice, place, n, self.renderer.retired(), old, None), notice)

    def _ref(self, notice: Notice, key: str | None, conversation: str, message_id: str) -> MessageRef | None:
        if not key or not notice.case_id:
            return None
        return MessageRef(self.name, notice.case_id, key, conversation, message_id)

    async def _guard(self, call: Awaitable[T], notice: Notice) -> T:
        """Teams' faults in the dispatcher's terms."""
        try:
            return await call
        except aiohttp.ClientResponseError as exc:
            if exc.status == 429:
                raise RetryLater("Teams rate limit", _retry_after(exc.headers), delivered=False) from exc
            if exc.status in _IN_DOUBT:
                raise RetryLater(f"Teams answered {exc.status}", delivered=None) from exc
            if exc.status == 401:
                raise RetryLater("Teams refused the bot's token", 60.0, delivered=False) from exc
            raise PermanentFailure(f"Teams refused notice {notice.id}: {exc.status} {exc.message}") from exc
        except _NETWORK as exc:
            raise RetryLater(f"Teams unreachable: {exc!r}", delivered=None) from exc
        except ValidationError as exc:  # not an activity the SDK can send: retrying will not help
            raise PermanentFailure(f"notice {notice.id} is not a valid Teams message: {exc}") from exc
        except ValueError as exc:  # MSAL could not get a token: nothing was sent
            raise RetryLater(f"Teams: no token for the bot ({exc})", 60.0, delivered=False) from exc


def marker(notice: Notice, n: int) -> str:
    """The id a lookup finds a posted part by: the message's case and key when it is posted once and
    edited later (so a newer notice of that message finds an earlier notice's post), else the notice."""
    if notice.ref_key and notice.case_id:
        key = re.sub(r"[^A-Za-z0-9_-]", "_", notice.ref_key)
        return f"{MARKER}{notice.case_id}-{key}-{n}"
    return f"{MARKER}{notice.id}-{n}"


def mark(content: Element, notice: Notice, n: int) -> Element:
    """The card with the id a lookup finds it by, on its first element."""
    body = [dict(b) for b in content.get("body", [])]
    if body:
        body[0]["id"] = marker(notice, n)
    return {**content, "body": body}


def _created(message: dict[str, Any]) -> float:
    try:
        stamp = str(message.get("createdDateTime", "")).replace("Z", "+00:00")
        return datetime.fromisoformat(stamp).timestamp()
    except ValueError:
        return float("inf")


def _retry_after(headers: Any) -> float:
    for key, value in dict(headers or {}).items():
        if key.lower() == "retry-after":
            try:
                return max(float(value), 0.0)
            except (TypeError, ValueError):
                break
    return 1.0
