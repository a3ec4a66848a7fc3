"""The Store contract, run against every registered backend (each test shows once per backend).

A new backend joins by registering in storage.registry and saying in
tests/stores.py how a test gets an empty database of it. The outbox's half of
the contract is in test_outbox_contract.py; what one backend alone promises
is in test_backends.py.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta, timezone
from decimal import Decimal

import pytest

from storage.base import (
    CaseSnapshot,
    ConstraintError,
    DuplicateOpenCase,
    DuplicateRequest,
    EventRecord,
    ItemRecord,
    ItemStatus,
    Store,
    StoreError,
)
from tests.contract.records import ACTOR, T0, add_case, add_notices, case, notice

# ---- lifecycle and transactions


async def test_reopen_keeps_data_and_applies_no_migration(store: Store, reopen: Callable[[], Store]) -> None:
    await add_case(store)
    await store.close()
    again = reopen()
    await again.open()
    assert (await again.get_case("c1")) == case()
    await again.close()
    await again.open()  # a closed store can be opened again
    assert [c.id for c in await again.list_cases()] == ["c1"]


async def test_write_commits(store: Store) -> None:
    await add_case(store)
    assert await store.get_case("c1") == case()


async def test_write_rolls_back_on_exception(store: Store) -> None:
    class Boom(Exception):
        pass

    with pytest.raises(Boom):
        async with store.write("c1") as tx:
            await tx.insert_case(case())
            await tx.add_notice(notice())
            await tx.record_request("r1", {"ok": True}, T0)
            assert (await tx.get_case("c1")) is not None  # visible inside the transaction
            raise Boom
    assert await store.get_case("c1") is None
    async with store.write() as tx:
        assert await tx.request_result("r1") is None
    await add_case(store)  # the store still works after a rollback
    assert await store.get_case("c1") is not None


async def test_a_failing_statement_rolls_back_the_whole_transaction(store: Store) -> None:
    await add_case(store)
    with pytest.raises(ConstraintError):
        async with store.write() as tx:
            await tx.insert_case(case("c2", "globex"))
            await tx.insert_case(case("c1", "initech"))  # id taken
    assert await store.get_case("c2") is None


async def test_concurrent_writes_to_one_case_are_serialized(store: Store) -> None:
    await add_case(store)

    async def bump() -> None:
        async with store.write("c1") as tx:
            current = await tx.get_case("c1")
            assert current is not None
            await asyncio.sleep(0.01)  # let the other writers try to interleave
            await tx.update_case(replace(current, version=current.version + 1))

    await asyncio.gather(*(bump() for _ in range(5)))
    stored = await store.get_case("c1")
    assert stored is not None and stored.version == 1 + 5


async def test_cancelled_write_rolls_back(store: Store) -> None:
    entered = asyncio.Event()

    async def slow() -> None:
        async with store.write("c1") as tx:
            await tx.insert_case(case())
            entered.set()
            await asyncio.sleep(10)

    task = asyncio.create_task(slow())
    await entered.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert await store.get_case("c1") is None
    await add_case(store)  # the writer is free and clean again


async def test_driver_errors_never_leak(store: Store) -> None:
    with pytest.raises(StoreError):
        async with store.write() as tx:
            await tx.put_item(ItemRecord(case_id="missing", item_id="x", status=ItemStatus.OPEN))


# ---- cases


async def test_one_open_case_per_client_is_a_port_error(store: Store) -> None:
    await add_case(store, case("c1", "acme"))
    with pytest.raises(DuplicateOpenCase) as refused:
        await add_case(store, case("c2", "acme"))
    assert refused.value.client_key == "acme"
    assert await store.get_case("c2") is None


async def test_reopening_beside_an_open_case_is_a_port_error(store: Store) -> None:
    await add_case(store, case("c1", "acme", status="cancelled"))
    await add_case(store, case("c2", "acme"))
    with pytest.raises(DuplicateOpenCase):
        async with store.write("c1") as tx:
            await tx.update_case(replace(case("c1", "acme"), version=2))


async def test_closed_cases_do_not_block_a_new_open_one(store: Store) -> None:
    await add_case(store, case("c1", "acme", status="cancelled"))
    await add_case(store, case("c2", "acme", status="completed"))
    await add_case(store, case("c3", "acme"))
    assert {c.id for c in await store.find_cases("acme")} == {"c1", "c2", "c3"}


async def test_closing_a_case_frees_the_client(store: Store) -> None:
    first = await add_case(store, case("c1", "acme"))
    async with store.write(client_key="acme") as tx:
        closed = replace(first, status="completed", closed_at=T0 + timedelta(hours=1), version=2)
        await tx.update_case(closed)
        await tx.insert_case(case("c2", "acme", opened_at=T0 + timedelta(hours=2)))
    assert await store.get_case("c1") == closed


async def test_find_open_case(store: Store) -> None:
    async with store.write(client_key="acme") as tx:
        assert await tx.find_open_case("acme") is None
    await add_case(store, case("c0", "acme", status="cancelled"))
    await add_case(store, case("c1", "acme"))
    await add_case(store, case("c2", "globex"))
    async with store.write("c1") as tx:
        found = await tx.find_open_case("acme")
        assert found is not None and found.id == "c1"
        await tx.update_case(replace(found, status="cancelled", version=2))
        assert await tx.find_open_case("acme") is None


async def test_case_round_trip_and_update(store: Store) -> None:
    record = case(opened_at=T0.astimezone(timezone(timedelta(hours=2))))
    await add_case(store, record)
    stored = await store.get_case("c1")
    assert stored == record
    assert stored is not None and stored.opened_at.utcoffset() == timedelta(0)
    assert stored.opened_at == T0 and stored.status == "open"
    changed = replace(record, step_index=3, version=4, header={"client": "Acme Ltd"})
    async with store.write("c1") as tx:
        await tx.update_case(changed)
        assert await tx.get_case("c1") == changed
    assert await store.get_case("c1") == changed


async def test_list_cases_newest_first_with_status_filter(store: Store) -> None:
    await add_case(store, case("c-old", "acme", status="completed", opened_at=T0))
    await add_case(store, case("c-new", "globex", opened_at=T0 + timedelta(days=2)))
    await add_case(store, case("c-mid", "initech", opened_at=T0 + timedelta(days=1)))
    await add_case(store, case("c-mid2", "hooli", opened_at=T0 + timedelta(days=1)))
    assert [c.id for c in await store.list_cases()] == ["c-new", "c-mid", "c-mid2", "c-old"]
    assert [c.id for c in await store.list_cases("open")] == ["c-new", "c-mid", "c-mid2"]
    assert [c.id for c in await store.list_cases("completed")] == ["c-old"]
    assert await store.list_cases("cancelled") == []


async def test_find_cases_newest_first(store: Store) -> None:
    await add_case(store, case("c1", "acme", status="cancelled", opened_at=T0))
    await add_case(store, case("c2", "acme", opened_at=T0 + timedelta(days=1)))
    await add_case(store, case("c3", "globex"))
    assert [c.id for c in await store.find_cases("acme")] == ["c2", "c1"]
    assert await store.find_cases("nobody") == []


# ---- items, snapshots and events


async def test_items_round_trip(store: Store) -> None:
    await add_case(store)
    done = ItemRecord(case_id="c1", item_id="backup", status=ItemStatus.DONE,
                      value={"amount": str(Decimal("12.50")), "tags": ["a", "b"], "nested": {"ok": True}},
                      version=2, updated_by=ACTOR, updated_at=T0 + timedelta(minutes=5),
                      assignee={"platform": "slack", "user": "U2"}, holder_version=3)
    locked = ItemRecord(case_id="c1", item_id="licences", status=ItemStatus.LOCKED)
    async with store.write("c1") as tx:
        await tx.put_item(done)
        await tx.put_item(locked)
        assert await tx.get_items("c1") == {"backup": done, "licences": locked}
    items = await store.get_items("c1")
    assert items == {"backup": done, "licences": locked}
    updated_at = items["backup"].updated_at
    assert updated_at is not None and updated_at.utcoffset() == timedelta(0)
    skipped = replace(locked, status=ItemStatus.SKIPPED, reason="no licences", version=2)
    async with store.write("c1") as tx:
        await tx.put_item(skipped)  # put_item replaces
    assert (await store.get_items("c1"))["licences"] == skipped
    assert await store.get_items("other") == {}
    # Who holds an item is versioned apart from its answer: a claim changes only holder_version.
    claimed = replace(skipped, assignee={"platform": "slack", "user": "U3"}, holder_version=2)
    async with store.write() as tx:
        await tx.put_item(claimed)
    stored = (await store.get_items("c1"))["licences"]
    assert (stored.version, stored.holder_version) == (2, 2)


async def test_item_values_are_json_safe(store: Store) -> None:
    await add_case(store)
    async with store.write("c1") as tx:
        await tx.put_item(ItemRecord("c1", "cost", ItemStatus.DONE, value={"amount": Decimal("3.10")}))
    assert (await store.get_items("c1"))["cost"].value == {"amount": "3.10"}


async def test_load_case_reads_the_case_and_its_items_together(store: Store) -> None:
    await add_case(store)
    first = ItemRecord("c1", "a", ItemStatus.OPEN)
    second = ItemRecord("c1", "b", ItemStatus.DONE, value={"x": 1}, version=3)
    async with store.write("c1") as tx:
        await tx.put_item(first)
        await tx.put_item(second)
    assert await store.load_case("c1") == CaseSnapshot(case(), {"a": first, "b": second})
    await add_case(store, case("c2", "globex"))
    assert await store.load_case("c2") == CaseSnapshot(case("c2", "globex"), {})
    assert await store.load_case("missing") is None


async def test_events_append_in_order(store: Store) -> None:
    await add_case(store)
    first = EventRecord(case_id="c1", kind="case_opened", actor=ACTOR, at=T0, new={"s": 1})
    second = EventRecord(case_id="c1", kind="item_done", actor=ACTOR, at=T0 + timedelta(seconds=1),
                         item_id="backup", old={"status": "open"}, new={"status": "done", "value": {"n": 1}},
                         note="checked")
    third = EventRecord(case_id="c1", kind="renamed", actor=ACTOR, at=T0, old="plain text", new=[1, "two"])
    async with store.write("c1") as tx:
        ids = [await tx.append_event(e) for e in (first, second, third)]
    assert ids == sorted(ids) and len(set(ids)) == 3
    events = await store.get_events("c1")
    assert events == [replace(e, id=i) for e, i in zip((first, second, third), ids, strict=True)]
    assert all(e.at.tzinfo is not None for e in events)
    assert await store.get_events("other") == []


# ---- requests


async def test_request_ids_round_trip(store: Store) -> None:
    async with store.write() as tx:
        assert await tx.request_result("r1") is None
        await tx.record_request("r1", {"case_id": "c1", "amount": Decimal("1.5")}, T0)
    async with store.write() as tx:
        assert await tx.request_result("r1") == {"case_id": "c1", "amount": "1.5"}
        assert await tx.request_result("r2") is None


async def test_recording_a_request_twice_is_a_port_error(store: Store) -> None:
    async with store.write() as tx:
        await tx.record_request("r1", {"n": 1}, T0)
    with pytest.raises(DuplicateRequest) as refused:
        async with store.write() as tx:
            await tx.record_request("r1", {"n": 2}, T0)
    assert refused.value.request_id == "r1"
    async with store.write() as tx:
        assert await tx.request_result("r1") == {"n": 1}


# ---- several instances on one database (restarts, a second process)


async def test_two_instances_on_one_database(store: Store, reopen: Callable[[], Store]) -> None:
    other = reopen()
    await other.open()
    await add_case(store)

    async def bump(instance: Store) -> None:
        async with instance.write("c1") as tx:
            current = await tx.get_case("c1")
            assert current is not None
            await asyncio.sleep(0.01)
            await tx.update_case(replace(current, version=current.version + 1))

    await asyncio.gather(*(bump(s) for s in (store, other, store, other, store, other)))
    for instance in (store, other):
        stored = await instance.get_case("c1")
        assert stored is not None and stored.version == 1 + 6
    await add_case(other, case("c2", "globex"))
    assert await store.get_case("c2") is not None


async def test_two_instances_opening_one_client_one_wins(store: Store, reopen: Callable[[], Store]) -> None:
    other = reopen()
    await other.open()

    async def open_for_acme(instance: Store, case_id: str) -> str:
        async with instance.write(client_key="acme") as tx:
            if await tx.find_open_case("acme") is not None:
                return "refused"
            await asyncio.sleep(0.01)
            await tx.insert_case(case(case_id, "acme"))
            return "opened"

    results = await asyncio.gather(*(open_for_acme(s, f"c{n}") for n, s in enumerate((store, other) * 3)),
                                   return_exceptions=True)
    opened = [r for r in results if r == "opened"]
    others = [r for r in results if r != "opened"]
    assert len(opened) == 1
    assert all(r == "refused" or isinstance(r, DuplicateOpenCase) for r in others), others
    assert len([c for c in await store.find_cases("acme") if c.status == "open"]) == 1


# ---- the change feed


async def test_listeners_hear_each_committed_notice_once(store: Store) -> None:
    heard: list[tuple[int, str]] = []
    stop = await store.listen(lambda change: heard.append((change.notice_id, change.target)))
    (first,) = await add_notices(store, notice("dept:a", n=1))
    with pytest.raises(RuntimeError):
        async with store.write() as tx:
            await tx.add_notice(notice("dept:b", n=2))
            raise RuntimeError("rolled back: never heard")
    (third,) = await add_notices(store, notice("dept:c", n=3))
    for _ in range(100):
        if len(heard) >= 2:
            break
        await asyncio.sleep(0.02)
    stop()
    await add_notices(store, notice("dept:d", n=4))
    await asyncio.sleep(0.1)
    assert heard == [(first, "dept:a"), (third, "dept:c")]
