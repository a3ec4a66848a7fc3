"""The timers half of the Store port, on every backend: kept per case, claimed with a lease, found by
fire time and by department, moved by migrate-to."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

from storage.base import (
    ItemRecord,
    ItemStatus,
    Store,
    TimerKind,
    TimerRecord,
    TimerStatus,
    digest_key,
    due_key,
    escalation_key,
)
from storage.sqlite import SQLiteStore
from tests.contract.records import T0, add_case, case


def due(case_id: str = "c1", item: str = "backup", at_hours: float = 0, dept: str = "tech") -> TimerRecord:
    at = T0 + timedelta(hours=at_hours)
    return TimerRecord(due_key(case_id, item), TimerKind.DUE, dept, at, case_id, item, at)


def escalation(case_id: str = "c1", item: str = "backup", level: int = 1, at_hours: float = 4) -> TimerRecord:
    return TimerRecord(escalation_key(case_id, item, level), TimerKind.ESCALATION, "tech",
                       T0 + timedelta(hours=at_hours), case_id, item, T0, level)


async def put(store: Store, *timers: TimerRecord) -> None:
    async with store.write() as tx:
        for t in timers:
            await tx.put_timer(t)


async def test_a_cases_timers_are_written_replaced_and_deleted_in_its_transaction(store: Store) -> None:
    await add_case(store)
    first, step = due(), escalation()
    async with store.write("c1") as tx:
        await tx.put_timer(first)
        await tx.put_timer(step)
        assert await tx.get_timers("c1") == [first, step]  # by key
        assert await tx.get_timer(first.key) == first
    moved = replace(first, due_at=T0 + timedelta(days=1), fire_at=T0 + timedelta(days=1))
    async with store.write("c1") as tx:
        await tx.put_timer(moved)
        await tx.delete_timers([step.key, "no-such-key"])
        await tx.delete_timers([])
    assert await store.timers("c1") == [moved]
    assert await store.timers() == [moved] and await store.timers("c2") == []
    stored = (await store.timers())[0]
    assert stored.fire_at.utcoffset() == timedelta(0) and stored.kind is TimerKind.DUE


async def test_a_rolled_back_change_keeps_no_timer(store: Store) -> None:
    await add_case(store)
    try:
        async with store.write("c1") as tx:
            await tx.put_timer(due())
            raise RuntimeError("the command failed")
    except RuntimeError:
        pass
    assert await store.timers() == []


async def test_a_claim_takes_what_is_due_earliest_first_and_leases_it(store: Store) -> None:
    await add_case(store)
    await add_case(store, case("c2", "globex"))
    await put(store, due("c1", "a", 0), due("c2", "b", 1), due("c1", "c", 5), escalation("c2", "b", 1, 0.5))
    now, lease = T0 + timedelta(hours=2), T0 + timedelta(hours=2, minutes=1)
    claimed = await store.claim_timers("p1", now, lease, limit=2)
    assert [t.key for t in claimed] == ["c1:a:due", "c2:b:escalation:1"]
    assert {t.lease_owner for t in claimed} == {"p1"} and claimed[0].lease_until == lease
    rest = await store.claim_timers("p2", now, lease)
    assert [t.key for t in rest] == ["c2:b:due"], "held ones and ones not due yet are not taken"
    assert await store.claim_timers("p2", now, lease) == []
    later = lease + timedelta(seconds=1)  # p1 died: its lease ran out
    assert [t.key for t in await store.claim_timers("p3", later, later + timedelta(minutes=1))] == [
        "c1:a:due", "c2:b:escalation:1", "c2:b:due"]


async def test_fired_timers_are_never_claimed_and_released_ones_are(store: Store) -> None:
    await add_case(store)
    fired = replace(due("c1", "a"), status=TimerStatus.FIRED, fired_at=T0)
    await put(store, fired, due("c1", "b"))
    now = T0 + timedelta(hours=1)
    (held,) = await store.claim_timers("p1", now, now + timedelta(minutes=1))
    assert held.key == "c1:b:due"
    await store.release_timer(held)
    assert [t.key for t in await store.claim_timers("p2", now, now + timedelta(minutes=1))] == ["c1:b:due"]
    await store.release_timer(held)  # p1 no longer holds it: p2's lease stays
    assert await store.claim_timers("p3", now, now + timedelta(minutes=1)) == []


async def test_when_a_claim_may_next_find_something(store: Store) -> None:
    assert await store.next_timer_at() is None
    await add_case(store)
    await put(store, due("c1", "a", 3), due("c1", "b", 5),
              replace(due("c1", "c", 1), status=TimerStatus.FIRED))
    assert await store.next_timer_at() == T0 + timedelta(hours=3)
    await store.claim_timers("p1", T0 + timedelta(hours=3), T0 + timedelta(hours=6))
    assert await store.next_timer_at() == T0 + timedelta(hours=5), "a held timer counts from its lease end"


async def test_a_departments_due_items_for_its_digest(store: Store) -> None:
    await add_case(store)
    await add_case(store, case("c2", "globex"))
    await put(store, due("c2", "a", 1), due("c1", "b", 30), due("c1", "c", 2),
              replace(due("c1", "d", 3), status=TimerStatus.FIRED), due("c1", "e", 1, dept="admin"),
              escalation("c1", "c", 1, 0))
    found = await store.due_timers("tech", T0 + timedelta(hours=24))
    assert [t.key for t in found] == ["c1:c:due", "c1:d:due", "c2:a:due"], "by case, then due time"


async def test_a_digest_timer_is_added_once(store: Store) -> None:
    digest = TimerRecord(digest_key("tech"), TimerKind.DIGEST, "tech", T0)
    assert await store.ensure_timer(digest) is True
    assert await store.ensure_timer(replace(digest, fire_at=T0 + timedelta(days=9))) is False
    assert await store.timers() == [digest]


async def test_two_instances_never_claim_one_timer_twice(store: Store, reopen: Callable[[], Store]) -> None:
    other = reopen()
    await other.open()
    cases = [case(f"c{n}", f"client{n}") for n in range(10)]
    for record in cases:
        await add_case(store, record)
    await put(store, *(due(c.id, f"i{k}", k) for c in cases for k in range(10)))
    now = T0 + timedelta(hours=20)

    async def drain(s: Store, owner: str) -> list[str]:
        got: list[str] = []
        while batch := await s.claim_timers(owner, now, now + timedelta(minutes=5), limit=7):
            got += [t.key for t in batch]
            await asyncio.sleep(0)
        return got

    one, two = await asyncio.gather(drain(store, "p1"), drain(other, "p2"))
    assert not set(one) & set(two)
    assert len(one) + len(two) == 100


async def test_an_items_snooze_round_trips(store: Store) -> None:
    await add_case(store)
    snooze = {"until": (T0 + timedelta(days=1)).isoformat(), "day": "2024-05-02",
              "why": "waiting on the bank", "by": {"platform": "slack", "user_id": "U1", "name": "Ann"}}
    item = ItemRecord("c1", "prepay", ItemStatus.OPEN, snooze=snooze)
    async with store.write("c1") as tx:
        await tx.put_item(item)
    assert (await store.get_items("c1"))["prepay"].snooze == snooze
    assert (await store.load_case("c1")).items["prepay"].snooze == snooze  # type: ignore[union-attr]


async def test_timers_move_to_another_store_without_their_leases(store: Store, tmp_path: Path) -> None:
    await add_case(store)
    await put(store, due("c1", "a"), replace(due("c1", "b"), status=TimerStatus.FIRED, fired_at=T0))
    await store.claim_timers("p1", T0, T0 + timedelta(minutes=1))
    dump = await store.dump()
    assert dump.counts()["timers"] == (await store.counts())["timers"] == 2
    async with SQLiteStore(tmp_path / "moved.db") as target:
        await target.restore(dump)
        moved = await target.timers()
        assert await target.counts() == await store.counts()
    assert [(t.key, t.status, t.lease_owner) for t in moved] == [
        ("c1:a:due", TimerStatus.PENDING, None), ("c1:b:due", TimerStatus.FIRED, None)]
