"""``python -m bot outbox`` and ``outbox retry ID``, and ``migrate-to``, run as subprocesses."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from dialogs.checklist import DEFAULT_CHECKLIST
from dialogs.checklist_loader import load_checklist
from dialogs.engine import Engine
from dialogs.timing import Timing
from storage.base import DeliveryStatus, Store
from storage.postgres import PostgresStore
from storage.sqlite import SQLiteStore
from tests.conftest import ALICE, HEADER

ROOT = Path(__file__).resolve().parents[2]


def bot(db: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OFFBOARD_")}
    env["OFFBOARD_DATABASE"] = db
    return subprocess.run([sys.executable, "-m", "bot", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=60, check=False)


async def prepare(store: Store) -> None:
    engine = Engine(store, load_checklist(DEFAULT_CHECKLIST), timing=Timing())
    stop = (date.today() + timedelta(days=60)).isoformat()
    await store.register_sender("slack", engine.clock())
    out = await engine.open_case("AcmeCo", {**HEADER, "stop_date": stop}, ALICE)
    assert out.case_id
    now = engine.clock()
    claimed = await store.claim("slack", "crashed-process", now, now)
    kinds = {d.notice.kind: d for d in claimed}
    await store.mark_in_doubt(kinds["summary"], now)  # its answer was lost, then the process died
    await store.mark_failed(kinds["card"], "unexpected KeyError('title')")  # a rendering bug


def test_outbox_lists_waiting_in_doubt_and_dead_letters_and_retries_one(tmp_path: Path) -> None:
    db = tmp_path / "offboard.db"

    async def setup() -> int:
        async with SQLiteStore(db) as store:
            await prepare(store)
            (dead,) = await store.deliveries(status=DeliveryStatus.FAILED)
            return dead.id

    dead_id = asyncio.run(setup())
    listing = bot(str(db), "outbox")
    assert listing.returncode == 0, listing.stderr
    text = listing.stdout
    assert "Waiting (" in text and "summary to case:" in text
    assert "IN DOUBT (looked up before it is posted again)" in text
    assert f"Dead letters (1) — python -m bot outbox retry ID sends one again:\n  #{dead_id}" in text
    assert "unexpected KeyError('title')" in text

    retried = bot(str(db), "outbox", "retry", str(dead_id))
    assert retried.returncode == 0, retried.stderr
    assert f"#{dead_id}" in retried.stdout and "queued again" in retried.stdout
    assert "Dead letters" not in bot(str(db), "outbox").stdout

    missing = bot(str(db), "outbox", "retry", "9999")
    assert missing.returncode == 1 and "no dead-lettered delivery #9999" in missing.stderr


def test_requests_kept_in_the_inbox_are_listed_waiting_and_failed(tmp_path: Path) -> None:
    db = tmp_path / "offboard.db"

    async def setup() -> None:
        async with SQLiteStore(db) as store:
            now = datetime(2026, 11, 30, 9, 15, tzinfo=UTC)
            await store.receive("slack.click", {"n": 1}, now)
            await store.receive("slack.click", {"n": 2}, now)
            [_, bug] = await store.take_inbox(["slack.click"], "p1", now, now)
            await store.fail_inbox(bug, "KeyError: 'value'")

    asyncio.run(setup())
    text = bot(str(db), "outbox").stdout
    assert ("Kept in the inbox, not handled yet (1):\n"
            "  #1     slack.click received 2026-11-30 09:15:00, attempts 1\n") in text
    assert ("Kept in the inbox, failed (not handled; see the log) (1):\n"
            "  #2     slack.click received 2026-11-30 09:15:00, attempts 1 — KeyError: 'value'\n") in text
    assert "The outbox is empty" in text


def test_an_empty_outbox_says_so(tmp_path: Path) -> None:
    result = bot(str(tmp_path / "offboard.db"), "outbox")
    assert result.returncode == 0
    assert result.stdout.strip() == "The outbox is empty: nothing waiting, nothing in doubt, no dead letters."


def test_migrate_to_postgresql_copies_everything_and_refuses_a_full_target(
        tmp_path: Path, postgres_url: str) -> None:
    db = tmp_path / "offboard.db"

    async def setup() -> dict[str, int]:
        async with SQLiteStore(db) as store:
            await prepare(store)
            return await store.counts()

    counts = asyncio.run(setup())
    assert counts["cases"] == 1 and counts["doubts"] == 1 and counts["deliveries"] >= 2
    moved = bot(str(db), "migrate-to", postgres_url)
    assert moved.returncode == 0, moved.stderr
    assert f"{counts['events']:>7} events" in moved.stdout and "Verified." in moved.stdout
    assert "MISMATCH" not in moved.stdout

    async def compare() -> None:
        async with SQLiteStore(db) as old, PostgresStore(postgres_url) as new:
            (case,) = await old.list_cases()
            assert await new.load_case(case.id) == await old.load_case(case.id)
            assert await new.get_events(case.id) == await old.get_events(case.id)
            assert await new.timers() == await old.timers() != []  # what was sent is not sent again
            assert await new.notices(f"case:{case.id}") == await old.notices(f"case:{case.id}")
            assert await new.deliveries(status=DeliveryStatus.PENDING) == [  # leases stay behind
                replace(d, lease_owner=None, leased_until=None)
                for d in await old.deliveries(status=DeliveryStatus.PENDING)]
            # The copy keeps working: a new notice gets the next id, not a taken one.
            async with new.write(case.id) as tx:
                await tx.add_notice((await old.notices(f"case:{case.id}"))[0])

    asyncio.run(compare())
    again = bot(str(db), "migrate-to", postgres_url)
    assert again.returncode == 2 and "must be empty" in again.stderr
