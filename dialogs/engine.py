"""The dialog engine: commands in, state plus events plus outbox notices out.

Every command runs in one store write transaction: it reads the case, checks
who is acting and which item version they saw, changes state, appends an
event per change and writes the notices that tell people. Either all of that
commits or none of it does.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping

from dialogs.actor import Actor, check_case_permission
from dialogs.attention import Attention, needs_you
from dialogs.checklist import Checklist
from dialogs.engine_base import Clock as Clock
from dialogs.engine_base import utcnow as utcnow
from dialogs.errors import Conflict, NotAllowed, NotFound
from dialogs.header import parse_case_form
from dialogs.item_commands import ItemCommands
from dialogs.lookup import Lookup, choose, is_case_id
from dialogs.names import legacy_client_key
from dialogs.outcome import Outcome, duplicate, stale_case
from dialogs.present import CaseView
from dialogs.summaries import CasePage, page, summary_record
from dialogs.timeline import read_timeline, step_times
from dialogs.values import clean_text, client_key
from dialogs.views import CaseSummary, StepCard
from storage.base import (
    CaseRecord,
    CaseStatus,
    DuplicateOpenCase,
    DuplicateRequest,
    EventRecord,
    ItemRecord,
    ItemStatus,
    WriteTx,
)


class Engine(ItemCommands):
    """Runs cases through checklists; the only place where the SOP's rules live."""

    # ------------------------------------------------------------------ cases
    async def open_case(self, client: str, header: Mapping[str, str], actor: Actor, *,
                        checklist_id: str | None = None, request_id: str | None = None) -> Outcome:
        """Open a case for a client with its header; refuses a second open case of the client."""
        checklist = self.checklists.get(checklist_id) if checklist_id else self.default_checklist
        if checklist is None:
            raise NotFound(f"No checklist {checklist_id!r}; loaded: {', '.join(self.checklists)}")
        check_case_permission(actor, checklist, "open a case")
        name, clean_header = parse_case_form(checklist, client, header, self.today(),
                                             phone_region=self.phone_region)
        key = client_key(name)
        try:
            return await self._open(checklist, name, key, clean_header, actor, request_id)
        except DuplicateOpenCase:  # another process opened one between our look and our insert
            async with self.store.write(client_key=key) as tx:
                existing = await tx.find_open_case(key)
            if existing is None:
                raise
            raise self._already_open(existing, name) from None
        except DuplicateRequest:
            return await self._duplicate(request_id)

    async def _open(self, checklist: Checklist, name: str, key: str, clean_header: dict[str, str],
                    actor: Actor, request_id: str | None) -> Outcome:
        # Locks the client (PostgreSQL): two processes opening a case for one client queue up here.
        async with self.store.write(client_key=key) as tx:
            if request_id and (done := await tx.request_result(request_id)):
                return duplicate(done)
            existing = await tx.find_open_case(key) or await tx.find_open_case(legacy_client_key(name))
            if existing is not None:
                raise self._already_open(existing, name)
            now = self.clock()
            case = CaseRecord(
                id=_new_case_id(), checklist_id=checklist.id, client=name, client_key=key,
                header=clean_header, status=CaseStatus.OPEN, step_index=0, opened_by=actor.to_json(),
                opened_at=now)
            await tx.insert_case(case)
            records = {}
            for item in checklist.items.values():
                records[item.id] = ItemRecord(case.id, item.id, ItemStatus.LOCKED, updated_at=now)
                await tx.put_item(records[item.id])
            await tx.append_event(EventRecord(case.id, "case_opened", actor.to_json(), now,
                                              new={"client": name, "header": clean_header,
                                                   "checklist": checklist.id}))
            await self.settler(tx, checklist, case, records, actor, now).settle(opened=True)
            outcome = Outcome("changed", f"Opened the {checklist.case_noun} case for {name}.", case.id)
            if request_id:
                await tx.record_request(request_id, outcome.to_json(), now)
            return outcome

    def _already_open(self, existing: CaseRecord, name: str) -> Conflict:
        same = "".join(existing.client.split()).casefold() == "".join(name.split()).casefold()
        alike = "" if same else f"“{name}” looks like {existing.client}: "
        return Conflict(
            f"{alike}{existing.client} already has an open case, opened "
            f"{existing.opened_at.astimezone(self.tz):%Y-%m-%d} by "
            f"{existing.opened_by.get('name', 'someone')} (case {existing.id}).",
            case_id=existing.id)

    async def cancel_case(self, case_id: str, reason: str, actor: Actor, *,
                          request_id: str | None = None) -> Outcome:
        """Cancel an open case, with a reason; its history stays."""
        reason = clean_text(reason, label="Reason", multiline=True)

        async def cancel(tx: WriteTx, cl: Checklist, case: CaseRecord,
                         records: dict[str, ItemRecord], view: CaseView) -> Outcome:
            check_case_permission(actor, cl, "cancel a case")
            if case.status != "open":
                return stale_case(case)
            case.status, case.closed_at = CaseStatus.CANCELLED, self.clock()
            return await self._case_change(tx, cl, case, records, actor, "case_cancelled",
                                           f"Cancelled the case for {case.client}: {reason}", reason)

        return await self._run(case_id, cancel, request_id, allow_closed=True)

    async def reopen_case(self, case_id: str, reason: str, actor: Actor, *,
                          request_id: str | None = None) -> Outcome:
        """Reopen a cancelled or completed case with a reason (recorded), unless another case is open."""
        reason = clean_text(reason, label="Reason", multiline=True)

        async def reopen(tx: WriteTx, cl: Checklist, case: CaseRecord,
                         records: dict[str, ItemRecord], view: CaseView) -> Outcome:
            check_case_permission(actor, cl, "reopen a case")
            if case.status == "open":
                return stale_case(case)
            other = await tx.find_open_case(case.client_key)
            if other is not None:
                raise Conflict(f"{other.client} has another open case ({other.id}); "
                               "finish or cancel that one first.", case_id=other.id)
            case.status, case.closed_at = CaseStatus.OPEN, None
            return await self._case_change(tx, cl, case, records, actor, "case_reopened",
                                           f"Reopened the case for {case.client}: {reason}", reason,
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
            settler = self.settler(tx, cl, case, records, actor, now)
            for document, title in offered:
                await settler.offer_document(document, title)
            await tx.append_event(EventRecord(case.id, "documents_exported", actor.to_json(), now,
                                              new={"documents": [d for d, _ in offered]}))
            names = ", ".join(d for d, _ in offered)
            return Outcome("changed", f"Posting the documents of {case.client} to the case thread: "
                                      f"{names}.", case.id)

        return await self._run(case_id, export, request_id, allow_closed=True)

    # ------------------------------------------------------------------ reads
    async def lookup(self, text: str) -> Lookup:
        """The case a client name or a case id means: open, else latest completed, else latest cancelled."""
        query = text.strip()
        if is_case_id(query):
            case = await self.store.get_case(query)
            return Lookup(query, case)
        found: dict[str, CaseRecord] = {}
        for key in dict.fromkeys((client_key(query), legacy_client_key(query))):
            for case in await self.store.find_cases(key):
                found.setdefault(case.id, case)
        return choose(query, sorted(found.values(), key=lambda c: c.opened_at, reverse=True))

    async def find_case(self, client: str) -> CaseRecord | None:
        """The case a client name or case id means (see lookup)."""
        return (await self.lookup(client)).case

    async def view(self, case_id: str) -> CaseView:
        """A case's current state, ready to render."""
        loaded = await self.store.load_case(case_id)  # the case and its items from one snapshot
        if loaded is None:
            raise NotFound(f"No case {case_id!r}")
        return self.case_view(self.checklist_for(loaded.case), loaded.case, loaded.items)

    async def cases(self, status: str | None = "open", *, order: str = "newest", limit: int = 50,
                    offset: int = 0) -> CasePage:
        """A page of cases as their kept summaries say (one indexed query; storage.SUMMARY_ORDERS)."""
        rows = await self.store.list_summaries(status, order=order, limit=limit, offset=offset)
        total = await self.store.count_cases(status)
        return page(rows, total, offset, limit, self.today(), self.clock(), self.timing)

    async def needs_you(self, actor: Actor, *, enough: int = 16, cases: int = 50) -> list[Attention]:
        """What this person can do now, late first (dialogs.attention.needs_you), found without deriving
        every case: the cases where they hold an item, then the most urgent open cases due by today, then
        for a manager the oldest open cases waiting on one; derived in that order until ``enough`` are
        found (at most ``cases`` of the urgent and the waiting)."""
        today = self.today().isoformat()
        held = [case_id for case_id, who in await self.store.held_items() if actor.same_person(who)]
        urgent = await self.cases("open", order="urgent", limit=cases)
        due = [s.case_id for s in urgent.summaries if s.urgent and s.urgent[2] <= today]
        waiting: list[str] = []
        if actor.manager:
            waiting = [s.case_id for s in (await self.cases("open", order="oldest", limit=cases)).summaries
                       if s.needs_manager]
        found: list[Attention] = []
        for case_id in dict.fromkeys([*held, *due, *waiting]):  # in that order, each case once
            if len(found) >= enough:
                break
            try:
                found += needs_you(await self.view(case_id), actor)
            except NotFound:  # its checklist is no longer loaded
                continue
        return sorted(found, key=lambda a: (not a.late, a.due_on or "9999", a.client))

    async def backfill_summaries(self, batch: int = 200) -> int:
        """Keep a summary row for every case written before they were kept; how many were written."""
        written, skipped = 0, set[str]()
        while ids := [i for i in await self.store.cases_without_summary(batch + len(skipped))
                      if i not in skipped]:
            for case_id in ids:
                try:
                    view = await self.view(case_id)
                except NotFound:  # its checklist is no longer loaded: nothing to show it by
                    skipped.add(case_id)
                    continue
                started = None
                if view.case.step_index < len(view.checklist.steps):
                    times = step_times(view.checklist, read_timeline(await self.store.get_events(case_id)),
                                       view.case.opened_at)
                    started = times[view.checklist.steps[view.case.step_index].id]["started"]
                async with self.store.write(case_id) as tx:
                    await tx.put_summary(summary_record(view.case, view.summary(self.today()),
                                                        started or view.case.opened_at))
                written += 1
        return written

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
