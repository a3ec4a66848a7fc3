"""bolt listeners for cases: /offboard, the header and cancel modals, App Home; and what all listeners share.

Order inside a listener: open the modal first (a trigger_id lives 3 seconds),
then look things up, then run the engine command, then ack. The engine
commits before the ack, so an acknowledged submission is kept, and a failed
commit reaches Slack as an error. A button that needs no form is kept in the
inbox and acknowledged; its engine command runs moments later (items.py).
Messages go out through the outbox; the only Web API calls made by listeners
are views.* and chat.postEphemeral
(plus the cached membership lookups that say who is acting).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError, SlackRequestError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.ports import AdapterContext
from adapters.slack.blocks import Message, clip, md
from adapters.slack.commands import submission_id
from adapters.slack.config import SlackSettings
from adapters.slack.home import (
    HOME_ROWS,
    LIST_ROWS,
    export_reply,
    help_reply,
    home_view,
    list_reply,
    status_reply,
)
from adapters.slack.ids import SENDER
from adapters.slack.members import Membership
from adapters.slack.modals import (
    cancel_modal,
    date_modal,
    error_block,
    header_modal,
    loading_view,
    notice_view,
    reopen_modal,
    values,
)
from dialogs.actor import Actor, check_case_permission
from dialogs.commands import parse_command
from dialogs.engine import Engine
from dialogs.errors import InvalidInput, NeedsConfirmation, NotAllowed, OffboardError
from dialogs.outcome import Outcome
from dialogs.summaries import CasePage
from dialogs.views import CaseSummary
from storage.base import MessageRef

log = logging.getLogger(__name__)
Ack = Callable[..., Awaitable[Any]]
Body = dict[str, Any]


@dataclass
class Listeners:
    """What every listener shares: the services, the settings and the membership cache."""

    svc: AdapterContext
    settings: SlackSettings
    members: Membership

    @property
    def engine(self) -> Engine:
        """The dialog engine."""
        return self.svc.engine

    async def actor(self, user: Body) -> Actor:
        """The acting person (a slash command's body or a payload's ``user``)."""
        user_id = str(user.get("user_id") or user.get("id"))
        name = user.get("user_name") or user.get("name") or user.get("username")
        return await self.members.actor(user_id, str(name) if name else None)

    def _after(self, outcome: Outcome) -> None:
        if outcome.changed:
            self.svc.wake()

    async def _summary(self, case_id: str) -> CaseSummary:
        return (await self.engine.view(case_id)).summary(self.engine.today())

    async def _submit(self, ack: Ack, view: Body, run: Callable[[], Awaitable[Outcome]], *,
                      fallback: str | None = None, more: str = "",
                      confirm: Callable[[NeedsConfirmation], Body | None] | None = None) -> None:
        """Run a modal's engine command; errors inline by block, a non-change said in the modal.

        ``confirm`` builds the "save anyway?" view pushed over the modal when the engine
        finds the answer unusual (the modal and its values stay underneath).
        """
        blocks = view.get("blocks") or []
        try:
            outcome = await run()
        except OffboardError as exc:
            pushed = confirm(exc) if confirm and isinstance(exc, NeedsConfirmation) else None
            if pushed is not None:
                await ack(response_action="push", view=pushed)
                return
            field = exc.field if isinstance(exc, InvalidInput) else fallback
            await ack(response_action="errors", errors={error_block(blocks, field): clip(exc.message, 500)})
            return
        self._after(outcome)
        if outcome.changed and not more:
            await ack()
        else:
            await ack(response_action="update",
                      view=notice_view(outcome.message, more=more if outcome.changed else ""))

    async def _ephemeral(self, client: AsyncWebClient, channel: str | None, user: str, text: str) -> None:
        """A private note to one person (refusals, stale clicks); its failure never fails the click."""
        if not channel:
            log.info("no channel for a private note to %s: %s", user, text)
            return
        try:
            await client.chat_postEphemeral(channel=channel, user=user, text=md(text))
        except (SlackApiError, SlackRequestError, aiohttp.ClientError, OSError, TimeoutError) as exc:
            log.warning("a private note to %s could not be posted (%s): %s", user, exc, text)


class CaseListeners(Listeners):
    """Opening, listing, cancelling cases, and the Home tab."""

    # ------------------------------------------------------------ /offboard
    async def command(self, ack: Ack, body: Body, client: AsyncWebClient) -> None:
        """/offboard CLIENT | help | list | status CLIENT | cancel CLIENT | export CLIENT."""
        cmd = parse_command(str(body.get("text") or ""))
        if cmd.verb == "open":
            opened = await client.views_open(trigger_id=body["trigger_id"], view=header_modal(
                self.engine.default_checklist, cmd.arg, body.get("channel_id")))
            await ack()
            await self._precheck_case(client, body, "open a case", opened["view"]["id"])
            return
        if cmd.verb in ("cancel", "reopen", "date"):
            await self._case_form(ack, body, client, cmd.verb, cmd.arg)
            return
        refused = await self._may_not_view(body, cmd.verb)
        if refused is not None:
            reply = help_reply(refused)
        elif cmd.verb == "list":
            reply = list_reply(await self.engine.cases("open", limit=LIST_ROWS))
        elif cmd.verb in ("status", "export"):
            found = await self.engine.lookup(cmd.arg)
            if found.case is None:
                reply = help_reply(f"No case for {cmd.arg!r}.")
            else:
                case = found.case
                thread = await self.svc.store.get_message_ref(SENDER, case.id, "summary")
                summary = await self._summary(case.id)
                if cmd.verb == "status":
                    note = found.note(self.engine.tz)
                    reply = status_reply(summary, thread, self.settings.public_url, note)
                else:
                    reply = await self._export(body, case.id, summary, thread)
        else:
            reply = help_reply(cmd.arg)
        await ack(text=reply.text, blocks=reply.blocks)

    async def _may_not_view(self, body: Body, verb: str) -> str | None:
        """Why this person may not list or view cases (config [offboard] viewers), or None."""
        if verb not in ("list", "status"):
            return None
        try:
            actor = await self.actor(body)
            self.engine.check_may_view(actor)
        except NotAllowed as exc:
            return exc.message
        return None

    async def _export(self, body: Body, case_id: str, summary: CaseSummary,
                      thread: MessageRef | None) -> Message:
        """/offboard export: the documents go (again) into the case thread, through the outbox."""
        try:
            outcome = await self.engine.export_documents(
                case_id, await self.actor(body), request_id=f"slack:export:{body.get('trigger_id')}")
        except NotAllowed as exc:
            return help_reply(exc.message)
        self._after(outcome)
        return export_reply(summary, thread, self.settings.public_url)

    async def _precheck_case(self, client: AsyncWebClient, body: Body, what: str,
                             view_id: str | None = None) -> bool:
        """Tell someone who may not open or cancel cases so before they fill in a form."""
        try:
            check_case_permission(await self.actor(body), self.engine.default_checklist, what)
        except NotAllowed as exc:
            if view_id:
                await client.views_update(view_id=view_id, view=notice_view(exc.message, "Not allowed"))
            await self._ephemeral(client, body.get("channel_id"), str(body["user_id"]), exc.message)
            return False
        return True

    async def _case_form(self, ack: Ack, body: Body, client: AsyncWebClient, verb: str,
                         client_name: str) -> None:
        """/offboard cancel|reopen|date CLIENT: a modal that asks why (the case must be open, or closed)."""
        title = {"cancel": "Cancel case", "reopen": "Reopen case"}.get(verb, "Move a date")
        opened = await client.views_open(trigger_id=body["trigger_id"], view=loading_view(title))
        await ack()
        view_id = opened["view"]["id"]
        found = await self.engine.lookup(client_name)
        case = found.case
        wanted = case is not None and (case.status == "open") == (verb != "reopen")
        if case is None or not wanted:
            what = f"is {case.status}" if case else "does not exist"
            doing = "move" if verb == "date" else verb
            await client.views_update(view_id=view_id, view=notice_view(
                f"Nothing to {doing}: the case for {case.client if case else client_name} {what}."))
            return
        what = "change the case's dates" if verb == "date" else f"{verb} a case"
        if await self._precheck_case(client, body, what, view_id):
            summary = await self._summary(case.id)
            note = found.note(self.engine.tz)
            if verb == "date":
                checklist = self.engine.checklist_for(case)
                dates = [(h.id, h.label, case.header.get(h.id)) for h in checklist.header
                         if h.kind == "date" and h.default is None]
                form = date_modal(summary, dates)
            else:
                form = cancel_modal(summary) if verb == "cancel" else reopen_modal(summary, note)
            await client.views_update(view_id=view_id, view=form)

    # ------------------------------------------------------------ modals
    async def open_submitted(self, ack: Ack, body: Body, view: Body) -> None:
        """The case header: open the case, or say inline what is wrong."""
        entered = values(view["state"])
        client_name = entered.pop("client", "")
        actor = await self.actor(body["user"])
        await self._submit(ack, view, lambda: self.engine.open_case(
            client_name, entered, actor, request_id=submission_id(view)), fallback="client",
            more=f"Its summary is in <#{self.settings.cases_channel}>.")

    async def cancel_submitted(self, ack: Ack, body: Body, view: Body) -> None:
        """The cancel confirmation, with its reason."""
        meta = json.loads(view.get("private_metadata") or "{}")
        reason = values(view["state"]).get("reason", "")
        actor = await self.actor(body["user"])
        await self._submit(ack, view, lambda: self.engine.cancel_case(
            str(meta.get("case_id")), reason, actor, request_id=submission_id(view)), fallback="reason")

    async def reopen_submitted(self, ack: Ack, body: Body, view: Body) -> None:
        """The reopen form, with its reason."""
        meta = json.loads(view.get("private_metadata") or "{}")
        reason = values(view["state"]).get("reason", "")
        actor = await self.actor(body["user"])
        await self._submit(ack, view, lambda: self.engine.reopen_case(
            str(meta.get("case_id")), reason, actor, request_id=submission_id(view)), fallback="reason")

    async def date_submitted(self, ack: Ack, body: Body, view: Body) -> None:
        """The move-a-date form: which date, the new one, and why."""
        meta = json.loads(view.get("private_metadata") or "{}")
        entered = values(view["state"])
        fields = [str(f) for f in meta.get("fields") or ["stop_date"]]
        index = entered.get("field", "0")
        field = fields[int(index)] if index.isdigit() and int(index) < len(fields) else fields[0]
        actor = await self.actor(body["user"])
        await self._submit(ack, view, lambda: self.engine.change_date(
            str(meta.get("case_id")), field, entered.get("date", ""), entered.get("reason", ""), actor,
            request_id=submission_id(view)), fallback="date")

    # ------------------------------------------------------------ App Home
    async def home_opened(self, event: Body, client: AsyncWebClient) -> None:
        """The Home tab lists open cases with their progress."""
        if event.get("tab", "home") != "home":
            return
        problem = await self._may_not_view({"user_id": event["user"]}, "list")
        page = CasePage((), 0) if problem else await self.engine.cases("open", limit=HOME_ROWS)
        actor = await self.actor({"user_id": event["user"]}) if page.total else None
        needs = await self.engine.needs_you(actor) if actor else []
        missing = not self.svc.documents.company_configured
        await client.views_publish(user_id=event["user"], view=home_view(
            page, self.settings.public_url, refused=problem, company_missing=missing, needs=needs))
