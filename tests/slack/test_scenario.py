"""The whole SOP, worked in Slack: `/offboard AcmeCo` to the completed checklist in the case thread.

Every step goes through the real HTTP endpoint with signed requests; every
message the bot sends lands in the fake Slack, which validated it.
"""

from __future__ import annotations

import json
from pathlib import Path

from adapters.slack.scopes import METHOD_SCOPES, scopes_for
from bot.documents.pdf import PdfUnavailable, weasyprint_module
from dialogs.checklist import DEFAULT_CHECKLIST
from dialogs.checklist_loader import load_checklist
from tests.slack.fake_slack import FakeSlack
from tests.slack.harness import ADMIN, ALICE, CASES, MARY, TECH, TOM, SlackBot, running_bot, stop_date
from tests.slack.test_limits import texts

ROOT = Path(__file__).resolve().parents[2]
ITEM_IDS = [i for i in load_checklist(DEFAULT_CHECKLIST).items if "_" in i]


def words_of(fake: FakeSlack, channel: str) -> str:
    """Everything people read in a channel's messages as they stand now (cards edited in place)."""
    return "\n".join(t for m in fake.channel(channel) for t in [m.text, *texts(m.blocks)])


def assert_clean_words(text: str) -> None:
    """No doubled status word, no status word in parentheses, no internal id."""
    for doubled in ("Locked: Locked", "Does not apply: Does not apply", "(Locked:", "is na", "is skipped"):
        assert doubled not in text, f"{doubled!r} in {text[:2000]}"
    for item_id in ITEM_IDS:
        assert item_id not in text, f"the id {item_id} is shown to people"


async def test_walk_the_whole_sop_in_slack(bot: SlackBot) -> None:
    fake = bot.fake

    # Alice types /offboard AcmeCo; the header modal opens at once, prefilled with the client.
    assert await bot.command("AcmeCo", ALICE) == {}
    header = fake.views[fake.last_view_id or ""]
    assert header["callback_id"] == "open_case"
    assert header["blocks"][0]["element"]["initial_value"] == "AcmeCo"
    done = await bot.submit(ALICE, stop_date=stop_date(), contact_name="Pat Client",
                            contact_phone="+1 202 555 0130", contact_email="pat@acme.example")
    assert done["response_action"] == "update"
    assert "Opened the offboarding case for AcmeCo" in json.dumps(done["view"])
    await bot.settle()

    (summary,) = fake.channel(CASES)
    assert "AcmeCo" in summary.text and "with Admin" in summary.text
    memo = fake.thread(CASES, summary.ts)
    assert memo[0].files[0]["name"] == "acmeco-memo.md", "the memo is uploaded into the case thread"
    assert [m.text.split(":")[0] for m in fake.channel(ADMIN)] == ["Step 1 for AcmeCo"]

    # ---- Routing step one: Admin
    admin = words_of(fake, ADMIN)
    assert "Locked: Waits for an answer to “Are there any accounts receivable?”" in admin
    await bot.click("review_account", "claim", ALICE)
    assert "Held by Alice Admin" in words_of(fake, ADMIN)
    await bot.click("review_account", "done", ALICE)
    await bot.click("accounts_receivable", "no", ALICE)
    admin = words_of(fake, ADMIN)
    assert "Does not apply: “Are there any accounts receivable?” is no" in admin
    assert_clean_words(admin)
    await bot.click("contact_client", "done", ALICE)
    await bot.click("prepayment", "answer", ALICE, dollars="$1,500", hours="10")
    await bot.click("cancel_recurring_billing", "done", ALICE)
    await bot.click("managed_contract_expiration", "answer", ALICE)  # the date defaults to the stop date
    await bot.click("keep_tm_contract", "done", ALICE)
    await bot.click("keep_other_contracts", "done", ALICE)
    await bot.click("unbundled_services", "no", ALICE)
    await bot.click("newsletter", "yes", ALICE)
    card = fake.message_with_block("act:quickbooks_terms")
    assert "Alice Admin" in json.dumps(card.blocks), "the card names people as Slack shows them"
    assert "— alice" not in json.dumps(card.blocks), "not by their handle"
    await bot.click("quickbooks_terms", "na", ALICE, reason="Terms are already net 0")
    assert "> Not applicable: Terms are already net 0" in words_of(fake, ADMIN)

    # The hand-off: Tech's channel is pinged (its user group) with what Admin recorded, then gets its card.
    ping, tech_card = fake.channel(TECH)
    assert ping.text.startswith("<!subteam^S0TECH>")
    recorded = json.dumps(ping.blocks)
    assert "$1,500.00 for 10.00 hours" in recorded and "Terms are already net 0" in recorded
    assert tech_card.text.startswith("Step 2 for AcmeCo")
    assert any("handed off to Tech" in m.text for m in fake.thread(CASES, summary.ts))

    # ---- Routing step two: Tech (tasks ask for the hours logged)
    tech = words_of(fake, TECH)
    assert "Locked: Behind “When all tickets are closed”: the open tickets have not been reviewed yet" in tech
    assert "Locked: Waits for “Determine whether any open tickets need to be worked" in tech
    assert_clean_words(tech)
    await bot.click("removal_ticket", "answer", TOM, text="T-4711", hours="0.5")
    await bot.click("email_filtering", "no", TOM)
    await bot.click("verify_documentation", "done", TOM, hours="1")
    await bot.click("deliver_documentation", "answer", TOM, choice="electronic")
    await bot.click("backup_narrative", "done", TOM)
    await bot.click("open_tickets", "answer", TOM, tickets_0_number="T-100", tickets_0_title="Printer jams",
                    tickets_0_decision="billable", tickets_1_number="T-101", tickets_1_decision="close")
    refused = len(fake.ephemerals)
    await bot.interact(bot.click_payload("email_summary_report", "done", TOM))  # not a manager: refused
    assert fake.ephemerals[refused]["text"] == \
        "Only a manager can do “Service manager: email the summary report to AcmeCo”; you are not " \
        "listed as a manager."
    await bot.click("email_summary_report", "done", MARY)  # the service manager, anywhere
    await bot.click("close_unworked_tickets", "done", TOM)  # closes T-101, decided "close without completing"
    tech = words_of(fake, TECH)
    assert "#T-101: close without completing — closed" in tech and "Close #T-101" not in tech
    await bot.click("open_tickets", "close_ticket", TOM)  # T-100, billable, worked and closed
    lines = [m.text for m in fake.thread(CASES, summary.ts)]
    assert any(line.startswith("Unlocked: When all tickets are closed") for line in lines)
    await bot.click("remove_rmm_agents", "done", TOM, hours="2")
    await bot.click("update_monitoring_docs", "done", TOM)
    await bot.click("update_grid", "done", TOM)

    # ---- Routing step three: Admin
    assert fake.channel(ADMIN)[-1].text.startswith("Step 3 for AcmeCo")
    assert fake.channel(ADMIN)[-2].text.startswith("<!here>"), "no user group for Admin: @here"
    await bot.click("client_gone", "yes", ALICE)
    await bot.click("tm_contract_expiration", "answer", ALICE, date="2027-01-31")
    await bot.click("invoices_settled", "confirm", ALICE)
    await bot.click("file_paperwork", "done", ALICE)
    await bot.click("move_paper_contracts", "done", ALICE)
    rebate = await bot.click("rebate", "answer", ALICE)  # prefilled with the unused prepaid labor
    assert rebate == {}

    # The case is complete: the summary says so, the thread has every document and the last word.
    summary = fake.channel(CASES)[0]
    assert "completed" in summary.text and summary.edits > 10, "one parent message, edited in place"
    thread = fake.thread(CASES, summary.ts)
    files = [f["name"] for m in thread for f in m.files]
    assert files == ["acmeco-memo.md", "acmeco-summary.md", "acmeco-checklist.md"]
    checklist = next(f for f in fake.files.values() if f["name"] == "acmeco-checklist.md")
    assert b"AcmeCo" in checklist["content"] and checklist["thread_ts"] == summary.ts
    assert [m.text for m in thread[-2:]] == ["Routing step three: Admin is complete.",
                                             "The case for AcmeCo is complete."]
    assert fake.channel(CASES)[-1].text == "<!subteam^S0MANAGERS> The case for AcmeCo is complete."

    # Each step card was posted once and then edited in place.
    cards = [m for m in fake.messages if any(b.get("block_id") == "head" for b in m.blocks)]
    assert [(m.channel, m.text.split(":")[0]) for m in cards] == [
        (ADMIN, "Step 1 for AcmeCo"), (TECH, "Step 2 for AcmeCo"), (ADMIN, "Step 3 for AcmeCo")]
    posts = [c for c in fake.ok_calls("chat.postMessage") if '"head"' in json.dumps(c.args["blocks"])]
    assert len(posts) == 3
    assert fake.rejections == [], "every block and view passed slack_sdk.models"
    assert not [d for d in await bot.svc.store.deliveries("slack") if d.status == "failed"]

    # manifest.json grants every scope the methods called during the walk need.
    methods = {c.method for c in fake.calls} - {"upload"}
    assert methods <= set(METHOD_SCOPES), f"add {methods - set(METHOD_SCOPES)} to METHOD_SCOPES"
    manifest = json.loads((ROOT / "manifest.json").read_text())
    assert scopes_for(methods) <= set(manifest["oauth_config"]["scopes"]["bot"])


async def test_documents_upload_as_pdf_by_default(tmp_path: Path, fake: FakeSlack) -> None:
    try:
        weasyprint_module()
        expected = "acmeco-memo.pdf"
    except PdfUnavailable:
        expected = "acmeco-memo.md"  # no PDF engine here: the Markdown goes instead
    async with running_bot(tmp_path, fake, document_format="pdf") as bot:
        await bot.open_case()
        summary = fake.channel(CASES)[0]
        (memo,) = fake.thread(CASES, summary.ts)
        assert memo.files[0]["name"] == expected
        content = next(f["content"] for f in fake.files.values() if f["name"] == expected)
        assert content.startswith(b"%PDF") == expected.endswith(".pdf")


async def test_without_a_document_renderer_the_thread_links_the_dashboard(bot: SlackBot) -> None:
    bot.adapter.sender.documents = None
    await bot.open_case()
    summary = bot.fake.channel(CASES)[0]
    (line,) = bot.fake.thread(CASES, summary.ts)
    assert line.text.startswith("\"What's Next\" memo for AcmeCo is ready")
    assert "https://offboard.example.com/dashboard/" in line.text and not line.files
