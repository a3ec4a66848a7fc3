"""The whole SOP, worked in Teams: `offboard AcmeCo` to the completed checklist's download link.

Every step is Activity JSON posted to the running /api/messages; every
message the bot sends lands in the fake Bot Connector, which validated each
card against the Adaptive Cards 1.5 schema and Teams' 28 KB limit.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from tests.teams.card_check import mentions
from tests.teams.harness import ADMIN, ALICE, CASES, MARY, TECH, TECH_TAG, TOM, TeamsBot


async def test_walk_the_whole_sop_in_teams(bot: TeamsBot) -> None:
    fake = bot.fake

    # Alice types `offboard AcmeCo` to the bot; it answers with the case header form, prefilled.
    (form,) = await bot.say("offboard AcmeCo", ALICE)
    assert "Open offboarding case" in form.text
    client_input = next(n for n in form.card["body"] if n.get("id") == "f:client")
    assert client_input["value"] == "AcmeCo"
    opened = await bot.open_case("AcmeCo", ALICE)
    assert "Opened the offboarding case for AcmeCo" in str(opened["value"])

    # The cases channel has the summary; its thread has the memo; Admin's channel has step one.
    (summary,) = fake.channel(CASES)
    assert "AcmeCo" in summary.text and "With: Admin" in summary.text
    (memo,) = fake.thread(CASES, summary.id)
    assert "\"What's Next\" memo for AcmeCo" in memo.text and "[Markdown]" in memo.text
    (step_one,) = fake.channel(ADMIN)
    assert step_one.text.startswith("▶️ Step 1 · Routing step one: Admin")

    # ---- Routing step one: Admin
    await bot.click("review_account", "done", ALICE)
    await bot.click("accounts_receivable", "no", ALICE)
    await bot.click("contact_client", "done", ALICE)
    await bot.click("prepayment", "answer", ALICE, dollars="$1,500", hours="10")
    await bot.click("cancel_recurring_billing", "done", ALICE)
    await bot.click("managed_contract_expiration", "answer", ALICE)  # the date defaults to the stop date
    await bot.click("keep_tm_contract", "done", ALICE)
    await bot.click("keep_other_contracts", "done", ALICE)
    await bot.click("unbundled_services", "no", ALICE)
    await bot.click("newsletter", "yes", ALICE)
    assert "Done — Alice Admin" in fake.showing("review_account").text, "the card says who did what"
    await bot.click("quickbooks_terms", "na", ALICE, reason="Terms are already net 0")

    # The hand-off: Tech's channel is pinged (its tag) with what Admin recorded, then gets its card.
    ping, tech_card = fake.channel(TECH)
    assert [m["id"] for m in mentions(ping.card)] == [TECH_TAG] and ping.text.startswith("@Tech\n")
    assert "$1,500.00 for 10.00 hours" in ping.text and "Terms are already net 0" in ping.text
    assert tech_card.text.startswith("▶️ Step 2 · Routing step two: Tech")
    assert any("handed off to Tech" in m.text for m in fake.thread(CASES, summary.id))

    # ---- Routing step two: Tech (Tom is a member through #tech's roster)
    await bot.click("removal_ticket", "answer", TOM, text="T-4711", hours="0.5")
    await bot.click("email_filtering", "no", TOM)
    await bot.click("verify_documentation", "done", TOM, hours="1")
    await bot.click("deliver_documentation", "answer", TOM, choice="electronic")
    await bot.click("backup_narrative", "done", TOM)
    await bot.click("open_tickets", "answer", TOM, **{
        "tickets:0:number": "T-100", "tickets:0:title": "Printer jams", "tickets:0:decision": "billable",
        "tickets:1:number": "T-101", "tickets:1:decision": "close"})
    # The manager-only item waits: the managers are told where they work, with its button.
    (waits,) = [m for m in fake.channel(CASES) if "waits for a manager" in m.text]
    assert "Service manager: email the summary report to AcmeCo" in waits.text
    assert "[Done]" in waits.text and "(waits for a manager)" in fake.showing("email_summary_report").text
    await bot.click("email_summary_report", "done", MARY)  # the service manager, through the managers' group
    assert "no longer waits for a manager" in waits.text and "[Done]" not in waits.text
    await bot.click("close_unworked_tickets", "done", TOM)  # closes T-101, decided "close without completing"
    await bot.click("open_tickets", "close_ticket", TOM)  # T-100, billable: worked, then closed
    lines = [m.text for m in fake.thread(CASES, summary.id)]
    assert any(line.startswith("Unlocked: When all tickets are closed") for line in lines)
    await bot.click("remove_rmm_agents", "done", TOM, hours="2")
    await bot.click("update_monitoring_docs", "done", TOM)
    await bot.click("update_grid", "done", TOM)

    # ---- Routing step three: Admin (its hand-off mentions Alice, the configured person)
    ping, step_three = fake.channel(ADMIN)[-2:]
    assert [m["name"] for m in mentions(ping.card)] == ["Alice Admin"] and "@Alice Admin" in ping.text
    assert step_three.text.startswith("▶️ Step 3 · Routing step three: Admin")
    await bot.click("client_gone", "yes", ALICE)
    await bot.click("tm_contract_expiration", "answer", ALICE, date="2027-01-31")
    await bot.click("invoices_settled", "confirm", ALICE)
    await bot.click("file_paperwork", "done", ALICE)
    await bot.click("move_paper_contracts", "done", ALICE)
    rebate = await bot.click("rebate", "answer", ALICE)  # prefilled with the unused prepaid labor
    assert "Rebate the unused part" in str(rebate["value"]), "the clicker sees the refreshed card"

    # The case is complete: the summary says so, the thread has every document and the last word.
    summary = fake.channel(CASES)[0]
    assert "Status: completed" in summary.text and summary.edits > 10, "one post, edited in place"
    thread = fake.thread(CASES, summary.id)
    titles = [m.text.splitlines()[0] for m in thread if m.text.startswith("📄")]
    assert titles == ["📄 \"What's Next\" memo for AcmeCo",
                      "📄 Client summary report of all existing issues and tickets",
                      "📄 Add this completed checklist to the client folder"]
    assert [m.text for m in thread[-2:]] == ["Routing step three: Admin is complete.",
                                             "The case for AcmeCo is complete."]
    note = fake.channel(CASES)[-1]
    assert note.text == "@Mary Manager\nThe case for AcmeCo is complete." and mentions(note.card)

    # The completed checklist's link downloads it from the bot's own server.
    checklist = next(m for m in thread if m.text.startswith("📄 Add this completed checklist"))
    link = next(a["url"] for a in checklist.card["actions"] if a["title"] == "Markdown")
    assert link.startswith("https://offboard.example.com/teams/documents/")
    url = urlsplit(link)
    resp = await bot.client.get(f"{url.path}?{url.query}")
    assert resp.status == 200
    text = await resp.text()
    assert "AcmeCo" in text and "Terms are already net 0" in text and "T-4711" in text

    # Each step card was posted once and then edited in place; nothing was refused or failed.
    cards = [m for m in fake.messages if m.text.startswith(("▶️ Step", "✅ Step", "⏳ Step"))]
    assert [(m.channel, m.text.split(" · ")[0][-6:]) for m in cards] == [
        (ADMIN, "Step 1"), (TECH, "Step 2"), (ADMIN, "Step 3")]
    assert fake.rejections == [], "every card passed the Adaptive Cards 1.5 schema"
    assert not [d for d in await bot.svc.store.deliveries("teams") if d.status == "failed"]
    assert all(c.path.startswith(("/amer/", "/graph/")) for c in fake.calls), "the service URL's path is kept"
