"""The dialog engine: commands in, state plus events plus outbox notices out.

Every command runs in one store write transaction: it reads the case, checks
who is acting and which item version they saw, changes state, appends an
event per change and writes the notices that tell people. Either all of that
commits or none of it does.
"""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, date, datetime, tzinfo
from typing import Any

from dialogs.actor import Actor, check_case_permission, check_item_permission
from dialogs.answers import parse_answer
from dialogs.checklist import Checklist
from dialogs.errors import Conflict, InvalidInput, NotAllowed, NotFound
from dialogs.header import parse_header
from dialogs.names import legacy_client_key
from dialogs.outcome import Outcome, duplicate, stale_case, stale_item
from dialogs.present import CaseView
from dialogs.settle import Settler
from dialogs.values import DEFAULT_PHONE_REGION, clean_client_name, clean_text, client_key
from dialogs.views import CaseSummary, StepCard
from storage.base import CaseRecord, EventRecord, ItemRecord, Store, WriteTx

Clock = Callable[[], datetime]


def utcnow() -> datetime:
    """The current time, timezone-aware, UTC."""
    return datetime.now(UTC)


Mutation = Callable[[WriteTx, Checklist, CaseRecord, dict[str, ItemRecord], CaseView], Awaitable[Outcome]]


class Engine:
    """Runs cases through checklists; the only place where the SOP's rules live."""

    def __init__(self, store: Store, checklists: Checklist | Mapping[str, Checklist], *,
                 clock: Clock = utcnow, tz: tzinfo = UTC, phone_region: str = DEFAULT_PHONE_REGION) -> None:
        if isinstance(checklists, Checklist):
            checklists = {checklists.id: checklists}
        if not checklists:
            raise ValueError("the engine needs at least one checklist")
        self.store = store
        self.checklists = dict(checklists)
        self.default_checklist = next(iter(self.checklists.values()))
        self.clock = clock
        self.tz = tz
        self.phone_region = phone_region

    def today(self) -> date:
        """Today's date where the MSP works."""
        return self.clock().astimezone(self.tz).date()

    def checklist_for(self, case: CaseRecord) -> Checklist:
        """The checklist a case runs on."""
        try:
            return self.checklists[case.checklist_id]
        except KeyError:
            raise NotFound(f"Checklist {case.checklist_id!r} is not loaded") from None

    # ------------------------------------------------------------------ cases
    async def open_case(self, client: str, header: Mapping[str, str], actor: Actor, *,
                        checklist_id: str | None = None, request_id: str | None = None) -> Outcome:
        """Open a case for a client with its header; refuses a second open case of the client."""
        checklist = self.checklists.get(checklist_id) if checklist_id else self.default_checklist
        if checklist is None:
            raise NotFound(f"No checklist {checklist_id!r}; loaded: {', '.join(self.checklists)}")
        check_case_permission(actor, checklist, "open a case")
        name = clean_client_name(client)
        clean_header = parse_header(checklist, header, self.today(), phone_region=self.phone_region)
        now = self.clock()
        async with self.store.write() as tx:
            if request_id and (done := await tx.request_result(request_id)):
                return duplicate(done)
            key = client_key(name)
            existing = await tx.find_open_case(key) or await tx.find_open_case(legacy_client_key(name))
            if existing is not None:
                same = "".join(existing.client.split()).casefold() == "".join(name.split()).casefold()
                alike = "" if same else f"“{name}” looks like {existing.client}: "
                raise Conflict(
                    f"{alike}{existing.client} already has an open case, opened "
                    f"{existing.opened_at.astimezone(self.tz):%Y-%m-%d} by "
                    f"{existing.opened_by.get('name', 'someone')} (case {existing.id}).",
                    case_id=existing.id)
            case = CaseRecord(
                id=_new_case_id(), checklist_id=checklist.id, client=name, client_key=key,
                header=clean_header, status="open", step_index=0, opened_by=actor.to_json(),
                opened_at=now)
            await tx.insert_case(case)
            records = {}
            for item in checklist.items.values():
                records[item.id] = ItemRecord(case.id, item.id, "locked", updated_at=now)
                await tx.put_item(records[item.id])
            await tx.append_event(EventRecord(case.id, "case_opened", actor.to_json(), now,
                                              new={"client": name, "header": clean_header,
                                                   "checklist": checklist.id}))
            await Settler(tx, checklist, case, records, actor, now, self.today()).settle(opened=True)
            outcome = Outcome("changed", f"Opened the {checklist.case_noun} case for {name}.", case.id)
            if request_id:
                await tx.record_request(request_id, outcome.to_json(), now)
            return outcome

    async def cancel_case(self, case_id: str, reason: str, actor: Actor, *,
                          request_id: str | None = None) -> Outcome:
        """Cancel an open case, with a reason; its history stays."""
        reason = clean_text(reason, label="Reason", multiline=True)

        async def cancel(tx: WriteTx, cl: Checklist, case: CaseRecord,
                         records: dict[str, ItemRecord], view: CaseView) -> Outcome:
            check_case_permission(actor, cl, "cancel a case")
            if case.status != "open":
                return stale_case(case)
            case.status, case.closed_at = "cancelled", self.clock()
            return await self._case_change(tx, cl, case, records, actor, "case_cancelled",
                                           f"Cancelled the case for {case.client}: {reason}", reason)

        return await self._run(case_id, cancel, request_id, allow_closed=True)

    async def reopen_case(self, case_id: str, actor: Actor, *, request_id: str | None = None) -> Outcome:
        """Reopen a cancelled or completed case, unless the client has another open case."""

        async def reopen(tx: WriteTx, cl: Checklist, case: CaseRecord,
                         records: dict[str, ItemRecord], view: CaseView) -> Outcome:
            check_case_permission(actor, cl, "reopen a case")
            if case.status == "open":
                return stale_case(case)
            other = await tx.find_open_case(case.client_key)
            if other is not None:
                raise Conflict(f"{other.client} has another open case ({other.id}); "
                               "finish or cancel that one first.", case_id=other.id)
            case.status, case.closed_at = "open", None
            return await self._case_change(tx, cl, case, records, actor, "case_reopened",
                                           f"Reopened the case for {case.client}.", None,
                                           may_complete=False)

        return await self._run(case_id, reopen, request_id, allow_closed=True)

    async def export_documents(self, case_id: str, actor: Actor, *,
                               request_id: str | None = None) -> Outcome:
        """Offer a case's documents again in its thread: those produced so far, and the checklist."""

        async def export(tx: WriteTx, cl: Checklist, case: CaseRecord,
                         records: dict[str, ItemRecord], view: CaseView) -> Outcome:
            if not actor.manager and not actor.departments & set(cl.departments):
                raise NotAllowed("Only the case's departments or a manager can export its documents.")
            offered: list[tuple[str, str]] = [
                (str(item.document), view.text(item.id)) for item in cl.items.values()
                if item.kind == "generated" and records[item.id].status == "done"]
            if all(doc != "checklist" for doc, _ in offered):
                word = "Completed checklist" if case.status == "completed" else "Checklist so far"
                offered.append(("checklist", f"{word}: {case.client}"))
            now = self.clock()
            settler = Settler(tx, cl, case, records, actor, now, self.today())
            for document, title in offered:
                await settler.offer_document(document, title)
            await tx.append_event(EventRecord(case.id, "documents_exported", actor.to_json(), now,
                                              new={"documents": [d for d, _ in offered]}))
            names = ", ".join(d for d, _ in offered)
            return Outcome("changed", f"Posting the documents of {case.client} to the case thread: "
                                      f"{names}.", case.id)

        return await self._run(case_id, export, request_id, allow_closed=True)

    async def _case_change(self, tx: WriteTx, cl: Checklist, case: CaseRecord,
                           records: dict[str, ItemRecord], actor: Actor, kind: str,
                           message: str, note: str | None, may_complete: bool = True) -> Outcome:
        now = self.clock()
        case.version += 1
        await tx.update_case(case)
        await tx.append_event(EventRecord(case.id, kind, actor.to_json(), now, note=note,
                                          new={"status": case.status}))
        settler = Settler(tx, cl, case, records, actor, now, self.today())
        await settler.thread(message)
        await settler.settle(may_complete=may_complete)
        return Outcome("changed", message, case.id, version=case.version)

    # ------------------------------------------------------------------ items
    async def answer(self, case_id: str, item_id: str, raw: Mapping[str, Any], actor: Actor,
                     seen_version: int, *, request_id: str | None = None) -> Outcome:
        """Answer an item per its kind (or edit a given answer); the old value stays in the trail."""

        async def apply(tx: WriteTx, cl: Checklist, case: CaseRecord,
                        records: dict[str, ItemRecord], view: CaseView) -> Outcome:
            item = cl.items[item_id]
            rec = records[item_id]
            status = view.derived[item_id].status
            if item.kind in ("gate", "generated"):
                raise InvalidInput(f"“{view.text(item_id)}” is not answered by hand")
            if status not in ("open", "done", "na"):
                raise Conflict(view.cannot(item_id, "be answered"))
            value = parse_answer(item, raw)
            if item.kind == "tickets":
                was = {t["number"]: t["closed"] for t in (rec.value or {}).get("tickets", [])}
                for row in value["tickets"]:
                    if row["closed"] is None:
                        row["closed"] = bool(was.get(row["number"], False))
            kind = "answered" if rec.status != "done" else "edited"
            if rec.status == "done" and rec.value == value:
                return Outcome("stale", "Nothing changed: that is already the answer.", case_id,
                               item_id, rec.version)
            return await self._set_item(tx, cl, case, records, actor, item_id, "done", value,
                                        None, kind)

        return await self._run(case_id, apply, request_id, item_id=item_id, actor=actor,
                               seen_version=seen_version)

    async def mark_done(self, case_id: str, item_id: str, actor: Actor, seen_version: int, *,
                        hours: str | None = None, request_id: str | None = None) -> Outcome:
        """Tick a task done (optionally with hours logged)."""
        raw = {"hours": hours} if hours else {}
        return await self.answer(case_id, item_id, raw, actor, seen_version, request_id=request_id)

    async def confirm_gate(self, case_id: str, item_id: str, actor: Actor, seen_version: int, *,
                           request_id: str | None = None) -> Outcome:
        """Confirm a gate that needs a person's word (e.g. all invoices are paid)."""

        async def apply(tx: WriteTx, cl: Checklist, case: CaseRecord,
                        records: dict[str, ItemRecord], view: CaseView) -> Outcome:
            item = cl.items[item_id]
            if item.kind != "gate" or item.confirm is None:
                raise InvalidInput(f"“{view.text(item_id)}” is not a gate to confirm")
            d = view.derived[item_id]
            if d.status != "open":
                raise Conflict(view.cannot(item_id, "be confirmed"))
            return await self._set_item(tx, cl, case, records, actor, item_id, "done",
                                        {"confirmed": True}, None, "gate_confirmed")

        return await self._run(case_id, apply, request_id, item_id=item_id, actor=actor,
                               seen_version=seen_version)

    async def not_applicable(self, case_id: str, item_id: str, reason: str, actor: Actor,
                             seen_version: int, *, request_id: str | None = None) -> Outcome:
        """Mark an item not applicable, with a reason."""
        reason = clean_text(reason, label="Reason", multiline=True)

        async def apply(tx: WriteTx, cl: Checklist, case: CaseRecord,
                        records: dict[str, ItemRecord], view: CaseView) -> Outcome:
            item = cl.items[item_id]
            if not item.na_allowed or item.kind in ("gate", "generated"):
                raise InvalidInput(f"“{view.text(item_id)}” cannot be marked not applicable")
            d = view.derived[item_id]
            if d.status == "na" and records[item_id].reason == reason:
                return Outcome("stale", "Nothing changed: it is already not applicable for that reason.",
                               case_id, item_id, records[item_id].version)
            if d.status not in ("open", "done", "na"):
                raise Conflict(view.cannot(item_id, "be marked not applicable"))
            return await self._set_item(tx, cl, case, records, actor, item_id, "na", None,
                                        reason, "not_applicable")

        return await self._run(case_id, apply, request_id, item_id=item_id, actor=actor,
                               seen_version=seen_version)

    async def undo(self, case_id: str, item_id: str, actor: Actor, seen_version: int, *,
                   request_id: str | None = None) -> Outcome:
        """Take back an answer (one's own, or anyone's as a manager); it is recorded, not erased."""

        async def apply(tx: WriteTx, cl: Checklist, case: CaseRecord,
                        records: dict[str, ItemRecord], view: CaseView) -> Outcome:
            rec = records[item_id]
            item = cl.items[item_id]
            automatic = item.kind == "generated" or (item.kind == "gate" and item.confirm is None)
            if rec.status not in ("done", "na") or automatic:
                raise Conflict(f"“{view.text(item_id)}” has no answer to undo")
            if not actor.manager and not actor.same_person(rec.updated_by):
                who = (rec.updated_by or {}).get("name", "someone else")
                raise NotAllowed(f"Only {who}, who answered it, or a manager can undo this.")
            return await self._set_item(tx, cl, case, records, actor, item_id, "open", None,
                                        None, "undone")

        return await self._run(case_id, apply, request_id, item_id=item_id, actor=actor,
                               seen_version=seen_version)

    async def claim(self, case_id: str, item_id: str, actor: Actor, seen_version: int, *,
                    assignee: Actor | None = None, request_id: str | None = None) -> Outcome:
        """Take an item on (or, with assignee, hand it to someone else)."""
        target = assignee or actor

        async def apply(tx: WriteTx, cl: Checklist, case: CaseRecord,
                        records: dict[str, ItemRecord], view: CaseView) -> Outcome:
            rec = records[item_id]
            current = rec.assignee
            if assignee is not None and current and not actor.manager and not actor.same_person(current):
                raise NotAllowed(f"Only {current.get('name')}, who holds it, or a manager can reassign it.")
            if current and target.same_person(current):
                return Outcome("stale", f"{target.name} already holds this item.", case_id, item_id,
                               rec.version)
            now = self.clock()
            rec.assignee, rec.version, rec.updated_at = target.to_json(), rec.version + 1, now
            await tx.put_item(rec)
            await tx.append_event(EventRecord(case.id, "assigned", actor.to_json(), now, item_id,
                                              old=current, new=target.to_json()))
            await Settler(tx, cl, case, records, actor, now, self.today()).settle(touched={item_id})
            return Outcome("changed", f"{target.name} now holds “{view.text(item_id)}”.", case_id,
                           item_id, rec.version)

        return await self._run(case_id, apply, request_id, item_id=item_id, actor=actor,
                               seen_version=seen_version)

    async def close_ticket(self, case_id: str, item_id: str, number: str, actor: Actor,
                           seen_version: int, *, request_id: str | None = None) -> Outcome:
        """Mark one ticket row closed."""

        async def apply(tx: WriteTx, cl: Checklist, case: CaseRecord,
                        records: dict[str, ItemRecord], view: CaseView) -> Outcome:
            rec = records[item_id]
            if cl.items[item_id].kind != "tickets" or rec.status != "done":
                raise Conflict("There are no tickets recorded on this item yet")
            rows = [dict(r) for r in (rec.value or {}).get("tickets", [])]
            row = next((r for r in rows if r["number"] == number), None)
            if row is None:
                raise NotFound(f"No ticket #{number} on this case")
            if row["closed"]:
                return Outcome("stale", f"Ticket #{number} is already closed.", case_id, item_id,
                               rec.version)
            row["closed"] = True
            return await self._set_item(tx, cl, case, records, actor, item_id, "done",
                                        {**(rec.value or {}), "tickets": rows}, None,
                                        "ticket_closed", note=f"#{number}")

        return await self._run(case_id, apply, request_id, item_id=item_id, actor=actor,
                               seen_version=seen_version)

    async def act(self, case_id: str, item_id: str, action: str, actor: Actor, seen_version: int,
                  fields: Mapping[str, Any] | None = None, *, arg: str | None = None,
                  request_id: str | None = None) -> Outcome:
        """Run the command an item's button stands for (the ``action`` of its ActionView).

        ``fields`` are the inputs the button asked for (its InputFields, by name);
        ``arg`` is the button's own argument (the ticket number of close_ticket).
        Every adapter calls this, so a button means the same thing everywhere.
        """
        raw = dict(fields or {})
        common: dict[str, Any] = {"request_id": request_id}
        if action == "done":
            hours = str(raw.get("hours") or "").strip() or None
            return await self.mark_done(case_id, item_id, actor, seen_version, hours=hours, **common)
        if action == "na":
            return await self.not_applicable(case_id, item_id, str(raw.get("reason") or ""), actor,
                                             seen_version, **common)
        if action in ("yes", "no"):
            answer = {"answer": action, "detail": str(raw.get("detail") or "")}
            return await self.answer(case_id, item_id, answer, actor, seen_version, **common)
        if action == "answer":
            return await self.answer(case_id, item_id, raw, actor, seen_version, **common)
        if action == "confirm":
            return await self.confirm_gate(case_id, item_id, actor, seen_version, **common)
        if action == "undo":
            return await self.undo(case_id, item_id, actor, seen_version, **common)
        if action == "claim":
            return await self.claim(case_id, item_id, actor, seen_version, **common)
        if action == "close_ticket":
            return await self.close_ticket(case_id, item_id, arg or "", actor, seen_version, **common)
        raise InvalidInput(f"Unknown action {action!r}")

    async def _set_item(self, tx: WriteTx, cl: Checklist, case: CaseRecord,
                        records: dict[str, ItemRecord], actor: Actor, item_id: str, status: str,
                        value: dict[str, Any] | None, reason: str | None, kind: str,
                        note: str | None = None) -> Outcome:
        rec = records[item_id]
        now = self.clock()
        old = {"status": rec.status, "value": rec.value, "reason": rec.reason}
        rec.status, rec.value, rec.reason = status, value, reason
        rec.version += 1
        rec.updated_by, rec.updated_at = actor.to_json(), now
        await tx.put_item(rec)
        await tx.append_event(EventRecord(case.id, kind, actor.to_json(), now, item_id, old=old,
                                          new={"status": status, "value": value, "reason": reason},
                                          note=note or reason))
        settler = Settler(tx, cl, case, records, actor, now, self.today())
        await settler.settle(touched={item_id})
        words = {"answered": "Recorded", "edited": "Changed", "not_applicable": "Marked not applicable",
                 "undone": "Undid", "gate_confirmed": "Confirmed", "ticket_closed": "Closed ticket on"}
        text = settler.view.text(item_id)
        return Outcome("changed", f"{words.get(kind, 'Updated')} “{text}”.", case.id, item_id,
                       rec.version, extra={"handoffs": settler.handoffs,
                                           "completed": case.status == "completed"})

    async def _run(self, case_id: str, mutate: Mutation, request_id: str | None, *,
                   item_id: str | None = None, actor: Actor | None = None,
                   seen_version: int | None = None, allow_closed: bool = False) -> Outcome:
        async with self.store.write() as tx:
            if request_id and (done := await tx.request_result(request_id)):
                return duplicate(done)
            case = await tx.get_case(case_id)
            if case is None:
                raise NotFound(f"No case {case_id!r}")
            if case.status != "open" and not allow_closed:
                raise Conflict(f"The case for {case.client} is {case.status}; reopen it first.",
                               case_id=case.id)
            cl = self.checklist_for(case)
            records = await tx.get_items(case_id)
            view = CaseView(cl, case, records)
            if item_id is not None:
                if item_id not in cl.items:
                    raise NotFound(f"No item {item_id!r} on this checklist")
                assert actor is not None
                check_item_permission(actor, cl, cl.items[item_id], view.text(item_id))
                rec = records[item_id]
                if seen_version is not None and rec.version != seen_version:
                    return stale_item(rec, self.tz, view.reason_text(item_id))
            outcome = await mutate(tx, cl, case, records, view)
            if request_id:
                await tx.record_request(request_id, outcome.to_json(), self.clock())
            return outcome

    # ------------------------------------------------------------------ reads
    async def find_case(self, client: str) -> CaseRecord | None:
        """A client's open case, else its newest one."""
        cases = await self.store.find_cases(client_key(client))
        return next((c for c in cases if c.status == "open"), cases[0] if cases else None)

    async def view(self, case_id: str) -> CaseView:
        """A case's current state, ready to render."""
        case = await self.store.get_case(case_id)
        if case is None:
            raise NotFound(f"No case {case_id!r}")
        return CaseView(self.checklist_for(case), case, await self.store.get_items(case_id))

    async def summary(self, case_id: str) -> CaseSummary:
        """A case's live summary."""
        return (await self.view(case_id)).summary(self.today())

    async def step_card(self, case_id: str, step_id: str) -> StepCard:
        """A step card as it stands now."""
        view = await self.view(case_id)
        if step_id not in view.checklist.steps_by_id:
            raise NotFound(f"No step {step_id!r}")
        return view.card(step_id)


def _new_case_id() -> str:
    return "c" + secrets.token_hex(5)
