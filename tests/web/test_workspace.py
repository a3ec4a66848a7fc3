"""A person walks the SOP in the local web workspace, in headless Chromium, clicking as each department."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from typing import Any

from tests.web.conftest import ROOT, Server

HEADER = {"stop_date": "2026-12-31", "contact_name": "Pat Client",
          "contact_phone": "+1 202 555 0130", "contact_email": "pat@acme.example"}


class Person:
    """One browser tab, acting as one persona."""

    def __init__(self, page: Any, server: Server) -> None:
        self.page, self.server = page, server
        self.dialogs: list[str] = []
        page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))

    async def go(self, path: str) -> None:
        await self.page.goto(self.server.url + path)

    async def act_as(self, persona: str) -> None:
        async with self.page.expect_navigation():
            await self.page.select_option("#persona", persona)

    async def say(self, text: str) -> None:
        await self.page.fill("#composer-text", text)
        await self.page.press("#composer-text", "Enter")

    async def open_case(self, client: str, header: dict[str, str]) -> str:
        await self.say(f"/offboard {client}")
        dialog = self.page.locator("#open-dialog")
        await dialog.wait_for(state="visible")
        assert await dialog.locator("[name=client]").input_value() == client
        fields = dialog.locator("fieldset:not([disabled])")
        for name, value in header.items():
            await fields.locator(f"[name={name}]").fill(value)
        async with self.page.expect_navigation(url="**/w/cases/c*"):
            await dialog.locator("button.primary").click()
        return str(self.page.url.rsplit("/", 1)[1])

    def item(self, item_id: str) -> Any:
        return self.page.locator(f'li[data-item="{item_id}"]')

    async def status(self, item_id: str) -> str:
        return str(await self.item(item_id).get_attribute("data-status"))

    async def round_trip(self, click: Any) -> None:
        done = await self.page.evaluate("window.offboardActs")
        await click()
        await self.page.wait_for_function(f"window.offboardActs > {done}")

    async def click(self, item_id: str, action: str, **fields: str) -> None:
        """Press an item's button; fill and save its dialog if it opens one."""
        button = self.item(item_id).locator(f'button[data-action="{action}"]').first
        form = self.item(item_id).locator(f'form.act:has(button[data-action="{action}"])').first
        dialog_id = await form.get_attribute("data-dialog")
        if not dialog_id:
            await self.round_trip(button.click)
            return
        await button.click()
        dialog = self.page.locator(f"#{dialog_id}")
        await dialog.wait_for(state="visible")
        for name, value in fields.items():
            field = dialog.locator(f'[name="{name}"]')
            if await field.first.get_attribute("type") == "radio":
                await dialog.locator(f'[name="{name}"][value="{value}"]').check()
            elif await field.first.evaluate("e => e.tagName") == "SELECT":
                await field.select_option(value)
            else:
                await field.fill(value)
        await self.round_trip(dialog.locator("button.primary").click)

    async def flash(self) -> str:
        """The notice's words (without its dismiss button)."""
        text = str(await self.page.locator("#flash").inner_text())
        return text.removesuffix("×").rstrip()


async def new_person(browser: Any, server: Server, persona: str, path: str) -> Person:
    # bypass_csp: Playwright's wait_for_function evaluates strings, which the pages' CSP forbids
    # (test_pages_run_under_their_content_security_policy checks the pages without it).
    context = await browser.new_context(viewport={"width": 1300, "height": 1000}, bypass_csp=True)
    person = Person(await context.new_page(), server)
    await person.go(path)
    await person.act_as(persona)
    return person


async def test_walk_the_sop_in_the_browser(browser: Any, server: Server) -> None:
    admin = await new_person(browser, server, "dept:admin", "/w/cases")
    case_id = await admin.open_case("AcmeCo", HEADER)
    assert "AcmeCo" in await admin.page.locator(".summary h3").inner_text()
    assert "memo" in (await admin.page.locator(".thread").inner_text()).lower()

    tech = await new_person(browser, server, "dept:tech", "/w/tech")
    assert await tech.page.locator(".handoff").count() == 0

    # ---- step one, as Admin
    await admin.go("/w/admin")
    await admin.click("review_account", "done")
    await admin.click("accounts_receivable", "no")
    assert await admin.status("payment_arrangements") == "skipped"
    assert "Does not apply: “Are there any accounts receivable?” is no" in \
        await admin.item("payment_arrangements").inner_text()
    await admin.click("contact_client", "claim")
    assert "held by Admin member" in await admin.item("contact_client").inner_text()
    await admin.click("contact_client", "done")
    await admin.click("prepayment", "answer", dollars="abc", hours="10")
    error = admin.page.locator('dialog[open] [data-error-for="dollars"]')
    assert "dollar amount" in await error.inner_text(), "inline validation error"
    await admin.page.locator("dialog[open] button[data-close]").click()
    await admin.click("prepayment", "answer", dollars="9" * 30, hours="10")  # was an HTTP 500
    assert "Amount ($) is over the limit of $1,000,000.00" in await error.inner_text()
    await admin.page.locator("dialog[open] button[data-close]").click()
    await admin.click("prepayment", "answer", dollars="1,500", hours="10")
    assert "$1,500.00 for 10.00 hours" in await admin.item("prepayment").inner_text()

    # Someone from Tech clicks an Admin item: refused, nothing changes.
    await tech.go("/w/admin")
    await tech.click("cancel_recurring_billing", "done")
    assert await tech.flash() == ("This item belongs to the Admin department and you are not a member of it. "
                                  "Ask someone in Admin or a manager.")
    assert await tech.status("cancel_recurring_billing") == "open"
    await tech.go("/w/tech")

    await admin.click("cancel_recurring_billing", "done")
    await admin.click("managed_contract_expiration", "answer", date="2026-12-31")
    await admin.click("keep_tm_contract", "done")
    await admin.click("keep_other_contracts", "done")
    await admin.click("unbundled_services", "no")
    await admin.click("quickbooks_terms", "na", reason="Terms already net 0")
    assert "Not applicable: Terms already net 0" in await admin.item("quickbooks_terms").inner_text()
    await admin.click("newsletter", "no")
    assert await tech.page.locator(".handoff").count() == 0
    await admin.click("remove_from_newsletter", "done")

    # Admin's finished card folds to one line; the live work (none left here) would come first.
    folded = admin.page.locator('details.finished[data-step="admin_one"] summary')
    await folded.wait_for()
    assert "· handed to Tech" in await folded.inner_text() and "✔ " in await folded.inner_text()

    # The hand-off appears live in #tech, without a reload.
    handoff = tech.page.locator(".handoff")
    await handoff.wait_for(timeout=10_000)
    assert "AcmeCo" in await handoff.inner_text()
    await tech.page.locator('li[data-item="removal_ticket"]').wait_for()

    # ---- step two, as Tech
    await tech.click("removal_ticket", "answer", text="T-4711", hours="0.5")
    await tech.click("email_filtering", "no")
    await tech.click("verify_documentation", "done")
    await tech.click("deliver_documentation", "answer", choice="electronic")
    await tech.click("backup_narrative", "done")
    await tech.click("open_tickets", "answer")  # saved empty: refused, and says how to say "none"
    error = tech.page.locator('dialog[open] [data-error-for="tickets"]')
    assert "choose “No open tickets” instead" in await error.inner_text()
    await tech.page.locator("dialog[open] button[data-close]").click()
    await tech.click("open_tickets", "answer", **{
        "tickets-0-number": "T-100", "tickets-0-title": "Printer jams", "tickets-0-decision": "billable",
        "tickets-1-number": "T-101", "tickets-1-title": "Old VPN request", "tickets-1-decision": "close",
    })
    assert await tech.status("remove_rmm_agents") == "locked"
    rmm = await tech.item("remove_rmm_agents").inner_text()
    assert "Locked: Behind “When all tickets are closed”: 2 of 2 tickets still open" in rmm
    assert "Locked: Locked" not in rmm and "all_tickets_closed" not in rmm
    await _screenshot(tech)  # mid-case: the gate holds the RMM items
    await tech.click("close_unworked_tickets", "done")  # closes T-101, "close without completing"
    assert "and closed ticket(s) #T-101" in await tech.flash()
    await tech.click("open_tickets", "close_ticket")
    assert await tech.status("remove_rmm_agents") == "open"
    await tech.click("remove_rmm_agents", "done", hours="2")
    await tech.click("update_monitoring_docs", "done")
    await tech.click("update_grid", "done")
    await admin.go("/dashboard")  # the managers see what waits for them
    waiting = admin.page.locator(f'tr[data-case="{case_id}"] .needs-manager')
    said = "needs a manager: Service manager: email the summary report to AcmeCo"
    assert said in await waiting.inner_text()
    await tech.act_as("manager")  # the service manager emails the summary report
    await tech.click("email_summary_report", "done")

    # ---- step three, back with Admin
    await admin.go("/w/admin")
    await admin.page.locator(".handoff").wait_for()
    await admin.click("client_gone", "yes")
    await admin.click("tm_contract_expiration", "answer", date="2027-01-31")
    assert await admin.status("file_paperwork") == "locked"
    await admin.click("invoices_settled", "confirm")
    await admin.click("file_paperwork", "done")
    await admin.click("move_paper_contracts", "done")
    await admin.click("rebate", "answer", dollars="1,500", hours="10")  # more than the unused labor
    dialog = admin.page.locator("dialog[open]")
    error = dialog.locator('[data-error-for="dollars"]')
    assert "more than the unused prepaid labor" in await error.inner_text()
    assert await dialog.locator("[name=dollars]").input_value() == "1,500", "the values are kept"
    assert await dialog.locator("button.primary").inner_text() == "Save anyway"
    await admin.round_trip(dialog.locator("button.primary").click)
    # The case is complete: every step card folds to one line; opened, it shows every answer.
    finished = admin.page.locator('details.finished[data-step="admin_three"]')
    assert "✔ 7/7 · last step done" in await finished.locator("summary").inner_text()
    assert await admin.page.locator("#feed > .card").count() == 0, "no live card is left"
    await finished.locator("summary").click()
    assert "$1,500.00 for 10.00 hours" in await admin.item("rebate").inner_text()

    # ---- the managers' dashboard
    await admin.go("/dashboard")
    row = admin.page.locator(f'tr[data-case="{case_id}"]')
    assert "completed" in await row.inner_text()
    await admin.go(f"/dashboard/{case_id}")
    assert "case completed" in await admin.page.locator(".timeline").inner_text()
    await _check_checklist_download(admin)
    assert admin.dialogs == [] and tech.dialogs == []


async def _check_checklist_download(person: Person) -> None:
    links = person.page.locator('#documents a.download[href$="checklist.md?download=1"]')
    if await links.count() == 0:
        raise AssertionError("the completed checklist is not offered for download")
    async with person.page.expect_download() as info:
        await links.first.click()
    download = await info.value
    text = Path(await download.path()).read_text(encoding="utf-8")  # noqa: ASYNC240 - a test's temp file
    assert "AcmeCo" in text and "T-4711" in text
    # ... and each document opens in the browser too (a preview, in a new tab).
    async with person.page.context.expect_page() as opened:
        await person.page.locator('#documents a[data-view="html"][href$="/checklist.html"]').click()
    preview = await opened.value
    await preview.wait_for_load_state()
    assert "Completed checklist" in await preview.locator("h1").inner_text()
    await preview.close()


async def _screenshot(person: Person) -> None:
    """The README's picture of the workspace mid-case, refreshed when OFFBOARD_SCREENSHOT=1."""
    if os.environ.get("OFFBOARD_SCREENSHOT") == "1":
        await person.item("open_tickets").scroll_into_view_if_needed()
        await person.page.screenshot(path=str(ROOT / "docs" / "workspace.png"))


async def test_hostile_client_name_renders_as_text(browser: Any, server: Server) -> None:
    admin = await new_person(browser, server, "dept:admin", "/w/cases")
    hostile = "<img src=x onerror=alert(1)>"
    case_id = await admin.open_case(hostile, HEADER)
    assert await admin.page.locator(".summary h3").inner_text() == hostile
    for path in ("/w/cases", "/w/admin", f"/dashboard/{case_id}", "/dashboard"):
        await admin.go(path)
        assert hostile in await admin.page.locator("main").inner_text()
        assert await admin.page.locator("main img").count() == 0
    await admin.go("/w/cases")
    await admin.say("/offboard list")
    reply = admin.page.locator("#reply")
    await reply.wait_for()
    assert f"{hostile} — stops 2026-12-31, with Admin — 1. Admin 1/15 · 2. Tech 0/17 · 3. Admin 0/7" in (
        await reply.inner_text()), "the case in the words every surface lists it in"
    assert admin.dialogs == [], "no script from the client name ran"


async def test_ctrl_c_leaves_the_database_consistent(browser: Any, server: Server) -> None:
    admin = await new_person(browser, server, "dept:admin", "/w/cases")
    await admin.open_case("Consistent Co", HEADER)
    assert server.stop() == 0
    with sqlite3.connect(server.db) as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert db.execute("SELECT client FROM cases").fetchall() == [("Consistent Co",)]


async def test_cancel_from_the_composer_asks_for_a_reason(browser: Any, server: Server) -> None:
    admin = await new_person(browser, server, "dept:admin", "/w/cases")
    case_id = await admin.open_case("Gamma Ltd", HEADER)
    await admin.go("/w/cases")
    await admin.say("/offboard cancel gamma ltd")
    dialog = admin.page.locator("#cancel-dialog")
    await dialog.wait_for(state="visible")
    assert await dialog.locator("[data-client]").inner_text() == "Gamma Ltd"
    await dialog.locator("[name=reason]").fill("Client decided to stay")
    await dialog.locator("button.danger").click()
    await dialog.wait_for(state="hidden")
    await admin.go(f"/w/cases/{case_id}")
    assert "cancelled" in await admin.page.locator(".summary .badge").first.inner_text()
    assert "Client decided to stay" in await admin.page.locator(".thread").inner_text()


async def test_a_cancelled_case_reopens_from_the_composer_with_a_reason(browser: Any, server: Server) -> None:
    admin = await new_person(browser, server, "dept:admin", "/w/cases")
    case_id = await admin.open_case("Delta Inc", HEADER)
    await admin.go("/w/cases")
    await admin.say("/offboard cancel delta inc")
    cancel = admin.page.locator("#cancel-dialog")
    await cancel.wait_for(state="visible")
    await cancel.locator("[name=reason]").fill("Client decided to stay")
    await cancel.locator("button.danger").click()
    await cancel.wait_for(state="hidden")
    await admin.say("/offboard reopen Delta Inc")
    dialog = admin.page.locator("#reopen-dialog")
    await dialog.wait_for(state="visible")
    assert await dialog.locator("h2").inner_text() == "Reopen the cancelled case for Delta Inc?"
    await dialog.locator("[name=reason]").fill("They are leaving after all")
    await dialog.locator("button.primary").click()
    await dialog.wait_for(state="hidden")
    await admin.go(f"/w/cases/{case_id}")
    assert "open" in await admin.page.locator(".summary .badge").first.inner_text()
    assert "Reopened the case for Delta Inc: They are leaving after all" in \
        await admin.page.locator(".thread").inner_text()


async def test_status_goes_to_the_open_case_and_names_the_others(browser: Any, server: Server) -> None:
    admin = await new_person(browser, server, "dept:admin", "/w/cases")
    first = await admin.open_case("Echo GmbH", HEADER)
    await admin.go("/w/cases")
    await admin.say("/offboard cancel echo gmbh")
    cancel = admin.page.locator("#cancel-dialog")
    await cancel.wait_for(state="visible")
    await cancel.locator("[name=reason]").fill("Opened by mistake")
    await cancel.locator("button.danger").click()
    await cancel.wait_for(state="hidden")
    second = await admin.open_case("Echo GmbH", HEADER)
    await admin.go("/w/cases")
    async with admin.page.expect_navigation(url=f"**/w/cases/{second}"):
        await admin.say("/offboard status ECHO GMBH")
    await admin.page.locator("#flash:not([hidden])").wait_for()
    assert f"Echo GmbH has 2 cases; this is the open one ({second}). Not shown: {first} (cancelled" in \
        await admin.flash()
