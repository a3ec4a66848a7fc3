"""The outbox's Slack side: every message the bot posts, edits or uploads goes out from here.

Faults become the dispatcher's durable retries: 429 -> RetryLater(Retry-After),
5xx and dropped connections -> RetryLater. A post whose outcome is unknown (a
5xx or a dropped connection may hide a message that did go out) is looked up
before it is posted again: every post carries ``metadata.event_payload.notice_id``
and ``reconcile`` finds it with conversations.history / conversations.replies.
Edits are safe to repeat; an upload carries no metadata, so a document in
doubt is uploaded again.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable
from typing import Any, TypeVar

import aiohttp
from slack_sdk.errors import SlackApiError, SlackRequestError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.blocks import Message, dashboard_link, md
from adapters.slack.cards import card_from_json, card_message
from adapters.slack.config import SlackSettings
from adapters.slack.ids import METADATA_EVENT, SENDER
from adapters.slack.messages import (
    handoff_from_json,
    handoff_message,
    line_message,
    manager_item_message,
    managers_message,
    summary_from_json,
    summary_message,
)
from bot.documents import Documents, RenderedDocument
from bot.outbox import PermanentFailure, RetryLater
from dialogs.errors import OffboardError
from storage.base import MessageRef, Notice, Store

log = logging.getLogger(__name__)
T = TypeVar("T")
_TRANSIENT = {"ratelimited", "internal_error", "fatal_error", "service_unavailable", "request_timeout"}
_NETWORK = (aiohttp.ClientError, OSError, TimeoutError, SlackRequestError)


class SlackSender:
    """Delivers outbox notices to Slack channels, threads and files."""

    name = SENDER

    def __init__(self, client: AsyncWebClient, settings: SlackSettings, store: Store,
                 documents: Documents | None) -> None:
        self.client, self.settings, self.store, self.documents = client, settings, store, documents
        self._in_doubt: set[int | None] = set()

    async def send(self, notice: Notice, ref: MessageRef | None) -> MessageRef | None:
        """Post, edit or upload one notice."""
        if notice.id in self._in_doubt and ref is None:
            found = await self._guard(self.reconcile(notice), notice)
            if found:
                self._in_doubt.discard(notice.id)
                return found if isinstance(found, MessageRef) else None
        made = await self._guard(self._send(notice, ref), notice)
        self._in_doubt.discard(notice.id)
        return made

    async def reconcile(self, notice: Notice) -> MessageRef | bool:
        """Did this notice's message already go out? Looked up by its metadata."""
        if notice.kind == "document" or notice.kind not in _POSTS:
            return False
        if notice.ref_key and notice.case_id and await self.store.get_message_ref(
                self.name, notice.case_id, notice.ref_key):
            return False  # it is an edit: doing it again is harmless
        channel, thread_ts = await self._where(notice)
        oldest = f"{notice.created_at.timestamp() - 60:.6f}"
        cursor = None
        for _ in range(5):
            args: dict[str, Any] = {"channel": channel, "include_all_metadata": True, "oldest": oldest,
                                    "limit": 200, "cursor": cursor}
            resp = await (self.client.conversations_replies(ts=thread_ts, **args) if thread_ts
                          else self.client.conversations_history(**args))
            for message in resp.get("messages") or []:
                meta = message.get("metadata") or {}
                if meta.get("event_type") == METADATA_EVENT and \
                        (meta.get("event_payload") or {}).get("notice_id") == notice.id:
                    if notice.ref_key and notice.case_id:
                        return MessageRef(self.name, notice.case_id, notice.ref_key, channel, message["ts"])
                    return True
            cursor = (resp.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                break
        return False

    async def _send(self, notice: Notice, ref: MessageRef | None) -> MessageRef | None:
        p, public = notice.payload, self.settings.public_url
        if notice.kind == "summary":
            message = summary_message(summary_from_json(p["summary"]), public)
        elif notice.kind == "card":
            message = card_message(card_from_json(p["card"]), public)
        elif notice.kind == "thread":
            message = line_message(str(p.get("text", "")))
        elif notice.kind == "handoff":
            handoff = handoff_from_json(p["handoff"])
            message = handoff_message(handoff, self._department_mention(handoff.to_department), public)
        elif notice.kind == "managers":
            message = managers_message(str(p.get("text", "")), self._managers_mention())
        elif notice.kind == "manager_item":
            message = manager_item_message(card_from_json(p["card"]), self._managers_mention(), public)
        elif notice.kind == "document":
            await self._document(notice)
            return None
        else:
            log.warning("notice %s: kind %r has no Slack form; skipped", notice.id, notice.kind)
            return None
        channel, thread_ts = await self._where(notice)
        if ref is not None:
            await self.client.chat_update(channel=ref.channel, ts=ref.message_id, text=message.text,
                                          blocks=message.blocks)
            return None
        return await self._post(notice, channel, message, thread_ts)

    async def _post(self, notice: Notice, channel: str, message: Message,
                    thread_ts: str | None) -> MessageRef | None:
        resp = await self.client.chat_postMessage(
            channel=channel, text=message.text, blocks=message.blocks, thread_ts=thread_ts,
            metadata={"event_type": METADATA_EVENT, "event_payload": {"notice_id": notice.id}},
            unfurl_links=False, unfurl_media=False)
        if notice.ref_key and notice.case_id:
            return MessageRef(self.name, notice.case_id, notice.ref_key, str(resp["channel"]),
                              str(resp["ts"]))
        return None

    async def _document(self, notice: Notice) -> None:
        p = notice.payload
        channel, thread_ts = await self._where(notice)
        doc = await self._render(p)
        if doc is None:
            link = dashboard_link(self.settings.public_url, str(p.get("case_id")), "on the dashboard")
            await self._post(notice, channel, Message(
                f"{md(str(p.get('title', 'A document')))} is ready {link}."), thread_ts)
            return
        await self.client.files_upload_v2(
            channel=channel, thread_ts=thread_ts, file=doc.content, filename=doc.filename,
            title=doc.title, initial_comment=md(f"{p.get('title') or doc.title} ({doc.format})"))

    async def _render(self, payload: dict[str, Any]) -> RenderedDocument | None:
        if self.documents is None:
            return None
        for fmt in dict.fromkeys((self.settings.document_format, "md")):
            try:
                return await self.documents.for_notice(payload, fmt)
            except OffboardError as exc:
                log.warning("document %s as %s cannot be rendered: %s", payload.get("document"), fmt, exc)
            except Exception:  # a PDF engine's own failure must not block the thread forever
                log.exception("document %s as %s failed to render", payload.get("document"), fmt)
        return None

    async def _where(self, notice: Notice) -> tuple[str, str | None]:
        """The channel a notice goes to, and the thread when it is a case thread line."""
        kind, target = notice.kind, notice.target
        if kind in ("card", "handoff"):
            return self.settings.channel_of(target.removeprefix("dept:")), None
        if kind in ("managers", "manager_item"):
            return self.settings.managers_channel, None
        if kind == "summary" or notice.case_id is None:
            return self.settings.cases_channel, None
        parent = await self.store.get_message_ref(self.name, notice.case_id, "summary")
        if parent is None:  # the summary never made it: the line stands on its own
            return self.settings.cases_channel, None
        return parent.channel, parent.message_id

    def _department_mention(self, department: str) -> str:
        dept = self.settings.departments.get(department)
        return f"<!subteam^{dept.group}>" if dept and dept.group else "<!here>"

    def _managers_mention(self) -> str:
        if self.settings.managers_group:
            return f"<!subteam^{self.settings.managers_group}>"
        return " ".join(f"<@{u}>" for u in sorted(self.settings.managers))

    async def _guard(self, call: Awaitable[T], notice: Notice) -> T:
        """Slack's faults in the dispatcher's terms."""
        try:
            return await call
        except SlackApiError as exc:
            status, error = exc.response.status_code, exc.response.get("error")
            if status == 429 or error == "ratelimited":
                raise RetryLater("Slack rate limit", _retry_after(exc.response.headers)) from exc
            if status >= 500 or error in _TRANSIENT:
                self._in_doubt.add(notice.id)
                raise RetryLater(f"Slack answered {status} {error or ''}".strip()) from exc
            raise PermanentFailure(f"Slack refused notice {notice.id}: {error or status}") from exc
        except _NETWORK as exc:
            self._in_doubt.add(notice.id)
            raise RetryLater(f"Slack unreachable: {exc!r}") from exc


_POSTS = ("summary", "card", "thread", "handoff", "managers", "manager_item")


def _retry_after(headers: Any) -> float:
    for key, value in dict(headers or {}).items():
        if key.lower() == "retry-after":
            try:
                return max(float(value if not isinstance(value, list) else value[0]), 0.0)
            except (TypeError, ValueError):
                break
    return 1.0
