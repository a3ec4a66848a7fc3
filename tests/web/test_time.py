"""Time in the web workspace: due marks on cards, the reminder with its snooze dialog and the digest in the
department's channel, escalations in the thread and in #managers, the dashboard sorted by days to the
stop date, and the stop date moved from the composer."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from tests.conftest import ALICE, HEADER
from tests.engine.support import open_case
from tests.engine.test_scenario import Walk
from tests.web.support import Browser, workspace, write_config

STEP_ONE_BUT_PREPAYMENT = [
    ("review_account", {}), ("accounts_receivable", {"answer": "no"}), ("contact_client", {}),
    ("cancel_recurring_billing", {}), ("managed_contract_expiration", {"date": "2099-12-31"}),
    ("keep_tm_contract", {}), ("keep_other_contracts", {}), ("unbundled_services", {"answer": "no"}),
    ("quickbooks_terms", {}), ("newsletter", {"answer": "yes"}),
]


def text(page: str) -> str:
    """What a person reads: tags dropped, entities read."""
    return html.unescape(" ".join(re.sub(r"<[^>]+>", " ", page).split()))


async def late_case(b: Browser, client: str = "AcmeCo") -> Walk:
    """A case whose prepayment is eight days late, reminded, escalated and digested."""
    engine = b.svc.engine
    walk = await open_case(engine, client, header={**HEADER, "stop_date": "2099-12-31"})
    for item_id, raw in STEP_ONE_BUT_PREPAYMENT:
        await walk.answer(item_id, ALICE, **raw)
    later = datetime.now(UTC) + timedelta(days=8)
    engine.clock = b.svc.dispatcher.clock = lambda: later
    assert b.svc.scheduler is not None and await b.svc.scheduler.run_once() >= 3
    return walk


async def test_reminders_digests_and_escalations_in_the_workspace(tmp_path: Path) -> None:
    async with workspace(write_config(tmp_path)) as b:
        walk = await late_case(b, "Acme <b>Sales</b>")
        admin = await (await b.page("/w/admin")).text()
        said = text(admin)
        assert re.search(r"⏰ @admin “Collect prepayment of \$___ for ___ hours labor” for Acme <b>Sales</b> "
                         r"is \d days late: it was due \w{3} \d+ \w{3} \(step 1, Admin\)\.", said), said
        assert "Acme &lt;b&gt;Sales&lt;/b&gt;" in admin and "<b>Sales</b>" not in admin, "typed text is text"
        assert re.search(r"📅 Admin, \w{3} \d+ \w{3}: 1 late Acme <b>Sales</b> \(service stops 2099-12-31\) "
                         r"“Collect prepayment of \$___ for ___ hours labor” — \d days late", said), said
        assert "Snooze a day…" in said and "Snooze until a date…" in said
        assert re.search(r"\d days late \(due \w{3} \d+ \w{3}\)", said), "the card's due mark"
        thread = text(await (await b.page(f"/w/cases/{walk.case_id}")).text())
        assert "⚠️ @managers Still late: “Collect prepayment" in thread
        assert "1 late · Most urgent: “Collect prepayment of $___ for ___ hours labor”" in thread
        managers = text(await (await b.page("/w/managers")).text())
        assert "Escalated to the managers: “Collect prepayment" in managers
        case_page = text(await (await b.page(f"/dashboard/{walk.case_id}")).text())
        assert re.search(r"Collect prepayment of \$___ for ___ hours labor \d+ days late \(due ", case_page)
        assert "reminded: “Collect prepayment" in case_page, "the timeline tells the reminders"

        await b.page("/w/admin")
        version = (await walk.item("prepayment")).version
        done = await b.post("/w/act", {"case_id": walk.case_id, "item_id": "prepayment", "action": "snooze",
                                       "version": str(version), "reason": "Paid on Friday"})
        body = await done.json()
        assert body["ok"] and body["message"].startswith("Reminders for “Collect prepayment")
        assert "Reminders snoozed until" in text(await (await b.page("/w/admin")).text())


async def test_the_dashboard_sorts_by_days_to_the_stop_date(tmp_path: Path) -> None:
    async with workspace(write_config(tmp_path)) as b:
        today = datetime.now(UTC).date()
        for client, days in (("Soon", 10), ("Later", 90), ("Sooner", 3)):
            stop = str(today + timedelta(days))
            await open_case(b.svc.engine, client, header={**HEADER, "stop_date": stop})
        by_stop = text(await (await b.page("/dashboard?sort=stop")).text())
        assert by_stop.index("Sooner") < by_stop.index("Soon ") < by_stop.index("Later")
        assert "Sorted by days to the stop date" in by_stop
        opened = text(await (await b.page("/dashboard")).text())
        assert opened.index("Soon ") < opened.index("Later") < opened.index("Sooner")
        assert "Sorted by opening" in opened


async def test_the_stop_date_moves_from_the_composer(tmp_path: Path) -> None:
    async with workspace(write_config(tmp_path)) as b:
        await b.page("/w/cases")
        case_id = (await (await b.open_case()).json())["case_id"]
        asked = await (await b.post("/w/command", {"text": "/offboard date AcmeCo"})).json()
        assert asked == {"ok": True, "date": {"case_id": case_id, "client": "AcmeCo", "value": "2099-12-31"}}
        form = {"case_id": case_id, "date": "2100-01-31", "reason": ""}
        refused = await (await b.post("/w/date", form)).json()
        assert refused["field"] == "reason" and refused["error"] == "Why is required"
        moved = await (await b.post("/w/date", {"case_id": case_id, "date": "2100-01-31",
                                                "reason": "A month more"})).json()
        assert moved["ok"] and moved["message"] == "Moved “Date service will stop” for AcmeCo to 2100-01-31."
        thread = text(await (await b.page(f"/w/cases/{case_id}")).text())
        assert "moved “Date service will stop” from 2099-12-31 to 2100-01-31: A month more" in thread
        assert "Move the stop date…" in thread


async def test_in_the_browser_a_snooze_and_a_moved_stop_date(browser: Any, tmp_path: Path) -> None:
    """Chromium: the card's snooze dialog and the composer's move-the-stop-date dialog."""
    from dialogs.checklist import DEFAULT_CHECKLIST
    from tests.web.conftest import Server
    from tests.web.test_workspace import HEADER as FORM
    from tests.web.test_workspace import new_person

    today = DEFAULT_CHECKLIST.read_text(encoding="utf-8").replace(
        'due = { after = "opened", business_days = 5 }', 'due = { on = "opened" }')  # step one: due today
    checklist = tmp_path / "offboarding.toml"
    checklist.write_text(today, encoding="utf-8")
    server = Server(tmp_path, OFFBOARD_CHECKLISTS=str(checklist))
    try:
        admin = await new_person(browser, server, "dept:admin", "/w/cases")
        case_id = await admin.open_case("AcmeCo", FORM)
        await admin.go("/w/admin")
        assert re.search(r"(due today|late \(due today\)) \(due \w{3} \d+ \w{3}\)",
                         await admin.item("review_account").inner_text())
        await admin.click("review_account", "snooze", reason="Waiting for the account export")
        assert "Reminders snoozed until" in await admin.item("review_account").inner_text()
        assert (await admin.flash()).startswith("Reminders for “Review AcmeCo's account” are snoozed until")

        await admin.go(f"/w/cases/{case_id}")
        await admin.say("/offboard date AcmeCo")
        dialog = admin.page.locator("#date-dialog")
        await dialog.wait_for(state="visible")
        assert await dialog.locator("[name=date]").input_value() == FORM["stop_date"]
        await dialog.locator("[name=date]").fill("2100-01-31")
        await dialog.locator("button.primary").click()
        slot = dialog.locator('[data-error-for="reason"]')
        await slot.wait_for()
        assert "Why is required" in await slot.inner_text(), "the error on its field; the dialog stays"
        await dialog.locator("[name=reason]").fill("The client asked for more time")
        await admin.round_trip(dialog.locator("button.primary").click)
        await dialog.wait_for(state="hidden")
        assert await admin.flash() == "Moved “Date service will stop” for AcmeCo to 2100-01-31."
        await admin.page.locator(".thread").get_by_text("The client asked for more time").wait_for()
    finally:
        server.stop()
