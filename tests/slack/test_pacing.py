"""Pacing and coalescing through the real server: a card that changes while it waits for its channel's
turn reaches Slack once, showing what is stored."""

from __future__ import annotations

import asyncio
import copy
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from adapters.slack.cards import card_message
from adapters.slack.ids import Act, ItemRef
from adapters.slack.messages import summary_message
from dialogs.views import CaseSummary, StepCard
from tests.slack.harness import ALICE, CASES, SlackBot

PUBLIC = "https://offboard.example.com"


async def click(bot: SlackBot, item_id: str, action: str, template: dict[str, Any]) -> None:
    """A click on an item's button (the card's message may not show it yet: it waits for its turn)."""
    case = (await bot.svc.store.list_cases("open"))[0]
    version = (await bot.svc.store.get_items(case.id))[item_id].version
    payload = copy.deepcopy(template)
    payload["actions"][0].update(action_id=Act.of(action).value, block_id=f"act:{item_id}",
                                 value=ItemRef(action, case.id, item_id, version).encode(),
                                 action_ts=f"{time.time():.6f}")
    payload["trigger_id"] = bot.trigger()
    resp = await bot.interact(payload)
    assert resp.status == 200, await resp.text()
    await bot.applied()
    assert (await bot.svc.store.get_items(case.id))[item_id].version == version + 1, "the click changed it"


async def only_waiting(bot: SlackBot) -> None:
    """Wait (in real time, never asserted on) until every message still to go waits for its channel's turn:
    nothing is on its way to the fake meanwhile."""
    far = datetime.now(UTC) + timedelta(days=1)
    for _ in range(500):
        heads = await bot.svc.store.due_deliveries("slack", far)
        if all(h.lease_owner for h in heads) and len(heads) == bot.pace.sleepers:
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the dispatcher never got there")


def shown(blocks: list[dict[str, Any]], block_id: str) -> str:
    """The text of a section block."""
    return str(next(b for b in blocks if b.get("block_id") == block_id)["text"]["text"])


async def stored(bot: SlackBot, kind: str) -> list[dict[str, Any]]:
    """The blocks of the newest stored card (step one) or summary notice."""
    target = "dept:admin" if kind == "card" else None
    case = (await bot.svc.store.list_cases("open"))[0]
    found = [n for n in await bot.svc.store.notices(target or f"case:{case.id}") if n.kind == kind]
    if kind == "card":
        return card_message(StepCard.from_json(found[-1].payload["card"]), PUBLIC).blocks
    return summary_message(CaseSummary.from_json(found[-1].payload["summary"]), PUBLIC).blocks


async def test_ten_changes_while_a_card_waits_for_its_channel_go_out_as_one_update_with_the_last(
        bot: SlackBot) -> None:
    await bot.open_case()
    card = bot.fake.message_with_block("act:review_account")
    template = bot.click_payload("review_account", "done", ALICE)
    bot.pace.hold()  # the channel's next turn does not come until released
    await click(bot, "review_account", "done", template)
    await only_waiting(bot)  # this change went, or waits for its turn
    edits, start = card.edits, len(bot.fake.calls)
    for item_id, action in [("contact_client", "done"), ("cancel_recurring_billing", "done"),
                            ("keep_tm_contract", "done"), ("keep_other_contracts", "done"),
                            ("accounts_receivable", "no"), ("unbundled_services", "no"),
                            ("newsletter", "yes"), ("review_account", "undo"), ("contact_client", "undo"),
                            ("review_account", "done")]:
        await click(bot, item_id, action, template)
    await only_waiting(bot)
    assert bot.pace.sleepers, "the card waits for its channel's turn"
    assert card.edits == edits, "nothing reached the card while its channel's turn had not come"
    bot.pace.release()
    await bot.settle()
    updates = [c for c in bot.fake.ok_calls("chat.update")[:] if c.args.get("ts") == card.ts
               and bot.fake.calls.index(c) >= start]
    assert len(updates) == 1, "ten changes while it waited: one update"
    assert card.blocks == await stored(bot, "card"), "and it shows the stored state"
    words = str(card.blocks)
    assert "8/12 done" in card.text and "8/12 done" in words, "the last state: 8 of 12 done"
    assert shown(card.blocks, "item:contact_client").startswith(":white_large_square: Contact AcmeCo")
    assert shown(card.blocks, "item:review_account").startswith(
        ":white_check_mark: Review AcmeCo's account\n> Done — Alice Admin"), "undone, then done again"
    summary = bot.fake.channel(CASES)[0]
    changed = [c for c in bot.fake.ok_calls("chat.update") if c.args.get("ts") == summary.ts
               and bot.fake.calls.index(c) >= start]
    assert len(changed) <= 1, "the case summary too: at most one update after the burst"
    assert summary.blocks == await stored(bot, "summary"), "showing the stored state"
