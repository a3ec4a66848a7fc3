"""The outbox's Slack side: every message the bot posts, edits or uploads goes out from here.

Faults are put in the dispatcher's terms (adapters.ports.Sender): a 429 and a
clear Slack error that says nothing was done are ``RetryLater(delivered=False)``;
anything else that is not a clear Slack answer (a 5xx, a proxy's HTML page, a
non-JSON body, a dropped connection, a timeout) is ``RetryLater(delivered=None)``:
the outcome is unknown, the dispatcher keeps the post in doubt, and ``reconcile``
looks it up before it is ever posted again. Every post carries its case, its
reference key (a card's, the summary's) and its notice id in the message
metadata, so the look-up finds a card or summary whichever notice posted it.
Edits are safe to repeat. An upload carries no metadata, so a document whose
upload is in doubt is uploaded again.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any, TypeVar

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.ports import DocumentService, PermanentFailure, RenderedDocument, RetryLater
from adapters.slack.blocks import Message, dashboard_link, md
from adapters.slack.cards import card_message
from adapters.slack.config import SlackSettings
from adapters.slack.ids import METADATA_EVENT, SENDER
from adapters.slack.messages import (
    handoff_message,
    line_message,
    manager_item_message,
    managers_message,
    summary_message,
)
from adapters.slack.reminders import digest_message, holder_mention, reminder_message
from dialogs.errors import OffboardError
from dialogs.reminder_views import DigestView, ReminderView
from dialogs.views import CaseSummary, HandoffView, StepCard
from storage.base import MessageRef, Notice, Store

log = logging.getLogger(__name__)
T = TypeVar("T")
_NOT_DONE = {"ratelimited", "service_unavailable", "request_timeout"}  # Slack did nothing
_MAYBE_DONE = {"internal_error", "fatal_error"}  # "some aspect of the operation may have succeeded"
_LOOKUP_PAGES = 10
_SKEW = timedelta(minutes=1)  # clocks differ: look a little further back


class SlackSender:
    """Delivers outbox notices to Slack channels, threads and files."""

    name = SENDER

    def __init__(self, client: AsyncWebClient, settings: SlackSettings, store: Store,
                 documents: DocumentService | None) -> None:
        self.client, self.settings, self.store, self.documents = client, settings, store, documents

    @property
    def pacing(self) -> tuple[float, int] | None:
        """About one message per second per channel, as Slack allows (chat.update is tier 3)."""
        rate = self.settings.pace_per_channel
        return (rate, 1) if rate > 0 else None

    def pace_key(self, notice: Notice) -> str | None:
        """The channel a notice goes to (a thread line or document: the cases channel its thread is in)."""
        if notice.kind in ("card", "handoff"):
            dept = self.settings.departments.get(notice.target.removeprefix("dept:"))
            return None if dept is None else dept.channel
        if notice.kind in ("managers", "manager_item"):
            return self.settings.managers_channel
        return self.settings.cases_channel

    async def send(self, notice: Notice, ref: MessageRef | None) -> MessageRef | None:
        """Post, edit or upload one notice."""
        return await self._send(notice, ref)

    async def reconcile(self, notice: Notice) -> MessageRef | bool:
        """Did a post of this notice (or, for a card or the summary, of its message) go out?

        Looked up by the metadata every post carries. Raises RetryLater when Slack cannot
        be asked: "not found" is only ever an answer.
        """
        try:
            return await self._reconcile(notice)
        except RetryLater:
            raise
        except Exception as exc:  # a look-up that failed in any way is no answer
            raise RetryLater(f"Slack look-up failed: {exc!r}") from exc

    async def _reconcile(self, notice: Notice) -> MessageRef | bool:
        if notice.kind not in _POSTS:
            return False  # an upload carries no metadata: it cannot be found, so it goes again
        message = bool(notice.ref_key and notice.case_id)
        if message:
            assert notice.case_id is not None and notice.ref_key is not None
            known = await self.store.get_message_ref(self.name, notice.case_id, notice.ref_key)
            if known is not None:
                return known
        channel, thread_ts = await self._where(notice)
        oldest = await self._since(notice) - _SKEW
        cursor = None
        for _ in range(_LOOKUP_PAGES):
            args: dict[str, Any] = {"channel": channel, "include_all_metadata": True, "limit": 200,
                                    "oldest": f"{oldest.timestamp():.6f}", "cursor": cursor}
            resp = await self._call(functools.partial(self._page, thread_ts, args), notice)
            for found in resp.get("messages") or []:
                if _shows(found.get("metadata") or {}, notice):
                    if message:
                        assert notice.case_id is not None and notice.ref_key is not None
                        return MessageRef(self.name, notice.case_id, notice.ref_key, channel, found["ts"])
                    return True
            cursor = (resp.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                return False
        raise RetryLater(f"notice {notice.id}: not found in {_LOOKUP_PAGES} pages of {channel}; "
                         "cannot say it was not posted")

    async def _page(self, thread_ts: str | None, args: dict[str, Any]) -> Any:
        if thread_ts:
            return await self.client.conversations_replies(ts=thread_ts, **args)
        return await self.client.conversations_history(**args)

    async def _since(self, notice: Notice) -> datetime:
        """How far back a post of this notice may be: a card's or summary's since its case opened."""
        if notice.ref_key and notice.case_id:
            case = await self.store.get_case(notice.case_id)
            if case is not None:
                return min(case.opened_at, notice.created_at)
        return notice.created_at

    async def _send(self, notice: Notice, ref: MessageRef | None) -> MessageRef | None:
        p, public = notice.payload, self.settings.public_url
        if notice.kind == "summary":
            message = summary_message(CaseSummary.from_json(p["summary"]), public)
        elif notice.kind == "card":
            message = card_message(StepCard.from_json(p["card"]), public)
        elif notice.kind == "thread":
            message = line_message(str(p.get("text", "")))
        elif notice.kind == "handoff":
            handoff = HandoffView.from_json(p["handoff"])
            message = handoff_message(handoff, self._department_mention(handoff.to_department), public)
        elif notice.kind == "managers":
            message = managers_message(str(p.get("text", "")), self._managers_mention())
        elif notice.kind == "manager_item":
            message = manager_item_message(StepCard.from_json(p["card"]), self._managers_mention(), public)
        elif notice.kind in ("reminder", "escalation"):
            reminder = ReminderView.from_json(p["reminder"])
            message = reminder_message(reminder, self._reminder_mention(reminder), public)
        elif notice.kind == "digest":
            message = digest_message(DigestView.from_json(p["digest"]), public)
        elif notice.kind == "document":
            await self._document(notice)
            return None
        else:
            log.warning("notice %s: kind %r has no Slack form; skipped", notice.id, notice.kind)
            return None
        channel, thread_ts = await self._where(notice)
        if ref is not None:
            await self._call(lambda: self.client.chat_update(
                channel=ref.channel, ts=ref.message_id, text=message.text, blocks=message.blocks), notice)
            return None
        return await self._post(notice, channel, message, thread_ts)

    async def _post(self, notice: Notice, channel: str, message: Message,
                    thread_ts: str | None) -> MessageRef | None:
        payload = {"notice_id": notice.id, "case_id": notice.case_id, "ref_key": notice.ref_key}
        resp = await self._call(lambda: self.client.chat_postMessage(
            channel=channel, text=message.text, blocks=message.blocks, thread_ts=thread_ts,
            metadata={"event_type": METADATA_EVENT,
                      "event_payload": {k: v for k, v in payload.items() if v is not None}},
            unfurl_links=False, unfurl_media=False), notice)
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
        await self._call(lambda: self.client.files_upload_v2(
            channel=channel, thread_ts=thread_ts, file=doc.content, filename=doc.filename,
            title=doc.title, initial_comment=md(f"{p.get('title') or doc.title} ({doc.format})")), notice)

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
        """The channel a notice goes to (by its target), and the thread when it is a case thread line."""
        kind, target = notice.kind, notice.target
        if target.startswith("dept:"):
            return self.settings.channel_of(target.removeprefix("dept:")), None
        if target == "managers":
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

    def _reminder_mention(self, r: ReminderView) -> str:
        """Who a reminder calls: whoever holds the item, else its department (the managers for a manager's
        item); an escalation calls the managers too."""
        holder = holder_mention(r)
        if r.level == 0:
            return holder or (self._managers_mention() if r.manager_only
                              else self._department_mention(r.department))
        return " ".join(m for m in (self._managers_mention(), holder) if m)

    def _managers_mention(self) -> str:
        if self.settings.managers_group:
            return f"<!subteam^{self.settings.managers_group}>"
        return " ".join(f"<@{u}>" for u in sorted(self.settings.managers))

    async def _call(self, call: Callable[[], Awaitable[T]], notice: Notice) -> T:
        """One Web API call, its faults in the dispatcher's terms."""
        try:
            return await call()
        except SlackApiError as exc:
            raise _classified(exc, notice) from exc
        except Exception as exc:  # a dropped connection, a timeout, a body the client choked on
            raise RetryLater(f"Slack call failed, outcome unknown: {exc!r}") from exc


def _classified(exc: SlackApiError, notice: Notice) -> Exception:
    """A Slack error answer: a clear "not done" is delivered=False; anything unclear is unknown."""
    resp = exc.response
    status = getattr(resp, "status_code", None) or getattr(resp, "status", None) or 0
    data = getattr(resp, "data", None)
    error = data.get("error") if isinstance(data, dict) else None
    if status == 429 or error == "ratelimited":
        return RetryLater("Slack rate limit", _retry_after(getattr(resp, "headers", None)), delivered=False)
    if not isinstance(error, str):  # a proxy's page, an empty or non-JSON body: not Slack's own answer
        return RetryLater(f"Slack answered {status} without a Slack error; outcome unknown")
    if error in _NOT_DONE:
        return RetryLater(f"Slack answered {status} {error}", delivered=False)
    if error in _MAYBE_DONE or status >= 500:
        return RetryLater(f"Slack answered {status} {error}; outcome unknown")
    return PermanentFailure(f"Slack refused notice {notice.id}: {error}")


def _shows(meta: dict[str, Any], notice: Notice) -> bool:
    """Whether a message's metadata says it shows this notice (or, for a card, its message)."""
    if meta.get("event_type") != METADATA_EVENT:
        return False
    payload = meta.get("event_payload") or {}
    if notice.ref_key and notice.case_id and payload.get("ref_key") is not None:
        return bool(payload.get("case_id") == notice.case_id and payload.get("ref_key") == notice.ref_key)
    return bool(payload.get("notice_id") == notice.id)


_POSTS = ("summary", "card", "thread", "handoff", "managers", "manager_item", "reminder", "escalation",
          "digest")


def _retry_after(headers: Any) -> float:
    for key, value in dict(headers or {}).items():
        if key.lower() == "retry-after":
            try:
                return max(float(value if not isinstance(value, list) else value[0]), 0.0)
            except (TypeError, ValueError):
                break
    return 1.0
