"""Walking the offboarding SOP on a clock that moves only when told, so documents are stable."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from dialogs.actor import Actor
from dialogs.engine import Engine
from tests.conftest import ALICE, HEADER, MARY, TOM, StillClock

START = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
FULL_HEADER = {**HEADER, "consultant_name": "Sam Successor", "consultant_phone": "+1 202 555 0199",
               "consultant_email": "sam@newtech.example"}


class Walk:
    """One case worked item by item; each action happens `step` minutes after the one before."""

    def __init__(self, engine: Engine, clock: StillClock, case_id: str, step: float = 5) -> None:
        self.engine, self.clock, self.case_id, self.step = engine, clock, case_id, step

    async def version(self, item_id: str) -> int:
        view = await self.engine.view(self.case_id)
        return view.records[item_id].version

    async def status(self, item_id: str) -> str:
        return (await self.engine.view(self.case_id)).derived[item_id].status

    async def answer(self, item_id: str, who: Actor, **raw: Any) -> None:
        self.clock.advance(minutes=self.step)
        out = await self.engine.answer(self.case_id, item_id, raw, who, await self.version(item_id))
        assert out.changed, out.message

    async def done(self, item_id: str, who: Actor, hours: str | None = None) -> None:
        await self.answer(item_id, who, **({"hours": hours} if hours else {}))

    async def yes(self, item_id: str, who: Actor, detail: str | None = None) -> None:
        await self.answer(item_id, who, answer="yes", **({"detail": detail} if detail else {}))

    async def no(self, item_id: str, who: Actor) -> None:
        await self.answer(item_id, who, answer="no")

    async def na(self, item_id: str, who: Actor, reason: str) -> None:
        self.clock.advance(minutes=self.step)
        out = await self.engine.not_applicable(self.case_id, item_id, reason, who,
                                               await self.version(item_id))
        assert out.changed, out.message

    async def close_ticket(self, number: str, who: Actor) -> None:
        self.clock.advance(minutes=self.step)
        out = await self.engine.close_ticket(self.case_id, "open_tickets", number, who,
                                             await self.version("open_tickets"))
        assert out.changed, out.message

    async def confirm(self, item_id: str, who: Actor) -> None:
        self.clock.advance(minutes=self.step)
        out = await self.engine.confirm_gate(self.case_id, item_id, who, await self.version(item_id))
        assert out.changed, out.message


async def open_case(engine: Engine, clock: StillClock, client: str) -> Walk:
    """Admin opens the case with the full header."""
    opened = await engine.open_case(client, FULL_HEADER, ALICE)
    return Walk(engine, clock, opened.case_id or "")


async def step_one(w: Walk) -> None:
    """Routing step one, Admin: with an edit or two, and one item not applicable."""
    await w.done("review_account", ALICE)
    await w.no("accounts_receivable", ALICE)
    await w.yes("accounts_receivable", ALICE)  # changed: there is an unpaid invoice after all
    await w.answer("payment_arrangements", ALICE, text="Pays the last invoice by card on Friday")
    await w.done("contact_client", ALICE)
    await w.answer("prepayment", ALICE, dollars="1,500", hours="10")
    await w.done("cancel_recurring_billing", ALICE)
    await w.answer("managed_contract_expiration", ALICE, date="2026-12-31")
    await w.done("keep_tm_contract", ALICE)
    await w.done("keep_other_contracts", ALICE)
    await w.yes("unbundled_services", ALICE, detail="Spam filtering")
    await w.done("unbundled_billing", ALICE)
    await w.no("newsletter", ALICE)
    await w.done("remove_from_newsletter", ALICE)
    await w.yes("newsletter", ALICE)  # changed: the removal no longer applies
    await w.no("newsletter", ALICE)  # and back: it applies again
    await w.done("remove_from_newsletter", ALICE)
    w.clock.advance(hours=1)
    await w.na("quickbooks_terms", ALICE, "Terms are already net 0")


async def step_two(w: Walk) -> None:
    """Routing step two, Tech: email filtering removed, two tickets decided and closed."""
    w.clock.advance(hours=20)
    await w.answer("removal_ticket", TOM, text="T-4711", hours="0.5")
    await w.yes("email_filtering", TOM)
    await w.answer("spam_filter_ticket", TOM, text="T-4712")
    await w.answer("email_destination", TOM, text="Their new provider's MX: mx.newco.example")
    await w.done("update_dns", TOM, hours="1.25")
    await w.done("test_mail_flow", TOM, hours="0.25")
    await w.done("verify_documentation", TOM)
    await w.answer("deliver_documentation", TOM, choice="paper")
    await w.answer("deliver_documentation", TOM, choice="electronic")  # changed
    await w.done("backup_narrative", TOM)
    await w.answer("open_tickets", TOM, tickets=[
        {"number": "T-100", "title": "Printer jams on the second floor", "decision": "billable"},
        {"number": "T-101", "title": "Old VPN request", "decision": "close"},
        {"number": "T-102", "title": "Backup job warning", "decision": "covered"},
    ])
    await w.done("email_summary_report", MARY)
    await w.done("close_unworked_tickets", TOM)  # closes T-101, decided "close without completing"
    for number in ("T-102", "T-100"):
        await w.close_ticket(number, TOM)
    await w.done("remove_rmm_agents", TOM, hours="2")
    await w.done("update_monitoring_docs", TOM)
    await w.done("update_grid", TOM)


async def step_three(w: Walk) -> None:
    """Routing step three, Admin: settled, filed, rebated; the case completes."""
    w.clock.advance(days=3)
    await w.yes("client_gone", ALICE)
    await w.answer("tm_contract_expiration", ALICE, date="2027-01-31")
    await w.confirm("invoices_settled", ALICE)
    await w.done("file_paperwork", ALICE)
    await w.done("move_paper_contracts", ALICE)
    await w.answer("rebate", ALICE, dollars="900.00", hours="6")


async def walk_all(engine: Engine, clock: StillClock, client: str = "AcmeCo") -> str:
    """A case walked from open to completed; returns its id."""
    w = await open_case(engine, clock, client)
    await step_one(w)
    await step_two(w)
    await step_three(w)
    view = await engine.view(w.case_id)
    assert view.case.status == "completed", {k: d for k, d in view.derived.items() if d.status not in
                                             ("done", "na", "skipped")}
    return w.case_id
