"""After every change: bring derived states up to date, hand off, complete, and tell people.

The Settler runs inside the command's write transaction. It stores each item
whose derived state moved (a condition closed it, a gate opened, a step's
items unlocked), appends an event per move, produces generated documents,
hands completed steps off to the next department, completes the case, and
writes the outbox notices for all of it.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from typing import Any

from dialogs.actor import SYSTEM, Actor
from dialogs.checklist import Checklist
from dialogs.present import CaseView
from dialogs.reasons import Reason
from dialogs.state import RESOLVED, step_complete
from dialogs.summaries import summary_record
from dialogs.timers import DueMove, moves_text, sync_timers
from dialogs.timing import Timing
from dialogs.views import HandoffView, RecordedLine
from storage.base import (
    CaseRecord,
    CaseStatus,
    EventRecord,
    ItemRecord,
    ItemStatus,
    Notice,
    NoticeKind,
    WriteTx,
)

_MAX_ROUNDS = 100  # each round resolves at least one item or step; a checklist is acyclic


class Settler:
    """Settles one case after one command, inside that command's transaction."""

    def __init__(self, tx: WriteTx, checklist: Checklist, case: CaseRecord,
                 records: dict[str, ItemRecord], actor: Actor, now: datetime, today: date, *,
                 before: CaseView | None = None, cause: str = "changed",
                 timing: Timing | None = None) -> None:
        """``before``: the case as it was before the command (to see steps reopen or complete again);
        ``cause``: what the person did, in words ("undid", "changed"); ``timing``: keep the case's
        timers (reminders on)."""
        self.tx, self.checklist, self.case, self.records = tx, checklist, case, records
        self.actor, self.now, self.today = actor, now, today
        self.timing = timing
        # Derived when first needed: settle() derives the changed case itself, and with ``before``
        # given nothing needs the view until then (one derivation less per command).
        self._view = None if before is not None else self._derive()
        self.before = before
        self.was = {iid: d.status for iid, d in (before or self.view).derived.items()}
        self.cause = cause
        self.handoffs: list[str] = []

    @property
    def view(self) -> CaseView:
        """The case as it stands (as of the last settling round)."""
        if self._view is None:
            self._view = self._derive()
        return self._view

    @view.setter
    def view(self, view: CaseView) -> None:
        self._view = view

    async def settle(self, touched: set[str] | None = None, *, opened: bool = False,
                     may_complete: bool = True) -> None:
        """Apply every consequence of the change just made, then write the notices.

        ``opened``: the case was just opened, so its summary message goes out
        first (thread lines need it as their parent). ``may_complete``: False
        right after a reopen, so a reopened case waits for the next change.
        """
        steps = {self.checklist.items[i].step for i in touched or ()}
        case_was = self.case.status
        if opened:
            await self._summary()
        for _ in range(_MAX_ROUNDS):
            self.view = self._derive()
            moved = await self._sync_items()
            steps |= moved
            if not moved and not await self._hand_off():
                break
        else:  # pragma: no cover - guarded by the loader's cycle check
            raise RuntimeError("case did not settle")
        if self.before is not None:
            await self._reopened(touched or set())
        if may_complete and not opened:
            await self._complete()
        steps |= await self._timers()
        await self._notify(steps, opened or self.case.status != case_was, touched or set())

    def _derive(self) -> CaseView:
        return CaseView(self.checklist, self.case, self.records, timing=self.timing, now=self.now)

    async def _timers(self) -> set[str]:
        """Write the timers the case's state now implies; a moved due time is recorded and shown."""
        if self.timing is None:
            return set()
        moved = await sync_timers(self.tx, self.view, self.timing)
        if moved:
            await self._due_moved(moved)
        return {self.checklist.items[i].step for i in moved}

    async def _due_moved(self, moved: dict[str, DueMove]) -> None:
        assert self.timing is not None
        await self.tx.append_event(EventRecord(
            self.case.id, "due_changed", self.actor.to_json(), self.now,
            new={"items": {i: {"old": o.isoformat(), "new": n.isoformat()} for i, (o, n) in moved.items()}}))
        await self.thread(moves_text(self.view, self.timing, moved, self.today))

    async def refresh(self, steps: set[str]) -> None:
        """Post the summary and these steps' cards again as they stand (their due marks moved on)."""
        await self._notify(steps, False, set())

    async def tell(self, kind: str, target: str, payload: dict[str, Any], *, ref_key: str | None = None,
                   coalesce: str | None = None) -> None:
        """Write a notice about this case (a reminder, an escalation) to the outbox."""
        await self._notice(kind, target, payload, ref_key=ref_key, coalesce=coalesce)

    async def _sync_items(self) -> set[str]:
        moved: set[str] = set()
        for item in self.checklist.items.values():
            rec = self.records[item.id]
            derived = self.view.derived[item.id]
            if item.kind == "generated" and derived.status == "open":
                await self._generate(item.id)
            elif derived.status != rec.status:
                await self._move(item.id, derived.status, derived.reason)
            else:
                continue
            moved.add(item.step)
        return moved

    async def _move(self, item_id: str, status: str, reason: Reason | None) -> None:
        rec = self.records[item_id]
        item = self.checklist.items[item_id]
        old = {"status": rec.status, "value": rec.value, "reason": rec.reason}
        kind = "state"
        if item.kind == "gate" and status == "done":
            kind = "gate_opened"
            rec.value = rec.value or {"opened": True}
            await self.thread(f"Unlocked: {self.view.text(item_id)}.")
        elif item.kind == "gate" and rec.status == "done":
            kind, rec.value = "gate_closed", None
            why = f": {self.view.words(reason)}" if reason else ""
            await self.thread(f"Locked again: {self.view.text(item_id)}{why}.")
        elif status == "skipped":
            kind, rec.value = "closed_by_condition", None
        elif status == "locked" and rec.status in ("done", "na"):
            # Its condition is unknown again (the answer it hung on was undone): the old
            # answer no longer stands; the event keeps it.
            kind, rec.value = "closed_by_condition", None
        elif rec.status == "skipped":
            kind = "opened_by_condition"
        # A derived reason is not stored as prose: the event keeps it as data.
        rec.status, rec.reason = ItemStatus(status), None
        rec.version += 1
        rec.updated_at = self.now
        rec.updated_by = SYSTEM.to_json()
        await self.tx.put_item(rec)
        await self.tx.append_event(EventRecord(
            self.case.id, kind, self.actor.to_json(), self.now, item_id, old=old,
            new={"status": status, "value": rec.value, **({"why": reason.to_json()} if reason else {})}))

    async def _generate(self, item_id: str) -> None:
        rec = self.records[item_id]
        document = self.checklist.items[item_id].document
        old = {"status": rec.status, "value": rec.value}
        rec.status, rec.value = ItemStatus.DONE, {"document": document}
        rec.version += 1
        rec.updated_at, rec.updated_by = self.now, SYSTEM.to_json()
        await self.tx.put_item(rec)
        await self.tx.append_event(EventRecord(
            self.case.id, "document", SYSTEM.to_json(), self.now, item_id, old=old,
            new={"status": "done", "value": rec.value}))
        await self.offer_document(str(document), self.view.text(item_id), item_id)

    async def offer_document(self, document: str, title: str, item_id: str | None = None) -> None:
        """Tell the case thread a document is ready (adapters render and post it)."""
        await self._notice("document", self._case_target,
                           {"case_id": self.case.id, "document": document, "item_id": item_id,
                            "title": title})

    async def _hand_off(self) -> bool:
        steps = self.checklist.steps
        index = self.case.step_index
        if self.case.status != "open" or index >= len(steps):
            return False
        if not step_complete(self.checklist, self.view.derived, steps[index].id):
            return False
        done = steps[index]
        self.case.step_index += 1
        self.case.version += 1
        await self.tx.update_case(self.case)
        nxt = steps[index + 1] if index + 1 < len(steps) else None
        await self.tx.append_event(EventRecord(
            self.case.id, "handoff", self.actor.to_json(), self.now,
            old={"step": done.id}, new={"step": nxt.id if nxt else None}))
        self.handoffs.append(done.id)
        label = self.checklist.department_label
        if nxt is None:
            await self.thread(f"{self.view.step_title(done.id)} is complete.")
            return True
        await self.thread(f"{self.view.step_title(done.id)} is complete; "
                          f"handed off to {label(nxt.department)}.")
        handoff = HandoffView(
            self.case.id, self.case.client, self.view.step_title(done.id), label(done.department),
            self.view.step_title(nxt.id), nxt.department, label(nxt.department),
            self.view.recorded(done.id))
        await self._notice("handoff", f"dept:{nxt.department}", {"handoff": handoff.to_json()})
        return True

    async def _reopened(self, touched: set[str]) -> None:
        """A handed-off step with open work again is reopened; when it is complete again, say so too.

        The case thread gets a line and the department the step handed off to is told.
        """
        assert self.before is not None
        steps = self.checklist.steps
        for step in steps[: self.case.step_index]:
            if step.id in self.handoffs:
                continue
            was = step_complete(self.checklist, self.before.derived, step.id)
            now = step_complete(self.checklist, self.view.derived, step.id)
            if was == now:
                continue
            here = [i for i in touched if self.checklist.items[i].step == step.id] or sorted(touched)
            what = " and ".join(f"“{self.view.text(i)}”" for i in here) or "an answer"
            dept = self.checklist.department_label(step.department)
            title = self.view.step_title(step.id)
            changed: tuple[RecordedLine, ...] = ()
            if was:
                kind = "reopened"
                text = (f"{self.actor.name} {self.cause} {what}: step {step.number} is reopened "
                        f"({title}; with {dept}).")
            else:
                kind = "complete_again"
                changed = tuple(RecordedLine(self.view.text(i), self.view.value_text(i) or "",
                                             self.actor.name) for i in here if self.view.value_text(i))
                shown = "; ".join(f"“{c.text}”: {c.value_text}" for c in changed)
                text = f"Step {step.number} is complete again ({title})" + (f": {shown}." if shown else ".")
            await self.tx.append_event(EventRecord(self.case.id, f"step_{kind}", self.actor.to_json(),
                                                   self.now, new={"step": step.id, "items": here}))
            await self.thread(text)
            nxt = steps[step.number] if step.number < len(steps) else None
            if nxt is not None:
                view = HandoffView(
                    self.case.id, self.case.client, title, dept, self.view.step_title(nxt.id), nxt.department,
                    self.checklist.department_label(nxt.department), self.view.recorded(step.id),
                    kind=kind, note=text, changed=changed)
                await self._notice("handoff", f"dept:{nxt.department}", {"handoff": view.to_json()})

    async def _complete(self) -> None:
        if self.case.status != "open" or self.case.step_index < len(self.checklist.steps):
            return
        if not all(d.status in RESOLVED for d in self.view.derived.values()):
            return
        self.case.status, self.case.closed_at = CaseStatus.COMPLETED, self.now
        self.case.version += 1
        await self.tx.update_case(self.case)
        await self.tx.append_event(EventRecord(self.case.id, "case_completed", self.actor.to_json(),
                                               self.now, new={"status": "completed"}))
        await self.thread(f"The case for {self.case.client} is complete.")
        await self._notice("managers", "managers",
                           {"case_id": self.case.id, "client": self.case.client,
                            "text": f"The case for {self.case.client} is complete."})

    async def _summary(self) -> None:
        """The summary notice, and the case's summary row that lists read (dialogs.summaries)."""
        summary = self.view.summary(self.today)
        plain = summary.to_json()  # the row and the notice keep the same data
        await self.tx.put_summary(summary_record(self.case, summary, self.now, plain))
        await self._notice("summary", self._case_target, {"summary": plain},
                           ref_key="summary", coalesce=f"summary:{self.case.id}")

    async def _notify(self, steps: set[str], case_changed: bool, touched: set[str]) -> None:
        await self._summary()
        await self._managers(case_changed, touched)
        reached = {s.id for s in self.checklist.steps if s.number <= self.case.step_index + 1}
        if case_changed:
            steps = set(reached)
        for step in self.checklist.steps:
            if step.id in steps and step.id in reached:
                card = self.view.card(step.id)
                await self._notice("card", f"dept:{step.department}", {"card": card.to_json()},
                                   ref_key=f"card:{step.id}", coalesce=f"card:{self.case.id}:{step.id}")

    async def _managers(self, case_changed: bool, touched: set[str]) -> None:
        """A manager-only item that opens is announced to the managers with its buttons, then kept current."""
        for item in self.checklist.items.values():
            if not item.manager:
                continue
            was, now = self.was.get(item.id), self.view.derived[item.id].status
            if not ((now == "open" and (was != "open" or item.id in touched or case_changed))
                    or (was == "open" and now != "open")):
                continue
            card = self.view.card(item.step)
            card = replace(card, items=tuple(i for i in card.items if i.id == item.id))
            await self._notice("manager_item", "managers", {"card": card.to_json(), "item_id": item.id},
                               ref_key=f"manager:{item.id}", coalesce=f"manager:{self.case.id}:{item.id}")

    async def thread(self, text: str) -> None:
        """Post a line into the case thread."""
        await self._notice("thread", self._case_target, {"case_id": self.case.id, "text": text})

    @property
    def _case_target(self) -> str:
        return f"case:{self.case.id}"

    async def _notice(self, kind: str, target: str, payload: dict[str, Any], *,
                      ref_key: str | None = None, coalesce: str | None = None) -> None:
        payload = {"case_id": self.case.id, "client": self.case.client, **payload}
        await self.tx.add_notice(Notice(self.case.id, NoticeKind(kind), target, payload, self.now,
                                        ref_key=ref_key, coalesce_key=coalesce))
