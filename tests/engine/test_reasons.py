"""Reasons are data worded once; conditions describe themselves both ways from their structure."""

from __future__ import annotations

import pytest

from dialogs.conditions import All, Any_, Condition, ItemAnswered, ItemIs, Not, TicketsClosed
from dialogs.engine import Engine
from dialogs.reasons import Reason, ReasonKind, words
from storage.sqlite import SQLiteStore
from tests.conftest import ALICE
from tests.engine.support import finish_admin_one, open_case, tech_up_to_the_gate

LABELS = {"paper": "Delivery", "yes": "Internet is no longer needed?", "gone": "Gone?", "t": "Tickets"}


def label(item_id: str) -> str:
    return LABELS[item_id]


@pytest.mark.parametrize(("cond", "holds", "fails"), [
    (ItemIs("paper", "paper"), "“Delivery” is paper", "“Delivery” is not paper"),
    (ItemIs("yes", True), "“Internet is no longer needed?” is yes", "“Internet is no longer needed?” is no"),
    (ItemIs("yes", False), "“Internet is no longer needed?” is no", "“Internet is no longer needed?” is yes"),
    (ItemAnswered("gone"), "“Gone?” is answered", "“Gone?” is not answered yet"),
    (TicketsClosed("t"), "all tickets on “Tickets” are closed", "tickets on “Tickets” are still open"),
    (Not(ItemIs("paper", "paper")), "“Delivery” is not paper", "“Delivery” is paper"),
    (All((ItemIs("gone", True), ItemIs("paper", "paper"))),
     "“Gone?” is yes and “Delivery” is paper", "“Gone?” is no or “Delivery” is not paper"),
    (Any_((ItemIs("gone", True), ItemAnswered("yes"))),
     "“Gone?” is yes or “Internet is no longer needed?” is answered",
     "“Gone?” is no and “Internet is no longer needed?” is not answered yet"),
    (All((ItemIs("gone", True), Not(Any_((ItemIs("paper", "paper"), ItemAnswered("yes")))))),
     "“Gone?” is yes and (“Delivery” is not paper and “Internet is no longer needed?” is not answered yet)",
     "“Gone?” is no or (“Delivery” is paper or “Internet is no longer needed?” is answered)"),
], ids=["choice", "yes", "no", "answered", "tickets", "not", "all", "any", "nested"])
def test_a_condition_describes_itself_both_ways(cond: Condition, holds: str, fails: str) -> None:
    assert cond.describe(label) == holds
    assert cond.describe(label, holds=False) == fails
    assert Not(cond).describe(label) == fails


def test_a_reason_travels_as_json_and_reads_back_the_same() -> None:
    cond = All((ItemIs("gone", True), Not(ItemIs("paper", "paper"))))
    inner = Reason(ReasonKind.TICKETS, items=("t",), still_open=2, total=3)
    for reason in (Reason(ReasonKind.CONDITION, condition=cond, holds=False),
                   Reason(ReasonKind.GATE, items=("gone",), inner=inner),
                   Reason(ReasonKind.STEP, step=1, department="tech")):
        assert Reason.from_json(reason.to_json()) == reason


@pytest.mark.parametrize(("reason", "expected"), [
    (Reason(ReasonKind.STEP, step=2, department="admin"), "Waits for step 2 to hand off to Admin"),
    (Reason(ReasonKind.ANSWER, items=("gone", "paper")), "Waits for an answer to “Gone?” and “Delivery”"),
    (Reason(ReasonKind.AFTER, items=("gone",)), "Waits for “Gone?”"),
    (Reason(ReasonKind.CONDITION, condition=ItemIs("paper", "paper"), holds=False),
     "“Delivery” is not paper"),
    (Reason(ReasonKind.GATE, items=("t",), inner=Reason(ReasonKind.TICKETS, still_open=1, total=2)),
     "Behind “Tickets”: 1 of 2 tickets still open"),
    (Reason(ReasonKind.GATE, items=("t",), inner=Reason(ReasonKind.CONFIRM)),
     "Behind “Tickets”: waits for someone to confirm it"),
    (Reason(ReasonKind.UNTIL, condition=ItemAnswered("gone")), "Waits until “Gone?” is answered"),
])
def test_each_reason_is_one_sentence_without_a_status_word(reason: Reason, expected: str) -> None:
    assert words(reason, label, {"admin": "Admin"}.get) == expected


async def test_a_skipped_item_keeps_its_reason_as_data_not_prose(engine: Engine, store: SQLiteStore) -> None:
    walk = await open_case(engine)
    await walk.yes("newsletter", ALICE)
    rec = (await store.get_items(walk.case_id))["remove_from_newsletter"]
    assert rec.status == "skipped" and rec.reason is None, "only a person's not-applicable reason is stored"
    event = [e for e in await store.get_events(walk.case_id) if e.item_id == "remove_from_newsletter"][-1]
    assert event.note is None
    assert event.new["why"] == {"kind": "condition", "condition": {"item": "newsletter", "is": False},
                                "holds": False}
    item = await walk.item("remove_from_newsletter")
    assert item.reason == "“Will AcmeCo still receive our newsletter?” is yes"
    assert item.reason_kind == "condition"


async def test_reasons_never_carry_a_status_word_or_an_id(engine: Engine) -> None:
    walk = await open_case(engine)
    await finish_admin_one(walk)
    await tech_up_to_the_gate(walk)
    view = await engine.view(walk.case_id)
    reasons = [r for r in (view.reason_text(i) for i in view.checklist.items) if r]
    assert reasons, "some items are locked"
    for reason in reasons:
        assert not reason.startswith(("Locked", "Does not apply")), reason
        for item_id in (i for i in view.checklist.items if "_" in i):  # ids such as open_tickets
            assert item_id not in reason, f"{item_id} in {reason!r}"
