"""Commands on items: answer, tick done, confirm a gate, not applicable, undo, claim, tickets, snooze."""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from dialogs.actor import Actor
from dialogs.answers import parse_answer, truthy
from dialogs.checklist import Checklist, ItemDef
from dialogs.errors import Conflict, InvalidInput, NotAllowed, NotFound
from dialogs.outcome import Outcome
from dialogs.present import CaseView
from dialogs.sanity import check_answer
from dialogs.tickets import close_decided, merge_rows, shown_numbers
from dialogs.time_commands import TimeCommands
from dialogs.values import clean_text
from storage.base import CaseRecord, EventRecord, ItemRecord, ItemStatus, WriteTx

_CAUSES = {"undone": "undid", "edited": "changed", "answered": "answered", "gate_confirmed": "confirmed",
           "not_applicable": "marked not applicable"}


class ItemCommands(TimeCommands):
    """Every command that changes one item (and what follows from it)."""

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
                existing = (rec.value or {}).get("tickets", []) if rec.status == "done" else []
                value = merge_rows(existing, value["tickets"], shown_numbers(raw.get("shown")),
                                   truthy(raw.get("none")))
            kind = "answered" if rec.status != "done" else "edited"
            if rec.status == "done" and rec.value == value:
                return Outcome("stale", "Nothing changed: that is already the answer.", case_id,
                               item_id, rec.version)
            check_answer(item, value, view, confirmed=truthy(raw.get("confirmed")))
            closed = await self._close_decided(tx, case, records, actor, item) if item.closes else []
            outcome = await self._set_item(tx, cl, case, records, actor, item_id, "done", value, None, kind,
                                           before=view)
            if closed:
                numbers = ", ".join(f"#{n}" for n in closed)
                return replace(outcome, message=f"{outcome.message[:-1]} and closed ticket(s) {numbers}.")
            return outcome

        return await self._run(case_id, apply, request_id, item_id=item_id, actor=actor,
                               seen_version=seen_version)

    async def _close_decided(self, tx: WriteTx, case: CaseRecord, records: dict[str, ItemRecord],
                             actor: Actor, item: ItemDef) -> list[str]:
        """A task that closes tickets (checklist ``closes``): close each, recorded one by one."""
        assert item.closes is not None
        rec = records[item.closes.tickets]
        if rec.status != "done" or not rec.value:
            return []
        value, closed = close_decided(rec.value, item.closes.decision)
        if not closed:
            return []
        now = self.clock()
        old = {"status": rec.status, "value": rec.value, "reason": rec.reason}
        rec.value, rec.version, rec.updated_by, rec.updated_at = value, rec.version + 1, actor.to_json(), now
        await tx.put_item(rec)
        for number in closed:
            await tx.append_event(EventRecord(case.id, "ticket_closed", actor.to_json(), now, rec.item_id,
                                              old=old, new={"status": "done", "value": value},
                                              note=f"#{number}"))
        return closed

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
                                        {"confirmed": True}, None, "gate_confirmed", before=view)

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
                                        reason, "not_applicable", before=view)

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
                                        None, "undone", before=view)

        return await self._run(case_id, apply, request_id, item_id=item_id, actor=actor,
                               seen_version=seen_version)

    async def claim(self, case_id: str, item_id: str, actor: Actor, seen_version: int, *,
                    assignee: Actor | None = None, request_id: str | None = None) -> Outcome:
        """Take an item on (or, with assignee, hand it to someone else).

        ``seen_version`` is the item's holder version: who holds an item is versioned apart
        from its answer, so a claim never makes someone else's answer click stale.
        """
        target = assignee or actor

        async def apply(tx: WriteTx, cl: Checklist, case: CaseRecord,
                        records: dict[str, ItemRecord], view: CaseView) -> Outcome:
            rec = records[item_id]
            current = rec.assignee
            if assignee is not None and current and not actor.manager and not actor.same_person(current):
                raise NotAllowed(f"Only {current.get('name')}, who holds it, or a manager can reassign it.")
            if current and target.same_person(current):
                return Outcome("stale", f"{target.name} already holds this item.", case_id, item_id,
                               rec.holder_version)
            now = self.clock()
            rec.assignee = {**target.to_json(), "at": now.isoformat(timespec="seconds")}
            rec.holder_version += 1
            await tx.put_item(rec)
            await tx.append_event(EventRecord(case.id, "assigned", actor.to_json(), now, item_id,
                                              old=current, new=rec.assignee))
            await self.settler(tx, cl, case, records, actor, now).settle(touched={item_id})
            return Outcome("changed", f"{target.name} now holds “{view.text(item_id)}”.", case_id,
                           item_id, rec.holder_version)

        return await self._run(case_id, apply, request_id, item_id=item_id, actor=actor,
                               seen_version=seen_version, holder=True)

    async def close_ticket(self, case_id: str, item_id: str, number: str, actor: Actor,
                           seen_version: int, *, request_id: str | None = None) -> Outcome:
        """Mark one ticket row closed."""

        number = unicodedata.normalize("NFKC", number).strip()

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
            done = {k: v for k, v in raw.items() if k in ("hours", "confirmed") and str(v or "").strip()}
            return await self.answer(case_id, item_id, done, actor, seen_version, **common)
        if action == "na":
            return await self.not_applicable(case_id, item_id, str(raw.get("reason") or ""), actor,
                                             seen_version, **common)
        if action in ("yes", "no"):
            answer = {"answer": action, "detail": str(raw.get("detail") or "")}
            return await self.answer(case_id, item_id, answer, actor, seen_version, **common)
        if action == "answer":
            return await self.answer(case_id, item_id, raw, actor, seen_version, **common)
        if action == "no_tickets":
            return await self.answer(case_id, item_id, {"none": True}, actor, seen_version, **common)
        if action == "confirm":
            return await self.confirm_gate(case_id, item_id, actor, seen_version, **common)
        if action == "undo":
            return await self.undo(case_id, item_id, actor, seen_version, **common)
        if action == "claim":
            return await self.claim(case_id, item_id, actor, seen_version, **common)
        if action == "close_ticket":
            return await self.close_ticket(case_id, item_id, arg or "", actor, seen_version, **common)
        if action in ("snooze", "snooze_until"):
            until = str(raw.get("until") or "") if action == "snooze_until" else None
            return await self.snooze(case_id, item_id, str(raw.get("reason") or ""), actor, seen_version,
                                     until=until, **common)
        raise InvalidInput(f"Unknown action {action!r}")

    async def _set_item(self, tx: WriteTx, cl: Checklist, case: CaseRecord,
                        records: dict[str, ItemRecord], actor: Actor, item_id: str, status: str,
                        value: dict[str, Any] | None, reason: str | None, kind: str,
                        note: str | None = None, before: CaseView | None = None) -> Outcome:
        """Store an item's new state and its event, then settle; ``before``: the case as it was."""
        rec = records[item_id]
        now = self.clock()
        old = {"status": rec.status, "value": rec.value, "reason": rec.reason}
        rec.status, rec.value, rec.reason = ItemStatus(status), value, reason
        rec.version += 1
        rec.updated_by, rec.updated_at = actor.to_json(), now
        await tx.put_item(rec)
        await tx.append_event(EventRecord(case.id, kind, actor.to_json(), now, item_id, old=old,
                                          new={"status": status, "value": value, "reason": reason},
                                          note=note or reason))
        settler = self.settler(tx, cl, case, records, actor, now, before=before,
                               cause=_CAUSES.get(kind, "changed"))
        await settler.settle(touched={item_id})
        words = {"answered": "Recorded", "edited": "Changed", "not_applicable": "Marked not applicable",
                 "undone": "Undid", "gate_confirmed": "Confirmed", "ticket_closed": "Closed ticket on"}
        text = settler.view.text(item_id)
        return Outcome("changed", f"{words.get(kind, 'Updated')} “{text}”.", case.id, item_id,
                       rec.version, extra={"handoffs": settler.handoffs,
                                           "completed": case.status == "completed"})

