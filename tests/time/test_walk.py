"""A case walked across simulated weeks: exactly the digests, reminders and escalations expected, in order;
a snooze that silences and resumes; an item finished just before its reminder; a restart that sends
nothing twice and loses nothing; a stop date moved later."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from dialogs.engine import Engine
from dialogs.reminder_views import DigestView, ReminderView
from dialogs.replies import digest_head, digest_line, reminder_text
from storage.base import TimerKind, TimerStatus
from storage.sqlite import SQLiteStore
from tests.conftest import ALICE, MARY, TOM, StillClock
from tests.engine.support import open_case, tech_up_to_the_gate
from tests.engine.test_scenario import Walk
from tests.time.sim import Sim

STEP_ONE_BUT_PREPAYMENT = [
    ("review_account", {}), ("accounts_receivable", {"answer": "no"}), ("contact_client", {}),
    ("cancel_recurring_billing", {}), ("managed_contract_expiration", {"date": "2026-12-31"}),
    ("keep_tm_contract", {}), ("keep_other_contracts", {}), ("unbundled_services", {"answer": "no"}),
    ("quickbooks_terms", {}), ("newsletter", {"answer": "yes"}),
]


def at(month: int, day: int, hour: int = 9, minute: int = 0) -> datetime:
    year = 2027 if month < 6 else 2026
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


async def opened_without_prepayment(engine: Engine) -> Walk:
    """Friday 27 November, 09:00: Admin opens the case and does all of step one but the prepayment."""
    walk = await open_case(engine)
    for item_id, raw in STEP_ONE_BUT_PREPAYMENT:
        await walk.answer(item_id, ALICE, **raw)
    return walk


async def test_weeks_of_a_case_bring_exactly_the_expected_nudges(timed: Engine, store: SQLiteStore,
                                                                 still: StillClock) -> None:
    walk = await opened_without_prepayment(timed)
    sim = await Sim(store, timed, still).start()
    await sim.until(at(12, 3, 10))
    await walk.answer("prepayment", ALICE, dollars="1500", hours="10")  # Thursday: step two opens

    still.now = at(12, 7, 10)  # Monday: Tech works up to the gate, closes the last ticket...
    await tech_up_to_the_gate(walk, TOM)
    version = await walk.version("open_tickets")
    out = await timed.close_ticket(walk.case_id, "open_tickets", "T-100", TOM, version)
    assert out.changed
    for item in ("remove_rmm_agents", "update_monitoring_docs"):
        await walk.done(item, TOM)
    out = await timed.claim(walk.case_id, "update_grid", TOM, await walk.holder("update_grid"))
    assert out.changed  # ...and takes the grid, due on the stop date, for later
    await sim.until(at(1, 4, 9, 30))
    await walk.done("update_grid", TOM)  # Monday 4 January: done at last; step three is due 1 February
    await sim.until(at(1, 8, 18))

    assert sim.said() == [
        "Tue 01 Dec 09:00 digest dept:admin: prepayment due today",
        "Tue 01 Dec 17:00 reminder dept: prepayment late (due today)",
        "Wed 02 Dec 09:00 digest dept:admin: prepayment 1 day late",
        "Wed 02 Dec 13:00 escalation1 case: prepayment 1 day late",
        "Wed 02 Dec 17:00 escalation2 managers: prepayment 1 day late",
        "Thu 03 Dec 09:00 digest dept:admin: prepayment 2 days late",
        # Tech's step is due Wednesday 23 December (5 business days before the 31st, Christmas off): done
        # by then, so nothing; the grid, due on the stop date, is Tom's.
        "Thu 31 Dec 09:00 digest dept:tech: update_grid due today",
        "Thu 31 Dec 17:00 reminder dept: update_grid late (due today) (held by Tom Tech)",
        "Fri 01 Jan 09:00 digest dept:tech: update_grid 1 day late",
        "Fri 01 Jan 13:00 escalation1 case: update_grid 1 day late (held by Tom Tech)",
        "Fri 01 Jan 17:00 escalation2 managers: update_grid 1 day late (held by Tom Tech)",
        "Mon 04 Jan 09:00 digest dept:tech: update_grid 4 days late",
    ]
    reminder, thread, managers = (ReminderView.from_json(n.payload["reminder"]) for n in sim.timed()[1:5]
                                  if n.kind != "digest")
    assert reminder_text(reminder) == (
        "“Collect prepayment of $___ for ___ hours labor” for AcmeCo is late: it was due Tue 1 Dec "
        "(step 1, Admin).")
    assert reminder_text(thread) == (
        "Still late: “Collect prepayment of $___ for ___ hours labor” for AcmeCo is 1 day late; it was due "
        "Tue 1 Dec (step 1, Admin). Nobody has claimed it.")
    assert reminder_text(managers).startswith("Escalated to the managers: “Collect prepayment")
    digest = DigestView.from_json(sim.timed()[-1].payload["digest"])
    assert digest_head(digest) == "Tech, Mon 4 Jan: 1 late"
    assert [digest_line(line) for line in digest.cases[0].lines] == [
        "“Update the Managed Services Grid” — 4 days late · Tom Tech"]
    events = [e for e in await store.get_events(walk.case_id) if e.kind == "reminded"]
    assert [(e.item_id, e.new["level"]) for e in events] == [("prepayment", 0), ("prepayment", 1),
                                                             ("prepayment", 2), ("update_grid", 0),
                                                             ("update_grid", 1), ("update_grid", 2)]


async def test_the_overdue_reminder_refreshes_the_card_so_it_shows_late(timed: Engine, store: SQLiteStore,
                                                                      still: StillClock) -> None:
    walk = await opened_without_prepayment(timed)
    sim = await Sim(store, timed, still).start()
    await sim.until(at(12, 1, 17))
    card = [n for n in sim.recorder.sent if n.kind == "card"][-1]
    (prepay,) = [i for i in card.payload["card"]["items"] if i["id"] == "prepayment"]
    assert (prepay["due_text"], prepay["late"]) == ("late (due today)", True)
    assert [a["label"] for a in prepay["actions"]][-2:] == ["Snooze a day", "Snooze until a date"]
    assert (await timed.summary(walk.case_id)).late_items == 1


async def test_a_snooze_silences_the_chain_and_it_resumes_after(timed: Engine, store: SQLiteStore,
                                                              still: StillClock) -> None:
    walk = await opened_without_prepayment(timed)
    sim = await Sim(store, timed, still).start()
    await sim.until(at(12, 2, 10))  # Wednesday: the reminder went out yesterday, the digest this morning
    out = await timed.act(walk.case_id, "prepayment", "snooze", MARY, await walk.version("prepayment"),
                          {"reason": "The client pays on Thursday"})
    assert out.changed
    await sim.until(at(12, 4, 12))
    assert sim.said() == [
        "Tue 01 Dec 09:00 digest dept:admin: prepayment due today",
        "Tue 01 Dec 17:00 reminder dept: prepayment late (due today)",
        "Wed 02 Dec 09:00 digest dept:admin: prepayment 1 day late",
        # Snoozed until Thursday 09:00: nothing on Wednesday afternoon; the chain goes on from there.
        "Thu 03 Dec 09:00 digest dept:admin: prepayment 2 days late",
        "Thu 03 Dec 13:00 escalation1 case: prepayment 2 days late",
        "Fri 04 Dec 09:00 escalation2 managers: prepayment 3 days late",
        "Fri 04 Dec 09:00 digest dept:admin: prepayment 3 days late",
    ]
    thread = [n.payload["text"] for n in await store.notices(f"case:{walk.case_id}") if n.kind == "thread"]
    assert ("Mary Manager snoozed the reminders for “Collect prepayment of $___ for ___ hours labor” until "
            "Thu 3 Dec 09:00: The client pays on Thursday") in thread


async def test_an_item_finished_just_before_its_reminder_sends_none(timed: Engine, store: SQLiteStore,
                                                                   still: StillClock) -> None:
    walk = await opened_without_prepayment(timed)
    sim = await Sim(store, timed, still).start()
    await sim.until(at(12, 1, 16, 59))
    await walk.answer("prepayment", ALICE, dollars="1500", hours="10")
    await sim.until(at(12, 9))
    assert sim.said() == ["Tue 01 Dec 09:00 digest dept:admin: prepayment due today"]


async def test_an_item_finished_while_its_timer_is_claimed_sends_none(timed: Engine, store: SQLiteStore,
                                                                     still: StillClock) -> None:
    """The scheduler claimed the timer; the item is done before it fires: it checks again, and sends
    nothing."""
    walk = await opened_without_prepayment(timed)
    sim = await Sim(store, timed, still).start()
    still.now = at(12, 1, 17)
    (claimed,) = [t for t in await store.claim_timers("p1", still.now, at(12, 1, 17, 1))
                  if t.kind is TimerKind.DUE]
    await walk.answer("prepayment", ALICE, dollars="1500", hours="10")
    assert await sim.scheduler.reminders.fire(claimed, "p1") is False
    await sim.dispatcher.run_once()
    assert sim.said() == []


async def test_a_restart_in_the_middle_of_a_day_sends_nothing_twice_and_loses_nothing(
        timed: Engine, db_path: object, still: StillClock, store: SQLiteStore) -> None:
    walk = await opened_without_prepayment(timed)
    first = await Sim(store, timed, still).start()
    await first.until(at(12, 1, 17))  # the digest and the reminder went out; then the server stops
    assert len(first.said()) == 2
    async with SQLiteStore(store.path) as again:  # the restarted process, with its own connections
        engine = Engine(again, timed.checklists, clock=still, timing=timed.timing)
        second = await Sim(again, engine, still, owner="p2", recorder=first.recorder).start()
        await second.until(at(12, 1, 17, 30))
        assert len(second.said()) == 2, "nothing is sent again after a restart"
        await second.until(at(12, 2, 12))
        assert len(second.said()) == 3, "the next morning's digest"
        # A crash while holding a timer: its lease runs out, and then it goes out once.
        still.now = at(12, 2, 13)
        held = await again.claim_timers("crashed", still.now, at(12, 2, 13, 1))
        assert [t.level for t in held] == [1]
        await second.step()
        assert len(second.said()) == 3, "the held escalation waits for the lease"
        await second.until(at(12, 2, 13, 2))
        assert second.said()[3:] == ["Wed 02 Dec 13:01 escalation1 case: prepayment 1 day late"]
        assert [t.status for t in await again.timers(walk.case_id) if t.level == 1] == [TimerStatus.FIRED]


async def test_a_server_down_for_a_day_catches_up_once(timed: Engine, store: SQLiteStore,
                                                       still: StillClock) -> None:
    await opened_without_prepayment(timed)
    sim = await Sim(store, timed, still).start()
    await sim.until(at(11, 30, 12))
    still.now = at(12, 2, 15)  # down from Monday noon to Wednesday 15:00
    await sim.step()
    assert sim.said() == [
        "Wed 02 Dec 15:00 digest dept:admin: prepayment 1 day late",  # one digest, not one per day missed
        "Wed 02 Dec 15:00 reminder dept: prepayment 1 day late",
        "Wed 02 Dec 15:00 escalation1 case: prepayment 1 day late",
    ]
    await sim.until(at(12, 2, 18))
    assert sim.said()[3:] == ["Wed 02 Dec 17:00 escalation2 managers: prepayment 1 day late"]


async def test_a_digest_sent_again_the_same_day_edits_its_message(timed: Engine, store: SQLiteStore,
                                                                 still: StillClock) -> None:
    await opened_without_prepayment(timed)
    sim = await Sim(store, timed, still).start()
    await sim.until(at(12, 1, 10))
    (digest,) = [t for t in await store.timers() if t.kind is TimerKind.DIGEST and t.department == "admin"]
    async with store.write() as tx:  # say digest_at moved to 11:00 after this morning's went out
        await tx.put_timer(replace(digest, fire_at=at(12, 1, 11)))
    await sim.until(at(12, 1, 11, 30))
    digests = [n for n in sim.recorder.sent if n.kind == "digest"]
    assert len(digests) == 2 and digests[0].ref_key == digests[1].ref_key == "digest:admin:2026-12-01"
    assert sim.recorder.posts == len([n for n in sim.recorder.sent if n.ref_key and n.kind != "digest"]) + 1


async def test_a_stop_date_moved_later_moves_the_reminders(timed: Engine, store: SQLiteStore,
                                                          still: StillClock) -> None:
    walk = await opened_without_prepayment(timed)
    await walk.answer("prepayment", ALICE, dollars="1500", hours="10")
    sim = await Sim(store, timed, still).start()
    still.now = at(12, 21, 10)
    out = await timed.change_date(walk.case_id, "stop_date", "2027-01-15", "Two more weeks", ALICE)
    assert out.changed
    await sim.until(at(1, 8, 18))
    assert not [s for s in sim.said() if "Dec" in s], "nothing at the old due date"
    assert sim.said()[0] == (
        "Fri 08 Jan 09:00 digest dept:tech: removal_ticket due today; email_filtering due today; "
        "verify_documentation due today; deliver_documentation due today; backup_narrative due today; "
        "open_tickets due today")
