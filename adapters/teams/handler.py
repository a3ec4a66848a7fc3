"""The bot as the SDK sees it: an ActivityHandler that translates activities into engine commands.

Messages are commands (``offboard AcmeCo``, ``list``...); a card's buttons are
``adaptiveCard/action`` invokes (adapters.teams.invokes); installation and
conversation updates tell the bot where its channels are reached. Every
decision is the engine's.
"""

from __future__ import annotations

import logging
from typing import Any

from microsoft_agents.activity import Activity, Attachment, InvokeResponse
from microsoft_agents.hosting.core import ActivityHandler, TurnContext

from adapters.ports import AdapterContext
from adapters.teams.cards import Element
from adapters.teams.commands import teams_command, without_bot_mention
from adapters.teams.config import TeamsSettings
from adapters.teams.connector import BotConnector
from adapters.teams.forms import header_form
from adapters.teams.ids import CARD, INVOKE, SENDER
from adapters.teams.invokes import Invokes
from adapters.teams.members import Membership
from adapters.teams.messages import MAX_LINES, help_card, list_card, status_card, text_card
from adapters.teams.references import Reference, References
from dialogs.actor import Actor, check_case_permission
from dialogs.errors import NotAllowed
from dialogs.replies import export_text, no_case

log = logging.getLogger(__name__)


def raw(context: TurnContext) -> dict[str, Any]:
    """The activity as Teams sent it (camelCase keys)."""
    data: dict[str, Any] = context.activity.model_dump(mode="json", by_alias=True, exclude_none=True)
    return data


def reply(content: Element) -> Activity:
    """A message carrying one card."""
    return Activity(type="message", attachments=[Attachment(content_type=CARD, content=content)],
                    summary=str(content.get("fallbackText", ""))[:200])


class OffboardAgent(ActivityHandler):
    """Routes each activity; keeps no state of its own."""

    def __init__(self, ctx: AdapterContext, settings: TeamsSettings, members: Membership,
                 references: References, connector: BotConnector) -> None:
        self.ctx, self.settings, self.members, self.references = ctx, settings, members, references
        self.connector = connector
        self.invokes = Invokes(ctx, settings, self.actor)

    async def actor(self, activity: dict[str, Any]) -> Actor:
        """The person an activity comes from."""
        return await self.members.actor(activity.get("from") or {}, activity.get("serviceUrl"))

    # ------------------------------------------------------------ messages
    async def on_message_activity(self, turn_context: TurnContext) -> None:  # type: ignore[override]
        """A command typed to the bot."""
        activity = raw(turn_context)
        await self.remember(activity)
        cmd = teams_command(without_bot_mention(activity))
        engine = self.ctx.engine
        if cmd.verb == "open":
            actor = await self.actor(activity)
            try:
                check_case_permission(actor, engine.default_checklist, "open a case")
            except NotAllowed as exc:
                await turn_context.send_activity(reply(text_card(exc.message)))
                return
            await turn_context.send_activity(reply(header_form(engine.default_checklist, cmd.arg)))
        elif cmd.verb == "list":
            page = await engine.cases("open", limit=MAX_LINES)  # kept summaries: no case is derived
            await turn_context.send_activity(reply(list_card(page.summaries, page.total)))
        elif cmd.verb in ("status", "export", "cancel", "date"):
            case = await engine.find_case(cmd.arg)
            if case is None:
                await turn_context.send_activity(reply(help_card(no_case(cmd.arg))))
                return
            await turn_context.send_activity(reply(await self._about_case(cmd.verb, case.id, activity)))
        else:
            await turn_context.send_activity(reply(help_card(cmd.arg)))

    async def _about_case(self, verb: str, case_id: str, activity: dict[str, Any]) -> Element:
        view = await self.ctx.engine.view(case_id)
        summary = view.summary(self.ctx.engine.today())
        if verb == "status":
            return status_card(summary, self.settings.public_url, await self._thread_url(case_id))
        actor = await self.actor(activity)
        if verb == "cancel":
            return self.invokes.cancel_card(summary, view.checklist, actor)
        if verb == "date":
            return self.invokes.date_card(summary, view.checklist, actor)
        request_id = f"teams:{activity['id']}" if activity.get("id") else None
        try:
            outcome = await self.ctx.engine.export_documents(case_id, actor, request_id=request_id)
        except NotAllowed as exc:
            return text_card(exc.message)
        if outcome.changed:
            self.ctx.wake()
        return text_card(export_text(summary.client))

    async def _thread_url(self, case_id: str) -> str | None:
        ref = await self.ctx.store.get_message_ref(SENDER, case_id, "summary")
        if ref is None:
            return None
        channel = ref.channel.split(";", 1)[0]
        return f"https://teams.microsoft.com/l/message/{channel}/{ref.message_id}"

    # ------------------------------------------------------------ card buttons
    async def on_invoke_activity(self, turn_context: TurnContext) -> InvokeResponse | None:  # type: ignore[override]
        """A button on one of the bot's cards (Action.Execute)."""
        activity = raw(turn_context)
        if activity.get("name") != INVOKE:
            return InvokeResponse(status=501)
        body = await self.invokes.handle(activity)
        return InvokeResponse(status=200, body=body)

    # ------------------------------------------------------------ where the bot is
    async def on_conversation_update_activity(self, turn_context: TurnContext) -> None:  # type: ignore[override]
        """The bot was added to a team or chat, or a channel was made: remember how to reach it."""
        await self.remember(raw(turn_context), channels=True)

    async def on_installation_update(self, turn_context: TurnContext) -> None:  # type: ignore[override]
        """The app was installed (or upgraded) somewhere: remember how to reach it; greet a person."""
        activity = raw(turn_context)
        await self.remember(activity, channels=True)
        scope = (activity.get("conversation") or {}).get("conversationType")
        if activity.get("action") == "add" and scope == "personal":
            await turn_context.send_activity(reply(help_card()))

    async def remember(self, activity: dict[str, Any], *, channels: bool = False) -> None:
        """Keep the reference of the conversation an authenticated activity came from."""
        service_url = activity.get("serviceUrl")
        conversation = str((activity.get("conversation") or {}).get("id") or "").split(";", 1)[0]
        if not service_url or not conversation:
            return
        data = activity.get("channelData") or {}
        team = data.get("team") or {}
        tenant = (data.get("tenant") or {}).get("id") or (activity.get("conversation") or {}).get("tenantId")
        group = team.get("aadGroupId")
        await self.references.remember(Reference(conversation, service_url, tenant, team.get("id"), group,
                                                 (data.get("channel") or {}).get("name")))
        if channels and team.get("id"):
            try:
                found = await self.connector.channels(service_url, team["id"])
            except Exception as exc:  # the team's channels are a convenience
                log.warning("Teams: could not list the channels of team %s: %r", team.get("id"), exc)
                return
            for channel, name in found:
                ref = Reference(channel, service_url, tenant, team["id"], group, name)
                await self.references.remember(ref)
