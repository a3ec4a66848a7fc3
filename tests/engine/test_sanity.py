"""Amounts and dates that cannot be right are refused naming the limit; unusual ones ask to confirm."""

from __future__ import annotations

import pytest

from dialogs.engine import Engine
from dialogs.errors import InvalidInput, NeedsConfirmation
from tests.conftest import ALICE, MARY
from tests.engine.support import finish_admin_one, finish_tech_two, open_case


async def at_the_rebate(engine: Engine):  # type: ignore[no-untyped-def]
    walk = await open_case(engine)
    await finish_admin_one(walk)  # prepaid $1,500.00 for 10 hours
    await finish_tech_two(walk)  # 3 hours logged: 7 hours ($1,050.00) unused
    await walk.no("client_gone", ALICE)
    await engine.confirm_gate(walk.case_id, "invoices_settled", ALICE, await walk.version("invoices_settled"))
    return walk


@pytest.mark.parametrize(("raw", "field", "message"), [
    ({"dollars": "1500.01", "hours": "5"}, "dollars",
     "Amount ($): $1,500.01 is more than the prepaid $1,500.00 (“Collect prepayment of $1,500.00 for 10.00"),
    ({"dollars": "100", "hours": "10.5"}, "hours", "Hours: 10.50 hours is more than the prepaid 10.00 hours"),
])
async def test_a_rebate_over_the_prepaid_block_is_refused_on_its_field(engine: Engine, raw: dict[str, str],
                                                                       field: str, message: str) -> None:
    walk = await at_the_rebate(engine)
    with pytest.raises(InvalidInput) as refused:
        await engine.answer(walk.case_id, "rebate", raw, ALICE, await walk.version("rebate"))
    assert not isinstance(refused.value, NeedsConfirmation)
    assert refused.value.field == field and refused.value.message.startswith(message)
    assert await walk.status("rebate") == "open"


async def test_a_rebate_over_the_unused_labor_asks_to_confirm_then_saves(engine: Engine) -> None:
    walk = await at_the_rebate(engine)
    raw = {"dollars": "1400", "hours": "7"}
    with pytest.raises(NeedsConfirmation, match="more than the unused prepaid labor") as asked:
        await engine.answer(walk.case_id, "rebate", raw, ALICE, await walk.version("rebate"))
    assert asked.value.field == "dollars" and "Save it anyway?" in asked.value.message
    out = await engine.answer(walk.case_id, "rebate", {**raw, "confirmed": "yes"}, ALICE,
                              await walk.version("rebate"))
    assert out.changed and (await walk.item("rebate")).value_text == "$1,400.00 for 7.00 hours"


async def test_a_psa_expiration_before_the_case_opened_is_refused_naming_the_date(engine: Engine) -> None:
    walk = await open_case(engine)  # opened 2026-11-27, service stops 2026-12-31
    refused = r"2026-11-26 is before the case's date opened \(2026-11-27\)"
    with pytest.raises(InvalidInput, match=refused) as no:
        await walk.answer("managed_contract_expiration", ALICE, date="2026-11-26")
    assert no.value.field == "date" and not isinstance(no.value, NeedsConfirmation)


async def test_a_psa_expiration_far_from_the_stop_date_asks_to_confirm(engine: Engine) -> None:
    walk = await open_case(engine)
    with pytest.raises(NeedsConfirmation, match="2027-06-30 is 181 days after the date service will stop"):
        await walk.answer("managed_contract_expiration", ALICE, date="2027-06-30")
    await walk.answer("managed_contract_expiration", MARY, date="2027-06-30", confirmed="yes")
    assert (await walk.item("managed_contract_expiration")).value_text == "2027-06-30"
