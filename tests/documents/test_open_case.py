"""An open case exports a checklist that says which items are open, locked (and why) or not applicable."""

from __future__ import annotations

from bot.documents import Documents
from dialogs.engine import Engine
from tests.conftest import ALICE
from tests.documents.walk import StillClock, open_case


async def _half_done(doc_engine: Engine, still_clock: StillClock) -> str:
    walk = await open_case(doc_engine, still_clock, "Beta LLC")
    await walk.done("review_account", ALICE)
    await walk.no("accounts_receivable", ALICE)
    await walk.na("quickbooks_terms", ALICE, "Terms are already net 0")
    return walk.case_id


async def test_an_open_case_checklist_in_markdown_says_what_is_left(documents: Documents, doc_engine: Engine,
                                                                    still_clock: StillClock) -> None:
    case_id = await _half_done(doc_engine, still_clock)
    md = (await documents.render(case_id, "checklist", "md")).text
    assert md.startswith("# Checklist (open): Remove Beta LLC from managed services")
    assert "Completed checklist" not in md
    assert "**This case is still open: the checklist is not complete.**" in md
    assert "- [ ] **Open:** Contact Beta LLC: all work to remove them from service is billable" in md
    assert ("- [ ] **Locked:** Create a billable service request to remove Beta LLC from managed service "
            "(Waits for step 1 to hand off to Tech)") in md
    assert ("- [x] If necessary, change Beta LLC's \"terms\" in QuickBooks — **Not applicable**: "
            "Terms are already net 0 · Alice Admin") in md
    assert ("  - [x] Make arrangements for payment — **Does not apply**: "
            "“Are there any accounts receivable?” is no") in md
    assert "- [ ] Collect prepayment of $\\_\\_\\_ for \\_\\_\\_ hours labor — **Open**" in md
    assert "In progress since 2026-11-27 09:00." in md
    assert "Waiting for the step before it." in md
    assert "| Prepaid | not collected yet |" in md
    assert md.rstrip().endswith("**Case still open as of 2026-11-27 09:15.**")


async def test_an_open_case_checklist_in_html_marks_each_state(documents: Documents, doc_engine: Engine,
                                                               still_clock: StillClock) -> None:
    case_id = await _half_done(doc_engine, still_clock)
    html = (await documents.render(case_id, "checklist", "html")).text
    assert '<p class="banner open">This case is still open: the checklist is not complete.' in html
    assert '<span class="status open">Open</span> Cancel automated recurring billing' in html
    assert ('<span class="status locked">Locked</span> Remove Continuum (or other) RMM agents '
            '<span class="muted">(Waits for step 1 to hand off to Tech)</span>') in html
    assert '<span class="status na">Not applicable</span>' in html
    assert '<span class="text">Terms are already net 0</span>' in html
    assert "<strong>Case still open as of 2026-11-27 09:15.</strong>" in html


async def test_the_memo_is_ready_when_the_case_opens_and_gains_the_prepayment(
        documents: Documents, doc_engine: Engine, still_clock: StillClock) -> None:
    walk = await open_case(doc_engine, still_clock, "Gamma Inc")
    memo = (await documents.render(walk.case_id, "memo", "md")).text
    assert "We will confirm the amount of the prepaid labor block with you." in memo
    assert "Please let us know which ones you want to keep." in memo
    await walk.answer("prepayment", ALICE, dollars="2,000", hours="12.5")
    await walk.no("unbundled_services", ALICE)
    memo = (await documents.render(walk.case_id, "memo", "md")).text
    assert "Prepaid labor block: **$2,000.00 for 12.50 hours** of labor." in memo
    assert "Services bundled with managed service end with it." in memo


async def test_the_summary_is_a_draft_until_the_tickets_are_reviewed(
        documents: Documents, doc_engine: Engine, still_clock: StillClock) -> None:
    walk = await open_case(doc_engine, still_clock, "Delta Co")
    summary = (await documents.render(walk.case_id, "summary", "md")).text
    assert "**Draft:** the review of open tickets is not finished yet" in summary
