"""The Store contract, run against every implementation.

A new implementation joins by adding a factory to ``FACTORIES`` (and its
integrity error to ``INTEGRITY_ERRORS``). Each test gets a fresh, real store;
``reopen`` builds another instance on the same backing database, standing in
for a restart or a second process. The tests at the bottom are specific to
SQLite (raw sqlite3 access to the file).
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Callable
from contextlib import closing
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest

from storage.base import CaseRecord, Delivery, EventRecord, ItemRecord, MessageRef, Notice, Store
from storage.sqlite import SQLiteStore
from storage.sqlite_migrate import load_migrations

Factory = Callable[[Path], Store]

FACTORIES: dict[str, Factory] = {
    "sqlite": lambda tmp: SQLiteStore(tmp / "data" / "offboard.db"),
}

# What a store raises when a constraint (unique id, one open case per client, ...) is broken.
INTEGRITY_ERRORS: tuple[type[BaseException], ...] = (sqlite3.IntegrityError,)

T0 = datetime(2024, 5, 1, 9, 0, tzinfo=UTC)
ACTOR = {"platform": "slack", "user": "U1", "name": "Ann"}


@pytest.fixture(params=["sqlite"])
def store_kind(request: pytest.FixtureRequest) -> str:
    kind: str = request.param
    return kind


@pytest.fixture
async def reopen(store_kind: str, tmp_path: Path) -> AsyncIterator[Callable[[], Store]]:
    """Makes (unopened) stores on the test's database; closes any left open."""
    made: list[Store] = []

    def make() -> Store:
        made.append(FACTORIES[store_kind](tmp_path))
        return made[-1]

    yield make
    for store in made:
        await store.close()


@pytest.fixture
async def store(reopen: Callable[[], Store]) -> Store:
    """A fresh, open store."""
    fresh = reopen()
    await fresh.open()
    return fresh


def case(
    case_id: str = "c1",
    client_key: str = "acme",
    status: str = "open",
    opened_at: datetime = T0,
) -> CaseRecord:
    return CaseRecord(
        id=case_id,
        checklist_id="offboarding-v1",
        client=client_key.title(),
        client_key=client_key,
        header={"client": client_key.title(), "ticket": "T-1"},
        status=status,
        step_index=0,
        opened_by=ACTOR,
        opened_at=opened_at,
    )


def notice(
    target: str = "chan-a",
    kind: str = "card",
    at: datetime = T0,
    coalesce_key: str | None = None,
    ref_key: str | None = None,
    n: int = 0,
) -> Notice:
    return Notice(
        case_id="c1",
        kind=kind,
        target=target,
        payload={"n": n, "text": f"notice {n}"},
        created_at=at,
        ref_key=ref_key,
        coalesce_key=coalesce_key,
    )


async def add_case(store: Store, record: CaseRecord | None = None) -> CaseRecord:
    record = record or case()
    async with store.write() as tx:
        await tx.insert_case(record)
    return record


async def add_notices(store: Store, *notices: Notice) -> list[int]:
    async with store.write() as tx:
        return [await tx.add_notice(n) for n in notices]


def numbers(deliveries: list[Delivery]) -> list[int]:
    return [int(d.notice.payload["n"]) for d in deliveries]


# ---- lifecycle and transactions


async def test_reopen_keeps_data_and_applies_no_migration(
    store: Store, reopen: Callable[[], Store]
) -> None:
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
        async with store.write() as tx:
            await tx.insert_case(case())
            await tx.add_notice(notice())
            await tx.record_request("r1", {"ok": True}, T0)
            assert (await tx.get_case("c1")) is not None  # visible inside the transaction
            raise Boom
    assert await store.get_case("c1") is None
    async with store.write() as tx:
        assert await tx.request_result("r1") is None
    # The store still works after a rollback.
    await add_case(store)
    assert await store.get_case("c1") is not None


async def test_a_failing_statement_rolls_back_the_whole_transaction(store: Store) -> None:
    await add_case(store)
    with pytest.raises(INTEGRITY_ERRORS):
        async with store.write() as tx:
            await tx.insert_case(case("c2", "globex"))
            await tx.insert_case(case("c1", "initech"))  # id taken
    assert await store.get_case("c2") is None


async def test_concurrent_writes_are_serialized(store: Store) -> None:
    await add_case(store)

    async def bump() -> None:
        async with store.write() as tx:
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
        async with store.write() as tx:
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


# ---- cases


async def test_one_open_case_per_client(store: Store) -> None:
    await add_case(store, case("c1", "acme"))
    with pytest.raises(INTEGRITY_ERRORS):
        await add_case(store, case("c2", "acme"))
    assert await store.get_case("c2") is None


async def test_closed_cases_do_not_block_a_new_open_one(store: Store) -> None:
    await add_case(store, case("c1", "acme", status="cancelled"))
    await add_case(store, case("c2", "acme", status="completed"))
    await add_case(store, case("c3", "acme"))
    assert {c.id for c in await store.find_cases("acme")} == {"c1", "c2", "c3"}


async def test_closing_a_case_frees_the_client(store: Store) -> None:
    first = await add_case(store, case("c1", "acme"))
    async with store.write() as tx:
        closed = replace(first, status="completed", closed_at=T0 + timedelta(hours=1), version=2)
        await tx.update_case(closed)
        await tx.insert_case(case("c2", "acme", opened_at=T0 + timedelta(hours=2)))
    assert await store.get_case("c1") == closed


async def test_find_open_case(store: Store) -> None:
    async with store.write() as tx:
        assert await tx.find_open_case("acme") is None
    await add_case(store, case("c0", "acme", status="cancelled"))
    await add_case(store, case("c1", "acme"))
    await add_case(store, case("c2", "globex"))
    async with store.write() as tx:
        found = await tx.find_open_case("acme")
        assert found is not None and found.id == "c1"
        await tx.update_case(replace(found, status="cancelled", version=2))
        assert await tx.find_open_case("acme") is None


async def test_case_round_trip_and_update(store: Store) -> None:
    record = case(opened_at=datetime(2024, 5, 1, 11, 0, tzinfo=timezone(timedelta(hours=2))))
    await add_case(store, record)
    stored = await store.get_case("c1")
    assert stored == record
    assert stored is not None and stored.opened_at.utcoffset() == timedelta(0)
    assert stored.opened_at == T0
    changed = replace(record, step_index=3, version=4, header={"client": "Acme Ltd"})
    async with store.write() as tx:
        await tx.update_case(changed)
        assert await tx.get_case("c1") == changed
    assert await store.get_case("c1") == changed


async def test_list_cases_newest_first_with_status_filter(store: Store) -> None:
    await add_case(store, case("c-old", "acme", status="completed", opened_at=T0))
    await add_case(store, case("c-new", "globex", opened_at=T0 + timedelta(days=2)))
    await add_case(store, case("c-mid", "initech", opened_at=T0 + timedelta(days=1)))
    await add_case(store, case("c-mid2", "hooli", opened_at=T0 + timedelta(days=1)))
    all_ids = [c.id for c in await store.list_cases()]
    assert all_ids == ["c-new", "c-mid", "c-mid2", "c-old"]
    assert [c.id for c in await store.list_cases("open")] == ["c-new", "c-mid", "c-mid2"]
    assert [c.id for c in await store.list_cases("completed")] == ["c-old"]
    assert await store.list_cases("cancelled") == []


async def test_find_cases_newest_first(store: Store) -> None:
    await add_case(store, case("c1", "acme", status="cancelled", opened_at=T0))
    await add_case(store, case("c2", "acme", opened_at=T0 + timedelta(days=1)))
    await add_case(store, case("c3", "globex"))
    assert [c.id for c in await store.find_cases("acme")] == ["c2", "c1"]
    assert await store.find_cases("nobody") == []


# ---- items and events


async def test_items_round_trip(store: Store) -> None:
    await add_case(store)
    done = ItemRecord(
        case_id="c1",
        item_id="backup",
        status="done",
        value={"amount": str(Decimal("12.50")), "tags": ["a", "b"], "nested": {"ok": True}},
        reason=None,
        version=2,
        updated_by=ACTOR,
        updated_at=T0 + timedelta(minutes=5),
        assignee={"platform": "slack", "user": "U2"},
        holder_version=3,
    )
    locked = ItemRecord(case_id="c1", item_id="licences", status="locked")
    async with store.write() as tx:
        await tx.put_item(done)
        await tx.put_item(locked)
        assert await tx.get_items("c1") == {"backup": done, "licences": locked}
    items = await store.get_items("c1")
    assert items == {"backup": done, "licences": locked}
    updated_at = items["backup"].updated_at
    assert updated_at is not None and updated_at.tzinfo is not None
    assert updated_at.utcoffset() == timedelta(0)
    # put_item replaces.
    skipped = replace(locked, status="skipped", reason="no licences", version=2)
    async with store.write() as tx:
        await tx.put_item(skipped)
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
    value = {"amount": Decimal("3.10")}
    item = ItemRecord(case_id="c1", item_id="cost", status="done", value=value)
    async with store.write() as tx:
        await tx.put_item(item)
    assert (await store.get_items("c1"))["cost"].value == {"amount": "3.10"}


async def test_events_append_in_order(store: Store) -> None:
    await add_case(store)
    first = EventRecord(case_id="c1", kind="case_opened", actor=ACTOR, at=T0, new={"s": 1})
    second = EventRecord(
        case_id="c1",
        kind="item_done",
        actor=ACTOR,
        at=T0 + timedelta(seconds=1),
        item_id="backup",
        old={"status": "open"},
        new={"status": "done", "value": {"n": 1}},
        note="checked",
    )
    async with store.write() as tx:
        id1 = await tx.append_event(first)
        id2 = await tx.append_event(second)
    assert id2 > id1
    events = await store.get_events("c1")
    assert events == [replace(first, id=id1), replace(second, id=id2)]
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


async def test_recording_a_request_twice_raises(store: Store) -> None:
    async with store.write() as tx:
        await tx.record_request("r1", {"n": 1}, T0)
    with pytest.raises(INTEGRITY_ERRORS):
        async with store.write() as tx:
            await tx.record_request("r1", {"n": 2}, T0)
    async with store.write() as tx:
        assert await tx.request_result("r1") == {"n": 1}


# ---- outbox


async def test_due_deliveries_needs_a_registered_sender(store: Store) -> None:
    with pytest.raises(LookupError):
        await store.due_deliveries("slack", T0)


async def test_notice_round_trip(store: Store) -> None:
    await store.register_sender("slack", T0)
    sent = notice(ref_key="card", coalesce_key="c1:card", n=7)
    (notice_id,) = await add_notices(store, sent)
    (delivery,) = await store.due_deliveries("slack", T0)
    assert delivery.notice == replace(sent, id=notice_id)
    assert (delivery.sender, delivery.status, delivery.attempts) == ("slack", "pending", 0)
    assert delivery.next_attempt_at == T0
    assert await store.deliveries() == [delivery]


async def test_register_sender_does_not_replay_history(store: Store) -> None:
    await add_notices(store, notice(n=1))
    await store.register_sender("slack", T0)
    await add_notices(store, notice(n=2))
    assert numbers(await store.due_deliveries("slack", T0)) == [2]


async def test_re_registering_keeps_the_position(store: Store) -> None:
    await store.register_sender("slack", T0)
    await add_notices(store, notice("a", n=1), notice("b", n=2))
    await store.register_sender("slack", T0 + timedelta(hours=1))  # a restart
    await add_notices(store, notice("c", n=3))
    await store.register_sender("teams", T0 + timedelta(hours=1))  # a new sender
    await add_notices(store, notice("d", n=4))
    assert numbers(await store.due_deliveries("slack", T0)) == [1, 2, 3, 4]
    assert numbers(await store.due_deliveries("teams", T0)) == [4]


async def test_senders_are_independent(store: Store) -> None:
    await store.register_sender("slack", T0)
    await store.register_sender("web", T0)
    await add_notices(store, notice(n=1))
    (slack,) = await store.due_deliveries("slack", T0)
    await store.mark_sending(slack, T0)
    await store.mark_sent(slack, T0, None)
    assert await store.due_deliveries("slack", T0) == []
    assert numbers(await store.due_deliveries("web", T0)) == [1]
    assert [(d.sender, d.status) for d in await store.deliveries()] == [
        ("slack", "sent"),
        ("web", "pending"),
    ]
    assert [d.sender for d in await store.deliveries("web")] == ["web"]


async def test_coalesced_notices_deliver_only_the_newest(store: Store) -> None:
    await store.register_sender("slack", T0)
    await add_notices(
        store,
        notice(kind="summary", coalesce_key="c1:summary", n=1),
        notice(kind="summary", coalesce_key="c1:summary", n=2),
        notice(kind="card", n=3),
    )
    assert numbers(await store.due_deliveries("slack", T0)) == [2]
    statuses = {d.notice.payload["n"]: d.status for d in await store.deliveries("slack")}
    assert statuses == {1: "superseded", 2: "pending", 3: "pending"}


async def test_a_coalesced_notice_keeps_the_place_of_the_one_it_replaces(store: Store) -> None:
    await store.register_sender("slack", T0)
    await add_notices(
        store,
        notice(kind="summary", coalesce_key="k", n=1),
        notice(kind="document", n=2),
        notice(kind="summary", coalesce_key="k", n=3),
    )
    delivered: list[int] = []
    while due := await store.due_deliveries("slack", T0):
        for delivery in due:
            delivered.append(int(delivery.notice.payload["n"]))
            await store.mark_sending(delivery, T0)
            await store.mark_sent(delivery, T0, None)
    # Only the newest summary goes out, but first, where the summary was first queued.
    assert delivered == [3, 2]
    # After one went out, the next run of the key starts a new place.
    await add_notices(
        store,
        notice(kind="summary", coalesce_key="k", n=4),
        notice(kind="document", n=5),
        notice(kind="summary", coalesce_key="k", n=6),
        notice(kind="thread", n=7),
    )
    assert numbers(await store.due_deliveries("slack", T0)) == [6]


async def test_a_coalesced_notice_behind_one_in_flight_keeps_its_own_place(store: Store) -> None:
    await store.register_sender("slack", T0)
    await add_notices(store, notice(kind="summary", coalesce_key="k", n=1))
    (first,) = await store.due_deliveries("slack", T0)
    await store.mark_sending(first, T0)
    await add_notices(
        store, notice(kind="thread", n=2), notice(kind="summary", coalesce_key="k", n=3)
    )
    delivered: list[int] = []
    while due := await store.due_deliveries("slack", T0):
        for delivery in due:
            delivered.append(int(delivery.notice.payload["n"]))
            await store.mark_sent(delivery, T0, None)
    assert delivered == [1, 2, 3]


async def test_a_new_notice_supersedes_a_pending_delivery(store: Store) -> None:
    await store.register_sender("slack", T0)
    await add_notices(store, notice(coalesce_key="k", n=1))
    assert numbers(await store.due_deliveries("slack", T0)) == [1]  # the row now exists
    await add_notices(store, notice(coalesce_key="k", n=2))
    assert numbers(await store.due_deliveries("slack", T0)) == [2]
    assert [d.status for d in await store.deliveries("slack")] == ["superseded", "pending"]


async def test_a_new_notice_does_not_supersede_one_being_sent(store: Store) -> None:
    await store.register_sender("slack", T0)
    await add_notices(store, notice(coalesce_key="k", n=1))
    (first,) = await store.due_deliveries("slack", T0)
    await store.mark_sending(first, T0)
    await add_notices(store, notice(coalesce_key="k", n=2))
    # Still in doubt (the sender may have crashed): it stays at the head of its target.
    assert numbers(await store.due_deliveries("slack", T0)) == [1]
    assert [d.status for d in await store.deliveries("slack")] == ["sending", "pending"]
    await store.mark_sent(first, T0, None)
    assert numbers(await store.due_deliveries("slack", T0)) == [2]


async def test_one_delivery_per_target_in_order(store: Store) -> None:
    await store.register_sender("slack", T0)
    await add_notices(
        store,
        notice("a", n=1),
        notice("b", n=2),
        notice("a", n=3),
        notice("c", n=4),
        notice("b", n=5),
    )
    assert numbers(await store.due_deliveries("slack", T0)) == [1, 2, 4]
    assert numbers(await store.due_deliveries("slack", T0, limit=2)) == [1, 2]
    due = await store.due_deliveries("slack", T0)
    for delivery in due[:2]:  # a and b go out
        await store.mark_sending(delivery, T0)
        await store.mark_sent(delivery, T0, None)
    assert numbers(await store.due_deliveries("slack", T0)) == [3, 4, 5]


async def test_due_deliveries_respect_next_attempt_at(store: Store) -> None:
    await store.register_sender("slack", T0)
    later = T0 + timedelta(minutes=10)
    await add_notices(store, notice("a", n=1), notice("b", n=2, at=later), notice("a", n=3))
    assert numbers(await store.due_deliveries("slack", T0)) == [1]
    assert await store.next_due_at("slack") == T0
    (first,) = await store.due_deliveries("slack", T0)
    await store.mark_sending(first, T0)
    retry_at = T0 + timedelta(minutes=5)
    await store.mark_retry(first, retry_at, "rate limited")
    # Target a waits for its oldest notice: 3 must not overtake 1.
    assert numbers(await store.due_deliveries("slack", T0 + timedelta(minutes=1))) == []
    assert await store.next_due_at("slack") == retry_at
    assert numbers(await store.due_deliveries("slack", retry_at)) == [1]
    assert numbers(await store.due_deliveries("slack", later)) == [1, 2]
    (retried,) = [d for d in await store.deliveries("slack") if d.notice.payload["n"] == 1]
    assert (retried.status, retried.attempts, retried.last_error) == ("pending", 1, "rate limited")
    assert retried.next_attempt_at == retry_at


async def test_next_due_at(store: Store) -> None:
    await store.register_sender("slack", T0)
    assert await store.next_due_at("slack") is None
    await add_notices(store, notice(n=1, at=T0 + timedelta(seconds=30)))
    await store.due_deliveries("slack", T0)  # creates the delivery rows
    assert await store.next_due_at("slack") == T0 + timedelta(seconds=30)
    (delivery,) = await store.due_deliveries("slack", T0 + timedelta(minutes=1))
    await store.mark_sending(delivery, T0)
    await store.mark_sent(delivery, T0, None)
    assert await store.next_due_at("slack") is None
    assert await store.next_due_at("unknown") is None


async def test_mark_sending_counts_attempts(store: Store) -> None:
    await store.register_sender("slack", T0)
    await add_notices(store, notice(n=1))
    (delivery,) = await store.due_deliveries("slack", T0)
    await store.mark_sending(delivery, T0)
    # The stored row changes, not the caller's object (the dispatcher counts from it).
    assert (delivery.status, delivery.attempts) == ("pending", 0)
    await store.mark_retry(delivery, T0, "timeout")
    (again,) = await store.due_deliveries("slack", T0)
    await store.mark_sending(again, T0)
    (stored,) = await store.deliveries("slack")
    assert (stored.status, stored.attempts) == ("sending", 2)


async def test_mark_failed_moves_on_to_the_next_notice(store: Store) -> None:
    await store.register_sender("slack", T0)
    await add_notices(store, notice("a", n=1), notice("a", n=2))
    (delivery,) = await store.due_deliveries("slack", T0)
    await store.mark_sending(delivery, T0)
    await store.mark_failed(delivery, "channel_not_found")
    assert numbers(await store.due_deliveries("slack", T0)) == [2]
    first = (await store.deliveries("slack"))[0]
    assert (first.status, first.last_error) == ("failed", "channel_not_found")


async def test_mark_sent_stores_the_message_ref(store: Store) -> None:
    await add_case(store)
    await store.register_sender("slack", T0)
    await add_notices(store, notice(ref_key="card", n=1))
    (delivery,) = await store.due_deliveries("slack", T0)
    ref = MessageRef("slack", "c1", "card", "C123", "1714554000.000100", {"thread": "t1"})
    await store.mark_sending(delivery, T0)
    await store.mark_sent(delivery, T0, ref)
    assert await store.get_message_ref("slack", "c1", "card") == ref
    assert await store.message_refs("c1") == [ref]
    assert [d.status for d in await store.deliveries("slack")] == ["sent"]


async def test_message_refs_upsert(store: Store) -> None:
    assert await store.get_message_ref("slack", "c1", "card") is None
    first = MessageRef("slack", "c1", "card", "C1", "m1")
    await store.put_message_ref(first)
    moved = replace(first, channel="C2", message_id="m2", extra={"k": "v"})
    await store.put_message_ref(moved)
    summary = MessageRef("teams", "c1", "summary", "conv", "act-1")
    await store.put_message_ref(summary)
    await store.put_message_ref(MessageRef("slack", "c2", "card", "C9", "m9"))
    assert await store.get_message_ref("slack", "c1", "card") == moved
    assert await store.message_refs("c1") == [moved, summary]


# ---- several instances on one database (restarts, a second process)


async def test_two_instances_on_one_database(store: Store, reopen: Callable[[], Store]) -> None:
    other = reopen()
    await other.open()
    await add_case(store)

    async def bump(instance: Store) -> None:
        async with instance.write() as tx:
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


# ---- SQLite specifics


def db_file(store: Store) -> Path:
    assert isinstance(store, SQLiteStore)
    return store.path


async def test_sqlite_creates_missing_directories(tmp_path: Path) -> None:
    path = tmp_path / "a" / "b" / "offboard.db"
    async with SQLiteStore(path) as store:
        await add_case(store)
    assert path.exists()


async def test_sqlite_schema_version_and_pragmas(store: Store, reopen: Callable[[], Store]) -> None:
    path = db_file(store)
    with closing(sqlite3.connect(path)) as raw:
        versions = raw.execute("SELECT version, name, applied_at FROM schema_version").fetchall()
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    expected = [(m.version, m.name) for m in load_migrations()]
    assert [(v, n) for v, n, _ in versions] == expected == [(1, "initial"), (2, "outbox_by_target"),
                                                            (3, "item_holder_version")]
    await store.close()
    again = reopen()
    await again.open()
    with closing(sqlite3.connect(path)) as raw:
        assert raw.execute("SELECT version, name, applied_at FROM schema_version").fetchall() == (
            versions
        )


async def test_sqlite_an_older_database_is_brought_up_to_date(store: Store,
                                                              reopen: Callable[[], Store]) -> None:
    await add_case(store)
    await store.close()
    path = db_file(store)
    with closing(sqlite3.connect(path)) as raw:  # as a database made before migration 2
        raw.execute("DROP INDEX outbox_by_target")
        raw.execute("ALTER TABLE item_states DROP COLUMN holder_version")
        raw.execute("DELETE FROM schema_version WHERE version >= 2")
        raw.commit()
    again = reopen()
    await again.open()
    try:
        with closing(sqlite3.connect(path)) as raw:
            assert [v for (v,) in raw.execute("SELECT version FROM schema_version")] == [1, 2, 3]
            indexes = {name for (name,) in raw.execute("SELECT name FROM sqlite_master WHERE type='index'")}
            assert "outbox_by_target" in indexes
        assert await again.get_case("c1") is not None, "the data stays"
    finally:
        await again.close()


async def test_sqlite_migration_3_gives_existing_items_a_holder_version(store: Store,
                                                                       reopen: Callable[[], Store]) -> None:
    await add_case(store)
    async with store.write() as tx:
        await tx.put_item(ItemRecord(case_id="c1", item_id="x", status="open", version=4))
    await store.close()
    path = db_file(store)
    with closing(sqlite3.connect(path)) as raw:  # as a database made before migration 3
        raw.execute("ALTER TABLE item_states DROP COLUMN holder_version")
        raw.execute("DELETE FROM schema_version WHERE version = 3")
        raw.commit()
    again = reopen()
    await again.open()
    try:
        item = (await again.get_items("c1"))["x"]
        assert (item.version, item.holder_version) == (4, 1)
    finally:
        await again.close()


async def test_sqlite_events_are_append_only(store: Store) -> None:
    await add_case(store)
    async with store.write() as tx:
        await tx.append_event(EventRecord(case_id="c1", kind="case_opened", actor=ACTOR, at=T0))
    with closing(sqlite3.connect(db_file(store))) as raw:
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            raw.execute("UPDATE events SET kind = 'forged'")
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            raw.execute("DELETE FROM events")
    assert [e.kind for e in await store.get_events("c1")] == ["case_opened"]


async def test_sqlite_foreign_keys_are_enforced(store: Store) -> None:
    with pytest.raises(sqlite3.IntegrityError):
        async with store.write() as tx:
            await tx.put_item(ItemRecord(case_id="missing", item_id="x", status="open"))


def test_sqlite_rejects_memory_databases() -> None:
    with pytest.raises(ValueError):
        SQLiteStore(":memory:")
