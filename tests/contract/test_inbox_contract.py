"""The inbox half of the Store port, on every backend: requests kept, leased oldest first to one
process at a time, retried, failed, forgotten once handled, and moved by migrate-to."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from storage.base import InboxStatus, Store
from storage.sqlite import SQLiteStore
from tests.contract.records import T0

LEASE = T0 + timedelta(minutes=1)


async def test_requests_are_taken_oldest_first_with_their_payload_and_a_lease(store: Store) -> None:
    ids = [await store.receive("slack.click", {"n": n, "who": {"id": "U1"}}, T0) for n in range(3)]
    assert ids == sorted(ids)
    taken = await store.take_inbox(["slack.click"], "p1", T0, LEASE, limit=2)
    assert [(i.id, i.payload["n"], i.attempts, i.lease_owner) for i in taken] == [
        (ids[0], 0, 1, "p1"), (ids[1], 1, 1, "p1")]
    assert taken[0].payload == {"n": 0, "who": {"id": "U1"}}
    assert taken[0].received_at == T0
    # Held: another process finds only the third until the lease runs out.
    assert [i.id for i in await store.take_inbox(["slack.click"], "p2", T0, LEASE)] == [ids[2]]
    assert await store.take_inbox(["slack.click"], "p2", T0, LEASE) == []
    again = await store.take_inbox(["slack.click"], "p2", LEASE, LEASE + timedelta(minutes=1))
    assert [(i.id, i.attempts, i.lease_owner) for i in again] == [
        (ids[0], 2, "p2"), (ids[1], 2, "p2"), (ids[2], 2, "p2")]


async def test_a_process_takes_only_the_kinds_it_handles(store: Store) -> None:
    await store.receive("teams.click", {}, T0)
    click = await store.receive("slack.click", {}, T0)
    assert [i.id for i in await store.take_inbox(["slack.click", "other"], "p1", T0, LEASE)] == [click]
    assert await store.take_inbox([], "p1", T0, LEASE) == []
    assert await store.next_inbox_at([]) is None


async def test_a_handled_request_is_forgotten_but_not_by_a_lease_that_ran_out(store: Store) -> None:
    await store.receive("slack.click", {}, T0)
    [mine] = await store.take_inbox(["slack.click"], "p1", T0, LEASE)
    [theirs] = await store.take_inbox(["slack.click"], "p2", LEASE, LEASE + timedelta(minutes=1))
    await store.finish_inbox(mine)  # p1 was too slow: p2 holds it now
    assert [i.lease_owner for i in await store.inbox()] == ["p2"]
    await store.finish_inbox(theirs)
    assert await store.inbox() == []


async def test_a_retry_waits_for_its_time_and_a_failure_is_kept_apart(store: Store) -> None:
    first = await store.receive("slack.click", {"n": 1}, T0)
    second = await store.receive("slack.click", {"n": 2}, T0)
    one, two = await store.take_inbox(["slack.click"], "p1", T0, LEASE)
    later = T0 + timedelta(seconds=5)
    await store.retry_inbox(one, later, "database busy")
    await store.fail_inbox(two, "KeyError: 'value'")
    assert await store.next_inbox_at(["slack.click"]) == later
    assert await store.take_inbox(["slack.click"], "p1", T0 + timedelta(seconds=4), LEASE) == []
    [back] = await store.take_inbox(["slack.click"], "p1", later, LEASE + timedelta(minutes=1))
    assert (back.id, back.attempts, back.last_error) == (first, 2, "database busy")
    [failed] = await store.inbox(InboxStatus.FAILED)
    assert (failed.id, failed.payload, failed.last_error, failed.lease_owner) == (
        second, {"n": 2}, "KeyError: 'value'", None)
    await store.finish_inbox(back)
    assert await store.take_inbox(["slack.click"], "p2", later + timedelta(days=1), LEASE) == []


async def test_when_a_take_may_next_find_something(store: Store) -> None:
    assert await store.next_inbox_at(["slack.click"]) is None
    await store.receive("slack.click", {}, T0)
    assert await store.next_inbox_at(["slack.click"]) == T0
    await store.take_inbox(["slack.click"], "p1", T0, LEASE)
    assert await store.next_inbox_at(["slack.click"]) == LEASE  # held: free when its lease ends
    assert await store.next_inbox_at(["teams.click"]) is None


async def test_two_instances_never_take_one_request_twice(store: Store, reopen: Callable[[], Store]) -> None:
    other = reopen()
    await other.open()
    try:
        for n in range(60):
            await store.receive("slack.click", {"n": n}, T0)

        async def drain(s: Store, owner: str) -> list[int]:
            got: list[int] = []
            while batch := await s.take_inbox(["slack.click"], owner, T0, LEASE, limit=7):
                got += [i.payload["n"] for i in batch]
                for item in batch:
                    await s.finish_inbox(item)
                await asyncio.sleep(0)
            return got

        one, two = await asyncio.gather(drain(store, "p1"), drain(other, "p2"))
    finally:
        await other.close()
    assert not set(one) & set(two)
    assert sorted(one + two) == list(range(60))
    assert one == sorted(one) and two == sorted(two)  # each took its share oldest first


async def test_waiting_requests_move_to_another_store_without_their_leases(store: Store,
                                                                        tmp_path: Path) -> None:
    await store.receive("slack.click", {"n": 1}, T0)
    second = await store.receive("slack.click", {"n": 2}, T0)
    [_, held] = await store.take_inbox(["slack.click"], "p1", T0, LEASE)
    await store.fail_inbox(held, "boom")
    await store.take_inbox(["slack.click"], "p1", T0, LEASE)
    dump = await store.dump()
    assert dump.counts()["inbox"] == (await store.counts())["inbox"] == 2
    async with SQLiteStore(tmp_path / "moved.db") as target:
        await target.restore(dump)
        moved = await target.inbox()
        newer = await target.receive("slack.click", {"n": 3}, T0)
    assert [(i.payload, i.status, i.lease_owner) for i in moved] == [
        ({"n": 1}, InboxStatus.WAITING, None), ({"n": 2}, InboxStatus.FAILED, None)]
    assert moved[1].id == second and newer > second
