"""Pacing per channel in the dispatcher, in virtual time: a channel's messages go about one a second,
other channels do not wait for it, a far turn is given back, and a card changed while it waited goes
out once with its newest content."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from bot.outbox import Dispatcher
from storage.base import DeliveryStatus, Notice, Store
from tests.conftest import StillClock
from tests.outbox.platform import Platform
from tests.outbox.test_dispatcher import card, notice, write
from tests.virtual_time import VirtualTime


class PacedPlatform(Platform):
    """A platform that takes one message per second per channel (a notice's target is its channel)."""

    pacing = (1.0, 1)

    def __init__(self, clock: StillClock, pace: VirtualTime) -> None:
        super().__init__(clock=clock)
        self.pace = pace

    def pace_key(self, notice: Notice) -> str:
        return notice.target



@pytest.fixture
def pace() -> VirtualTime:
    return VirtualTime()


@pytest.fixture
async def paced(store: Store, pace: VirtualTime) -> tuple[Dispatcher, PacedPlatform, StillClock]:
    clock = StillClock()
    platform = PacedPlatform(clock, pace)
    d = Dispatcher(store, clock=clock, owner="first", pace_clock=pace, sleep=pace.sleep, pace_hold=2.5)
    await d.register(platform)
    return d, platform, clock


async def test_a_channel_gets_one_message_a_second_and_another_channel_does_not_wait_for_it(
        store: Store, paced: tuple[Dispatcher, PacedPlatform, StillClock], pace: VirtualTime) -> None:
    dispatcher, platform, _ = paced
    await write(store, notice(1, "A", case_id="c1"), notice(2, "A", case_id="c2"),
                notice(3, "A", case_id="c3"), notice(4, "B", case_id="c4"))
    assert await dispatcher.run_once() == 4
    assert sorted(pace.waits) == [1.0, 2.0], "A's second and third waited 1 s and 2 s; B's first did not"
    assert sorted(platform.numbers()) == [1, 2, 3, 4]


async def test_a_far_turn_is_given_back_and_is_no_attempt(
        store: Store, paced: tuple[Dispatcher, PacedPlatform, StillClock]) -> None:
    dispatcher, platform, clock = paced
    await write(store, *(notice(n, "A", case_id=f"c{n}") for n in range(1, 6)))
    assert await dispatcher.run_once() == 3, "now, in 1 s and in 2 s; 3 s is past the 2.5 s it holds"
    waiting = [d for d in await store.deliveries() if d.status == DeliveryStatus.PENDING]
    assert sorted(int(d.notice.payload["n"]) for d in waiting) == [4, 5]
    assert all(d.attempts == 0 and d.lease_owner is None for d in waiting), "given back, not tried"
    assert min(d.next_attempt_at for d in waiting) == clock() + timedelta(seconds=3)
    clock.advance(seconds=3)
    assert await dispatcher.run_once() == 2
    assert sorted(platform.numbers()) == [1, 2, 3, 4, 5]


async def test_a_card_changed_ten_times_while_it_waited_for_its_channel_goes_out_once_with_the_last(
        store: Store, paced: tuple[Dispatcher, PacedPlatform, StillClock], pace: VirtualTime) -> None:
    dispatcher, platform, _ = paced
    await write(store, notice(0, "dept:tech", case_id="c9"))  # the channel's turn is taken
    await dispatcher.run_once()
    pace.hold()
    await write(store, card(1))
    running = asyncio.ensure_future(dispatcher.run_once())
    for _ in range(500):  # until the card waits for its turn (never asserted on time)
        if pace.sleepers:
            break
        await asyncio.sleep(0.01)
    await write(store, *(card(n) for n in range(2, 11)))
    pace.release()
    await running
    assert platform.numbers() == [0, 10], "one send, with the newest content"
    statuses = {int(d.notice.payload["n"]): d.status for d in await store.deliveries()}
    assert statuses[10] == DeliveryStatus.SENT
    assert all(statuses[n] == DeliveryStatus.SUPERSEDED for n in range(1, 10))
