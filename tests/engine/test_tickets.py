"""Tickets: "no open tickets" is a choice, saves keep rows they did not show, numbers are NFKC."""

from __future__ import annotations

import pytest

from dialogs.engine import Engine
from dialogs.errors import InvalidInput
from storage.sqlite import SQLiteStore
from tests.conftest import TOM
from tests.engine.support import TWO_TICKETS, finish_admin_one, open_case, snapshot


async def tickets_open(engine: Engine):  # type: ignore[no-untyped-def]
    walk = await open_case(engine)
    await finish_admin_one(walk)
    return walk


async def rows(engine: Engine, case_id: str) -> list[dict[str, object]]:
    view = await engine.view(case_id)
    return list((view.records["open_tickets"].value or {}).get("tickets", []))


async def test_an_empty_tickets_form_is_refused_and_says_how_to_say_none(
        engine: Engine, store: SQLiteStore) -> None:
    walk = await tickets_open(engine)
    before = await snapshot(store, walk.case_id)
    with pytest.raises(InvalidInput, match="choose “No open tickets” instead") as refused:
        await engine.answer(walk.case_id, "open_tickets", {"tickets": []}, TOM,
                            await walk.version("open_tickets"))
    assert refused.value.field == "tickets"
    assert await snapshot(store, walk.case_id) == before
    assert await walk.status("summary_report") == "locked", "no report from an untouched form"


async def test_no_open_tickets_is_its_own_answer(engine: Engine) -> None:
    walk = await tickets_open(engine)
    item = await walk.item("open_tickets")
    none = next(a for a in item.actions if a.action == "no_tickets")
    assert none.label == "No open tickets" and not none.inputs
    out = await engine.act(walk.case_id, "open_tickets", "no_tickets", TOM, none.version)
    assert out.changed
    item = await walk.item("open_tickets")
    assert item.value_text == "No open tickets"
    assert await walk.status("all_tickets_closed") == "done"


async def test_a_save_keeps_the_rows_it_did_not_show(engine: Engine) -> None:
    walk = await tickets_open(engine)
    forty = [{"number": f"T-{n:03d}", "title": f"Ticket {n}", "decision": "billable"} for n in range(40)]
    await walk.answer("open_tickets", TOM, tickets=forty)
    # A form that showed the first 25 rows, with one changed and one removed.
    page = [dict(r) for r in forty[:25] if r["number"] != "T-003"]
    page[0]["title"] = "Printer jams (again)"
    await walk.answer("open_tickets", TOM, tickets=page, shown=[r["number"] for r in forty[:25]])
    numbers = [r["number"] for r in await rows(engine, walk.case_id)]
    assert len(numbers) == 39 and "T-003" not in numbers and numbers[-1] == "T-039"
    assert (await rows(engine, walk.case_id))[0]["title"] == "Printer jams (again)"


async def test_a_save_that_does_not_say_what_it_showed_is_refused(engine: Engine, store: SQLiteStore) -> None:
    walk = await tickets_open(engine)
    await walk.answer("open_tickets", TOM, tickets=TWO_TICKETS)
    before = await snapshot(store, walk.case_id)
    with pytest.raises(InvalidInput, match="does not say which tickets it showed"):
        await engine.answer(walk.case_id, "open_tickets", {"tickets": TWO_TICKETS[:1]}, TOM,
                            await walk.version("open_tickets"))
    assert await snapshot(store, walk.case_id) == before


async def test_a_new_row_may_not_reuse_a_number_from_another_page(engine: Engine) -> None:
    walk = await tickets_open(engine)
    await walk.answer("open_tickets", TOM, tickets=TWO_TICKETS)
    with pytest.raises(InvalidInput, match="#T-101 is already recorded"):
        await walk.answer("open_tickets", TOM, tickets=[*TWO_TICKETS[:1], {**TWO_TICKETS[1], "title": "x"}],
                          shown=["T-100"])


async def test_fullwidth_digits_are_the_same_ticket(engine: Engine) -> None:
    walk = await tickets_open(engine)
    with pytest.raises(InvalidInput, match="#42 is listed twice"):
        await walk.answer("open_tickets", TOM, tickets=[{"number": "42", "decision": "billable"},
                                                        {"number": "４２", "decision": "close"}])
    await walk.answer("open_tickets", TOM, tickets=[{"number": "４２", "decision": "billable"}])
    assert [r["number"] for r in await rows(engine, walk.case_id)] == ["42"]
    version = await walk.version("open_tickets")
    out = await engine.close_ticket(walk.case_id, "open_tickets", "４２", TOM, version)
    assert out.changed and (await rows(engine, walk.case_id))[0]["closed"] is True
