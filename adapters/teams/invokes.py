"""A click on a card (``adaptiveCard/action``) -> one engine command; the answer in the same round trip.

The clicker gets the refreshed card (or the form the click asks for, or a
short message saying why nothing changed) as the invoke's response; everyone
else sees the card change when the outbox edits the message. A repeated
invoke (Teams retries with the same activity id) is one request to the engine.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from adapters.ports import AdapterContext
from adapters.teams.cards import Element
from adapters.teams.config import TeamsSettings
from adapters.teams.forms import (
    MAX_TICKET_ROWS,
    cancel_form,
    date_form,
    field_errors,
    header_form,
    item_form,
    notice,
)
from adapters.teams.ids import CARD, MESSAGE, ItemRef, Verb, fields
from adapters.teams.messages import text_card
from adapters.teams.stepcard import part_of
from dialogs.actor import Actor, check_case_permission, check_item_permission
from dialogs.checklist import Checklist
from dialogs.errors import Conflict, InvalidInput, NotAllowed, OffboardError
from dialogs.outcome import Outcome
from dialogs.replies import changed_since
from dialogs.tickets import rows_from_fields
from dialogs.views import ActionView, CaseSummary

Body = dict[str, Any]


def card_response(content: Element) -> Body:
    """Replace the card, for the clicker."""
    return {"statusCode": 200, "type": CARD, "value": content}


def message_response(text: str) -> Body:
    """A short message to the clicker; the card stays as it is."""
    return {"statusCode": 200, "type": MESSAGE, "value": text[:1000]}


def needs_form(action: ActionView) -> bool:
    """Whether a click first asks for input (a reason, an amount, a date...)."""
    return action.action in ("na", "answer") or bool(action.inputs)


class Invokes:
    """Each Action.Execute verb, translated."""

    def __init__(self, ctx: AdapterContext, settings: TeamsSettings,
                 actor_of: Callable[[dict[str, Any]], Awaitable[Actor]]) -> None:
        self.ctx, self.settings, self.actor_of = ctx, settings, actor_of

    async def handle(self, activity: dict[str, Any]) -> Body:
        """The response to one invoke."""
        action = (activity.get("value") or {}).get("action") or {}
        data: dict[str, Any] = action["data"] if isinstance(action.get("data"), dict) else {}
        if action.get("type") != "Action.Execute":
            return message_response("offboard's cards only send Action.Execute.")
        request_id = f"teams:{activity['id']}" if activity.get("id") else None
        actor = await self.actor_of(activity)
        try:
            verb = Verb(str(action.get("verb")))
        except ValueError:
            return message_response("This button is not one of offboard's; ask for the card again.")
        try:
            if verb is Verb.ITEM:
                return await self.item(ItemRef.from_data(data), actor, request_id)
            if verb is Verb.SAVE:
                return await self.save(ItemRef.from_data(data), data, actor, request_id)
            if verb is Verb.BACK:
                return card_response(await self.step_part(str(data.get("c")), str(data.get("i"))))
            if verb is Verb.OPEN_CASE:
                return await self.open_case(data, actor, request_id)
            if verb is Verb.CHANGE_DATE:
                return await self.change_date(data, actor, request_id)
            return await self.cancel_case(data, actor, request_id)
        except OffboardError as exc:  # refused, gone, or not ours: nothing changed
            return message_response(exc.message)

    async def item(self, ref: ItemRef, actor: Actor, request_id: str | None) -> Body:
        """A step card's button: run it, or show the form it asks for."""
        view = await self.ctx.engine.view(ref.case_id)
        item_def = view.checklist.items.get(ref.item_id)
        if item_def is None:
            return message_response("That item is no longer on this checklist.")
        item = view.item_view(item_def)
        action = next((a for a in item.actions if a.action == ref.action), None)
        asks = needs_form(action) if action is not None else ref.action in ("na", "answer")
        if asks:
            check_item_permission(actor, view.checklist, item_def)
            if action is None or item.version != ref.version:
                return message_response(changed_since(item))
            if any(f.kind == "tickets" for f in action.inputs) and len(item.tickets) > MAX_TICKET_ROWS:
                return message_response(f"{len(item.tickets)} tickets are more than a card can edit "
                                        "safely: edit them on the dashboard.")
            return card_response(item_form(view.case.client, item_def.step, item, action, ref))
        outcome = await self.ctx.engine.act(ref.case_id, ref.item_id, ref.action, actor, ref.version, {},
                                            arg=ref.arg, request_id=request_id)
        return await self.after(outcome, ref)

    async def save(self, ref: ItemRef, data: dict[str, Any], actor: Actor, request_id: str | None) -> Body:
        """An item's form: answer, done with hours, not applicable with a reason..."""
        entered = fields(data)
        raw: dict[str, Any] = {k: v for k, v in entered.items() if not k.startswith("tickets:")}
        view = await self.ctx.engine.view(ref.case_id)
        item_def = view.checklist.items.get(ref.item_id)
        if item_def is not None and item_def.kind == "tickets" and ref.action == "answer":
            raw["tickets"] = rows_from_fields(entered, ":")
            # The form showed every row of the version it was built from (the engine refuses a save
            # of another version), so those are the rows it may change or remove.
            raw["shown"] = [t.number for t in view.item_view(item_def).tickets]
        try:
            outcome = await self.ctx.engine.act(ref.case_id, ref.item_id, ref.action, actor, ref.version, raw,
                                                arg=ref.arg, request_id=request_id)
        except InvalidInput as exc:
            if item_def is None:
                raise
            item = view.item_view(item_def)
            action = next((a for a in item.actions if a.action == ref.action), None)
            if action is None:
                return message_response(changed_since(item))
            names = [f.name for f in action.inputs]
            form = item_form(view.case.client, item_def.step, item, action, ref, entered,
                             field_errors(exc.message, exc.field, names))
            return card_response(form)
        return await self.after(outcome, ref)

    async def after(self, outcome: Outcome, ref: ItemRef) -> Body:
        """What the clicker sees once the engine answered."""
        if outcome.changed:
            self.ctx.wake()
        if outcome.status == "stale":
            return message_response(outcome.message)
        return card_response(await self.step_part(ref.case_id, ref.item_id))

    async def step_part(self, case_id: str, item_id: str) -> Element:
        """The step card (its part) that shows an item, as it is now."""
        view = await self.ctx.engine.view(case_id)
        item_def = view.checklist.items.get(item_id)
        if item_def is None:
            return notice("That item is no longer on this checklist.")
        return part_of(view.card(item_def.step), item_id, self.settings.public_url)[1]

    async def open_case(self, data: dict[str, Any], actor: Actor, request_id: str | None) -> Body:
        """The case-header form: open the case, or show the form again with the error on its field."""
        engine = self.ctx.engine
        checklist = engine.checklists.get(str(data.get("k")), engine.default_checklist)
        entered = fields(data)
        header = {k: v for k, v in entered.items() if k != "client"}
        try:
            outcome = await engine.open_case(entered.get("client", ""), header, actor,
                                             checklist_id=checklist.id, request_id=request_id)
        except (InvalidInput, Conflict) as exc:
            field = exc.field if isinstance(exc, InvalidInput) else "client"
            known = ["client", *(h.id for h in checklist.header)]
            errors = field_errors(exc.message, field or "client", known)
            return card_response(header_form(checklist, entered.get("client", ""), entered, errors))
        if outcome.changed:
            self.ctx.wake()
        return card_response(notice(f"{outcome.message} Its summary is in the cases channel.",
                                    "Case opened" if outcome.changed else None))

    @staticmethod
    def cancel_card(summary: CaseSummary, checklist: Checklist, actor: Actor) -> Element:
        """The cancel form, or why there is nothing to cancel."""
        return _open_case_form(summary, checklist, actor, "cancel", "cancel a case", cancel_form)

    @staticmethod
    def date_card(summary: CaseSummary, checklist: Checklist, actor: Actor) -> Element:
        """The move-the-stop-date form, or why there is nothing to move."""
        return _open_case_form(summary, checklist, actor, "move", "change the case's dates", date_form)

    async def change_date(self, data: dict[str, Any], actor: Actor, request_id: str | None) -> Body:
        """The move-the-stop-date form, submitted: moved, or the form again with the error on its field."""
        case_id = str(data.get("c"))
        entered = fields(data)
        try:
            outcome = await self.ctx.engine.change_date(
                case_id, "stop_date", entered.get("date", ""), entered.get("reason", ""), actor,
                request_id=request_id)
        except InvalidInput as exc:
            summary = (await self.ctx.engine.view(case_id)).summary(self.ctx.engine.today())
            return card_response(date_form(summary, entered, {exc.field or "": exc.message}))
        if outcome.changed:
            self.ctx.wake()
        return card_response(notice(outcome.message))

    async def cancel_case(self, data: dict[str, Any], actor: Actor, request_id: str | None) -> Body:
        """The cancel form, submitted with its reason."""
        case_id = str(data.get("c"))
        entered = fields(data)
        try:
            outcome = await self.ctx.engine.cancel_case(case_id, entered.get("reason", ""), actor,
                                                        request_id=request_id)
        except InvalidInput as exc:
            summary = (await self.ctx.engine.view(case_id)).summary(self.ctx.engine.today())
            return card_response(cancel_form(summary, entered, {"reason": exc.message}))
        if outcome.changed:
            self.ctx.wake()
        return card_response(notice(outcome.message))


def _open_case_form(summary: CaseSummary, checklist: Checklist, actor: Actor, verb: str, permission: str,
                    form: Callable[[CaseSummary], Element]) -> Element:
    """A form that acts on an open case, or why it cannot: the case is closed, or the person may not."""
    if summary.status != "open":
        return text_card(f"Nothing to {verb}: the case for {summary.client} is {summary.status}.")
    try:
        check_case_permission(actor, checklist, permission)
    except NotAllowed as exc:
        return text_card(exc.message)
    return form(summary)
