"""The outbox dispatcher against the real SQLite store: order, retries, refs, coalescing, waking.

The only double is the platform (``Platform``, a sender whose failures are scripted);
time is a still clock that moves only when told, so backoff is checked to the second.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.outbox import Dispatcher, PermanentFailure, RetryLater
from storage.base import Delivery, MessageRef, Notice, Store
from storage.sqlite import SQLiteStore
from tests.conftest import START as T0
from tests.conftest import StillClock


class Crash(BaseException):
    """The process dies mid-send (nothing in the dispatcher may catch this)."""


class Platform:
    """A sender standing in for a chat platform; failures are scripted per notice number.

    ``failures[n]`` lists what the attempts at notice ``n`` raise, in turn; once it is
    empty the notice goes out. ``attempts`` records every try as (n, target, clock time).
    """

    def __init__(self, name: str = "platform", clock: StillClock | None = None) -> None:
        self.name = name
        self.clock = clock
        self.failures: dict[int, list[BaseException]] = defaultdict(list)
        self.always_fail: dict[int, Exception] = {}
        self.crash_after_post: set[int] = set()
        self.attempts: list[tuple[int, str, datetime | None]] = []
        self.sent: list[Notice] = []
        self.calls: list[tuple[int, MessageRef | None]] = []  # (n, ref given)
        self.posts: dict[int, MessageRef] = {}  # notice id -> the message its post made
        self.delivered = asyncio.Event()
        self.hook: Callable[[Notice], Awaitable[None]] | None = None  # runs before each attempt

    async def send(self, notice: Notice, ref: MessageRef | None) -> MessageRef | None:
        n = int(notice.payload["n"])
        self.attempts.append((n, notice.target, self.clock() if self.clock else None))
        if self.hook is not None:
            await self.hook(notice)
        if n in self.always_fail:
            raise self.always_fail[n]
        if self.failures[n]:
            raise self.failures[n].pop(0)
        self.sent.append(notice)
        self.calls.append((n, ref))
        self.delivered.set()
        made = None
        if notice.ref_key and notice.case_id and ref is None:
            assert notice.id is not None
            made = MessageRef(self.name, notice.case_id, notice.ref_key, notice.target,
                              f"msg-{len(self.posts) + 1}")
            self.posts[notice.id] = made
        if n in self.crash_after_post:
            self.crash_after_post.discard(n)
            raise Crash(f"killed right after notice {n} went out")
        return made

    async def reconcile(self, notice: Notice) -> MessageRef | bool:
        if notice.id in self.posts:
            return self.posts[notice.id]
        return any(s.id == notice.id for s in self.sent)

    def numbers(self, target: str | None = None) -> list[int]:
        return [int(s.payload["n"]) for s in self.sent if target is None or s.target == target]


def notice(n: int, target: str = "A", at: datetime = T0, *, case_id: str = "c1",
           ref_key: str | None = None, coalesce_key: str | None = None) -> Notice:
    return Notice(case_id, "thread", target, {"n": n}, at, ref_key=ref_key, coalesce_key=coalesce_key)


def card(n: int, case_id: str = "c1") -> Notice:
    """A step card: posted once per case, then edited."""
    return notice(n, "dept:tech", case_id=case_id, ref_key="card:step")


def summary(n: int) -> Notice:
    """The case summary: a newer one supersedes any still waiting."""
    return notice(n, "case:c1", coalesce_key="summary:c1")


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
async def dispatcher(store: SQLiteStore, platform: Platform, clock: StillClock) -> Dispatcher:
    d = Dispatcher(store, clock=clock, backoff_base=1.0)
    await d.register(platform)
    return d


# ---- 1. order per target


async def test_a_failing_first_notice_holds_back_its_target_but_not_the_others(
    store: SQLiteStore, dispatcher: Dispatcher, platform: Platform, clock: StillClock
) -> None:
    await write(store, notice(1, "A"), notice(2, "A"), notice(10, "B"), notice(11, "B"), notice(12, "B"))
    platform.failures[1] = [ConnectionError("platform down")]

    assert await dispatcher.run_once() == 3
    assert platform.numbers("B") == [10, 11, 12]
    assert platform.numbers("A") == []
    assert [n for n, _, _ in platform.attempts if n in (1, 2)] == [1]  # 2 never tried before 1
    assert (await delivery_of(store, 1)).status == "pending"
    assert (await delivery_of(store, 2)).attempts == 0

    # B keeps flowing while A's first notice waits for its retry.
    await write(store, notice(13, "B"), notice(3, "A"))
    assert await dispatcher.run_once() == 1
    assert platform.numbers("B") == [10, 11, 12, 13]
    assert platform.numbers("A") == []

    clock.advance(seconds=1)
    assert await dispatcher.run_once() == 3
    assert platform.numbers("A") == [1, 2, 3]
    assert [n for n, _, _ in platform.attempts if n < 10] == [1, 1, 2, 3]


async def test_order_holds_over_several_retries_and_a_restart(
    db_path: Path, store: SQLiteStore, dispatcher: Dispatcher, platform: Platform, clock: StillClock
) -> None:
    await write(store, *(notice(n, "A") for n in (1, 2, 3)))
    platform.failures[1] = [RetryLater("429", retry_after=5), RuntimeError("boom")]
    platform.failures[2] = [RuntimeError("boom")]
    await dispatcher.run_once()
    clock.advance(seconds=5)
    await dispatcher.run_once()
    assert platform.numbers() == []

    # A new process on the same file takes over the same queue.
    again = SQLiteStore(db_path)
    await again.open()
    try:
        restarted = Dispatcher(again, clock=clock, backoff_base=1.0)
        await restarted.register(platform)
        clock.advance(seconds=1)  # 1's second failure (its 2nd attempt) backs off 2 s
        assert await restarted.run_once() == 0
        clock.advance(seconds=1)
        assert await restarted.run_once() == 1  # 1 out, then 2 fails
        clock.advance(seconds=1)
        assert await restarted.run_once() == 2
    finally:
        await again.close()
    assert platform.numbers() == [1, 2, 3]
    assert [n for n, _, _ in platform.attempts] == [1, 1, 1, 2, 2, 3]


# ---- 2. backoff


@pytest.mark.parametrize(("cap", "expected"), [(300.0, [1, 2, 4, 8]), (3.0, [1, 2, 3, 3])])
async def test_generic_errors_back_off_exponentially(
    store: SQLiteStore, platform: Platform, clock: StillClock, cap: float, expected: list[int]
) -> None:
    dispatcher = Dispatcher(store, clock=clock, backoff_base=1.0, backoff_cap=cap)
    await dispatcher.register(platform)
    await write(store, notice(1))
    platform.always_fail[1] = RuntimeError("boom")

    for attempt, wait in enumerate(expected, start=1):
        tried_at = clock.now
        assert await dispatcher.run_once() == 0
        delivery = await delivery_of(store, 1)
        assert delivery.status == "pending"
        assert delivery.attempts == attempt
        assert delivery.next_attempt_at - tried_at == timedelta(seconds=wait)
        assert delivery.last_error is not None and "boom" in delivery.last_error
        assert await store.next_due_at("platform") == delivery.next_attempt_at

        # Not a moment early.
        clock.now = delivery.next_attempt_at - timedelta(milliseconds=1)
        await dispatcher.run_once()
        assert len(platform.attempts) == attempt
        clock.now = delivery.next_attempt_at

    assert [at for _, _, at in platform.attempts] == [
        T0 + timedelta(seconds=sum(expected[:i])) for i in range(len(expected))
    ]


async def test_retry_later_waits_for_the_senders_retry_after(
    store: SQLiteStore, platform: Platform, clock: StillClock
) -> None:
    dispatcher = Dispatcher(store, clock=clock, backoff_base=100.0)  # retry_after wins over backoff
    await dispatcher.register(platform)
    await write(store, notice(1, "A"), notice(2, "A"), notice(10, "B"))
    platform.failures[1] = [RetryLater("rate limited", retry_after=30)]

    assert await dispatcher.run_once() == 1
    delivery = await delivery_of(store, 1)
    assert delivery.next_attempt_at == T0 + timedelta(seconds=30)
    assert delivery.last_error == "rate limited"

    clock.advance(seconds=29.9)
    assert await dispatcher.run_once() == 0
    assert platform.numbers("A") == []
    assert [n for n, _, _ in platform.attempts] == [1, 10]

    clock.advance(seconds=0.1)
    assert await dispatcher.run_once() == 2
    assert platform.numbers("A") == [1, 2]
    assert (await delivery_of(store, 1)).status == "sent"


async def test_retry_later_without_retry_after_backs_off(
    store: SQLiteStore, dispatcher: Dispatcher, platform: Platform, clock: StillClock
) -> None:
    await write(store, notice(1))
    platform.failures[1] = [RetryLater("busy"), RetryLater("busy")]
    await dispatcher.run_once()
    assert (await delivery_of(store, 1)).next_attempt_at == T0 + timedelta(seconds=1)
    clock.advance(seconds=1)
    await dispatcher.run_once()
    assert (await delivery_of(store, 1)).next_attempt_at == T0 + timedelta(seconds=3)


# ---- 3. giving up


async def test_permanent_failure_marks_failed_and_the_next_notice_goes_out(
    store: SQLiteStore, dispatcher: Dispatcher, platform: Platform, clock: StillClock
) -> None:
    await write(store, notice(1, "A"), notice(2, "A"), notice(3, "A"))
    platform.failures[1] = [PermanentFailure("channel_not_found")]

    assert await dispatcher.run_once() == 2
    failed = await delivery_of(store, 1)
    assert (failed.status, failed.attempts, failed.last_error) == ("failed", 1, "channel_not_found")
    assert platform.numbers("A") == [2, 3]

    clock.advance(days=1)
    assert await dispatcher.run_once() == 0
    assert [n for n, _, _ in platform.attempts] == [1, 2, 3]  # never tried again
    assert await store.next_due_at("platform") is None


async def test_max_attempts_exhausted_marks_failed_with_the_error(
    store: SQLiteStore, platform: Platform, clock: StillClock
) -> None:
    dispatcher = Dispatcher(store, clock=clock, backoff_base=1.0, max_attempts=3)
    await dispatcher.register(platform)
    await write(store, notice(1, "A"), notice(2, "A"))
    platform.always_fail[1] = RuntimeError("socket closed")

    for _ in range(2):
        assert await dispatcher.run_once() == 0
        assert (await delivery_of(store, 1)).status == "pending"
        clock.advance(minutes=10)
    # The third failure is the last; 2 goes out right behind it.
    assert await dispatcher.run_once() == 1

    failed = await delivery_of(store, 1)
    assert failed.status == "failed"
    assert failed.attempts == 3
    assert failed.last_error is not None
    assert "gave up after 3 attempts" in failed.last_error
    assert "socket closed" in failed.last_error
    assert [n for n, _, _ in platform.attempts].count(1) == 3
    assert platform.numbers("A") == [2]


# ---- 4. messages posted once, then edited


async def test_a_ref_key_is_posted_once_then_edited_across_a_restart(
    db_path: Path, store: SQLiteStore, dispatcher: Dispatcher, platform: Platform, clock: StillClock
) -> None:
    await write(store, card(1), card(2))  # both pending at once
    await dispatcher.run_once()

    posted = platform.posts[1]
    assert platform.calls == [(1, None), (2, posted)]
    assert await store.get_message_ref("platform", "c1", "card:step") == posted

    clock.advance(minutes=1)
    await write(store, card(3))
    await dispatcher.run_once()
    assert platform.calls[2:] == [(3, posted)]

    # Another case's card with the same ref_key is its own message.
    await write(store, card(4, "c2"))
    await dispatcher.run_once()
    assert platform.calls[3:] == [(4, None)]

    # Restart: a new store on the file, a new dispatcher, a new platform client.
    await store.close()
    again = SQLiteStore(db_path)
    await again.open()
    try:
        fresh = Platform(clock=clock)
        restarted = Dispatcher(again, clock=clock)
        await restarted.register(fresh)
        await write(again, card(5), card(6, "c2"))
        await restarted.run_once()
        assert fresh.calls == [(5, posted), (6, platform.posts[4])]
        assert fresh.posts == {}
        assert await again.get_message_ref("platform", "c1", "card:step") == posted
    finally:
        await again.close()
    assert len(platform.posts) == 2  # c1's card and c2's card, each posted once


async def test_a_post_in_doubt_after_a_crash_is_reconciled_not_posted_again(
    db_path: Path, store: SQLiteStore, dispatcher: Dispatcher, platform: Platform, clock: StillClock
) -> None:
    await write(store, card(1), card(2))
    platform.crash_after_post.add(1)
    with pytest.raises(Crash):
        await dispatcher.run_once()
    assert (await delivery_of(store, 1)).status == "sending"
    assert await store.get_message_ref("platform", "c1", "card:step") is None
    await store.close()

    again = SQLiteStore(db_path)
    await again.open()
    try:
        restarted = Dispatcher(again, clock=clock)
        await restarted.register(platform)  # the platform still shows the message
        assert await restarted.run_once() == 2
        posted = platform.posts[1]
        assert len(platform.posts) == 1
        assert await again.get_message_ref("platform", "c1", "card:step") == posted
        assert platform.calls == [(1, None), (2, posted)]
        assert [d.status for d in await again.deliveries("platform")] == ["sent", "sent"]
    finally:
        await again.close()


# ---- 5. coalescing


async def test_coalesced_notices_send_only_the_newest_once_in_the_place_of_the_first(
    store: SQLiteStore, dispatcher: Dispatcher, platform: Platform
) -> None:
    await write(store, summary(1), notice(2, "case:c1"), summary(3), summary(4))

    assert await dispatcher.run_once() == 2
    assert platform.numbers() == [4, 2]
    assert [n for n, _, _ in platform.attempts] == [4, 2]
    assert [d.status for d in await store.deliveries("platform")] == [
        "superseded", "sent", "superseded", "sent"
    ]


async def test_coalescing_applies_to_deliveries_already_queued(
    store: SQLiteStore, dispatcher: Dispatcher, platform: Platform, clock: StillClock
) -> None:
    await write(store, notice(1, "case:c1"))
    platform.failures[1] = [RetryLater("429", retry_after=10)]
    await dispatcher.run_once()
    await write(store, summary(2))
    await dispatcher.run_once()  # 2's delivery row now exists, waiting behind 1
    assert (await delivery_of(store, 2)).status == "pending"

    await write(store, notice(3, "case:c1"), summary(4), summary(5))
    assert (await delivery_of(store, 2)).status == "superseded"  # at once, by the write
    clock.advance(seconds=10)
    assert await dispatcher.run_once() == 3
    assert platform.numbers() == [1, 5, 3]

    # A later notice of the key, after the newest went out, queues in its own place.
    await write(store, notice(6, "case:c1"), summary(7))
    await dispatcher.run_once()
    assert platform.numbers() == [1, 5, 3, 6, 7]


# ---- 7. run, wake, stop


@pytest.fixture
async def running(store: SQLiteStore) -> AsyncIterator[tuple[Dispatcher, Platform, asyncio.Event]]:
    platform = Platform()
    dispatcher = Dispatcher(store, poll_interval=60.0, backoff_base=60.0)
    await dispatcher.register(platform)
    stop = asyncio.Event()
    task = asyncio.create_task(dispatcher.run(stop))
    await asyncio.sleep(0.05)  # idle in its 60 s wait
    try:
        yield dispatcher, platform, stop
    finally:
        stop.set()
        await asyncio.wait_for(task, 2)


def now_notice(n: int, target: str = "A") -> Notice:
    return notice(n, target, at=datetime.now(UTC))


async def test_run_delivers_on_wake_without_waiting_for_the_poll(
    store: SQLiteStore, running: tuple[Dispatcher, Platform, asyncio.Event]
) -> None:
    dispatcher, platform, _ = running
    await write(store, now_notice(1))
    await asyncio.sleep(0.2)
    assert platform.sent == []  # nothing polls for 60 s ...

    dispatcher.wake()  # ... but a wake delivers at once
    await asyncio.wait_for(platform.delivered.wait(), 2)
    assert platform.numbers() == [1]

    platform.delivered.clear()
    await write(store, now_notice(2))
    dispatcher.wake()
    await asyncio.wait_for(platform.delivered.wait(), 2)
    assert platform.numbers() == [1, 2]


async def test_run_stops_when_the_stop_event_is_set(store: SQLiteStore) -> None:
    dispatcher = Dispatcher(store, poll_interval=60.0)
    await dispatcher.register(Platform())
    stop = asyncio.Event()
    task = asyncio.create_task(dispatcher.run(stop))
    await asyncio.sleep(0.05)
    assert not task.done()
    stop.set()
    await asyncio.wait_for(task, 1)


async def test_run_wakes_itself_when_a_retry_falls_due(
    store: SQLiteStore, running: tuple[Dispatcher, Platform, asyncio.Event]
) -> None:
    dispatcher, platform, _ = running
    platform.failures[1] = [RetryLater("429", retry_after=0.2)]
    await write(store, now_notice(1))
    dispatcher.wake()
    await asyncio.wait_for(platform.delivered.wait(), 2)
    assert [n for n, _, _ in platform.attempts] == [1, 1]


async def test_a_wake_during_a_round_is_not_lost(
    store: SQLiteStore, running: tuple[Dispatcher, Platform, asyncio.Event]
) -> None:
    """A notice written (and woken for) while a send is in flight goes out right after."""
    dispatcher, platform, _ = running
    in_flight, release = asyncio.Event(), asyncio.Event()

    async def slow_then_rate_limited(n: Notice) -> None:
        if n.payload["n"] == 1:
            in_flight.set()
            await release.wait()
            raise RetryLater("rate limited", retry_after=60)

    platform.hook = slow_then_rate_limited
    await write(store, now_notice(1, "A"))
    dispatcher.wake()
    await asyncio.wait_for(in_flight.wait(), 2)

    # The engine writes for another target while A's send is still in flight.
    await write(store, now_notice(2, "B"))
    dispatcher.wake()
    release.set()

    await asyncio.wait_for(platform.delivered.wait(), 2)
    assert platform.numbers() == [2]


# ---- 8. registration


async def test_a_new_sender_starts_with_notices_written_after_it_registered(
    db_path: Path, store: SQLiteStore, clock: StillClock
) -> None:
    old = Platform("old", clock)
    dispatcher = Dispatcher(store, [old], clock=clock)
    await dispatcher.start()
    await write(store, notice(1), notice(2, "B"))

    new = Platform("new", clock)
    await dispatcher.register(new)
    await write(store, notice(3), notice(4, "B"))
    await dispatcher.run_once()
    assert old.numbers() == [1, 2, 3, 4]
    assert new.numbers() == [3, 4]
    assert {d.notice.payload["n"] for d in await store.deliveries("new")} == {3, 4}

    # Written while no dispatcher runs: still delivered after the restart.
    await write(store, notice(5), notice(6, "B"))
    await store.close()
    again = SQLiteStore(db_path)
    await again.open()
    try:
        await write(again, notice(7))
        old2, new2 = Platform("old", clock), Platform("new", clock)
        restarted = Dispatcher(again, [old2], clock=clock)
        await restarted.start()
        await restarted.register(new2)
        await write(again, notice(8, "B"))
        await restarted.run_once()
        assert old2.numbers() == [5, 6, 7, 8]
        assert new2.numbers() == [5, 6, 7, 8]
        statuses = [(d.notice.payload["n"], d.sender, d.status) for d in await again.deliveries()]
        assert statuses == [
            (n, s, "sent") for n in range(1, 9) for s in ("new", "old") if s == "old" or n >= 3
        ]
    finally:
        await again.close()


async def test_a_sender_given_to_the_constructor_is_registered_by_start(
    store: SQLiteStore, clock: StillClock
) -> None:
    platform = Platform(clock=clock)
    dispatcher = Dispatcher(store, [platform], clock=clock)
    await write(store, notice(1))
    await dispatcher.start()
    await write(store, notice(2))
    await dispatcher.run_once()
    assert platform.numbers() == [2]
