"""The outbox half of the Store contract, on every registered backend.

Deliveries queue per (case, target, sender); a claim leases the head of each
queue to one owner; a post in doubt is kept on its delivery, or on its message
when it is posted once and edited later.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta

import pytest

from storage.base import Delivery, DeliveryStatus, LeaseLost, MessageRef, Store
from tests.contract.records import T0, add_case, add_notices, notice, numbers

LEASE = T0 + timedelta(minutes=1)


async def claim(store: Store, sender: str = "slack", owner: str = "p1", now: datetime = T0,
                limit: int = 50) -> list[Delivery]:
    return await store.claim(sender, owner, now, now + timedelta(minutes=1), limit)


async def drain(store: Store, sender: str = "slack") -> list[int]:
    """Claim and send until nothing is due; the notice numbers in the order they went."""
    sent: list[int] = []
    while due := await claim(store, sender):
        for delivery in due:
            sent.append(int(delivery.notice.payload["n"]))
            await store.mark_sent(delivery, T0, None)
    return sent


# ---- writing and claiming


async def test_a_notice_gets_a_delivery_per_registered_sender(store: Store) -> None:
    await store.register_sender("slack", T0)
    await store.register_sender("teams", T0)
    sent = notice(ref_key="card", coalesce_key="c1:card", n=7)
    (notice_id,) = await add_notices(store, sent)
    (delivery,) = await claim(store)
    assert delivery.notice == replace(sent, id=notice_id)
    assert (delivery.sender, delivery.status, delivery.attempts) == ("slack", "pending", 1)
    assert (delivery.lease_owner, delivery.leased_until, delivery.in_doubt) == ("p1", LEASE, False)
    assert delivery.next_attempt_at == T0
    assert [(d.sender, d.status) for d in await store.deliveries()] == [("slack", "pending"),
                                                                         ("teams", "pending")]
    assert await claim(store, "unknown") == []


async def test_a_sender_gets_the_notices_written_after_it_registered(store: Store) -> None:
    await add_notices(store, notice(n=1))
    await store.register_sender("slack", T0)
    await add_notices(store, notice(n=2))
    await store.register_sender("slack", T0 + timedelta(hours=1))  # a restart changes nothing
    await add_notices(store, notice("b", n=3))
    await store.register_sender("teams", T0)
    await add_notices(store, notice("c", n=4))
    assert await drain(store) == [2, 3, 4]
    assert await drain(store, "teams") == [4]


async def test_one_delivery_per_queue_in_order(store: Store) -> None:
    await store.register_sender("slack", T0)
    await add_notices(store, notice("a", n=1), notice("b", n=2), notice("a", n=3), notice("c", n=4),
                      notice("b", n=5))
    assert numbers(await store.due_deliveries("slack", T0)) == [1, 2, 4]
    assert numbers(await claim(store, limit=2)) == [1, 2]
    assert numbers(await claim(store, owner="p2")) == [4], "leased heads are not claimed again"
    for delivery in await store.deliveries("slack"):
        if delivery.notice.payload["n"] in (1, 2):
            await store.mark_sent(delivery, T0, None)
    assert numbers(await claim(store)) == [3, 5]


async def test_queues_are_per_case_not_per_channel(store: Store) -> None:
    """One case's notice waiting for a retry holds back only that case's notices to the channel."""
    await store.register_sender("slack", T0)
    await add_notices(store, notice("dept:tech", n=1, case_id="c1"), notice("dept:tech", n=2, case_id="c1"),
                      notice("dept:tech", n=3, case_id="c2"), notice("dept:tech", n=4, case_id="c2"))
    first, other = await claim(store)
    await store.mark_retry(first, T0 + timedelta(hours=1), "rate limited")
    await store.mark_sent(other, T0, None)
    assert numbers(await claim(store)) == [4]


async def test_claims_respect_next_attempt_at_and_count_attempts(store: Store) -> None:
    await store.register_sender("slack", T0)
    later = T0 + timedelta(minutes=10)
    await add_notices(store, notice("a", n=1), notice("b", n=2, at=later), notice("a", n=3))
    assert await store.next_due_at("slack") == T0
    (first,) = await claim(store)
    retry_at = T0 + timedelta(minutes=5)
    await store.mark_retry(first, retry_at, "rate limited")
    assert numbers(await claim(store, now=T0 + timedelta(minutes=1))) == [], "3 never overtakes 1"
    assert await store.next_due_at("slack") == retry_at
    (again,) = await claim(store, now=retry_at)
    assert (again.attempts, again.last_error, again.next_attempt_at) == (2, "rate limited", retry_at)
    await store.mark_retry(again, later, "busy")
    assert numbers(await claim(store, now=later)) == [1, 2]


async def test_next_due_at(store: Store) -> None:
    await store.register_sender("slack", T0)
    assert await store.next_due_at("slack") is None
    await add_notices(store, notice(n=1, at=T0 + timedelta(seconds=30)))
    assert await store.next_due_at("slack") == T0 + timedelta(seconds=30)
    (delivery,) = await claim(store, now=T0 + timedelta(minutes=1))
    assert await store.next_due_at("slack") == T0 + timedelta(minutes=2), "a lease ends"
    await store.mark_sent(delivery, T0, None)
    assert await store.next_due_at("slack") is None
    assert await store.next_due_at("unknown") is None


async def test_an_expired_lease_is_taken_over_and_the_old_owner_loses_it(store: Store) -> None:
    await store.register_sender("slack", T0)
    await add_notices(store, notice(n=1))
    (mine,) = await claim(store, owner="p1")
    assert await claim(store, owner="p2", now=T0 + timedelta(seconds=59)) == []
    (theirs,) = await claim(store, owner="p2", now=T0 + timedelta(minutes=1))  # p1 died
    assert (theirs.lease_owner, theirs.attempts) == ("p2", 2)
    with pytest.raises(LeaseLost):
        await store.mark_sent(mine, T0, None)
    with pytest.raises(LeaseLost):
        await store.mark_in_doubt(mine, T0)
    await store.mark_sent(theirs, T0, None)
    assert [d.status for d in await store.deliveries()] == ["sent"]


async def test_two_instances_never_claim_one_delivery_twice(store: Store,
                                                             reopen: Callable[[], Store]) -> None:
    other = reopen()
    await other.open()
    await store.register_sender("slack", T0)
    await add_notices(store, *(notice(f"t{n % 7}", n=n, case_id=f"c{n % 3}") for n in range(60)))
    got: list[tuple[str, int]] = []

    async def work(instance: Store, owner: str) -> None:
        for _ in range(200):
            due = await claim(instance, owner=owner, limit=3)
            if not due and not await instance.due_deliveries("slack", T0):
                return
            for delivery in due:
                got.append((owner, int(delivery.notice.payload["n"])))
                await instance.mark_sent(delivery, T0, None)

    await asyncio.gather(work(store, "p1"), work(other, "p2"), work(store, "p3"), work(other, "p4"))
    counts = Counter(n for _, n in got)
    assert sorted(counts) == list(range(60)) and set(counts.values()) == {1}
    assert len({owner for owner, _ in got}) > 1, "both instances took a share"


# ---- coalescing


async def test_coalesced_notices_deliver_only_the_newest_in_the_place_of_the_first(store: Store) -> None:
    await store.register_sender("slack", T0)
    await add_notices(store, notice(kind="summary", coalesce_key="k", n=1), notice(kind="document", n=2),
                      notice(kind="summary", coalesce_key="k", n=3))
    assert await drain(store) == [3, 2]
    statuses = {d.notice.payload["n"]: d.status for d in await store.deliveries("slack")}
    assert statuses == {1: "superseded", 2: "sent", 3: "sent"}
    # After one went out, the next run of the key starts a new place.
    await add_notices(store, notice(kind="summary", coalesce_key="k", n=4), notice(kind="document", n=5),
                      notice(kind="summary", coalesce_key="k", n=6), notice(kind="thread", n=7))
    assert await drain(store) == [6, 5, 7]


async def test_a_claimed_delivery_is_never_superseded(store: Store) -> None:
    await store.register_sender("slack", T0)
    await add_notices(store, notice(coalesce_key="k", n=1))
    (first,) = await claim(store)
    await add_notices(store, notice(kind="thread", n=2), notice(coalesce_key="k", n=3))
    assert [d.status for d in await store.deliveries("slack")] == ["pending"] * 3
    await store.mark_sent(first, T0, None)
    assert await drain(store) == [2, 3]


async def test_a_retried_delivery_gives_way_to_a_newer_one_of_its_key(store: Store) -> None:
    await store.register_sender("slack", T0)
    await add_notices(store, notice(coalesce_key="k", n=1))
    (first,) = await claim(store)
    await add_notices(store, notice(kind="thread", n=2), notice(coalesce_key="k", n=3))
    await store.mark_retry(first, T0, "502")
    assert await drain(store) == [3, 2], "the newest content, in the place of the first"


async def test_a_delivery_in_doubt_is_never_dropped_for_a_newer_one(store: Store) -> None:
    await store.register_sender("slack", T0)
    await add_notices(store, notice(coalesce_key="k", n=1))
    (first,) = await claim(store)
    await store.mark_in_doubt(first, T0)
    await add_notices(store, notice(coalesce_key="k", n=2))
    await store.mark_retry(first, T0, "connection dropped")
    (again,) = await claim(store)
    assert (int(again.notice.payload["n"]), again.in_doubt) == (1, True)
    await store.mark_sent(again, T0, None)
    assert await drain(store) == [2]


# ---- doubt


async def test_a_post_in_doubt_is_kept_on_its_delivery(store: Store) -> None:
    await store.register_sender("slack", T0)
    await add_notices(store, notice(kind="thread", n=1))
    (delivery,) = await claim(store)
    await store.mark_in_doubt(delivery, T0)
    await store.mark_retry(delivery, T0, "502")
    (again,) = await claim(store, owner="p2")
    assert again.in_doubt
    await store.clear_doubt(again)
    assert not (await store.deliveries())[0].in_doubt


async def test_a_message_in_doubt_passes_its_doubt_to_the_notice_that_supersedes_it(store: Store) -> None:
    await add_case(store)
    await store.register_sender("slack", T0)
    await add_notices(store, notice(kind="summary", ref_key="summary", coalesce_key="s", n=1))
    (first,) = await claim(store)
    await store.mark_in_doubt(first, T0)
    await store.mark_retry(first, T0 + timedelta(minutes=5), "connection dropped")
    await add_notices(store, notice(kind="summary", ref_key="summary", coalesce_key="s", n=2))
    (newer,) = await claim(store)
    assert (int(newer.notice.payload["n"]), newer.in_doubt) == (2, True), "the message is in doubt"
    found = MessageRef("slack", "c1", "summary", "C1", "m1")
    await store.put_message_ref(found)  # the look-up found it: no longer in doubt
    assert not (await store.deliveries(status=DeliveryStatus.PENDING))[0].in_doubt
    await store.mark_sent(newer, T0, None)
    assert [d.status for d in await store.deliveries()] == ["superseded", "sent"]


async def test_mark_sent_stores_the_message_ref_and_ends_its_doubt(store: Store) -> None:
    await add_case(store)
    await store.register_sender("slack", T0)
    await add_notices(store, notice(ref_key="card", n=1), notice(ref_key="card", n=2))
    (delivery,) = await claim(store)
    await store.mark_in_doubt(delivery, T0)
    ref = MessageRef("slack", "c1", "card", "C123", "1714554000.000100", {"thread": "t1"})
    await store.mark_sent(delivery, T0, ref)
    assert await store.get_message_ref("slack", "c1", "card") == ref
    assert await store.message_refs("c1") == [ref]
    (second,) = await claim(store)
    assert not second.in_doubt


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


# ---- dead letters


async def test_a_dead_letter_unblocks_its_queue_and_can_be_requeued(store: Store) -> None:
    await store.register_sender("slack", T0)
    await add_notices(store, notice("a", n=1), notice("a", n=2))
    (delivery,) = await claim(store)
    await store.mark_failed(delivery, "KeyError('card')")
    assert numbers(await claim(store)) == [2]
    (failed,) = await store.deliveries(status=DeliveryStatus.FAILED)
    assert (failed.id, failed.last_error, failed.lease_owner) == (delivery.id, "KeyError('card')", None)
    assert await store.requeue(failed.id + 1000, T0) is None
    back = await store.requeue(failed.id, T0 + timedelta(hours=1))
    assert back is not None and (back.status, back.attempts) == ("pending", 0)
    assert await store.requeue(failed.id, T0) is None, "only a dead letter is requeued"


async def test_requeueing_a_dead_letter_a_newer_one_replaced_supersedes_it(store: Store) -> None:
    await store.register_sender("slack", T0)
    await add_notices(store, notice(coalesce_key="k", n=1))
    (delivery,) = await claim(store)
    await store.mark_failed(delivery, "boom")
    await add_notices(store, notice(coalesce_key="k", n=2))
    assert await drain(store) == [2]
    back = await store.requeue(delivery.id, T0)
    assert back is not None and back.status == "superseded", "the newer content already went out"


# ---- history and pruning


async def test_notices_of_a_target_are_its_history(store: Store) -> None:
    ids = await add_notices(store, notice("a", n=1), notice("b", n=2), notice("a", n=3))
    assert [n.payload["n"] for n in await store.notices("a")] == [1, 3]
    assert [n.id for n in await store.notices("a", after_id=ids[0])] == [ids[2]]
    more = await add_notices(store, *(notice("a", n=n) for n in range(4, 8)))
    assert [n.payload["n"] for n in await store.notices("a", newest=3)] == [5, 6, 7], "the newest, in order"
    assert [n.id for n in await store.notices("a", after_id=more[2], newest=3)] == [more[3]]


async def test_pruning_keeps_what_a_channel_shows_and_what_still_waits(store: Store) -> None:
    await add_case(store)
    await store.register_sender("slack", T0)
    old, new = T0, T0 + timedelta(days=40)
    await add_notices(store, notice("dept:a", "card", old, "k", "card:a", 1),
                      notice("dept:a", "card", old, "k", "card:a", 2),
                      notice("case:c1", "thread", old, n=3), notice("dept:a", "handoff", old, n=4))
    assert await drain(store) == [2, 3, 4]
    await add_notices(store, notice("dept:a", "card", old, "k2", "card:b", 5))  # still waiting
    await add_notices(store, notice("dept:a", "card", new, "k", "card:a", 6))
    async with store.write() as tx:
        await tx.record_request("old", {}, old)
        await tx.record_request("new", {}, new)
    removed = await store.prune(T0 + timedelta(days=30))
    assert removed == {"deliveries": 4, "notices": 1, "requests": 1}
    assert [n.payload["n"] for n in await store.notices("dept:a")] == [1, 4, 5, 6]
    assert [n.payload["n"] for n in await store.notices("case:c1")] == [3]
    assert sorted(int(d.notice.payload["n"]) for d in await store.deliveries()) == [5, 6]
    async with store.write() as tx:
        assert await tx.request_result("old") is None and await tx.request_result("new") == {}


async def test_a_message_changed_while_its_send_waited_goes_out_once_with_the_newest_content(
        store: Store) -> None:
    await store.register_sender("slack", T0)
    await add_notices(store, notice(coalesce_key="card:c1:s1", ref_key="card:s1", n=1))
    (head,) = await claim(store)  # leased: the next notices of its card cannot supersede it
    await add_notices(store, notice(coalesce_key="card:c1:s1", ref_key="card:s1", n=2),
                      notice(kind="thread", n=3),
                      notice(coalesce_key="card:c1:s1", ref_key="card:s1", n=4))
    latest = await store.newest(head)
    assert int(latest.notice.payload["n"]) == 4 and latest.lease_owner == "p1"
    assert latest.attempts == head.attempts and latest.position == head.position, "in the first one's place"
    await store.mark_sent(latest, T0, None)
    assert await drain(store) == [3], "2 and 1 were superseded; the thread line keeps its turn"


async def test_a_paced_delivery_waits_without_counting_an_attempt(store: Store) -> None:
    await store.register_sender("slack", T0)
    await add_notices(store, notice(coalesce_key="card:c1:s1", ref_key="card:s1", n=1))
    (head,) = await claim(store)
    await store.defer(head, T0 + timedelta(seconds=2))
    assert await claim(store) == [], "not due yet, and no longer leased to anyone"
    await add_notices(store, notice(coalesce_key="card:c1:s1", ref_key="card:s1", n=2))
    (again,) = await claim(store, now=T0 + timedelta(seconds=3))
    assert int(again.notice.payload["n"]) == 2, "the newer content went in its place"
    assert again.attempts == 1, "waiting for its channel was no attempt"
