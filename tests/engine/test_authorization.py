"""Who may act on what: each department works its own items, managers any; refusals change nothing."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest

from dialogs.actor import Actor
from dialogs.engine import Engine
from dialogs.errors import NotAllowed
from dialogs.outcome import Outcome
from storage.sqlite import SQLiteStore
from tests.conftest import ALICE, MARY, OSCAR, TOM
from tests.engine.support import ANNE, OutboxWatch, finish_admin_one, open_case, snapshot

Command = Callable[[Engine, str, str, Actor, int], Awaitable[Outcome]]

COMMANDS: dict[str, Command] = {
    "done": lambda e, c, i, a, v: e.mark_done(c, i, a, v),
    "answer": lambda e, c, i, a, v: e.answer(c, i, {"answer": "yes", "text": "x"}, a, v),
    "not applicable": lambda e, c, i, a, v: e.not_applicable(c, i, "Not needed", a, v),
    "undo": lambda e, c, i, a, v: e.undo(c, i, a, v),
    "claim": lambda e, c, i, a, v: e.claim(c, i, a, v),
    "hand to Alice": lambda e, c, i, a, v: e.claim(c, i, a, v, assignee=ALICE),
    "confirm": lambda e, c, i, a, v: e.confirm_gate(c, i, a, v),
    "close ticket": lambda e, c, i, a, v: e.close_ticket(c, i, "T-1", a, v),
}


async def assert_refused_and_nothing_changed(engine: Engine, store: SQLiteStore, case_id: str,
                                             run: Callable[[], Awaitable[Outcome]],
                                             match: str) -> None:
    watch = await OutboxWatch(store).start()
    before = await snapshot(store, case_id)
    with pytest.raises(NotAllowed, match=match):
        await run()
    assert await snapshot(store, case_id) == before
    assert await watch.notices() == []


@pytest.mark.parametrize("command", list(COMMANDS))
@pytest.mark.parametrize("item_id", ["review_account", "newsletter"])
@pytest.mark.parametrize("who", [OSCAR, TOM], ids=["outsider", "tech"])
async def test_a_non_member_is_refused_on_an_admin_item_and_nothing_changes(
        engine: Engine, store: SQLiteStore, command: str, item_id: str, who: Actor) -> None:
    walk = await open_case(engine)
    if command == "undo" and item_id == "review_account":
        await walk.done(item_id, ALICE)
    elif command == "undo":
        await walk.yes(item_id, ALICE)
    version = await walk.version(item_id)

    await assert_refused_and_nothing_changed(
        engine, store, walk.case_id,
        lambda: COMMANDS[command](engine, walk.case_id, item_id, who, version),
        match="belongs to the Admin department")


async def test_the_outbox_watch_does_see_an_allowed_change(engine: Engine, store: SQLiteStore) -> None:
    """The guard above would pass vacuously if the watch saw nothing, ever."""
    walk = await open_case(engine)
    watch = await OutboxWatch(store).start()
    before = await snapshot(store, walk.case_id)
    await walk.done("review_account", ALICE)
    assert await snapshot(store, walk.case_id) != before
    assert {d.notice.kind for d in await watch.notices()} >= {"summary", "card"}


async def test_the_refusal_tells_them_whom_to_ask(engine: Engine) -> None:
    walk = await open_case(engine)
    with pytest.raises(NotAllowed) as refused:
        await engine.mark_done(walk.case_id, "review_account", OSCAR, await walk.version("review_account"))
    assert refused.value.message == ("This item belongs to the Admin department and you are not a member "
                                     "of it. Ask someone in Admin or a manager.")


async def test_admin_is_refused_on_a_tech_item(engine: Engine, store: SQLiteStore) -> None:
    walk = await open_case(engine)
    await finish_admin_one(walk)
    assert await walk.status("removal_ticket") == "open"
    version = await walk.version("removal_ticket")
    await assert_refused_and_nothing_changed(
        engine, store, walk.case_id,
        lambda: engine.answer(walk.case_id, "removal_ticket", {"text": "T-1"}, ALICE, version),
        match="belongs to the Tech department")


async def test_a_service_manager_item_refuses_the_tech_who_works_the_step(
        engine: Engine, store: SQLiteStore) -> None:
    walk = await open_case(engine)
    await finish_admin_one(walk)
    await walk.answer("open_tickets", TOM, none=True)
    assert await walk.status("email_summary_report") == "open"
    version = await walk.version("email_summary_report")
    await assert_refused_and_nothing_changed(
        engine, store, walk.case_id,
        lambda: engine.mark_done(walk.case_id, "email_summary_report", TOM, version),
        match="Only a manager")
    await walk.done("email_summary_report", MARY)
    assert await walk.status("email_summary_report") == "done"


async def test_a_manager_acts_on_any_departments_items(engine: Engine, store: SQLiteStore) -> None:
    walk = await open_case(engine)
    await finish_admin_one(walk, MARY)
    case = await store.get_case(walk.case_id)
    assert case is not None and case.step_index == 1, "Mary finished Admin's step"
    await walk.answer("removal_ticket", MARY, text="T-4711")
    await walk.no("email_filtering", MARY)
    items = await store.get_items(walk.case_id)
    for item_id in ("review_account", "newsletter", "removal_ticket", "email_filtering"):
        assert items[item_id].status == "done"
        assert (items[item_id].updated_by or {})["name"] == "Mary Manager"


async def test_the_tech_acts_on_tech_items_once_handed_off(engine: Engine, store: SQLiteStore) -> None:
    walk = await open_case(engine)
    await finish_admin_one(walk)
    await walk.answer("removal_ticket", TOM, text="T-4711")
    assert await walk.status("removal_ticket") == "done"


# ---------------------------------------------------------------- undo
async def test_undo_by_someone_other_than_the_answerer_is_refused(engine: Engine, store: SQLiteStore) -> None:
    walk = await open_case(engine)
    await walk.no("newsletter", ALICE)
    version = await walk.version("newsletter")
    await assert_refused_and_nothing_changed(
        engine, store, walk.case_id,
        lambda: engine.undo(walk.case_id, "newsletter", ANNE, version),
        match="Only Alice Admin, who answered it, or a manager")


async def test_a_manager_may_undo_anyones_answer(engine: Engine, store: SQLiteStore) -> None:
    walk = await open_case(engine)
    await walk.no("newsletter", ALICE)
    out = await engine.undo(walk.case_id, "newsletter", MARY, await walk.version("newsletter"))
    assert out.changed
    assert await walk.status("newsletter") == "open"


async def test_the_answerer_may_undo_their_own_answer(engine: Engine) -> None:
    walk = await open_case(engine)
    await walk.no("newsletter", ANNE)
    out = await engine.undo(walk.case_id, "newsletter", ANNE, await walk.version("newsletter"))
    assert out.changed
    assert await walk.status("newsletter") == "open"


# ---------------------------------------------------------------- reassigning, cancelling
async def test_only_the_holder_or_a_manager_hands_an_item_on(engine: Engine, store: SQLiteStore) -> None:
    walk = await open_case(engine)
    out = await engine.claim(walk.case_id, "review_account", ALICE, await walk.holder("review_account"))
    assert out.changed
    version = await walk.holder("review_account")
    await assert_refused_and_nothing_changed(
        engine, store, walk.case_id,
        lambda: engine.claim(walk.case_id, "review_account", ANNE, version, assignee=ANNE),
        match="Only Alice Admin, who holds it, or a manager")
    out = await engine.claim(walk.case_id, "review_account", MARY, version, assignee=ANNE)
    assert out.changed
    assert (await walk.item("review_account")).assignee == "Anne Admin"


@pytest.mark.parametrize("who", [OSCAR, TOM], ids=["outsider", "tech"])
async def test_only_admin_or_a_manager_cancels_a_case(engine: Engine, store: SQLiteStore, who: Actor) -> None:
    walk = await open_case(engine)
    await assert_refused_and_nothing_changed(
        engine, store, walk.case_id,
        lambda: engine.cancel_case(walk.case_id, "Because", who),
        match="Only the Admin department or a manager")
