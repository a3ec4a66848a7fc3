"""The outbox dispatcher on every store backend: order, retries, dead letters, doubt, leases, waking.

The only double is the platform (tests/outbox/platform.py); time is a still clock
that moves only when told, so backoff is checked to the second.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta

import pytest

from bot.outbox import Dispatcher, PermanentFailure, RetryLater
from storage.base import Delivery, DeliveryStatus, Notice, NoticeKind, Store
from tests.conftest import START as T0
from tests.conftest import StillClock
from tests.outbox.platform import Crash, Platform


def notice(n: int, target: str = "A", at: datetime = T0, *, case_id: str = "c1", kind: str = "thread",
           ref_key: str | None = None, coalesce_key: str | None = None) -> Notice:
    return Notice(case_id, NoticeKind(kind), target, {"n": n}, at, ref_key=ref_key, coalesce_key=coalesce_key)


def card(n: int, case_id: str = "c1") -> Notice:
    """A step card: posted once per case, then edited; a newer one supersedes one still waiting."""
    return notice(n, "dept:tech", case_id=case_id, kind="card", ref_key="card:step",
                  coalesce_key=f"card:{case_id}")


def summary(n: int, case_id: str = "c1") -> Notice:
    """The case summary: posted once, then edited; the newest content wins."""
    return notice(n, f"case:{case_id}", case_id=case_id, kind="summary", ref_key="summary",
                  coalesce_key=f"summary:{case_id}")


async def write(store: Store, *notices: Notice) -> list[int]:
    async with store.write() as tx:
        return [await tx.add_notice(n) for n in notices]


async def delivery_of(store: Store, n: int, sender: str = "platform") -> Delivery:
    (found,) = [d for d in await store.deliveries(sender) if d.notice.payload["n"] == n]
    return found


@pytest.fixture
def clock() -> StillClock:
    return StillClock()


@pytest.fixture
def platform(clock: StillClock) -> Platform:
    return Platform(clock=clock)


@pytest.fixture
async def dispatcher(store: Store, platform: Platform, clock: StillClock) -> Dispatcher:
    d = Dispatcher(store, clock=clock, backoff_base=1.0, owner="first")
    await d.register(platform)
    return d


async def restarted(reopen: Callable[[], Store], platform: Platform, clock: StillClock) -> Dispatcher:
    """Another process on the same database, with the same platform."""
    again = reopen()
    await again.open()
    d = Dispatcher(again, clock=clock, backoff_base=1.0, owner="second")
    await d.register(platform)
    return d


# ---- 1. order per queue


async def test_a_failing_first_notice_holds_back_its_queue_but_not_the_others(
        store: Store, dispatcher: Dispatcher, platform: Platform, clock: StillClock) -> None:
    await write(store, notice(1, "A"), notice(2, "A"), notice(10, "B"), notice(11, "B"),
                notice(20, "A", case_id="c2"))
    platform.failures[1] = [RetryLater("platform busy", delivered=False)]
    assert await dispatcher.run_once() == 3
    assert sorted(platform.numbers()) == [10, 11, 20]
    assert platform.numbers("A") == [20], "another case's notice to the same channel went"
    assert [n for n, _, _ in platform.attempts if n in (1, 2)] == [1]  # 2 never tried before 1
    clock.advance(seconds=1)
    assert await dispatcher.run_once() == 2
    assert [n for n in platform.numbers("A") if n < 10] == [1, 2]


async def test_order_holds_over_retries_and_a_restart(
        reopen: Callable[[], Store], store: Store, dispatcher: Dispatcher, platform: Platform,
        clock: StillClock) -> None:
    await write(store, *(notice(n) for n in (1, 2, 3)))
    platform.failures[1] = [RetryLater("429", retry_after=5, delivered=False), RetryLater("busy")]
    platform.failures[2] = [RetryLater("busy")]
    await dispatcher.run_once()
    clock.advance(seconds=5)
    await dispatcher.run_once()
    assert platform.numbers() == []
    second = await restarted(reopen, platform, clock)
    clock.advance(seconds=1)  # 1's second failure (its 2nd attempt) backs off 2 s
    assert await second.run_once() == 0
    clock.advance(seconds=1)
    assert await second.run_once() == 1  # 1 out, then 2 fails
    clock.advance(seconds=1)
    assert await second.run_once() == 2
    assert platform.numbers() == [1, 2, 3]


# ---- 2. retries and backoff


@pytest.mark.parametrize(("cap", "expected"), [(300.0, [1, 2, 4, 8]), (3.0, [1, 2, 3, 3])])
async def test_retries_back_off_exponentially(store: Store, platform: Platform, clock: StillClock,
                                              cap: float, expected: list[int]) -> None:
    dispatcher = Dispatcher(store, clock=clock, backoff_base=1.0, backoff_cap=cap)
    await dispatcher.register(platform)
    await write(store, notice(1))
    platform.always_fail[1] = ConnectionResetError("dropped")  # a sender's unclassified network fault
    for attempt, wait in enumerate(expected, start=1):
        tried_at = clock.now
        assert await dispatcher.run_once() == 0
        delivery = await delivery_of(store, 1)
        assert (delivery.status, delivery.attempts) == ("pending", attempt)
        assert delivery.next_attempt_at - tried_at == timedelta(seconds=wait)
        assert delivery.last_error is not None and "dropped" in delivery.last_error
        assert delivery.in_doubt, "a dropped connection leaves the post in doubt"
        clock.now = delivery.next_attempt_at - timedelta(milliseconds=1)
        await dispatcher.run_once()
        assert len(platform.attempts) == attempt, "not a moment early"
        clock.now = delivery.next_attempt_at


async def test_retry_later_waits_for_the_platforms_retry_after(
        store: Store, platform: Platform, clock: StillClock) -> None:
    dispatcher = Dispatcher(store, clock=clock, backoff_base=100.0)
    await dispatcher.register(platform)
    await write(store, notice(1, "A"), notice(2, "A"), notice(10, "B"))
    platform.failures[1] = [RetryLater("rate limited", retry_after=30, delivered=False)]
    assert await dispatcher.run_once() == 1
    delivery = await delivery_of(store, 1)
    assert (delivery.next_attempt_at, delivery.last_error, delivery.in_doubt) == (
        T0 + timedelta(seconds=30), "rate limited", False)
    clock.advance(seconds=29.9)
    assert await dispatcher.run_once() == 0
    clock.advance(seconds=0.1)
    assert await dispatcher.run_once() == 2
    assert platform.numbers("A") == [1, 2]
    assert platform.lookups == [], "a 429 is a clear 'not done': nothing to look up"


# ---- 3. giving up, and dead letters


async def test_permanent_failure_dead_letters_and_the_next_notice_goes(
        store: Store, dispatcher: Dispatcher, platform: Platform, clock: StillClock) -> None:
    await write(store, notice(1), notice(2), notice(3))
    platform.failures[1] = [PermanentFailure("channel_not_found")]
    assert await dispatcher.run_once() == 2
    failed = await delivery_of(store, 1)
    assert (failed.status, failed.attempts, failed.last_error, failed.in_doubt) == (
        "failed", 1, "channel_not_found", False)
    clock.advance(days=1)
    assert await dispatcher.run_once() == 0
    assert [n for n, _, _ in platform.attempts] == [1, 2, 3]


async def test_max_attempts_exhausted_dead_letters_with_the_error(
        store: Store, platform: Platform, clock: StillClock) -> None:
    dispatcher = Dispatcher(store, clock=clock, backoff_base=1.0, max_attempts=3)
    await dispatcher.register(platform)
    await write(store, notice(1), notice(2))
    platform.always_fail[1] = RetryLater("socket closed", delivered=False)
    for _ in range(2):
        assert await dispatcher.run_once() == 0
        clock.advance(minutes=10)
    assert await dispatcher.run_once() == 1
    failed = await delivery_of(store, 1)
    assert failed.status == "failed" and failed.attempts == 3
    assert failed.last_error is not None and "gave up after 3 attempts: socket closed" in failed.last_error
    assert platform.numbers() == [2]


async def test_a_poison_notice_is_dead_lettered_at_once_and_the_channel_keeps_flowing(
        store: Store, dispatcher: Dispatcher, platform: Platform) -> None:
    """A rendering bug is not retried 50 times over hours while the department's other cards wait."""
    await write(store, card(1, "c1"), card(2, "c2"), card(3, "c3"))
    platform.always_fail[1] = KeyError("card")  # rendering c1's card raises
    assert await dispatcher.run_once() == 2
    assert sorted(platform.numbers("dept:tech")) == [2, 3]
    (dead,) = await store.deliveries(status=DeliveryStatus.FAILED)
    assert (dead.notice.payload["n"], dead.attempts) == (1, 1)
    assert dead.last_error is not None and "KeyError('card')" in dead.last_error
    await write(store, card(4, "c1"))  # c1's next card is not stuck behind the dead letter
    assert await dispatcher.run_once() == 1
    assert platform.numbers("dept:tech")[-1] == 4


# ---- 4. messages posted once, then edited


async def test_a_card_is_posted_once_then_edited_across_a_restart(
        reopen: Callable[[], Store], store: Store, dispatcher: Dispatcher, platform: Platform,
        clock: StillClock) -> None:
    await write(store, card(1), notice(9, "dept:tech"))
    await dispatcher.run_once()
    await write(store, card(2))
    await dispatcher.run_once()
    posted = platform.posts[0][1]
    assert platform.calls[-1] == (2, posted)
    second = await restarted(reopen, platform, clock)
    await write(store, card(3), card(4, "c2"))
    await second.run_once()
    assert sorted(platform.calls[-2:], key=lambda call: call[0]) == [(3, posted), (4, None)]
    assert platform.messages("c1", "card:step") == 1 and platform.messages("c2", "card:step") == 1


async def test_a_post_in_doubt_after_a_crash_is_looked_up_not_posted_again(
        reopen: Callable[[], Store], store: Store, dispatcher: Dispatcher, platform: Platform,
        clock: StillClock) -> None:
    await write(store, card(1), notice(2, "dept:tech"))
    platform.after_post[1] = [Crash("killed right after the card went out")]
    with pytest.raises(Crash):
        await dispatcher.run_once()
    assert (await delivery_of(store, 1)).in_doubt
    second = await restarted(reopen, platform, clock)
    assert await second.run_once() == 0, "the dead process's lease still holds"
    clock.advance(minutes=1)
    assert await second.run_once() == 2
    assert platform.messages("c1", "card:step") == 1
    assert platform.lookups == [1]
    ref = await store.get_message_ref("platform", "c1", "card:step")
    assert ref == platform.posts[0][1]


async def test_repro_in_doubt_post_then_a_click(
        store: Store, dispatcher: Dispatcher, platform: Platform, clock: StillClock) -> None:
    """The summary's answer is lost (502); a click supersedes it before the retry: one summary."""
    await write(store, summary(1))
    platform.after_post[1] = [RetryLater("502 Bad Gateway")]  # it went out; the answer did not
    assert await dispatcher.run_once() == 0
    await write(store, summary(2))  # the click: the newer summary supersedes the waiting one
    clock.advance(seconds=1)
    assert await dispatcher.run_once() == 1
    assert platform.messages("c1", "summary") == 1
    assert platform.calls[-1] == (2, platform.posts[0][1]), "found, then edited to the newest content"
    assert [d.status for d in await store.deliveries()] == ["superseded", "sent"]


async def test_repro_in_doubt_post_crash_failed_look_up_restart(
        reopen: Callable[[], Store], store: Store, dispatcher: Dispatcher, platform: Platform,
        clock: StillClock) -> None:
    await write(store, summary(1))
    platform.after_post[1] = [Crash("killed after the post")]
    with pytest.raises(Crash):
        await dispatcher.run_once()
    platform.lookups.clear()
    platform.lookup_failures = 1
    clock.advance(minutes=1)
    second = await restarted(reopen, platform, clock)
    assert await second.run_once() == 0, "a failed look-up is a retry, never 'not found'"
    waiting = await delivery_of(store, 1)
    assert (waiting.status, waiting.in_doubt) == ("pending", True)
    third = await restarted(reopen, platform, clock)  # and another restart
    clock.advance(minutes=5)
    assert await third.run_once() == 1
    assert platform.lookups == [1, 1]
    assert platform.messages("c1", "summary") == 1


async def test_a_clear_refusal_of_a_post_is_posted_again_without_a_look_up(
        store: Store, dispatcher: Dispatcher, platform: Platform, clock: StillClock) -> None:
    await write(store, summary(1))
    platform.failures[1] = [RetryLater("429", retry_after=1, delivered=False)]
    await dispatcher.run_once()
    clock.advance(seconds=1)
    assert await dispatcher.run_once() == 1
    assert platform.lookups == [] and platform.messages("c1", "summary") == 1


async def test_a_send_that_outlives_half_the_lease_is_cut_and_looked_up(
        store: Store, platform: Platform, clock: StillClock) -> None:
    dispatcher = Dispatcher(store, clock=clock, lease=0.2)
    await dispatcher.register(platform)
    await write(store, summary(1))
    release = asyncio.Event()

    async def slow(n: Notice) -> None:
        if len(platform.attempts) == 1:
            await release.wait()

    platform.hook = slow
    assert await dispatcher.run_once() == 0  # cut after 0.1 s: in doubt, never left running
    assert (await delivery_of(store, 1)).in_doubt
    clock.advance(seconds=1)
    assert await dispatcher.run_once() == 1
    assert platform.lookups == [1]


# ---- 5. coalescing


async def test_coalesced_notices_send_only_the_newest_once_in_the_place_of_the_first(
        store: Store, dispatcher: Dispatcher, platform: Platform) -> None:
    await write(store, summary(1), notice(2, "case:c1"), summary(3), summary(4))
    assert await dispatcher.run_once() == 2
    assert platform.numbers() == [4, 2]
    assert [d.status for d in await store.deliveries("platform")] == ["superseded", "sent", "superseded",
                                                                       "sent"]


# ---- 6. two dispatchers


async def test_two_dispatchers_on_one_database_send_each_notice_once(
        reopen: Callable[[], Store], store: Store, platform: Platform, clock: StillClock) -> None:
    first = Dispatcher(store, clock=clock, owner="first")
    await first.register(platform)
    second = await restarted(reopen, platform, clock)
    await write(store, *(notice(n, f"t{n % 5}", case_id=f"c{n % 4}") for n in range(80)))
    await asyncio.gather(first.run_once(), second.run_once(), first.run_once(), second.run_once())
    assert sorted(platform.numbers()) == list(range(80))
    for target in {f"t{n % 5}" for n in range(80)}:
        for case_id in (f"c{i}" for i in range(4)):
            ns = [int(s.payload["n"]) for s in platform.sent if s.target == target and s.case_id == case_id]
            assert ns == sorted(ns)


# ---- 7. run, wake, stop, back off


@pytest.fixture
async def running(store: Store) -> AsyncIterator[tuple[Dispatcher, Platform, asyncio.Event]]:
    platform = Platform()
    dispatcher = Dispatcher(store, poll_interval=60.0, backoff_base=60.0)
    await dispatcher.register(platform)
    stop = asyncio.Event()
    task = asyncio.create_task(dispatcher.run(stop))
    await asyncio.sleep(0.05)
    try:
        yield dispatcher, platform, stop
    finally:
        stop.set()
        await asyncio.wait_for(task, 5)


def now_notice(n: int, target: str = "A") -> Notice:
    return notice(n, target, at=datetime.now(UTC))


async def test_committed_notices_wake_the_dispatcher(
        store: Store, running: tuple[Dispatcher, Platform, asyncio.Event]) -> None:
    _, platform, _ = running
    await write(store, now_notice(1))  # no wake(): the store's change feed says so
    await asyncio.wait_for(platform.delivered.wait(), 5)
    assert platform.numbers() == [1]


async def test_run_stops_when_the_stop_event_is_set(store: Store) -> None:
    dispatcher = Dispatcher(store, poll_interval=60.0)
    await dispatcher.register(Platform())
    stop = asyncio.Event()
    task = asyncio.create_task(dispatcher.run(stop))
    await asyncio.sleep(0.05)
    assert not task.done()
    stop.set()
    await asyncio.wait_for(task, 2)


async def test_run_wakes_itself_when_a_retry_falls_due(
        store: Store, running: tuple[Dispatcher, Platform, asyncio.Event]) -> None:
    _, platform, _ = running
    platform.failures[1] = [RetryLater("429", retry_after=0.2, delivered=False)]
    await write(store, now_notice(1))
    await asyncio.wait_for(platform.delivered.wait(), 5)
    assert [n for n, _, _ in platform.attempts] == [1, 1]


async def test_a_failing_round_backs_off_instead_of_spinning(store: Store, clock: StillClock) -> None:
    dispatcher = Dispatcher(store, clock=clock, backoff_base=0.5, backoff_cap=4.0)
    await dispatcher.register(Platform())
    await store.close()  # the database goes away: every round fails
    delays = [await dispatcher._round() for _ in range(6)]
    assert delays == [0.5, 1.0, 2.0, 4.0, 4.0, 4.0]
    await store.open()
    assert await dispatcher._round() == dispatcher.poll_interval
    assert dispatcher.failed_rounds == 0


# ---- 8. registration and pruning


async def test_a_new_sender_starts_with_notices_written_after_it_registered(
        store: Store, clock: StillClock) -> None:
    old = Platform("old", clock)
    dispatcher = Dispatcher(store, [old], clock=clock)
    await dispatcher.start()
    await write(store, notice(1), notice(2, "B"))
    new = Platform("new", clock)
    await dispatcher.register(new)
    await write(store, notice(3), notice(4, "B"))
    await dispatcher.run_once()
    assert sorted(old.numbers()) == [1, 2, 3, 4]
    assert sorted(new.numbers()) == [3, 4]


async def test_sent_notices_are_pruned_after_the_retention(store: Store, clock: StillClock) -> None:
    platform = Platform(clock=clock)
    dispatcher = Dispatcher(store, clock=clock, retention=timedelta(days=30))
    await dispatcher.register(platform)
    await write(store, card(1), card(2), notice(3, "case:c1"))
    await dispatcher.run_once()
    await dispatcher._prune()
    assert len(await store.deliveries()) == 3, "nothing is old yet"
    clock.advance(days=31)
    dispatcher._next_prune = None
    await dispatcher._prune()
    assert await store.deliveries() == []
    assert [n.payload["n"] for n in await store.notices("dept:tech")] == [1], "the card's first notice stays"
    assert [n.payload["n"] for n in await store.notices("case:c1")] == [3]
