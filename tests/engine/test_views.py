"""What people see: the case summary (progress, who holds the ball, overdue) and the step cards."""

from __future__ import annotations

import json
from dataclasses import asdict

import pytest

from dialogs.engine import Engine
from dialogs.errors import NotFound
from dialogs.views import CaseSummary, HandoffView, ItemView, RecordedLine, StepCard
from storage.sqlite import SQLiteStore
from tests.conftest import ALICE, HEADER, MARY, TOM, Clock
from tests.engine.support import finish_admin_one, finish_tech_two, open_case


def actions(item: ItemView) -> list[str]:
    return [a.action for a in item.actions]


def by_id(card: StepCard) -> dict[str, ItemView]:
    return {item.id: item for item in card.items}


# ---------------------------------------------------------------- the case summary
async def test_the_summary_follows_the_ball_from_admin_to_tech_and_back(engine: Engine) -> None:
    walk = await open_case(engine)
    summary = await engine.summary(walk.case_id)
    assert summary.client == "AcmeCo" and summary.status == "open"
    assert summary.opened_by == "Alice Admin" and summary.stop_date == "2026-12-31"
    assert summary.holder == "Admin"
    assert [(s.step_id, s.department_label, s.status) for s in summary.steps] == [
        ("admin_one", "Admin", "active"), ("tech_two", "Tech", "waiting"),
        ("admin_three", "Admin", "waiting")]
    assert (summary.steps[0].done, summary.steps[0].total) == (1, 15), "the memo is done at once"

    await walk.done("review_account", ALICE)
    assert (await engine.summary(walk.case_id)).steps[0].done == 2

    await finish_admin_one(walk)
    summary = await engine.summary(walk.case_id)
    assert summary.holder == "Tech"
    assert [s.status for s in summary.steps] == ["complete", "active", "waiting"]
    # Three items did not apply (no A/R, nothing un-bundled, still on the newsletter): they count nowhere.
    assert (summary.steps[0].done, summary.steps[0].total) == (12, 12)

    await finish_tech_two(walk)
    summary = await engine.summary(walk.case_id)
    assert summary.holder == "Admin"
    assert [s.status for s in summary.steps] == ["complete", "complete", "active"]
    tech = summary.steps[1]
    assert tech.done == tech.total == 13, "email filtering's four sub-items were skipped"


async def test_a_completed_case_has_no_holder(engine: Engine) -> None:
    walk = await open_case(engine)
    await finish_admin_one(walk)
    await finish_tech_two(walk)
    await walk.no("client_gone", ALICE)
    await engine.confirm_gate(walk.case_id, "invoices_settled", ALICE, await walk.version("invoices_settled"))
    await walk.done("file_paperwork", ALICE)
    await walk.done("move_paper_contracts", ALICE)
    await walk.answer("rebate", ALICE, dollars="0", hours="0")
    summary = await engine.summary(walk.case_id)
    assert summary.status == "completed" and summary.holder is None
    assert [s.status for s in summary.steps] == ["complete"] * 3


async def test_the_summary_shows_the_header(engine: Engine) -> None:
    walk = await open_case(engine)
    header = dict((await engine.summary(walk.case_id)).header)
    assert header == {
        "Date opened": "2026-11-27",
        "Date service will stop": "2026-12-31",
        "Primary contact at the client during transition": "Pat Client",
        "Contact phone": "+1 202 555 0130",
        "Contact email": "pat@acme.example",
    }


async def test_a_case_is_overdue_once_its_stop_date_has_passed(engine: Engine, clock: Clock) -> None:
    walk = await open_case(engine)  # stop date 2026-12-31, today 2026-11-27
    assert (await engine.summary(walk.case_id)).overdue is False
    clock.advance(days=34)  # 2026-12-31: the last day, not yet overdue
    assert engine.today().isoformat() == "2026-12-31"
    assert (await engine.summary(walk.case_id)).overdue is False
    clock.advance(days=1)
    assert (await engine.summary(walk.case_id)).overdue is True


async def test_a_cancelled_case_is_never_overdue(engine: Engine, clock: Clock) -> None:
    walk = await open_case(engine)
    await engine.cancel_case(walk.case_id, "Client stays", ALICE)
    clock.advance(days=60)
    summary = await engine.summary(walk.case_id)
    assert summary.status == "cancelled" and summary.overdue is False and summary.holder is None


# ---------------------------------------------------------------- step cards
async def test_the_first_step_card(engine: Engine) -> None:
    walk = await open_case(engine)
    card = await engine.step_card(walk.case_id, "admin_one")
    assert (card.title, card.department_label, card.status, card.case_status) == (
        "Routing step one: Admin", "Admin", "active", "open")
    assert [i.id for i in card.items][:3] == ["whats_next_memo", "review_account", "accounts_receivable"]
    items = by_id(card)
    states = {iid: item.status for iid, item in items.items()}
    assert states["whats_next_memo"] == "done"
    assert states["review_account"] == "open"
    assert states["payment_arrangements"] == "locked"
    assert items["payment_arrangements"].depth == 1, "a sub-point of reviewing the account"

    assert actions(items["review_account"]) == ["done", "na", "claim"]
    assert actions(items["newsletter"]) == ["yes", "no", "na", "claim"]
    assert actions(items["payment_arrangements"]) == [], "locked items offer nothing"
    assert actions(items["whats_next_memo"]) == [], "generated items offer nothing"
    for item in card.items:  # a Claim carries who holds the item (its holder version), not the answer's
        assert all(a.version == (1 if a.action == "claim" else item.version) and a.item_id == item.id
                   for a in item.actions)


async def test_items_of_a_waiting_step_are_locked_and_offer_nothing(engine: Engine) -> None:
    walk = await open_case(engine)
    card = await engine.step_card(walk.case_id, "tech_two")
    assert card.status == "waiting"
    assert {i.status for i in card.items} == {"locked"}
    assert all(i.actions == () for i in card.items)
    assert all(i.reason == "Waits for step 1 to hand off to Tech" for i in card.items)


async def test_answered_items_offer_undo_and_answers_offer_edit(engine: Engine) -> None:
    walk = await open_case(engine)
    await walk.done("review_account", ALICE)
    await walk.no("newsletter", ALICE)
    await engine.not_applicable(walk.case_id, "quickbooks_terms", "Net 0 already", ALICE,
                                await walk.version("quickbooks_terms"))
    await walk.answer("prepayment", ALICE, dollars="1500", hours="10")
    items = by_id(await engine.step_card(walk.case_id, "admin_one"))

    assert actions(items["review_account"]) == ["undo"]
    assert actions(items["quickbooks_terms"]) == ["undo"]
    assert actions(items["newsletter"]) == ["answer", "undo"]
    assert actions(items["remove_from_newsletter"]) == ["done", "na", "claim"], "opened by the no"
    done = items["review_account"]
    assert (done.value_text, done.answered_by) == ("Done", "Alice Admin")
    assert done.answered_at is not None and done.answered_at.startswith("2026-11-27T09:")
    assert items["quickbooks_terms"].value_text == "Not applicable: Net 0 already"
    edit = items["prepayment"].actions[0]
    assert {f.name: f.default for f in edit.inputs} == {"dollars": "1500.00", "hours": "10.00"}, \
        "Edit starts from the current answer"


async def test_the_inputs_each_item_asks_for(engine: Engine) -> None:
    walk = await open_case(engine)
    items = by_id(await engine.step_card(walk.case_id, "admin_one"))

    (enter,) = [a for a in items["prepayment"].actions if a.action == "answer"]
    assert [(f.name, f.kind, f.label, f.required, f.default) for f in enter.inputs] == [
        ("dollars", "money", "Amount ($)", True, None), ("hours", "hours", "Hours", True, None)]

    (set_date,) = [a for a in items["managed_contract_expiration"].actions if a.action == "answer"]
    assert [(f.name, f.kind, f.default) for f in set_date.inputs] == [("date", "date", "2026-12-31")]

    yes = items["unbundled_services"].actions[0]
    assert (yes.action, [(f.name, f.kind, f.label) for f in yes.inputs]) == (
        "yes", [("detail", "text", "Which services?")])

    na = next(a for a in items["review_account"].actions if a.action == "na")
    assert [(f.name, f.required) for f in na.inputs] == [("reason", True)]
    assert items["review_account"].actions[0].inputs == (), "a plain task asks for nothing"


async def test_the_date_default_is_this_cases_stop_date(engine: Engine) -> None:
    walk = await open_case(engine, "Beta LLC", header={**HEADER, "stop_date": "2027-03-15"})
    item = by_id(await engine.step_card(walk.case_id, "admin_one"))["managed_contract_expiration"]
    assert item.actions[0].inputs[0].default == "2027-03-15"


async def test_tech_items_offer_hours_and_choices(engine: Engine) -> None:
    walk = await open_case(engine)
    await finish_admin_one(walk)
    card = await engine.step_card(walk.case_id, "tech_two")
    assert card.status == "active"
    items = by_id(card)
    ticket = items["removal_ticket"].actions[0]
    assert [(f.name, f.kind, f.required) for f in ticket.inputs] == [
        ("text", "text", True), ("hours", "hours", False)]
    assert ticket.inputs[0].label == "Ticket number"
    deliver = items["deliver_documentation"].actions[0]
    assert deliver.inputs[0].choices == ("paper", "electronic")
    tickets = items["open_tickets"].actions[0]
    assert tickets.inputs[0].choices == ("covered", "billable", "close")
    assert items["email_summary_report"].manager_only is True
    assert items["close_unworked_tickets"].copy_text == \
        "Closed without completing service due to end of contract."


async def test_the_tickets_item_lists_its_rows_and_a_close_button_per_open_ticket(engine: Engine) -> None:
    walk = await open_case(engine)
    await finish_admin_one(walk)
    await walk.answer("open_tickets", TOM, tickets=[
        {"number": "T-100", "title": "Printer jams", "decision": "billable"},
        {"number": "T-101", "title": "Old VPN request", "decision": "close"}])
    await engine.close_ticket(walk.case_id, "open_tickets", "T-101", TOM, await walk.version("open_tickets"))
    item = await walk.item("open_tickets")
    assert [(t.number, t.decision_label, t.closed) for t in item.tickets] == [
        ("T-100", "billable", False), ("T-101", "close without completing", True)]
    assert [(a.action, a.arg) for a in item.actions] == [
        ("answer", None), ("undo", None), ("close_ticket", "T-100")]


async def test_the_gate_to_confirm_offers_its_confirm_button(engine: Engine) -> None:
    walk = await open_case(engine)
    await finish_admin_one(walk)
    await finish_tech_two(walk)
    gate = await walk.item("invoices_settled")
    assert gate.status == "open"
    assert [(a.action, a.label) for a in gate.actions] == [
        ("confirm", "All invoices are paid and everything is settled")]
    await engine.confirm_gate(walk.case_id, "invoices_settled", MARY, gate.version)
    assert actions(await walk.item("invoices_settled")) == ["undo"]


async def test_an_unknown_step_is_not_found(engine: Engine, store: SQLiteStore) -> None:
    walk = await open_case(engine)
    with pytest.raises(NotFound):
        await engine.step_card(walk.case_id, "step_four")


# ---------------------------------------------------------------- views as notice data
async def test_a_view_travels_as_exactly_what_asdict_made_of_it_and_reads_back_equal(engine: Engine) -> None:
    walk = await open_case(engine)
    await walk.done("review_account", ALICE)
    await finish_admin_one(walk)
    view = await engine.view(walk.case_id)
    summary = view.summary(engine.today())
    assert summary.to_json() == asdict(summary)
    assert CaseSummary.from_json(json.loads(json.dumps(summary.to_json()))) == summary
    for step in view.checklist.steps:
        card = view.card(step.id)
        assert card.to_json() == asdict(card)  # tuples stay tuples, every nested view a dict
        assert StepCard.from_json(json.loads(json.dumps(card.to_json()))) == card  # lists become tuples
    handoff = HandoffView("c1", "AcmeCo", "Admin", "admin", "Tech", "tech", "Tech",
                          (RecordedLine("Prepayment", "$1,500.00", "Alice"),),
                          changed=(RecordedLine("Hours", "10", None),))
    assert handoff.to_json() == asdict(handoff)
    assert HandoffView.from_json(json.loads(json.dumps(handoff.to_json()))) == handoff


def test_a_notice_without_a_required_field_is_refused_by_name() -> None:
    with pytest.raises(TypeError, match="StepCard without items"):
        StepCard.from_json({"case_id": "c1", "client": "AcmeCo", "step_id": "s", "number": 1, "title": "T",
                            "department": "admin", "department_label": "Admin", "status": "active",
                            "done": 0, "total": 1})


# ---------------------------------------------------------------- lists read the kept summaries
async def test_lists_read_the_summary_every_change_keeps(engine: Engine, clock: Clock) -> None:
    walk = await open_case(engine)
    clock.advance(minutes=5)
    beta = await open_case(engine, "Beta LLC")
    page = await engine.cases("open")
    assert page.total == 2 and [s.client for s in page.summaries] == ["Beta LLC", "AcmeCo"]
    await walk.done("review_account", ALICE)
    await finish_admin_one(walk)
    page = await engine.cases("open", order="oldest", limit=1)
    assert page.summaries == (await engine.summary(walk.case_id),) and page.more == 1
    assert page.summaries[0].holder == "Tech", "handed off: the row says so"
    await engine.cancel_case(beta.case_id, "The client stayed", MARY)
    assert [s.client for s in (await engine.cases("open")).summaries] == ["AcmeCo"]
    assert [s.status for s in (await engine.cases("cancelled")).summaries] == ["cancelled"]


async def test_a_case_kept_before_summaries_were_gets_its_row_at_start_up(engine: Engine,
                                                                            store: SQLiteStore) -> None:
    import sqlite3
    from contextlib import closing

    walk = await open_case(engine)
    await finish_admin_one(walk)
    kept = await store.list_summaries()
    with closing(sqlite3.connect(store.path)) as raw, raw:
        raw.execute("DELETE FROM case_summaries")
    assert (await engine.cases()).summaries == ()
    assert await engine.backfill_summaries() == 1
    assert await store.list_summaries() == kept, "the same row, the step's start read from the events"
    assert await engine.backfill_summaries() == 0
