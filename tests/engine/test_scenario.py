"""The whole SOP, walked through the engine as the people in it would, against a real SQLite file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bot.outbox import Dispatcher
from dialogs.actor import Actor
from dialogs.checklist import Checklist
from dialogs.engine import Engine
from dialogs.errors import NotAllowed
from storage.sqlite import SQLiteStore
from tests.conftest import ALICE, HEADER, MARY, TOM, Clock
from tests.fakes import RecordingSender


class Walk:
    """One case, worked item by item; reads the item version from the store like a fresh card would."""

    def __init__(self, engine: Engine, case_id: str) -> None:
        self.engine, self.case_id = engine, case_id

    async def item(self, item_id: str) -> Any:
        view = await self.engine.view(self.case_id)
        return view.item_view(view.checklist.items[item_id])

    async def status(self, item_id: str) -> str:
        return str((await self.item(item_id)).status)

    async def version(self, item_id: str) -> int:
        return int((await self.item(item_id)).version)

    async def holder(self, item_id: str) -> int:
        """The version of who holds the item (what a Claim button carries)."""
        return (await self.engine.view(self.case_id)).records[item_id].holder_version

    async def done(self, item_id: str, who: Actor, hours: str | None = None) -> None:
        version = await self.version(item_id)
        out = await self.engine.mark_done(self.case_id, item_id, who, version, hours=hours)
        assert out.changed, out.message

    async def answer(self, item_id: str, who: Actor, **raw: Any) -> None:
        out = await self.engine.answer(self.case_id, item_id, raw, who, await self.version(item_id))
        assert out.changed, out.message

    async def yes(self, item_id: str, who: Actor, detail: str | None = None) -> None:
        await self.answer(item_id, who, answer="yes", **({"detail": detail} if detail else {}))

    async def no(self, item_id: str, who: Actor) -> None:
        await self.answer(item_id, who, answer="no")


async def test_walk_the_whole_sop(store: SQLiteStore, engine: Engine, offboarding: Checklist,
                                  clock: Clock, db_path: Path) -> None:
    recorder = RecordingSender()
    dispatcher = Dispatcher(store, [recorder], clock=clock)
    await dispatcher.start()

    # Admin types /offboard AcmeCo and fills in the header.
    opened = await engine.open_case("AcmeCo", HEADER, ALICE)
    walk = Walk(engine, opened.case_id or "")
    case_id = walk.case_id
    await dispatcher.run_once()
    case_target = f"case:{case_id}"
    assert recorder.kinds(case_target)[:2] == ["summary", "document"], "summary posts before the memo"
    assert recorder.of("document")[0].payload["document"] == "memo"
    assert recorder.kinds("dept:admin") == ["card"]
    assert await walk.status("whats_next_memo") == "done"
    assert await walk.status("removal_ticket") == "locked"
    assert "step 1" in (await walk.item("removal_ticket")).reason

    # ---- Routing step one: Admin
    await walk.no("newsletter", ALICE)
    assert await walk.status("remove_from_newsletter") == "open"
    await walk.done("remove_from_newsletter", ALICE)
    await walk.yes("newsletter", ALICE)  # changed back: the removal no longer applies
    assert await walk.status("remove_from_newsletter") == "skipped"
    await walk.no("newsletter", ALICE)
    assert await walk.status("remove_from_newsletter") == "open"
    await walk.done("remove_from_newsletter", ALICE)

    await walk.done("review_account", ALICE)
    assert await walk.status("payment_arrangements") == "locked"  # waits for the A/R answer
    await walk.no("accounts_receivable", ALICE)
    assert await walk.status("payment_arrangements") == "skipped"
    await walk.yes("accounts_receivable", ALICE)
    assert await walk.status("payment_arrangements") == "open"
    await walk.answer("payment_arrangements", ALICE, text="Pays the last invoice by card on Friday")
    await walk.done("contact_client", ALICE)
    await walk.answer("prepayment", ALICE, dollars="$1,500", hours="10")
    assert (await walk.item("prepayment")).text == "Collect prepayment of $1,500.00 for 10.00 hours labor"
    await walk.done("cancel_recurring_billing", ALICE)
    date_input = (await walk.item("managed_contract_expiration")).actions[0].inputs[0]
    assert date_input.default == "2026-12-31", "defaults to the service stop date"
    await walk.answer("managed_contract_expiration", ALICE, date="2026-12-31")
    await walk.done("keep_tm_contract", ALICE)
    await walk.done("keep_other_contracts", ALICE)
    await walk.no("unbundled_services", ALICE)
    assert await walk.status("unbundled_billing") == "skipped"
    await walk.yes("unbundled_services", ALICE, detail="Spam filtering")
    assert (await walk.item("unbundled_billing")).text.endswith("Spam filtering")
    await walk.done("unbundled_billing", ALICE)
    assert (await engine.view(case_id)).case.step_index == 0
    await dispatcher.run_once()
    assert recorder.of("handoff") == []

    last = await engine.not_applicable(case_id, "quickbooks_terms", "Terms are already net 0", ALICE,
                                       await walk.version("quickbooks_terms"))
    assert last.extra["handoffs"] == ["admin_one"]
    await dispatcher.run_once()
    (to_tech,) = recorder.of("handoff")
    assert to_tech.target == "dept:tech"
    recorded = {line["text"]: line["value_text"] for line in to_tech.payload["handoff"]["recorded"]}
    assert recorded["Collect prepayment of $1,500.00 for 10.00 hours labor"] == "$1,500.00 for 10.00 hours"
    assert recorded["Will AcmeCo still receive our newsletter?"] == "No"
    assert recorded["If necessary, change AcmeCo's \"terms\" in QuickBooks"] == \
        "Not applicable: Terms are already net 0"
    tech_notices = [n for n in recorder.sent if n.target == "dept:tech"]
    assert [n.kind for n in tech_notices] == ["handoff", "card"], "ping first, then the step card"
    assert tech_notices[1].payload["card"]["step_id"] == "tech_two"

    # ---- Routing step two: Tech
    await walk.answer("removal_ticket", TOM, text="T-4711", hours="0.5")
    await walk.no("email_filtering", TOM)
    for dependent in ("spam_filter_ticket", "email_destination", "update_dns", "test_mail_flow"):
        assert await walk.status(dependent) == "skipped"
    await walk.yes("email_filtering", TOM)
    await walk.answer("spam_filter_ticket", TOM, text="T-4712")
    await walk.answer("email_destination", TOM, text="Their new provider's MX: mx.newco.example")
    assert await walk.status("test_mail_flow") == "locked", "only after the DNS item"
    await walk.done("update_dns", TOM, hours="1.25")
    await walk.done("test_mail_flow", TOM, hours="0.25")
    await walk.done("verify_documentation", TOM)
    await walk.answer("deliver_documentation", TOM, choice="electronic")
    await walk.done("backup_narrative", TOM)
    assert await walk.status("summary_report") == "locked"
    assert await walk.status("all_tickets_closed") == "locked"
    await walk.answer("open_tickets", TOM, tickets=[
        {"number": "T-100", "title": "Printer jams", "decision": "billable"},
        {"number": "T-101", "title": "Old VPN request", "decision": "close"},
    ])
    assert await walk.status("summary_report") == "done", "generated from the tickets list"
    gate = await walk.item("all_tickets_closed")
    assert gate.status == "locked" and gate.reason == "2 of 2 tickets still open"
    rmm = await walk.item("remove_rmm_agents")
    assert rmm.status == "locked" and "When all tickets are closed" in (rmm.reason or "")
    with pytest.raises(NotAllowed, match="manager"):
        await walk.done("email_summary_report", TOM)
    await walk.done("email_summary_report", MARY)
    closing = await engine.mark_done(case_id, "close_unworked_tickets", TOM,
                                     await walk.version("close_unworked_tickets"))
    assert closing.message == "Recorded “Close all open tickets that will not be worked” and closed " \
                              "ticket(s) #T-101."
    closed = [e for e in await store.get_events(case_id) if e.kind == "ticket_closed"]
    assert [(e.note, e.actor["name"]) for e in closed] == [("#T-101", "Tom Tech")], "recorded per ticket"
    assert (await walk.item("all_tickets_closed")).reason == "1 of 2 tickets still open"
    out = await engine.close_ticket(case_id, "open_tickets", "T-100", TOM, await walk.version("open_tickets"))
    assert out.changed
    assert await walk.status("all_tickets_closed") == "done"
    assert await walk.status("remove_rmm_agents") == "open"
    await walk.done("remove_rmm_agents", TOM, hours="2")
    await walk.done("update_monitoring_docs", TOM)
    await walk.done("update_grid", TOM)
    await dispatcher.run_once()
    assert [n.target for n in recorder.of("handoff")] == ["dept:tech", "dept:admin"]

    # ---- Routing step three: Admin
    gone = await walk.item("client_gone")
    assert gone.status == "open"
    await walk.no("client_gone", ALICE)
    assert await walk.status("tm_contract_expiration") == "skipped"
    await walk.yes("client_gone", ALICE)
    assert await walk.status("tm_contract_expiration") == "open"
    await walk.answer("tm_contract_expiration", ALICE, date="2027-01-31")
    assert await walk.status("file_paperwork") == "locked"
    version = await walk.version("invoices_settled")
    out = await engine.confirm_gate(case_id, "invoices_settled", ALICE, version)
    assert out.changed
    rebate_inputs = {f.name: f.default for f in (await walk.item("rebate")).actions[0].inputs}
    # 10 h prepaid, 0.5 + 1.25 + 0.25 + 2 = 4 h logged: 6 h unused at $150/h.
    assert rebate_inputs == {"dollars": "900.00", "hours": "6.00"}
    await walk.done("file_paperwork", ALICE)
    await walk.done("move_paper_contracts", ALICE)
    await walk.answer("rebate", ALICE, dollars="900.00", hours="6")
    view = await engine.view(case_id)
    assert view.case.status == "completed"
    assert view.records["completed_checklist"].status == "done"
    await dispatcher.run_once()
    documents = [n.payload["document"] for n in recorder.of("document")]
    assert documents == ["memo", "summary", "checklist"]
    assert recorder.of("managers")[0].payload["text"] == "The case for AcmeCo is complete."
    threads = [n.payload["text"] for n in recorder.of("thread")]
    assert threads[-1] == "The case for AcmeCo is complete."
    assert any(t.startswith("Unlocked: When all tickets are closed") for t in threads)
    assert recorder.of("summary")[-1].payload["summary"]["status"] == "completed"
    kinds = {e.kind for e in await store.get_events(case_id)}
    assert {"case_opened", "answered", "edited", "not_applicable", "closed_by_condition",
            "opened_by_condition", "gate_opened", "gate_confirmed", "ticket_closed", "document",
            "handoff", "case_completed"} <= kinds

    # Every item of the SOP ended resolved, and the case reads back the same from a new connection.
    final = {iid: rec.status for iid, rec in view.records.items()}
    assert set(final.values()) <= {"done", "na", "skipped"}
    await store.close()
    again = SQLiteStore(db_path)
    await again.open()
    try:
        reread = await Engine(again, offboarding, clock=clock).view(case_id)
        assert reread.case.status == "completed"
        assert {iid: rec.status for iid, rec in reread.records.items()} == final
        assert reread.records["prepayment"].value == {"dollars": "1500.00", "hours": "10.00"}
        assert reread.value_text("open_tickets") == (
            "2 ticket(s), 2 closed: #T-100 billable; #T-101 close without completing")
        assert [e.kind for e in await again.get_events(case_id)][-1] == "case_completed"
    finally:
        await again.close()


async def test_each_condition_closes_its_item_and_records_it(engine: Engine, store: SQLiteStore) -> None:
    opened = await engine.open_case("Beta LLC", HEADER, ALICE)
    walk = Walk(engine, opened.case_id or "")
    await walk.no("newsletter", ALICE)
    await walk.done("remove_from_newsletter", ALICE)
    await walk.yes("newsletter", ALICE)
    assert await walk.status("remove_from_newsletter") == "skipped"
    item = await walk.item("remove_from_newsletter")
    assert "newsletter" in (item.reason or "")
    events = [e for e in await store.get_events(walk.case_id) if e.item_id == "remove_from_newsletter"]
    closed = [e for e in events if e.kind == "closed_by_condition"]
    assert closed and closed[-1].old["status"] == "done"
    assert closed[-1].actor["user_id"] == ALICE.user_id
