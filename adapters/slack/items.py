"""bolt listeners for step cards: buttons, and the modals some of them open."""

from __future__ import annotations

import json
import logging
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.commands import click_id, item_answer, run_item, submission_id
from adapters.slack.handlers import Ack, Body, Listeners
from adapters.slack.ids import ItemRef, is_item_action
from adapters.slack.modals import TITLES, confirm_modal, item_modal, loading_view, notice_view, values
from dialogs.actor import check_item_permission
from dialogs.errors import InvalidInput, NeedsConfirmation, NotAllowed, OffboardError
from dialogs.outcome import Outcome
from dialogs.reasons import STATE_PHRASES
from storage.base import StoreError

log = logging.getLogger(__name__)

MAX_METADATA = 3000  # Slack's limit on a view's private_metadata
NOT_SAVED = ("Your click was not saved: offboard could not write to its database just now. "
             "Nothing changed; please click again.")
CLICK = "slack.click"  # a button click kept in the inbox (bot.inbox), applied after its acknowledgement


def kept(body: Body, action: Body) -> Body:
    """What the inbox keeps of a click: who, where, and the action (the message's blocks are not needed)."""
    user = body["user"]
    channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get("channel_id")
    return {"user": {k: user[k] for k in ("id", "name", "username") if k in user}, "channel": channel,
            "action": {k: action.get(k) for k in ("action_id", "value", "action_ts")}}


def kept_click(body: Body) -> Body | None:
    """A click on a button that needs no form, as the inbox keeps it; None for any other request (bolt's
    listeners answer those: forms, commands, events, a button whose value is not ours)."""
    actions = body.get("actions")
    if body.get("type") != "block_actions" or not isinstance(actions, list) or len(actions) != 1:
        return None
    action = actions[0]
    if not is_item_action(action.get("action_id")):
        return None
    try:
        ref = ItemRef.decode(str(action.get("value") or ""))
    except InvalidInput:
        return None
    return None if ref.modal else kept(body, action)


class ItemListeners(Listeners):
    """A click on a card is kept and acknowledged, then runs its engine command; or it opens the modal that
    asks for its input (at once: a trigger_id lives 3 seconds)."""

    async def item_action(self, ack: Ack, body: Body, client: AsyncWebClient, action: Body) -> None:
        """A button on a step card."""
        user = body["user"]
        channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get("channel_id")
        try:
            ref = ItemRef.decode(str(action.get("value") or ""))
        except InvalidInput as exc:
            await ack()
            await self._ephemeral(client, channel, user["id"], exc.message)
            return
        if ref.modal:
            opened = await client.views_open(trigger_id=body["trigger_id"],
                                             view=loading_view(TITLES.get(ref.action, "Offboard")))
            await ack()
            await self._item_form(client, opened["view"]["id"], ref, user, channel)
            return
        await self.keep(kept(body, action))  # Socket Mode's way here; over HTTP kept_click() comes first
        await ack()

    async def keep(self, click: Body) -> None:
        """Keep a click in the inbox (committed): its engine command runs moments later (apply_click),
        off the path of the click's acknowledgement."""
        await self.svc.receive(CLICK, click)

    async def apply_click(self, click: Body) -> None:
        """A kept click: its engine command; a refusal, or a card that changed meanwhile, said privately."""
        channel, action = click.get("channel"), click["action"]
        ref = ItemRef.decode(str(action.get("value") or ""))
        actor = await self.actor(click["user"])
        try:
            outcome = await run_item(self.engine, actor, ref, {}, click_id(action, actor.user_id))
        except OffboardError as exc:  # refused, or the item cannot take this now: nothing changed
            await self._ephemeral(self.members.client, channel, actor.user_id, exc.message)
            return
        except StoreError as exc:
            # Told at once rather than retried: a click applied minutes later would surprise its person.
            log.error("a click by %s on %s was not saved: %s", actor.user_id, ref.item_id, exc)
            await self._ephemeral(self.members.client, channel, actor.user_id, NOT_SAVED)
            return
        self._after(outcome)
        if outcome.status == "stale":
            await self._ephemeral(self.members.client, channel, actor.user_id, outcome.message)

    async def _item_form(self, client: AsyncWebClient, view_id: str, ref: ItemRef, user: Body,
                         channel: str | None) -> None:
        try:
            view = await self.engine.view(ref.case_id)
            item_def = view.checklist.items[ref.item_id]
        except (OffboardError, KeyError):
            gone = notice_view("That case or item no longer exists.")
            await client.views_update(view_id=view_id, view=gone)
            return
        actor = await self.actor(user)
        try:
            check_item_permission(actor, view.checklist, item_def, view.text(item_def.id))
        except NotAllowed as exc:
            await client.views_update(view_id=view_id, view=notice_view(exc.message, "Not allowed"))
            await self._ephemeral(client, channel, actor.user_id, exc.message)
            return
        item = view.item_view(item_def)
        action = next((a for a in item.actions if a.action == ref.action), None)
        if action is None or item.version != ref.version:
            done = f" ({item.value_text}, by {item.answered_by})" if item.answered_by else ""
            state = STATE_PHRASES.get(item.status, item.status)
            await client.views_update(view_id=view_id, view=notice_view(
                f"Nothing to do: “{item.text}” changed since the card was shown; it {state}{done}. "
                "The card shows it as it is now."))
            return
        await client.views_update(view_id=view_id, view=item_modal(item, action, ref, channel))

    async def item_submitted(self, ack: Ack, body: Body, view: Body) -> None:
        """An item's modal: answer, mark done with hours, not applicable with a reason..."""
        meta = json.loads(view.get("private_metadata") or "{}")
        ref = ItemRef.decode(str(meta.get("r", "")))
        actor = await self.actor(body["user"])
        raw: dict[str, Any] = {}

        async def run() -> Outcome:
            cv = await self.engine.view(ref.case_id)
            raw.update(item_answer(cv.item_view(cv.checklist.items[ref.item_id]), values(view["state"]),
                                   meta.get("s")))
            return await run_item(self.engine, actor, ref, raw, submission_id(view))

        def confirm(exc: NeedsConfirmation) -> Body | None:
            metadata = {"r": meta.get("r"), "ch": meta.get("ch"), "raw": raw}
            if len(json.dumps(metadata, separators=(",", ":"))) > MAX_METADATA:
                return None  # too much to carry: the message goes on the field instead
            return confirm_modal(exc.message, metadata)

        await self._submit(ack, view, run, confirm=confirm)

    async def confirm_submitted(self, ack: Ack, body: Body, view: Body) -> None:
        """"Save anyway": the answer the engine found unusual, saved as confirmed; both modals close."""
        meta = json.loads(view.get("private_metadata") or "{}")
        ref = ItemRef.decode(str(meta.get("r", "")))
        actor = await self.actor(body["user"])
        raw = {**(meta.get("raw") or {}), "confirmed": "yes"}
        try:
            outcome = await run_item(self.engine, actor, ref, raw, submission_id(view))
        except OffboardError as exc:
            await ack(response_action="update", view=notice_view(exc.message, "Not saved"))
            return
        self._after(outcome)
        if outcome.changed:
            await ack(response_action="clear")
        else:
            await ack(response_action="update", view=notice_view(outcome.message))
