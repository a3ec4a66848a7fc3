"""The engine's frame: its settings, the one write path every command runs through, case changes.

``_run`` opens the store's write transaction, reads the case, checks who is acting
and which item version they saw, runs the command and records its request id.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, date, datetime, tzinfo

from dialogs.actor import Actor, check_item_permission, check_view_permission
from dialogs.checklist import Checklist
from dialogs.errors import Conflict, NotFound
from dialogs.outcome import Outcome, duplicate, stale_claim, stale_item
from dialogs.present import CaseView
from dialogs.settle import Settler
from dialogs.timing import Timing
from dialogs.values import DEFAULT_PHONE_REGION
from storage.base import CaseRecord, DuplicateRequest, EventRecord, ItemRecord, Store, WriteTx

Clock = Callable[[], datetime]


def utcnow() -> datetime:
    """The current time, timezone-aware, UTC."""
    return datetime.now(UTC)


Mutation = Callable[[WriteTx, Checklist, CaseRecord, dict[str, ItemRecord], CaseView], Awaitable[Outcome]]


class EngineBase:
    """Settings and the write path shared by every engine command."""

    def __init__(self, store: Store, checklists: Checklist | Mapping[str, Checklist], *,
                 clock: Clock = utcnow, tz: tzinfo = UTC, phone_region: str = DEFAULT_PHONE_REGION,
                 viewers: str = "departments", timing: Timing | None = None) -> None:
        """``timing``: the working calendar and escalation (bot.config); None keeps no due dates or timers."""
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
        self.viewers = viewers  # who may list and view cases: "departments" (and managers) | "everyone"
        self.timing = timing

    def today(self) -> date:
        """Today's date where the MSP works."""
        return self.clock().astimezone(self.tz).date()

    def settler(self, tx: WriteTx, checklist: Checklist, case: CaseRecord, records: dict[str, ItemRecord],
                actor: Actor, now: datetime, *, before: CaseView | None = None,
                cause: str = "changed") -> Settler:
        """The Settler of one command on one case (with this engine's timing)."""
        return Settler(tx, checklist, case, records, actor, now, self.today(), before=before, cause=cause,
                       timing=self.timing)

    def case_view(self, checklist: Checklist, case: CaseRecord, records: dict[str, ItemRecord],
                  now: datetime | None = None) -> CaseView:
        """A case's view, due dates judged at ``now`` (the clock's time when not given)."""
        return CaseView(checklist, case, records, timing=self.timing,
                        now=now or (self.clock() if self.timing else None))

    def check_may_view(self, actor: Actor) -> None:
        """NotAllowed unless the actor may list and view cases (the ``viewers`` setting)."""
        check_view_permission(actor, self.checklists.values(), self.viewers)

    def checklist_for(self, case: CaseRecord) -> Checklist:
        """The checklist a case runs on."""
        try:
            return self.checklists[case.checklist_id]
        except KeyError:
            raise NotFound(f"Checklist {case.checklist_id!r} is not loaded") from None

    async def _run(self, case_id: str, mutate: Mutation, request_id: str | None, *,
                   item_id: str | None = None, actor: Actor | None = None,
                   seen_version: int | None = None, allow_closed: bool = False,
                   holder: bool = False) -> Outcome:
        try:
            return await self._mutate(case_id, mutate, request_id, item_id=item_id, actor=actor,
                                      seen_version=seen_version, allow_closed=allow_closed,
                                      holder=holder)
        except DuplicateRequest:
            return await self._duplicate(request_id)

    async def _duplicate(self, request_id: str | None) -> Outcome:
        """A request id another process recorded first: what it did then."""
        if request_id is None:  # pragma: no cover - only recorded with an id
            raise RuntimeError("a duplicate request without an id")
        async with self.store.write() as tx:
            done = await tx.request_result(request_id)
        return duplicate(done or {})

    async def _mutate(self, case_id: str, mutate: Mutation, request_id: str | None, *,
                      item_id: str | None, actor: Actor | None, seen_version: int | None,
                      allow_closed: bool, holder: bool) -> Outcome:
        # Scoped to the case: PostgreSQL lets commands on other cases run meanwhile.
        async with self.store.write(case_id) as tx:
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
            view = self.case_view(cl, case, records)
            if item_id is not None:
                if item_id not in cl.items:
                    raise NotFound(f"No item {item_id!r} on this checklist")
                assert actor is not None
                check_item_permission(actor, cl, cl.items[item_id], view.text(item_id))
                rec = records[item_id]
                if holder and seen_version is not None and rec.holder_version != seen_version:
                    return stale_claim(rec, self.tz)
                if not holder and seen_version is not None and rec.version != seen_version:
                    return stale_item(rec, self.tz, view.reason_text(item_id))
            outcome = await mutate(tx, cl, case, records, view)
            if request_id:
                await tx.record_request(request_id, outcome.to_json(), self.clock())
            return outcome

    async def _case_change(self, tx: WriteTx, cl: Checklist, case: CaseRecord,
                           records: dict[str, ItemRecord], actor: Actor, kind: str,
                           message: str, note: str | None, may_complete: bool = True) -> Outcome:
        now = self.clock()
        case.version += 1
        await tx.update_case(case)
        await tx.append_event(EventRecord(case.id, kind, actor.to_json(), now, note=note,
                                          new={"status": case.status}))
        settler = self.settler(tx, cl, case, records, actor, now)
        await settler.thread(message)
        await settler.settle(may_complete=may_complete)
        return Outcome("changed", message, case.id, version=case.version)

