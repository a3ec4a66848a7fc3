"""Edits that must not undo other people's work, and the ball going back to a department."""

from __future__ import annotations

import pytest

from dialogs.engine import Engine
from dialogs.errors import InvalidInput, NotAllowed
from storage.sqlite import SQLiteStore
from tests.conftest import ALICE, OSCAR, TOM
from tests.engine.support import (
    TWO_TICKETS,
    OutboxWatch,
    finish_admin_one,
    open_case,
    tech_up_to_the_gate,
)


async def test_editing_the_ticket_list_keeps_closed_tickets_closed(engine: Engine) -> None:
    walk = await open_case(engine)
    await finish_admin_one(walk)
    await tech_up_to_the_gate(walk)
    out = await engine.close_ticket(walk.case_id, "open_tickets", "T-100", TOM,
                                    await walk.version("open_tickets"))
    assert out.changed  # T-101 ("close") was closed with "Close all open tickets that will not be worked"
    assert await walk.status("all_tickets_closed") == "done"
    # Tech adds a third ticket, re-sending the first two rows as the edit form does (no "closed").
    rows = [*TWO_TICKETS, {"number": "T-102", "title": "New laptop", "decision": "billable"}]
    await walk.answer("open_tickets", TOM, tickets=rows, shown=["T-100", "T-101"])
    view = await engine.view(walk.case_id)
    closed = {t["number"]: t["closed"] for t in (view.records["open_tickets"].value or {})["tickets"]}
    assert closed == {"T-100": True, "T-101": True, "T-102": False}
    gate = await walk.item("all_tickets_closed")
    assert gate.status == "locked" and gate.reason == "1 of 3 tickets still open"


async def test_a_reopened_item_gives_the_ball_back_to_its_department(engine: Engine) -> None:
    walk = await open_case(engine)
    await finish_admin_one(walk)
    assert (await engine.summary(walk.case_id)).holder == "Tech"
    out = await engine.undo(walk.case_id, "contact_client", ALICE, await walk.version("contact_client"))
    assert out.changed
    assert (await engine.summary(walk.case_id)).holder == "Admin and Tech"


async def test_not_applicable_again_edits_the_reason_or_changes_nothing(engine: Engine) -> None:
    walk = await open_case(engine)
    out = await engine.not_applicable(walk.case_id, "quickbooks_terms", "Net 0 already", ALICE,
                                      await walk.version("quickbooks_terms"))
    assert out.changed
    same = await engine.not_applicable(walk.case_id, "quickbooks_terms", "Net 0 already", ALICE,
                                       await walk.version("quickbooks_terms"))
    assert same.status == "stale"
    other = await engine.not_applicable(walk.case_id, "quickbooks_terms", "Client keeps terms", ALICE,
                                        await walk.version("quickbooks_terms"))
    assert other.changed
    assert (await walk.item("quickbooks_terms")).value_text == "Not applicable: Client keeps terms"


async def test_a_click_on_an_item_a_rule_closed_says_so(engine: Engine) -> None:
    walk = await open_case(engine)
    await walk.no("newsletter", ALICE)
    shown = await walk.version("remove_from_newsletter")
    await walk.yes("newsletter", ALICE)
    out = await engine.mark_done(walk.case_id, "remove_from_newsletter", ALICE, shown)
    assert out.status == "stale"
    assert "no longer applies" in out.message and "offboard" not in out.message


async def test_exporting_offers_the_documents_so_far_once_per_request(engine: Engine,
                                                                     store: SQLiteStore) -> None:
    walk = await open_case(engine)
    watch = await OutboxWatch(store).start()
    out = await engine.export_documents(walk.case_id, TOM, request_id="export-1")
    assert out.changed
    again = await engine.export_documents(walk.case_id, TOM, request_id="export-1")
    assert again.status == "duplicate"
    offered = [(d.notice.payload["document"], d.notice.payload["title"])
               for d in await watch.notices() if d.notice.kind == "document"]
    assert offered == [("memo", "\"What's Next\" memo for AcmeCo"), ("checklist", "Checklist so far: AcmeCo")]
    with pytest.raises(NotAllowed):
        await engine.export_documents(walk.case_id, OSCAR)


async def test_a_button_means_the_same_command_on_every_surface(engine: Engine) -> None:
    walk = await open_case(engine)
    item = await walk.item("newsletter")
    no = next(a for a in item.actions if a.action == "no")
    out = await engine.act(walk.case_id, "newsletter", no.action, ALICE, no.version)
    assert out.changed and (await walk.item("newsletter")).value_text == "No"
    with pytest.raises(InvalidInput, match="Unknown action"):
        await engine.act(walk.case_id, "newsletter", "explode", ALICE, await walk.version("newsletter"))


async def test_yes_without_the_detail_it_asks_for_names_the_field(engine: Engine) -> None:
    walk = await open_case(engine)
    with pytest.raises(InvalidInput) as refused:
        await engine.answer(walk.case_id, "unbundled_services", {"answer": "yes"}, ALICE,
                            await walk.version("unbundled_services"))
    assert refused.value.field == "detail" and "Which services?" in refused.value.message


async def test_undoing_the_answer_a_done_item_hung_on_takes_its_answer_back_too(engine: Engine) -> None:
    walk = await open_case(engine)
    await walk.yes("accounts_receivable", ALICE)
    await walk.answer("payment_arrangements", ALICE, text="Card on Friday")
    version = await walk.version("accounts_receivable")
    out = await engine.undo(walk.case_id, "accounts_receivable", ALICE, version)
    assert out.changed
    view = await engine.view(walk.case_id)
    assert view.records["payment_arrangements"].status == "locked"
    assert view.records["payment_arrangements"].value is None
    await walk.yes("accounts_receivable", ALICE)
    assert await walk.status("payment_arrangements") == "open", "asked again, not silently kept"
