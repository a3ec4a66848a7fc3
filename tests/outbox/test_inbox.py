"""The inbox worker (bot.inbox) on every store backend: kept requests handled in order, once; kept
across a restart; a dead process's lease taken over; store trouble retried, bugs kept as failed.

Handlers are plain recorders; time is a still clock that moves only when told.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from bot.inbox import Worker
from storage.base import InboxStatus, Store, StoreUnavailable
from tests.conftest import START as T0
from tests.conftest import StillClock


class Recorder:
    """A handler that records what it handled (and can be told to fail)."""

    def __init__(self) -> None:
        self.seen: list[Any] = []
        self.fail: BaseException | None = None
        self.called = asyncio.Event()

    async def __call__(self, payload: dict[str, Any]) -> None:
        if self.fail is not None:
            raise self.fail
        self.seen.append(payload["n"])
        self.called.set()


def worker(store: Store, clock: StillClock, owner: str = "p1", **kw: Any) -> tuple[Worker, Recorder]:
    made = Worker(store, owner=owner, clock=clock, lease=60, **kw)
    recorder = Recorder()
    made.on("test.click", recorder)
    return made, recorder


async def test_kept_requests_are_handled_once_in_the_order_they_came(store: Store) -> None:
    clock = StillClock()
    inbox, handled = worker(store, clock, batch=3)
    for n in range(8):
        await inbox.receive("test.click", {"n": n})
    assert await inbox.run_once() == 8
    assert handled.seen == list(range(8))
    assert await store.inbox() == []
    assert await inbox.run_once() == 0 and handled.seen == list(range(8))


async def test_a_kind_nobody_here_handles_is_refused_before_it_is_kept(store: Store) -> None:
    inbox, _ = worker(store, StillClock())
    with pytest.raises(LookupError, match=r"no handler for 'teams\.click'"):
        await inbox.receive("teams.click", {"n": 1})
    assert await store.inbox() == []


async def test_a_request_kept_before_a_restart_is_handled_after_it(store: Store,
                                                                  reopen: Callable[[], Store]) -> None:
    clock = StillClock()
    before, _ = worker(store, clock)
    await before.receive("test.click", {"n": 1})  # acknowledged; then the process stops
    await store.close()
    again = reopen()
    await again.open()
    after, handled = worker(again, clock, owner="p2")
    assert await after.run_once() == 1
    assert handled.seen == [1]


async def test_what_a_dead_process_held_is_taken_over_when_its_lease_runs_out(store: Store) -> None:
    clock = StillClock()
    dead, _ = worker(store, clock, owner="dead")
    await dead.receive("test.click", {"n": 1})
    await store.take_inbox(["test.click"], "dead", clock(), clock() + timedelta(seconds=60))  # then it died
    alive, handled = worker(store, clock, owner="alive")
    assert await alive.run_once() == 0, "still leased"
    clock.advance(seconds=60)
    assert await alive.run_once() == 1
    assert handled.seen == [1]


async def test_a_busy_store_is_tried_again_with_backoff_then_kept_as_failed(
        store: Store, caplog: pytest.LogCaptureFixture) -> None:
    clock = StillClock()
    inbox, handled = worker(store, clock, backoff_base=2, max_attempts=3)
    await inbox.receive("test.click", {"n": 1})
    handled.fail = StoreUnavailable("the database is busy")
    assert await inbox.run_once() == 0
    assert await store.next_inbox_at(["test.click"]) == T0 + timedelta(seconds=2)
    clock.advance(seconds=2)
    await inbox.run_once()
    assert await store.next_inbox_at(["test.click"]) == T0 + timedelta(seconds=6)
    clock.advance(seconds=4)
    with caplog.at_level(logging.ERROR, logger="bot.inbox"):
        await inbox.run_once()
    [kept] = await store.inbox()
    assert (kept.status, kept.attempts) == (InboxStatus.FAILED, 3)
    assert kept.last_error == "StoreUnavailable: the database is busy"
    assert "failed 3 times, kept as failed" in caplog.text


async def test_a_handler_bug_keeps_that_request_as_failed_and_the_next_goes_on(
        store: Store, caplog: pytest.LogCaptureFixture) -> None:
    clock = StillClock()
    inbox, handled = worker(store, clock)
    await inbox.receive("test.click", {"x": "no n"})  # the recorder's KeyError
    await inbox.receive("test.click", {"n": 2})
    with caplog.at_level(logging.ERROR, logger="bot.inbox"):
        assert await inbox.run_once() == 1
    assert handled.seen == [2]
    [kept] = await store.inbox(InboxStatus.FAILED)
    assert kept.payload == {"x": "no n"} and kept.last_error == "KeyError: 'n'"
    assert "kept as failed" in caplog.text


async def test_the_running_worker_handles_a_request_as_soon_as_it_is_kept(store: Store) -> None:
    inbox, handled = worker(store, StillClock(), poll_interval=3600)  # only a wake can bring it
    stop = asyncio.Event()
    running = asyncio.create_task(inbox.run(stop))
    try:
        await inbox.receive("test.click", {"n": 7})
        async with asyncio.timeout(10):
            await handled.called.wait()
    finally:
        stop.set()
        await running
    assert handled.seen == [7]
