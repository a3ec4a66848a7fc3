"""Tickets in Slack: pages of rows so nothing unseen is dropped, "No open tickets", and sanity checks."""

from __future__ import annotations

import json

from dialogs.actor import Actor
from tests.slack.harness import ALICE, TECH, TOM, SlackBot

WEB_TECH = Actor("web", "web-tech", "Tech member", frozenset({"tech"}))  # someone working on the web
MANAGER = Actor("web", "web-manager", "Manager", manager=True)


async def to_tech(bot: SlackBot) -> str:
    await bot.open_case()
    await bot.work_step_one()
    return (await bot.svc.store.list_cases())[0].id


async def recorded(bot: SlackBot, case_id: str) -> list[dict[str, object]]:
    return list(((await bot.svc.store.get_items(case_id))["open_tickets"].value or {}).get("tickets", []))


async def test_forty_tickets_are_paged_and_a_page_saved_unchanged_drops_nothing(bot: SlackBot) -> None:
    case_id = await to_tech(bot)
    forty = [{"number": f"T-{n:03d}", "title": f"Ticket {n}", "decision": "billable"} for n in range(40)]
    version = (await bot.svc.store.get_items(case_id))["open_tickets"].version
    await bot.svc.engine.answer(case_id, "open_tickets", {"tickets": forty}, WEB_TECH, version)  # the web
    bot.svc.dispatcher.wake()
    await bot.settle()
    card = json.dumps(bot.fake.message_with_block("act:open_tickets").blocks, ensure_ascii=False)
    assert "Edit tickets 1–25" in card and "Edit tickets 26–40" in card
    events = len(await bot.svc.store.get_events(case_id))

    await bot.interact(bot.click_payload("open_tickets", "answer", TOM, label="Edit tickets 26–40"))
    modal = bot.fake.views[bot.fake.last_view_id or ""]
    numbers = [b["element"].get("initial_value") for b in modal["blocks"]
               if str(b.get("block_id", "")).endswith("_number")]
    assert numbers[:15] == [f"T-{n:03d}" for n in range(25, 40)] and not any(numbers[15:])
    assert "shows tickets 26–40 of 40" in json.dumps(modal, ensure_ascii=False)
    saved = await bot.submit(TOM)
    assert "Nothing changed" in json.dumps(saved)
    assert len(await recorded(bot, case_id)) == 40
    assert len(await bot.svc.store.get_events(case_id)) == events, "no 'edited' event"

    await bot.click("open_tickets", "answer", TOM, label="Edit tickets 1–25", tickets_0_title="Printer jams")
    rows = await recorded(bot, case_id)
    assert len(rows) == 40 and rows[0]["title"] == "Printer jams"


async def test_an_empty_tickets_form_is_refused_and_no_open_tickets_is_a_button(bot: SlackBot) -> None:
    case_id = await to_tech(bot)
    refused = await bot.click("open_tickets", "answer", TOM)
    assert refused["response_action"] == "errors"
    assert "choose “No open tickets” instead" in refused["errors"]["tickets_0_number"]
    assert (await bot.svc.store.get_items(case_id))["open_tickets"].status == "open"
    await bot.click("open_tickets", "no_tickets", TOM)
    items = await bot.svc.store.get_items(case_id)
    assert items["open_tickets"].value == {"tickets": [], "none": True}
    assert "&gt; No open tickets" in json.dumps(bot.fake.channel(TECH)[-1].blocks) or \
        "No open tickets" in json.dumps(bot.fake.message_with_block("item:open_tickets").blocks)


async def test_a_rebate_over_the_prepaid_block_is_refused_an_unusual_one_asks(bot: SlackBot) -> None:
    case_id = await to_tech(bot)
    engine = bot.svc.engine
    for item_id in ("removal_ticket", "email_filtering", "verify_documentation", "deliver_documentation",
                    "backup_narrative", "open_tickets", "close_unworked_tickets", "remove_rmm_agents",
                    "update_monitoring_docs", "update_grid", "email_summary_report"):
        view = await engine.view(case_id)
        raw = {"removal_ticket": {"text": "T-1", "hours": "4"}, "email_filtering": {"answer": "no"},
               "deliver_documentation": {"choice": "paper"}, "open_tickets": {"none": True}}.get(item_id, {})
        await engine.answer(case_id, item_id, raw, MANAGER, view.records[item_id].version)
    view = await engine.view(case_id)
    await engine.answer(case_id, "client_gone", {"answer": "no"}, MANAGER,
                        view.records["client_gone"].version)
    view = await engine.view(case_id)
    await engine.confirm_gate(case_id, "invoices_settled", MANAGER, view.records["invoices_settled"].version)
    bot.svc.dispatcher.wake()
    await bot.settle()

    over = await bot.click("rebate", "answer", ALICE, dollars="2000", hours="5")
    assert over["errors"] == {"dollars": "Amount ($): $2,000.00 is more than the prepaid $1,500.00 "
                                         "(“Collect prepayment of $1,500.00 for 10.00 hours labor”)"}
    asked = await bot.click("rebate", "answer", ALICE, dollars="1500", hours="10")
    assert asked["response_action"] == "push" and asked["view"]["callback_id"] == "confirm_save"
    assert "more than the unused prepaid labor" in json.dumps(asked["view"], ensure_ascii=False)
    assert (await bot.svc.store.get_items(case_id))["rebate"].status == "open", "not saved yet"
    done = await bot.submit(ALICE, pushed={**asked["view"], "id": "V-pushed", "hash": "h-pushed"})
    assert done == {"response_action": "clear"}
    rebate = (await bot.svc.store.get_items(case_id))["rebate"]
    assert rebate.status == "done" and rebate.value == {"dollars": "1500.00", "hours": "10.00"}
