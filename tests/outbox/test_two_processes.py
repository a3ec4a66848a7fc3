"""Two dispatcher processes on one SQLite file: each notice is sent once, in order per (case, target).

Before the outbox claimed deliveries, two processes on one file posted every notice
twice. Here two real workers (tests/outbox/dispatch_worker.py) deliver 20 cases' notices
to one recording server at the same time.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import UTC, datetime
from pathlib import Path

import pytest

from storage.base import Notice, NoticeKind
from storage.sqlite import SQLiteStore
from tests.outbox.dispatch_worker import SENDER
from tests.outbox.test_restart import Recorder, kill, recorder, start_worker, statuses, wait_until

pytestmark = pytest.mark.slow
__all__ = ["recorder"]  # the fixture, used by name below

CASES, TARGETS, PER_QUEUE = 20, 3, 4


async def test_two_dispatchers_on_one_sqlite_file_send_each_notice_once(
        db_path: Path, tmp_path: Path, recorder: tuple[Recorder, str]) -> None:
    rec, url = recorder
    rec.kill_after = 10**9  # nobody is killed here
    async with SQLiteStore(db_path) as store:
        await store.register_sender(SENDER, datetime.now(UTC))
        for case in range(CASES):
            async with store.write(f"c{case}") as tx:
                for n in range(TARGETS * PER_QUEUE):
                    await tx.add_notice(Notice(f"c{case}", NoticeKind.THREAD, f"dept:{n % TARGETS}",
                                               {"n": case * 100 + n}, datetime.now(UTC)))
    total = CASES * TARGETS * PER_QUEUE
    log_path = tmp_path / "workers.log"
    with log_path.open("wb") as log:
        workers = [await start_worker(db_path, url, log) for _ in range(2)]
        try:
            async def all_sent() -> bool:
                return (await statuses(db_path))["sent"] == total

            await wait_until(all_sent, 30, "every notice to be sent", workers[0], log_path)
        finally:
            for worker in workers:
                await kill(worker)
    counts = Counter(notice_id for notice_id, _, _ in rec.received)
    assert len(counts) == total
    assert {k: c for k, c in counts.items() if c != 1} == {}, "a notice went out twice"
    queues: dict[tuple[int, str], list[int]] = defaultdict(list)
    for _, target, n in rec.received:
        queues[(n // 100, target)].append(n)
    assert all(ns == sorted(ns) for ns in queues.values()), "out of order within a (case, target)"
