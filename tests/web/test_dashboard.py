"""The managers' dashboard: dates and ages per case, what waits for a manager, the timeline as a story."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from adapters.web import pages
from adapters.web.board import case_row, page_rows, story
from dialogs.engine import Engine
from tests.conftest import MARY, TOM, StillClock
from tests.documents.walk import open_case, step_one
from tests.web.support import workspace, write_config


def _text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


async def test_days_left_step_age_and_what_waits_for_a_manager(doc_engine: Engine,
                                                              still_clock: StillClock) -> None:
    w = await open_case(doc_engine, still_clock, "AcmeCo")  # stop date 2026-12-31, today 2026-11-27
    await step_one(w)
    still_clock.advance(hours=3)
    await w.answer("removal_ticket", TOM, text="T-4711", hours="0.5")
    await w.answer("open_tickets", TOM, tickets=[
        {"number": "T-100", "title": "Printer jams", "decision": "billable"}])
    still_clock.advance(days=2, hours=5)
    view = await doc_engine.view(w.case_id)
    events = await doc_engine.store.get_events(w.case_id)
    row = case_row(view, events, doc_engine.today(), doc_engine.clock())
    assert row.days_left == "32 days left" and not row.late
    assert row.step == "Step 2 · Tech" and row.step_age == "2 d 8 h"
    assert row.needs_manager == ("Service manager: email the summary report to AcmeCo",)
    assert row.closed_on is None
    listed = page_rows(await doc_engine.cases("open"), doc_engine.today(), doc_engine.clock())
    assert listed == [row], "the dashboard's list says the same from the kept summary, no events read"

    await w.done("email_summary_report", MARY)
    late = case_row(await doc_engine.view(w.case_id), events, datetime(2027, 1, 3).date(), doc_engine.clock())
    assert late.days_left == "3 days overdue" and late.late and late.needs_manager == ()


async def test_the_timeline_folds_what_followed_from_each_change(doc_engine: Engine,
                                                                 still_clock: StillClock) -> None:
    w = await open_case(doc_engine, still_clock, "AcmeCo")
    await step_one(w)
    view = await doc_engine.view(w.case_id)
    events = await doc_engine.store.get_events(w.case_id)
    lines = story(view, events, UTC)
    derived = sum(len(line.derived) for line in lines)
    assert derived > 20 and len(lines) + derived == len(events), "every event is there, most folded"
    assert all(line.who != "offboard" or "is ready" in line.text for line in lines[1:])
    said = [f"{line.who} {line.text}" for line in lines]
    assert "Alice Admin opened the case" in said
    assert len(lines[0].derived) > 5, "what opening the case unlocked folds under it, not under the memo"
    assert any(s.startswith("Alice Admin answered “Collect prepayment") and "$1,500.00 for 10.00 hours" in s
               for s in said)
    assert any("changed “" in s and "No → Yes" in s for s in said), "an edit reads old → new"
    assert any(s.startswith("Alice Admin marked") and "not applicable: Terms are already net 0" in s
               for s in said)
    assert any("handed Routing step one: Admin off to Tech" in s for s in said)
    assert not any("state" in s.split("“")[0] for s in said), "no raw 'state' rows on top"


async def test_the_dashboard_pages_say_it_and_documents_preview(tmp_path: Path) -> None:
    async with workspace(write_config(tmp_path)) as b:
        await b.page("/w/cases")
        case_id = (await (await b.open_case()).json())["case_id"]
        cases = _text(await (await b.page("/w/cases")).text())
        assert "Documents say “[Company name]”: no company is configured" in cases
        dashboard = _text(await (await b.page("/dashboard")).text())
        assert "AcmeCo" in dashboard and "days left" in dashboard and "Step 1 · Admin" in dashboard
        page = _text(await (await b.page(f"/dashboard/{case_id}")).text())
        assert "opened the case" in page and "changes that followed" in page
        preview = await b.client.get(f"/documents/{case_id}/memo.md")
        assert preview.headers["Content-Disposition"].startswith("inline")
        assert preview.headers["Content-Type"].startswith("text/plain")
        saved = await b.client.get(f"/documents/{case_id}/memo.md?download=1")
        assert saved.headers["Content-Disposition"] == 'attachment; filename="acmeco-memo.md"'
        assert saved.headers["Content-Type"].startswith("text/markdown")
        html = await b.client.get(f"/documents/{case_id}/memo.html")
        assert "sandbox" in html.headers["Content-Security-Policy"]
        await b.post("/w/cancel", {"case_id": case_id, "reason": "Stays with us"})
        closed = _text(await (await b.page("/dashboard")).text())
        today = datetime.now(UTC).date()
        assert any(str(today + timedelta(days=d)) in closed for d in (-1, 0, 1)), "the closed date"
    named = write_config(tmp_path, '[company]\nname = "Northwind IT"\n')
    async with workspace(named) as b:
        assert "no company is configured" not in await (await b.page("/w/cases")).text()


async def test_a_busy_channel_shows_its_newest_cases_and_says_the_rest_are_on_the_dashboard(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pages, "CHANNEL_CASES", 2)  # a channel page derives this many cases at most
    async with workspace(write_config(tmp_path)) as b:
        await b.page("/w/cases")
        for client in ("Alpha Co", "Beta Co", "Gamma Co"):
            assert (await b.open_case(client)).status == 200
        admin = _text(await (await b.page("/w/admin")).text())
        assert "Gamma Co" in admin and "Beta Co" in admin and "Alpha Co" not in admin, "the newest two"
        assert admin.index("Gamma Co") < admin.index("Beta Co"), "newest case first"
        assert "Older messages of this channel are not shown here: the dashboard lists every case." in admin
        assert "Alpha Co" in _text(await (await b.page("/dashboard")).text())
    monkeypatch.setattr(pages, "CHANNEL_CASES", 60)
    async with workspace(write_config(tmp_path)) as b:
        admin = _text(await (await b.page("/w/admin")).text())
        assert "Alpha Co" in admin and "are not shown here" not in admin
