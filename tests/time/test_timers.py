"""Timers are kept with the state: written in the transaction of the change that implies them, dropped
when an item is done or not applicable, moved (and the move recorded) when the stop date or an anchor
answer changes."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from dialogs.checklist import BUILTIN_DIR
from dialogs.checklist_loader import load_checklist
from dialogs.engine import Engine
from dialogs.errors import Conflict, InvalidInput, NotAllowed
from storage.base import TimerKind
from storage.sqlite import SQLiteStore
from tests.conftest import ALICE, HEADER, MARY, TOM, StillClock
from tests.engine.support import finish_admin_one, open_case
from tests.time.conftest import TIMING


def at(day: int, hour: int = 17, month: int = 12) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=UTC)


async def dues(store: SQLiteStore, case_id: str) -> dict[str, datetime]:
    """Each item's due time, as its due timer holds it."""
    return {str(t.item_id): t.due_at for t in await store.timers(case_id)  # type: ignore[misc]
            if t.kind is TimerKind.DUE}


STEP_ONE_OPEN = {"review_account", "accounts_receivable", "contact_client", "prepayment",
                 "cancel_recurring_billing", "managed_contract_expiration", "keep_tm_contract",
                 "keep_other_contracts", "unbundled_services", "quickbooks_terms", "newsletter"}


async def test_opening_a_case_writes_the_timers_of_its_open_items(timed: Engine, store: SQLiteStore) -> None:
    walk = await open_case(timed)  # Friday 27 November, 09:00
    due = await dues(store, walk.case_id)
    assert set(due) == STEP_ONE_OPEN, "open items only: nothing of a locked step, nothing generated"
    assert due["prepayment"] == at(1), "2 business days after opening: Tuesday, at the end of work"
    assert due["review_account"] == at(4), "its step's rule: 5 business days"
    timers = {t.key: t for t in await store.timers(walk.case_id)}
    assert len(timers) == 3 * len(STEP_ONE_OPEN), "its due time and two escalation steps each"
    first, second = (timers[f"{walk.case_id}:prepayment:escalation:{n}"] for n in (1, 2))
    assert (first.fire_at, second.fire_at) == (at(2, 13), at(2)), "4 working hours, then a working day"


async def test_done_or_not_applicable_drops_its_timers_and_undo_brings_them_back(
        timed: Engine, store: SQLiteStore) -> None:
    walk = await open_case(timed)
    await walk.answer("prepayment", ALICE, dollars="1500", hours="10")
    out = await timed.not_applicable(walk.case_id, "quickbooks_terms", "Net 0 already", ALICE,
                                     await walk.version("quickbooks_terms"))
    assert out.changed
    assert {"prepayment", "quickbooks_terms"}.isdisjoint(await dues(store, walk.case_id))
    assert not [t for t in await store.timers(walk.case_id) if t.item_id == "prepayment"]
    await timed.undo(walk.case_id, "prepayment", ALICE, await walk.version("prepayment"))
    assert (await dues(store, walk.case_id))["prepayment"] == at(1)


async def test_a_hand_off_gives_the_next_step_its_timers(timed: Engine, store: SQLiteStore) -> None:
    walk = await open_case(timed)
    await finish_admin_one(walk)
    due = await dues(store, walk.case_id)
    assert due["removal_ticket"] == at(23), "5 business days before Thursday 31 December, Christmas off"
    assert "remove_rmm_agents" not in due, "behind the tickets gate: locked, so no reminder yet"
    assert "review_account" not in due


async def test_a_later_stop_date_moves_the_due_dates_and_records_it(timed: Engine, store: SQLiteStore,
                                                                   still: StillClock) -> None:
    walk = await open_case(timed)
    await finish_admin_one(walk)
    why = "The client asked for a month more"
    out = await timed.change_date(walk.case_id, "stop_date", "2027-01-29", why, ALICE)
    assert out.changed and out.message == "Moved “Date service will stop” for AcmeCo to 2027-01-29."
    due = await dues(store, walk.case_id)
    assert due["removal_ticket"] == datetime(2027, 1, 22, 17, tzinfo=UTC)
    assert all(t.fire_at >= datetime(2027, 1, 22, 17, tzinfo=UTC) for t in await store.timers(walk.case_id))
    events = await store.get_events(walk.case_id)
    changed = next(e for e in events if e.kind == "header_changed")
    assert (changed.old, changed.new, changed.note, changed.actor["name"]) == (
        {"stop_date": "2026-12-31"}, {"stop_date": "2027-01-29"}, "The client asked for a month more",
        "Alice Admin")
    moved = next(e for e in events if e.kind == "due_changed")
    assert moved.new["items"]["removal_ticket"] == {"old": "2026-12-23T17:00:00+00:00",
                                                    "new": "2027-01-22T17:00:00+00:00"}
    thread = [n.payload["text"] for n in await store.notices(f"case:{walk.case_id}") if n.kind == "thread"]
    assert "Alice Admin moved “Date service will stop” from 2026-12-31 to 2027-01-29: The client asked " \
           "for a month more" in thread
    assert any(t.startswith("Due dates moved: “Create a billable service request to remove AcmeCo from "
                            "managed service” Wed 23 Dec → Fri 22 Jan 2027") for t in thread)
    view = await timed.view(walk.case_id)
    assert view.case.header["stop_date"] == "2027-01-29"


async def test_moving_a_date_is_checked(timed: Engine) -> None:
    walk = await open_case(timed)
    with pytest.raises(InvalidInput, match="is in the past") as past:
        await timed.change_date(walk.case_id, "stop_date", "2026-11-01", "oops", ALICE)
    assert past.value.field == "date"
    with pytest.raises(InvalidInput, match="not a date of the case") as field:
        await timed.change_date(walk.case_id, "contact_name", "2027-01-01", "why", ALICE)
    assert field.value.field == "field"
    with pytest.raises(InvalidInput, match="Why is required") as why:
        await timed.change_date(walk.case_id, "stop_date", "2027-01-01", " ", ALICE)
    assert why.value.field == "reason"
    with pytest.raises(NotAllowed):
        await timed.change_date(walk.case_id, "stop_date", "2027-01-01", "because", TOM)
    same = await timed.change_date(walk.case_id, "stop_date", "2026-12-31", "no change", ALICE)
    assert same.status == "stale" and same.message == ("Nothing changed: Date service will stop is already "
                                                       "2026-12-31.")


async def test_an_anchor_answer_gives_and_moves_a_due_date(timed: Engine, store: SQLiteStore) -> None:
    walk = await open_case(timed)
    await walk.yes("unbundled_services", ALICE, detail="spam filtering")
    assert "unbundled_billing" not in await dues(store, walk.case_id), "its anchor is not answered yet"
    await walk.answer("managed_contract_expiration", ALICE, date="2026-12-18")
    assert (await dues(store, walk.case_id))["unbundled_billing"] == at(16)
    await walk.answer("managed_contract_expiration", ALICE, date="2026-12-31", confirmed="yes")
    assert (await dues(store, walk.case_id))["unbundled_billing"] == at(29)
    moved = [e for e in await store.get_events(walk.case_id) if e.kind == "due_changed"]
    assert [list(e.new["items"]) for e in moved] == [["unbundled_billing"]]


async def test_a_closed_case_keeps_no_timers_and_a_reopened_one_gets_them_back(
        timed: Engine, store: SQLiteStore) -> None:
    walk = await open_case(timed)
    await timed.cancel_case(walk.case_id, "The client stays", ALICE)
    assert await store.timers(walk.case_id) == []
    await timed.reopen_case(walk.case_id, "The client leaves after all", ALICE)
    assert set(await dues(store, walk.case_id)) == STEP_ONE_OPEN


async def test_no_rules_or_no_reminders_means_no_timers(store: SQLiteStore, still: StillClock) -> None:
    onboarding = load_checklist(BUILTIN_DIR / "onboarding.toml")
    engine = Engine(store, onboarding, clock=still, timing=TIMING)
    header = {h.id: HEADER.get(h.id, "x") for h in onboarding.header if h.required}
    out = await engine.open_case("Newco", {**header, **({"start_date": "2026-12-31"}
                                                        if "start_date" in header else {})}, ALICE)
    assert out.changed and await store.timers() == []
    off = Engine(store, load_checklist(BUILTIN_DIR / "offboarding.toml"), clock=still)  # reminders off
    walk = await open_case(off)
    assert await store.timers(walk.case_id) == []
    assert (await walk.item("prepayment")).due_text is None


async def test_cards_and_the_summary_say_when_things_are_due(timed: Engine, still: StillClock) -> None:
    walk = await open_case(timed)
    prepay = await walk.item("prepayment")
    assert (prepay.due_on, prepay.due_day, prepay.due_text, prepay.late) == (
        "2026-12-01", "Tue 1 Dec", "due in 4 days", False)
    assert not [a for a in prepay.actions if a.action.startswith("snooze")], "nothing to snooze yet"
    assert (await walk.item("removal_ticket")).due_text == "due in 26 days", "locked, but it says when"
    summary = await timed.summary(walk.case_id)
    assert (summary.late_items, summary.days_to_stop) == (0, 34)
    assert summary.next_due == ("“Collect prepayment of $___ for ___ hours labor” due in 4 days")
    still.advance(days=5, hours=1)  # Wednesday 2 December, 10:00
    prepay = await walk.item("prepayment")
    assert (prepay.due_text, prepay.late) == ("1 day late", True)
    assert [a.label for a in prepay.actions if a.action.startswith("snooze")] == ["Snooze a day",
                                                                                  "Snooze until a date"]
    summary = await timed.summary(walk.case_id)
    assert summary.late_items == 1 and summary.next_due == (
        "“Collect prepayment of $___ for ___ hours labor” 1 day late")
    await walk.answer("prepayment", ALICE, dollars="1500", hours="10")
    assert (await walk.item("prepayment")).due_text is None, "done: no longer due"


async def test_a_snooze_moves_the_reminders_and_is_recorded(timed: Engine, store: SQLiteStore,
                                                           still: StillClock) -> None:
    walk = await open_case(timed)
    still.advance(days=5, hours=1)  # Wednesday 2 December, 10:00: the prepayment is a day late
    version = await walk.version("prepayment")
    out = await timed.act(walk.case_id, "prepayment", "snooze", ALICE, version,
                          {"reason": "The bank transfer is on its way"})
    assert out.changed and out.message == ("Reminders for “Collect prepayment of $___ for ___ hours labor” "
                                           "are snoozed until Thu 3 Dec 09:00.")
    timers = {t.level: t for t in await store.timers(walk.case_id) if t.item_id == "prepayment"}
    assert timers[0].fire_at == at(3, 9), "the reminder waits for the snooze to end"
    assert [timers[1].fire_at, timers[2].fire_at] == [at(3, 13), at(4, 9)], "and the escalation after it"
    item = await walk.item("prepayment")
    assert item.snoozed == "until Thu 3 Dec (Alice Admin: The bank transfer is on its way)"
    assert item.version == version, "a snooze answers nothing: the card's buttons stay valid"
    (event,) = [e for e in await store.get_events(walk.case_id) if e.kind == "snoozed"]
    assert (event.item_id, event.note, event.actor["name"]) == (
        "prepayment", "The bank transfer is on its way", "Alice Admin")
    out = await timed.act(walk.case_id, "prepayment", "snooze_until", ALICE, version,
                          {"until": "2026-12-12", "reason": "Back from holiday"})
    assert out.message.endswith("until Mon 14 Dec 09:00."), "a Saturday: work starts again on Monday"


async def test_a_snooze_is_checked(timed: Engine, still: StillClock) -> None:
    walk = await open_case(timed)
    still.advance(days=5)
    version = await walk.version("prepayment")
    with pytest.raises(InvalidInput, match="Why is required") as why:
        await timed.act(walk.case_id, "prepayment", "snooze", ALICE, version, {"reason": ""})
    assert why.value.field == "reason"
    for until in ("2026-12-01", "2027-12-01", "someday"):
        with pytest.raises(InvalidInput) as bad:
            await timed.act(walk.case_id, "prepayment", "snooze_until", ALICE, version,
                            {"until": until, "reason": "why not"})
        assert bad.value.field == "until"
    with pytest.raises(NotAllowed):
        await timed.act(walk.case_id, "prepayment", "snooze", TOM, version, {"reason": "not mine"})
    with pytest.raises(Conflict, match="cannot be snoozed now: it is locked"):
        await timed.snooze(walk.case_id, "payment_arrangements", "nothing due", ALICE,
                           await walk.version("payment_arrangements"))
    await walk.answer("prepayment", ALICE, dollars="1500", hours="10")
    stale = await timed.act(walk.case_id, "prepayment", "snooze", MARY, version, {"reason": "late click"})
    assert stale.status == "stale" and "already answered by Alice Admin" in stale.message
