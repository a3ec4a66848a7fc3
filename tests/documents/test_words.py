"""Documents word reasons the way the cards do: one status word, no ids, no raw states."""

from __future__ import annotations

from bot.documents import Documents
from dialogs.engine import Engine
from tests.conftest import StillClock
from tests.documents.walk import open_case, step_one


async def test_a_checklist_mid_case_words_locked_and_skipped_items_once(
        doc_engine: Engine, still_clock: StillClock, documents: Documents) -> None:
    walk = await open_case(doc_engine, still_clock, "AcmeCo")
    await step_one(walk)
    for fmt in ("md", "html"):
        text = (await documents.render(walk.case_id, "checklist", fmt)).text
        assert "(Locked:" not in text and "Locked: Locked" not in text
        assert "Does not apply: Does not apply" not in text
        assert "Behind “When all tickets are closed”: the open tickets have not been reviewed yet" in text
        for item_id in ("open_tickets", "all_tickets_closed", "email_summary_report"):
            assert item_id not in text
    md = (await documents.render(walk.case_id, "checklist", "md")).text
    assert "**Locked:** Remove Continuum (or other) RMM agents (Behind “When all tickets are closed”: " \
           "the open tickets have not been reviewed yet)" in md
