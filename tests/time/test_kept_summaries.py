"""Lists read kept summary rows, not derived cases: days later, with nothing changed in between, they still
say what is true then (days to the stop date, late items, the most urgent one in words), sort the most
urgent first, and find what needs a person without deriving every case."""

from __future__ import annotations

from dialogs.engine import Engine
from storage.sqlite import SQLiteStore
from tests.conftest import ALICE, HEADER, MARY, TOM, StillClock
from tests.engine.support import open_case


async def test_a_kept_summary_read_days_later_says_what_is_true_then(timed: Engine,
                                                                    still: StillClock) -> None:
    walk = await open_case(timed)  # Friday 27 November, 09:00; nothing changes after this
    kept = (await timed.cases("open")).summaries[0]
    assert (kept.days_to_stop, kept.late_items) == (34, 0)
    assert kept.next_due == "“Collect prepayment of $___ for ___ hours labor” due in 4 days"
    still.advance(days=5, hours=1)  # Wednesday 2 December, 10:00: the prepayment is a day late
    kept = (await timed.cases("open")).summaries[0]
    fresh = await timed.summary(walk.case_id)  # derived from the case, as of now
    assert (kept.days_to_stop, kept.late_items, kept.next_due, kept.overdue) == (
        fresh.days_to_stop, fresh.late_items, fresh.next_due, fresh.overdue) == (
        29, 1, "“Collect prepayment of $___ for ___ hours labor” 1 day late", False)
    still.advance(days=30)  # past the stop date
    kept = (await timed.cases("open")).summaries[0]
    fresh = await timed.summary(walk.case_id)
    assert (kept.days_to_stop, kept.late_items, kept.overdue) == (
        fresh.days_to_stop, fresh.late_items, fresh.overdue)
    assert kept.overdue and kept.days_to_stop == -1 and kept.late_items == fresh.late_items > 1


async def test_most_urgent_first_puts_the_longest_late_case_first(timed: Engine, still: StillClock) -> None:
    calm = await open_case(timed, "Calm Co", header={**HEADER, "stop_date": "2027-03-31"})
    still.advance(days=3)  # Monday 30 November
    late = await open_case(timed, "Late Co")
    await calm.answer("prepayment", ALICE, dollars="1500", hours="10")  # Calm's earliest due is later
    still.advance(days=10)
    order = [s.client for s in (await timed.cases("open", order="urgent")).summaries]
    newest = [s.client for s in (await timed.cases("open", order="newest")).summaries]
    assert order == ["Late Co", "Calm Co"] and newest == ["Late Co", "Calm Co"]
    firsts = [s.client for s in (await timed.cases("open", order="oldest")).summaries]
    assert firsts == ["Calm Co", "Late Co"]
    assert late.case_id != calm.case_id


async def test_needs_you_finds_held_late_and_manager_items(timed: Engine, store: SQLiteStore,
                                                           still: StillClock) -> None:
    walk = await open_case(timed)
    out = await timed.claim(walk.case_id, "review_account", ALICE, await walk.holder("review_account"))
    assert out.changed, out.message
    held = await timed.needs_you(ALICE)
    assert [(a.client, a.text, a.why) for a in held] == [
        ("AcmeCo", "Review AcmeCo's account", "you hold it; due in 7 days")]
    assert await timed.needs_you(TOM) == [], "nothing of Tech's is open yet"
    still.advance(days=5, hours=1)  # the prepayment is late
    lines = [a.line for a in await timed.needs_you(ALICE)]
    assert lines[0] == "“Collect prepayment of $___ for ___ hours labor” — 1 day late"
    assert "“Review AcmeCo's account” — you hold it; due in 2 days · Alice Admin" in lines
    assert all(not a.why.startswith("waits for a manager") for a in await timed.needs_you(MARY))


async def test_needs_you_stops_deriving_once_it_has_enough(timed: Engine, still: StillClock) -> None:
    for n in range(4):
        await open_case(timed, f"Client {n}")
    still.advance(days=5, hours=1)  # every case's prepayment is late
    assert len(await timed.needs_you(ALICE)) == 4, "one late prepayment each"
    few = await timed.needs_you(ALICE, enough=2)
    assert len(few) == 2 and all(a.late for a in few), "the most urgent cases first, then it stops"
