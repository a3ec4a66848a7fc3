"""Repeated clicks, retried requests and races: each change happens once, and the losers are told who won."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from dialogs.actor import Actor
from dialogs.checklist import Checklist
from dialogs.engine import Engine
from dialogs.errors import Conflict
from dialogs.outcome import Outcome
from storage.base import EventRecord
from storage.sqlite import SQLiteStore
from tests.conftest import ALICE, HEADER, MARY, Clock
from tests.engine.support import ADAM, ANNE, OutboxWatch, open_case, snapshot

AMY = Actor("test", "U_AMY", "Amy Admin", frozenset({"admin"}))
FIVE = [ALICE, ANNE, ADAM, MARY, AMY]


def answered_events(events: list[EventRecord], item_id: str) -> int:
    return sum(1 for e in events if e.item_id == item_id and e.kind in ("answered", "edited"))


# ---------------------------------------------------------------- one person, clicking twice
async def test_a_repeated_click_changes_nothing_and_says_who_did_it_when(
        engine: Engine, store: SQLiteStore, clock: Clock) -> None:
    walk = await open_case(engine)
    clock.advance(hours=1, minutes=15)  # 10:15
    version = await walk.version("newsletter")
    first = await engine.answer(walk.case_id, "newsletter", {"answer": "no"}, ALICE, version)
    assert first.status == "changed"

    watch = await OutboxWatch(store).start()
    before = await snapshot(store, walk.case_id)
    clock.advance(minutes=3)
    again = await engine.answer(walk.case_id, "newsletter", {"answer": "no"}, ALICE, version)
    assert again.status == "stale" and not again.changed
    assert "Alice Admin" in again.message
    assert "2026-11-27 10:15" in again.message
    assert again.extra == {"by": "Alice Admin", "at": "2026-11-27 10:15"}
    assert await snapshot(store, walk.case_id) == before
    assert await watch.notices() == []


async def test_a_repeated_done_click_on_a_task_is_stale(engine: Engine, store: SQLiteStore) -> None:
    walk = await open_case(engine)
    version = await walk.version("review_account")
    assert (await engine.mark_done(walk.case_id, "review_account", ALICE, version)).changed
    before = await snapshot(store, walk.case_id)
    again = await engine.mark_done(walk.case_id, "review_account", ALICE, version)
    assert again.status == "stale" and "already answered by Alice Admin" in again.message
    assert await snapshot(store, walk.case_id) == before


async def test_giving_the_same_answer_again_on_a_fresh_card_changes_nothing(
        engine: Engine, store: SQLiteStore) -> None:
    walk = await open_case(engine)
    await walk.no("newsletter", ALICE)
    before = await snapshot(store, walk.case_id)
    out = await engine.answer(walk.case_id, "newsletter", {"answer": "no"}, ALICE,
                              await walk.version("newsletter"))
    assert out.status == "stale" and "already the answer" in out.message
    assert await snapshot(store, walk.case_id) == before


async def test_the_same_request_id_twice_is_a_duplicate(engine: Engine, store: SQLiteStore) -> None:
    walk = await open_case(engine)
    version = await walk.version("newsletter")
    first = await engine.answer(walk.case_id, "newsletter", {"answer": "no"}, ALICE, version,
                                request_id="slack:click-1")
    assert first.status == "changed"
    before = await snapshot(store, walk.case_id)
    # The platform retries the very same request; even with a fresh version it must not apply twice.
    for seen in (version, await walk.version("newsletter")):
        again = await engine.answer(walk.case_id, "newsletter", {"answer": "yes"}, ALICE, seen,
                                    request_id="slack:click-1")
        assert again.status == "duplicate"
        assert again.message == f"Already done: {first.message}"
        assert (again.case_id, again.item_id, again.version) == (first.case_id, first.item_id, first.version)
    assert await snapshot(store, walk.case_id) == before
    assert (await store.get_items(walk.case_id))["newsletter"].value == {"answer": False}


async def test_a_request_id_works_across_commands(engine: Engine, store: SQLiteStore) -> None:
    walk = await open_case(engine)
    first = await engine.mark_done(walk.case_id, "review_account", ALICE,
                                   await walk.version("review_account"), request_id="r-1")
    before = await snapshot(store, walk.case_id)
    again = await engine.undo(walk.case_id, "review_account", ALICE,
                              await walk.version("review_account"), request_id="r-1")
    assert again.status == "duplicate" and first.message in again.message
    assert await snapshot(store, walk.case_id) == before


# ---------------------------------------------------------------- two people
async def test_a_card_gone_stale_after_someone_elses_edit_names_them(
        engine: Engine, store: SQLiteStore, clock: Clock) -> None:
    walk = await open_case(engine)
    version = await walk.version("newsletter")  # both see the same card
    clock.advance(hours=5, minutes=30)  # 14:30
    assert (await engine.answer(walk.case_id, "newsletter", {"answer": "no"}, MARY, version)).changed
    before = await snapshot(store, walk.case_id)
    late = await engine.answer(walk.case_id, "newsletter", {"answer": "yes"}, ALICE, version)
    assert late.status == "stale"
    assert "Mary Manager" in late.message and "2026-11-27 14:30" in late.message
    assert "Alice" not in late.message
    assert await snapshot(store, walk.case_id) == before
    assert (await store.get_items(walk.case_id))["newsletter"].value == {"answer": False}


async def test_a_stale_undo_names_who_undid_it_first(engine: Engine, store: SQLiteStore) -> None:
    walk = await open_case(engine)
    await walk.no("newsletter", ALICE)
    version = await walk.version("newsletter")
    assert (await engine.undo(walk.case_id, "newsletter", MARY, version)).changed
    late = await engine.undo(walk.case_id, "newsletter", ALICE, version)
    assert late.status == "stale" and "reopened by Mary Manager" in late.message


# ---------------------------------------------------------------- races
def tally(results: list[Outcome | BaseException]) -> Counter[str]:
    for r in results:
        if isinstance(r, BaseException):
            raise r
    return Counter(r.status for r in results if isinstance(r, Outcome))


async def test_five_concurrent_answers_to_one_item_make_one_change(engine: Engine,
                                                                   store: SQLiteStore) -> None:
    walk = await open_case(engine)
    version = await walk.version("newsletter")
    events_before = await store.get_events(walk.case_id)
    answers = ["no", "yes", "no", "yes", "no"]
    results = await asyncio.gather(
        *(engine.answer(walk.case_id, "newsletter", {"answer": a}, who, version)
          for who, a in zip(FIVE, answers, strict=True)),
        return_exceptions=True)
    assert tally(results) == {"changed": 1, "stale": 4}

    winner = next(r for r in results if isinstance(r, Outcome) and r.changed)
    rec = (await store.get_items(walk.case_id))["newsletter"]
    assert rec.version == version + 1
    events = await store.get_events(walk.case_id)
    assert answered_events(events, "newsletter") == answered_events(events_before, "newsletter") + 1
    winner_name = (rec.updated_by or {})["name"]
    for r in results:
        if isinstance(r, Outcome) and not r.changed:
            assert winner_name in r.message
    assert winner.version == rec.version
    # The derived move happened once, for the winning answer only.
    assert [e.kind for e in events[len(events_before):] if e.item_id == "remove_from_newsletter"] == (
        ["closed_by_condition"] if rec.value == {"answer": True} else ["state"])


@pytest.fixture
async def five_stores(db_path: Path, store: SQLiteStore) -> AsyncIterator[list[SQLiteStore]]:
    """Five more stores on the same file, like five bot processes (the fixture store migrated it)."""
    stores = [SQLiteStore(db_path) for _ in range(5)]
    try:
        for s in stores:
            await s.open()
        yield stores
    finally:
        for s in stores:
            await s.close()


async def test_five_processes_answering_one_item_make_one_change(
        engine: Engine, store: SQLiteStore, five_stores: list[SQLiteStore], offboarding: Checklist,
        clock: Clock) -> None:
    walk = await open_case(engine)
    version = await walk.version("newsletter")
    events_before = len(await store.get_events(walk.case_id))
    engines = [Engine(s, offboarding, clock=clock) for s in five_stores]
    results = await asyncio.gather(
        *(e.answer(walk.case_id, "newsletter", {"answer": "no"}, who, version)
          for e, who in zip(engines, FIVE, strict=True)),
        return_exceptions=True)
    assert tally(results) == {"changed": 1, "stale": 4}
    rec = (await store.get_items(walk.case_id))["newsletter"]
    assert rec.version == version + 1 and rec.value == {"answer": False}
    events = await store.get_events(walk.case_id)
    assert answered_events(events, "newsletter") == 1
    # The answer and its one derived move (the newsletter removal opens), nothing more.
    assert [(e.kind, e.item_id) for e in events[events_before:]] == [
        ("answered", "newsletter"), ("state", "remove_from_newsletter")]


async def test_five_processes_retrying_one_request_apply_it_once(
        engine: Engine, store: SQLiteStore, five_stores: list[SQLiteStore], offboarding: Checklist,
        clock: Clock) -> None:
    walk = await open_case(engine)
    engines = [Engine(s, offboarding, clock=clock) for s in five_stores]
    # Each process read a fresh card before the retry storm, so only the request id protects.
    versions = [await walk.version("review_account") for _ in engines]
    results = await asyncio.gather(
        *(e.mark_done(walk.case_id, "review_account", ALICE, v, request_id="teams:activity-9")
          for e, v in zip(engines, versions, strict=True)),
        return_exceptions=True)
    assert tally(results) == {"changed": 1, "duplicate": 4}
    events = await store.get_events(walk.case_id)
    assert answered_events(events, "review_account") == 1


async def test_five_processes_opening_one_client_open_one_case(
        store: SQLiteStore, five_stores: list[SQLiteStore], offboarding: Checklist, clock: Clock) -> None:
    engines = [Engine(s, offboarding, clock=clock) for s in five_stores]
    names = ["AcmeCo", "acme co", "ACMECO", " Acme Co ", "acmeco"]
    results = await asyncio.gather(
        *(e.open_case(n, HEADER, ALICE) for e, n in zip(engines, names, strict=True)),
        return_exceptions=True)
    opened = [r for r in results if isinstance(r, Outcome)]
    refused = [r for r in results if isinstance(r, Conflict)]
    assert len(opened) == 1 and len(refused) == 4, results
    assert all(c.case_id == opened[0].case_id for c in refused)
    assert [c.id for c in await store.list_cases()] == [opened[0].case_id]
