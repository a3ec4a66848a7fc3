"""Working items: edits and undos stay in the trail, reasons are required, locks say why, cases cancel."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from dialogs.checklist import BUILTIN_DIR, Checklist
from dialogs.checklist_loader import load_checklist
from dialogs.engine import Engine
from dialogs.errors import Conflict, InvalidInput, NotAllowed, NotFound
from storage.base import EventRecord, StoreError
from storage.sqlite import SQLiteStore
from tests.conftest import ALICE, HEADER, MARY, TOM, Clock
from tests.engine.support import (
    ADAM,
    ANNE,
    OutboxWatch,
    finish_admin_one,
    open_case,
    snapshot,
    tech_up_to_the_gate,
)
from tests.engine.test_scenario import Walk


def of_item(events: list[EventRecord], item_id: str, kind: str | None = None) -> list[EventRecord]:
    return [e for e in events if e.item_id == item_id and (kind is None or e.kind == kind)]


# ---------------------------------------------------------------- edits and undo
async def test_editing_an_answer_records_old_and_new(engine: Engine, store: SQLiteStore) -> None:
    walk = await open_case(engine)
    await walk.answer("prepayment", ALICE, dollars="$1,500", hours="10")
    await walk.answer("prepayment", ANNE, dollars="1200", hours="8")

    rec = (await store.get_items(walk.case_id))["prepayment"]
    assert rec.status == "done" and rec.value == {"dollars": "1200.00", "hours": "8.00"}
    trail = of_item(await store.get_events(walk.case_id), "prepayment")
    kinds = [e.kind for e in trail]
    assert kinds[-2:] == ["answered", "edited"]
    answered, edited = trail[-2:]
    assert answered.new["value"] == {"dollars": "1500.00", "hours": "10.00"}
    assert answered.actor["name"] == "Alice Admin"
    assert edited.old["value"] == {"dollars": "1500.00", "hours": "10.00"}
    assert edited.new["value"] == {"dollars": "1200.00", "hours": "8.00"}
    assert edited.actor["name"] == "Anne Admin"
    assert (await walk.item("prepayment")).text == "Collect prepayment of $1,200.00 for 8.00 hours labor"


async def test_undo_reopens_the_item_and_keeps_the_old_answer_in_the_trail(
        engine: Engine, store: SQLiteStore) -> None:
    walk = await open_case(engine)
    await walk.no("newsletter", ALICE)
    assert await walk.status("remove_from_newsletter") == "open"

    out = await engine.undo(walk.case_id, "newsletter", ALICE, await walk.version("newsletter"))
    assert out.changed and out.message == "Undid “Will AcmeCo still receive our newsletter?”."
    item = await walk.item("newsletter")
    assert item.status == "open" and item.value_text is None
    assert await walk.status("remove_from_newsletter") == "locked", "waits for the answer again"

    trail = of_item(await store.get_events(walk.case_id), "newsletter")
    assert [e.kind for e in trail][-2:] == ["answered", "undone"]
    assert trail[-2].new["value"] == {"answer": False}, "the answer is never erased"
    undone = trail[-1]
    assert undone.old == {"status": "done", "value": {"answer": False}, "reason": None}
    assert undone.new["status"] == "open" and undone.new["value"] is None


async def test_undo_of_a_not_applicable_keeps_the_reason_in_the_trail(engine: Engine,
                                                                      store: SQLiteStore) -> None:
    walk = await open_case(engine)
    await engine.not_applicable(walk.case_id, "quickbooks_terms", "Already net 0", ALICE,
                                await walk.version("quickbooks_terms"))
    await engine.undo(walk.case_id, "quickbooks_terms", ALICE, await walk.version("quickbooks_terms"))
    undone = of_item(await store.get_events(walk.case_id), "quickbooks_terms", "undone")[-1]
    assert undone.old["status"] == "na" and undone.old["reason"] == "Already net 0"
    assert await walk.status("quickbooks_terms") == "open"


async def test_there_is_nothing_to_undo_on_an_open_item(engine: Engine, store: SQLiteStore) -> None:
    walk = await open_case(engine)
    before = await snapshot(store, walk.case_id)
    with pytest.raises(Conflict, match="no answer to undo"):
        await engine.undo(walk.case_id, "newsletter", ALICE, await walk.version("newsletter"))
    with pytest.raises(Conflict, match="no answer to undo"):
        await engine.undo(walk.case_id, "whats_next_memo", MARY, await walk.version("whats_next_memo"))
    assert await snapshot(store, walk.case_id) == before


# ---------------------------------------------------------------- not applicable
@pytest.mark.parametrize("reason", ["", "   ", "\n"])
async def test_not_applicable_needs_a_reason(engine: Engine, store: SQLiteStore, reason: str) -> None:
    walk = await open_case(engine)
    before = await snapshot(store, walk.case_id)
    with pytest.raises(InvalidInput, match="Reason is required"):
        await engine.not_applicable(walk.case_id, "quickbooks_terms", reason, ALICE,
                                    await walk.version("quickbooks_terms"))
    assert await snapshot(store, walk.case_id) == before


async def test_not_applicable_keeps_the_reason(engine: Engine, store: SQLiteStore) -> None:
    walk = await open_case(engine)
    await engine.not_applicable(walk.case_id, "quickbooks_terms", "  Terms are already net 0 ", ALICE,
                                await walk.version("quickbooks_terms"))
    item = await walk.item("quickbooks_terms")
    assert item.status == "na" and item.value_text == "Not applicable: Terms are already net 0"
    event = of_item(await store.get_events(walk.case_id), "quickbooks_terms", "not_applicable")[-1]
    assert event.note == "Terms are already net 0"


@pytest.mark.parametrize("item_id", ["whats_next_memo", "invoices_settled"])
async def test_generated_items_and_gates_are_never_not_applicable(engine: Engine, item_id: str) -> None:
    walk = await open_case(engine)
    with pytest.raises(InvalidInput, match="cannot be marked not applicable"):
        await engine.not_applicable(walk.case_id, item_id, "Skip it", MARY, await walk.version(item_id))


# ---------------------------------------------------------------- claiming
async def test_claiming_and_handing_on_are_recorded_and_shown(engine: Engine, store: SQLiteStore) -> None:
    walk = await open_case(engine)
    assert "claim" in [a.action for a in (await walk.item("review_account")).actions]

    out = await engine.claim(walk.case_id, "review_account", ALICE, await walk.holder("review_account"))
    assert out.changed and out.message == "Alice Admin now holds “Review AcmeCo's account”."
    item = await walk.item("review_account")
    assert item.assignee == "Alice Admin" and item.status == "open"
    assert "claim" not in [a.action for a in item.actions]

    again = await engine.claim(walk.case_id, "review_account", ALICE, await walk.holder("review_account"))
    assert again.status == "stale" and "already holds" in again.message

    out = await engine.claim(walk.case_id, "review_account", MARY, await walk.holder("review_account"),
                             assignee=ANNE)
    assert out.changed
    assert (await walk.item("review_account")).assignee == "Anne Admin"

    assigned = of_item(await store.get_events(walk.case_id), "review_account", "assigned")
    assert [(e.old, e.new["name"], e.actor["name"]) for e in assigned] == [
        (None, "Alice Admin", "Alice Admin"),
        ({**ALICE.to_json(), "at": "2026-11-27T09:00:04+00:00"}, "Anne Admin", "Mary Manager"),
    ]


# ---------------------------------------------------------------- locks say why
async def test_an_item_of_a_later_step_is_locked_and_says_so(engine: Engine, store: SQLiteStore) -> None:
    walk = await open_case(engine)
    before = await snapshot(store, walk.case_id)
    with pytest.raises(Conflict, match=r"cannot be answered now: it is locked \(waits for step 1 to hand off "
                                       r"to Tech\)"):
        await engine.answer(walk.case_id, "removal_ticket", {"text": "T-1"}, TOM,
                            await walk.version("removal_ticket"))
    assert await snapshot(store, walk.case_id) == before


async def test_an_item_waiting_for_an_answer_says_which(engine: Engine) -> None:
    walk = await open_case(engine)
    with pytest.raises(Conflict, match=r"it is locked \(waits for an answer to “Are there any accounts "
                                       r"receivable\?”\)"):
        await engine.answer(walk.case_id, "payment_arrangements", {"text": "Card"}, ALICE,
                            await walk.version("payment_arrangements"))


async def test_an_item_that_does_not_apply_cannot_be_answered(engine: Engine) -> None:
    walk = await open_case(engine)
    await walk.yes("newsletter", ALICE)
    with pytest.raises(Conflict, match=r"it does not apply \(“Will AcmeCo still receive our newsletter\?” "
                                       r"is yes\)"):
        await engine.mark_done(walk.case_id, "remove_from_newsletter", ALICE,
                               await walk.version("remove_from_newsletter"))


async def test_the_tickets_gate_says_how_many_are_open_and_locks_what_is_behind_it(
        engine: Engine, store: SQLiteStore) -> None:
    walk = await open_case(engine)
    await finish_admin_one(walk)
    gate = await walk.item("all_tickets_closed")
    assert gate.status == "locked" and gate.reason == "The open tickets have not been reviewed yet"

    await tech_up_to_the_gate(walk)  # "Close all open tickets that will not be worked" closed T-101
    gate = await walk.item("all_tickets_closed")
    assert gate.status == "locked" and gate.reason == "1 of 2 tickets still open"
    assert gate.actions == ()
    for behind in ("remove_rmm_agents", "update_monitoring_docs", "update_grid"):
        item = await walk.item(behind)
        assert item.status == "locked"
        assert item.reason == "Behind “When all tickets are closed”: 1 of 2 tickets still open"
        assert item.reason_kind == "gate"
        assert item.actions == ()
    before = await snapshot(store, walk.case_id)
    with pytest.raises(Conflict, match=r"it is locked \(behind “When all tickets are closed”: 1 of 2 "
                                       r"tickets still open\)"):
        await engine.mark_done(walk.case_id, "remove_rmm_agents", TOM,
                               await walk.version("remove_rmm_agents"))
    assert await snapshot(store, walk.case_id) == before

    await engine.close_ticket(walk.case_id, "open_tickets", "T-100", TOM, await walk.version("open_tickets"))
    assert await walk.status("all_tickets_closed") == "done"
    assert await walk.status("remove_rmm_agents") == "open"


async def test_a_gate_that_opens_by_itself_has_nothing_to_undo(engine: Engine, store: SQLiteStore) -> None:
    """Undoing it only logged an undo and an instant re-open; a non-manager was told to ask 'offboard'."""
    walk = await open_case(engine)
    await finish_admin_one(walk)
    await tech_up_to_the_gate(walk)
    for number in ("T-100", "T-101"):
        version = await walk.version("open_tickets")
        await engine.close_ticket(walk.case_id, "open_tickets", number, TOM, version)
    gate = await walk.item("all_tickets_closed")
    assert gate.status == "done" and gate.actions == ()
    before = await snapshot(store, walk.case_id)
    for who in (TOM, MARY):
        with pytest.raises(Conflict, match="no answer to undo"):
            await engine.undo(walk.case_id, "all_tickets_closed", who, gate.version)
    assert await snapshot(store, walk.case_id) == before


async def test_closing_a_ticket_twice_or_one_not_listed(engine: Engine, store: SQLiteStore) -> None:
    walk = await open_case(engine)
    await finish_admin_one(walk)
    await tech_up_to_the_gate(walk)
    version = await walk.version("open_tickets")
    assert (await engine.close_ticket(walk.case_id, "open_tickets", "T-100", TOM, version)).changed
    version = await walk.version("open_tickets")
    again = await engine.close_ticket(walk.case_id, "open_tickets", "T-100", TOM, version)
    assert again.status == "stale" and "already closed" in again.message
    with pytest.raises(NotFound, match="No ticket #T-999"):
        await engine.close_ticket(walk.case_id, "open_tickets", "T-999", TOM, version)
    assert await walk.version("open_tickets") == version


async def test_a_gate_that_is_not_open_cannot_be_confirmed(engine: Engine, store: SQLiteStore) -> None:
    walk = await open_case(engine)
    before = await snapshot(store, walk.case_id)
    with pytest.raises(Conflict, match="cannot be confirmed now: it is locked \\(waits for step 2"):
        await engine.confirm_gate(walk.case_id, "invoices_settled", ALICE,
                                  await walk.version("invoices_settled"))
    with pytest.raises(InvalidInput, match="is not a gate to confirm"):
        await engine.confirm_gate(walk.case_id, "all_tickets_closed", MARY,
                                  await walk.version("all_tickets_closed"))
    with pytest.raises(InvalidInput, match="is not a gate to confirm"):
        await engine.confirm_gate(walk.case_id, "newsletter", ALICE, await walk.version("newsletter"))
    with pytest.raises(InvalidInput, match="not answered by hand"):
        await engine.answer(walk.case_id, "invoices_settled", {"answer": "yes"}, MARY,
                            await walk.version("invoices_settled"))
    assert await snapshot(store, walk.case_id) == before


# ---------------------------------------------------------------- every change has its event, or none
async def test_every_item_version_has_exactly_one_event(engine: Engine, store: SQLiteStore) -> None:
    walk = await open_case(engine)
    await walk.no("newsletter", ALICE)
    await walk.done("remove_from_newsletter", ALICE)
    await walk.yes("newsletter", ALICE)  # closes the removal again
    await engine.claim(walk.case_id, "review_account", ALICE, await walk.holder("review_account"))
    await finish_admin_one(walk)
    await engine.undo(walk.case_id, "quickbooks_terms", MARY, await walk.version("quickbooks_terms"))
    await walk.done("quickbooks_terms", ALICE)
    await tech_up_to_the_gate(walk)
    await engine.close_ticket(walk.case_id, "open_tickets", "T-100", TOM, await walk.version("open_tickets"))

    events = await store.get_events(walk.case_id)
    for item_id, rec in (await store.get_items(walk.case_id)).items():
        answers = [e for e in of_item(events, item_id) if e.kind != "assigned"]
        assert len(answers) == rec.version - 1, item_id
        assert len(of_item(events, item_id, "assigned")) == rec.holder_version - 1, item_id


@pytest.mark.parametrize(("item_id", "raw"), [
    ("prepayment", {"dollars": "NaN", "hours": "10"}),
    ("prepayment", {"dollars": "1500", "hours": "-1"}),
    ("prepayment", {"dollars": "1500"}),
    ("newsletter", {"answer": "maybe"}),
    ("managed_contract_expiration", {"date": "2026-02-30"}),
])
async def test_an_invalid_answer_changes_nothing(engine: Engine, store: SQLiteStore, item_id: str,
                                                 raw: dict[str, str]) -> None:
    walk = await open_case(engine)
    watch = await OutboxWatch(store).start()
    before = await snapshot(store, walk.case_id)
    with pytest.raises(InvalidInput) as refused:
        await engine.answer(walk.case_id, item_id, raw, ALICE, await walk.version(item_id))
    assert refused.value.field is not None
    assert await snapshot(store, walk.case_id) == before
    assert await watch.notices() == []


async def test_a_failure_mid_command_rolls_back_the_state_and_its_events(
        engine: Engine, store: SQLiteStore, db_path: Path) -> None:
    """The database refuses the outbox write, which comes after the item and its event: all or nothing."""
    walk = await open_case(engine)
    before = await snapshot(store, walk.case_id)
    with sqlite3.connect(db_path) as db:
        db.execute("CREATE TRIGGER fail_outbox BEFORE INSERT ON outbox "
                   "BEGIN SELECT RAISE(ABORT, 'outbox is down'); END")
    with pytest.raises(StoreError, match="outbox is down"):
        await walk.no("newsletter", ALICE)
    assert await snapshot(store, walk.case_id) == before

    with sqlite3.connect(db_path) as db:
        db.execute("DROP TRIGGER fail_outbox")
    await walk.no("newsletter", ALICE)
    assert await snapshot(store, walk.case_id) != before


# ---------------------------------------------------------------- cancelling and reopening a case
async def test_cancelling_a_case(engine: Engine, store: SQLiteStore, clock: Clock) -> None:
    walk = await open_case(engine)
    await walk.no("newsletter", ALICE)

    with pytest.raises(NotAllowed):
        await engine.cancel_case(walk.case_id, "Tech wants out", TOM)
    with pytest.raises(InvalidInput, match="Reason is required"):
        await engine.cancel_case(walk.case_id, "  ", ALICE)
    case = await store.get_case(walk.case_id)
    assert case is not None and case.status == "open"

    out = await engine.cancel_case(walk.case_id, "Client signed a new contract", ALICE)
    assert out.changed and "Client signed a new contract" in out.message
    case = await store.get_case(walk.case_id)
    assert case is not None and case.status == "cancelled" and case.closed_at is not None
    event = (await store.get_events(walk.case_id))[-1]
    assert (event.kind, event.note, event.actor["name"]) == (
        "case_cancelled", "Client signed a new contract", "Alice Admin")
    again = await engine.cancel_case(walk.case_id, "Twice", ALICE)
    assert again.status == "stale" and "already cancelled" in again.message

    # A cancelled case refuses work and offers no buttons ...
    before = await snapshot(store, walk.case_id)
    with pytest.raises(Conflict, match="is cancelled; reopen it first") as refused:
        await engine.mark_done(walk.case_id, "review_account", ALICE, await walk.version("review_account"))
    assert refused.value.case_id == walk.case_id
    with pytest.raises(Conflict, match="cancelled"):
        await engine.undo(walk.case_id, "newsletter", MARY, await walk.version("newsletter"))
    assert await snapshot(store, walk.case_id) == before
    assert all(item.actions == () for item in (await engine.step_card(walk.case_id, "admin_one")).items)

    # ... until it is reopened, with its answers as they were.
    assert (await engine.reopen_case(walk.case_id, "Client came back", ALICE)).changed
    assert (await store.get_items(walk.case_id))["newsletter"].value == {"answer": False}
    await walk.done("review_account", ALICE)
    assert await walk.status("review_account") == "done"
    kinds = [e.kind for e in await store.get_events(walk.case_id)]
    assert kinds.index("case_cancelled") < kinds.index("case_reopened")


async def test_reopening_an_open_case_changes_nothing(engine: Engine) -> None:
    walk = await open_case(engine)
    out = await engine.reopen_case(walk.case_id, "Client came back", ALICE)
    assert out.status == "stale" and "already open" in out.message


async def test_commands_on_a_case_or_item_that_does_not_exist(engine: Engine) -> None:
    walk = await open_case(engine)
    with pytest.raises(NotFound):
        await engine.mark_done("c-nope", "review_account", ALICE, 1)
    with pytest.raises(NotFound):
        await engine.mark_done(walk.case_id, "no_such_item", ALICE, 1)
    with pytest.raises(NotFound):
        await engine.open_case("Beta", HEADER, ALICE, checklist_id="no_such_checklist")


# ---------------------------------------------------------------- a second checklist, same engine
async def test_the_onboarding_checklist_runs_on_the_same_engine(
        store: SQLiteStore, offboarding: Checklist, clock: Clock) -> None:
    onboarding = load_checklist(BUILTIN_DIR / "onboarding.toml")
    engine = Engine(store, {"offboarding": offboarding, "onboarding": onboarding}, clock=clock)
    start = {"start_date": "2026-12-01", "contact_name": "Pat New", "contact_email": "pat@newco.example"}

    with pytest.raises(InvalidInput) as refused:
        await engine.open_case("NewCo", HEADER, ALICE, checklist_id="onboarding")
    assert refused.value.field == "contact_phone" and "Unknown" in refused.value.message, \
        "the onboarding header is its own"

    out = await engine.open_case("NewCo", start, ALICE, checklist_id="onboarding")
    assert out.changed and out.message == "Opened the onboarding case for NewCo."
    other = await open_case(engine, "OldCo")  # an offboarding case alongside, on the default checklist
    offboard_case = await store.get_case(other.case_id)
    assert offboard_case is not None and offboard_case.checklist_id == "offboarding"

    onboard = Walk(engine, out.case_id or "")
    case = await store.get_case(onboard.case_id)
    assert case is not None and case.checklist_id == "onboarding"
    assert (await onboard.item("signed_agreement")).text == "File NewCo's signed managed service agreement"
    assert await onboard.status("install_rmm") == "locked"

    await onboard.done("signed_agreement", ALICE)
    await onboard.answer("monthly_fee", ALICE, dollars="$1,250")
    await onboard.yes("newsletter", ALICE)
    await onboard.done("add_to_newsletter", ALICE)
    assert (await engine.summary(onboard.case_id)).holder == "Tech"

    await onboard.done("install_rmm", TOM)
    await onboard.answer("documentation", TOM, choice="electronic")
    assert await onboard.status("update_grid") == "locked"
    gate = await engine.confirm_gate(onboard.case_id, "monitoring_gate", TOM,
                                     await onboard.version("monitoring_gate"))
    assert gate.changed
    await onboard.done("update_grid", TOM)

    case = await store.get_case(onboard.case_id)
    assert case is not None and case.status == "completed"
    summary = await engine.summary(onboard.case_id)
    assert summary.title == "Set up NewCo on managed services" and summary.holder is None
    kinds = [e.kind for e in await store.get_events(onboard.case_id)]
    assert kinds[0] == "case_opened" and kinds[-1] == "case_completed"
    assert kinds.count("handoff") == 2
    offboard_case = await store.get_case(other.case_id)
    assert offboard_case is not None and offboard_case.status == "open", "the other case is untouched"


async def test_a_claim_does_not_make_an_answer_stale_and_a_losing_claim_says_who_won(engine: Engine) -> None:
    walk = await open_case(engine)
    shown = await walk.item("review_account")  # one card, seen by Alice and Adam
    claim = next(a for a in shown.actions if a.action == "claim")
    done = next(a for a in shown.actions if a.action == "done")
    assert claim.version != done.version or claim.version == 1, "each button carries its own version"
    assert (await engine.act(walk.case_id, "review_account", "claim", ALICE, claim.version)).changed
    lost = await engine.act(walk.case_id, "review_account", "claim", ADAM, claim.version)
    assert lost.status == "stale"
    assert lost.message == "Nothing changed: Alice Admin claimed this item at 2026-11-27 09:00."
    answered = await engine.act(walk.case_id, "review_account", "done", ADAM, done.version)
    assert answered.changed, "the claim did not touch what the item answers"


# ---------------------------------------------------------------- undo after a hand-off
async def test_undo_after_the_hand_off_reopens_the_step_visibly(engine: Engine, store: SQLiteStore) -> None:
    walk = await open_case(engine)
    await finish_admin_one(walk)
    watch = await OutboxWatch(store).start()
    await engine.undo(walk.case_id, "review_account", ALICE, await walk.version("review_account"))
    view = await engine.view(walk.case_id)
    assert view.card("admin_one").status == "reopened"
    summary = view.summary()
    assert [p.status for p in summary.steps] == ["reopened", "active", "waiting"]
    assert summary.holder == "Admin and Tech"
    notices = [d.notice for d in await watch.notices()]
    lines = [n.payload["text"] for n in notices if n.kind == "thread"]
    assert "Alice Admin undid “Review AcmeCo's account”: step 1 is reopened (Routing step one: Admin; " \
           "with Admin)." in lines
    (told,) = [n for n in notices if n.kind == "handoff"]
    assert told.target == "dept:tech" and told.payload["handoff"]["kind"] == "reopened"

    watch = await OutboxWatch(store, "watch2").start()
    await walk.done("review_account", ALICE)
    assert (await engine.view(walk.case_id)).card("admin_one").status == "complete"
    notices = [d.notice for d in await watch.notices()]
    assert "Step 1 is complete again (Routing step one: Admin): “Review AcmeCo's account”: Done." in [
        n.payload["text"] for n in notices if n.kind == "thread"]
    (again,) = [n for n in notices if n.kind == "handoff"]
    assert again.target == "dept:tech" and again.payload["handoff"]["kind"] == "complete_again"
    assert again.payload["handoff"]["changed"] == [
        {"text": "Review AcmeCo's account", "value_text": "Done", "by": "Alice Admin"}]


# ---------------------------------------------------------------- manager-only items
async def test_a_manager_only_item_that_opens_is_announced_to_the_managers(engine: Engine,
                                                                          store: SQLiteStore) -> None:
    walk = await open_case(engine)
    await finish_admin_one(walk)
    watch = await OutboxWatch(store).start()
    await walk.answer("open_tickets", TOM, none=True)  # the summary report is generated: the manager's turn
    (notice,) = [d.notice for d in await watch.notices() if d.notice.target == "managers"]
    assert notice.kind == "manager_item" and notice.ref_key == "manager:email_summary_report"
    (item,) = notice.payload["card"]["items"]
    assert item["text"] == "Service manager: email the summary report to AcmeCo" and item["status"] == "open"
    assert [a["action"] for a in item["actions"]] == ["done", "na", "claim"]
    summary = (await engine.view(walk.case_id)).summary()
    assert summary.needs_manager == ("Service manager: email the summary report to AcmeCo",)
    await walk.done("email_summary_report", MARY)
    updates = [d.notice for d in await watch.notices() if d.notice.target == "managers"]
    assert len(updates) == 2 and updates[-1].payload["card"]["items"][0]["status"] == "done"
    assert (await engine.view(walk.case_id)).summary().needs_manager == ()
