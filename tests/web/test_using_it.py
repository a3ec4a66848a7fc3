"""Using the workspace as a new person would, in Chromium: keys, errors, the composer, feedback, layout."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.web.conftest import Server
from tests.web.test_workspace import HEADER, Person, new_person


async def _open_dialog(person: Person, client: str) -> Any:
    await person.say(f"/offboard {client}")
    dialog = person.page.locator("#open-dialog")
    await dialog.wait_for(state="visible")
    return dialog


async def test_enter_submits_and_escape_keeps_what_was_typed(browser: Any, server: Server) -> None:
    admin = await new_person(browser, server, "dept:admin", "/w/cases")
    dialog = await _open_dialog(admin, "AcmeCo")
    fields = dialog.locator("fieldset:not([disabled])")
    await fields.locator("[name=contact_name]").fill("Pat Client")
    await admin.page.keyboard.press("Escape")
    await dialog.wait_for(state="hidden")
    await admin.page.locator("#composer-text").click()
    dialog = await _open_dialog(admin, "AcmeCo")
    for name, value in HEADER.items():
        await fields.locator(f"[name={name}]").fill(value)
    async with admin.page.expect_navigation(url="**/w/cases/c*"):
        await fields.locator("[name=contact_email]").press("Enter")  # Enter opens the case, never cancels
    assert "AcmeCo" in await admin.page.locator(".summary h3").inner_text()

    await admin.go("/w/admin")
    await admin.click("review_account", "done")
    await admin.click("accounts_receivable", "no")
    await admin.click("contact_client", "done")
    await admin.item("prepayment").locator('button[data-action="answer"]').click()
    prepay = admin.page.locator("dialog[open]")
    await prepay.locator("[name=dollars]").fill("1,500")
    await prepay.locator("[name=hours]").fill("10")
    await admin.page.keyboard.press("Escape")
    await admin.item("prepayment").locator('button[data-action="answer"]').click()
    assert await prepay.locator("[name=dollars]").input_value() == "1,500", "Escape hid it; nothing was lost"
    done = await admin.page.evaluate("window.offboardActs")
    await prepay.locator("[name=hours]").press("Enter")
    await admin.page.wait_for_function(f"window.offboardActs > {done}")
    assert "$1,500.00 for 10.00 hours" in await admin.item("prepayment").inner_text()


async def test_every_error_shows_at_once_on_its_field_and_the_form_stays(
        browser: Any, server: Server) -> None:
    admin = await new_person(browser, server, "dept:admin", "/w/cases")
    dialog = await _open_dialog(admin, "AcmeCo")
    fields = dialog.locator("fieldset:not([disabled])")
    await fields.locator("[name=stop_date]").fill("2020-01-01")
    await fields.locator("[name=contact_phone]").fill("12")
    await fields.locator("[name=contact_email]").fill("pat@@acme")
    await dialog.locator("button.primary").click()
    for field, words in (("stop_date", "in the past"), ("contact_name", "is required"),
                         ("contact_phone", "phone number"), ("contact_email", "not a valid address")):
        slot = fields.locator(f'[data-error-for="{field}"]')
        await slot.wait_for()
        assert words in await slot.inner_text(), field
    assert await fields.locator("[name=contact_email]").input_value() == "pat@@acme", "what was typed stays"
    assert await dialog.is_visible()
    limits = await dialog.locator("[name=client]").get_attribute("maxlength")
    assert limits == "80", "the browser stops where the server would refuse"


async def test_refusals_that_need_no_form_come_when_the_command_is_typed(
        browser: Any, server: Server) -> None:
    admin = await new_person(browser, server, "dept:admin", "/w/cases")
    case_id = await admin.open_case("AcmeCo", HEADER)
    await admin.go("/w/cases")
    await admin.say("/offboard acme co")
    flash = admin.page.locator("#flash")
    await flash.wait_for()
    assert "AcmeCo already has an open case" in await flash.inner_text()
    assert await flash.locator("a").get_attribute("href") == f"/w/cases/{case_id}"
    assert not await admin.page.locator("#open-dialog").is_visible()

    outsider = await new_person(browser, server, "outsider", "/w/cases")
    await outsider.say("/offboard Beta LLC")
    await outsider.page.locator("#flash").wait_for()
    assert "open a case" in await outsider.flash()
    assert not await outsider.page.locator("#open-dialog").is_visible()


async def test_the_composer_helps_with_typos_instead_of_opening_cases(browser: Any, server: Server) -> None:
    admin = await new_person(browser, server, "dept:admin", "/w/cases")
    reply = admin.page.locator("#reply")
    for text, words in (("hello", "“hello” is not a command"),
                        ("/offbord AcmeCo", "Did you mean /offboard AcmeCo?"),
                        ("/offboard lst", "Did you mean /offboard list?")):
        await admin.round_trip(lambda text=text: admin.say(text))
        shown = await reply.inner_text()
        assert words in shown and "/offboard help" in shown, text
        assert not await admin.page.locator("#open-dialog").is_visible(), text
    await admin.say("/offboard open lst")
    await admin.page.locator("#open-dialog").wait_for(state="visible")


async def test_feedback_beside_the_item_and_one_request_per_double_click(
        browser: Any, server: Server) -> None:
    admin = await new_person(browser, server, "dept:admin", "/w/cases")
    await admin.open_case("AcmeCo", HEADER)
    await admin.go("/w/admin")
    posts = await admin.page.evaluate("window.offboardPosts")
    done = await admin.page.evaluate("window.offboardActs")
    await admin.item("review_account").locator('button[data-action="done"]').dblclick()
    await admin.page.wait_for_function(f"window.offboardActs > {done}")
    assert await admin.page.evaluate("window.offboardPosts") == posts + 1, "a double-click sends one request"
    result = admin.item("review_account").locator(".result")
    assert "Recorded" in await result.inner_text()
    assert await admin.status("review_account") == "done"
    box = await admin.page.locator("#flash").bounding_box()
    assert box is not None and box["y"] + box["height"] <= 1000, "the notice stays in view"


async def test_a_version_conflict_keeps_the_dialog_with_both_values(browser: Any, server: Server) -> None:
    admin = await new_person(browser, server, "dept:admin", "/w/cases")
    await admin.open_case("AcmeCo", HEADER)
    other = await new_person(browser, server, "dept:admin", "/w/admin")
    await admin.go("/w/admin")
    for item, action in (("review_account", "done"), ("accounts_receivable", "no"),
                         ("contact_client", "done")):
        await admin.click(item, action)
    await other.go("/w/admin")
    await other.item("prepayment").locator('button[data-action="answer"]').click()
    dialog = other.page.locator("dialog[open]")
    await admin.click("prepayment", "answer", dollars="1,500", hours="10")  # while the other types
    await dialog.locator("[name=dollars]").fill("2,000")
    await dialog.locator("[name=hours]").fill("12")
    await other.round_trip(dialog.locator("button.primary").click)
    said = await dialog.locator('[data-error-for=""]').inner_text()
    assert "already answered by Admin member" in said and "Stored now: $1,500.00 for 10.00 hours" in said
    assert await dialog.locator("[name=dollars]").input_value() == "2,000", "what was typed stays"
    await other.round_trip(dialog.locator("button.primary").click)  # save again: replaces it
    await dialog.wait_for(state="hidden")
    assert "$2,000.00 for 12.00 hours" in await other.item("prepayment").inner_text()


async def test_live_work_first_and_closed_cases_last(browser: Any, server: Server) -> None:
    admin = await new_person(browser, server, "dept:admin", "/w/cases")
    await admin.open_case("Old Co", HEADER)
    await admin.go("/w/cases")
    await admin.say("/offboard cancel old co")
    cancel = admin.page.locator("#cancel-dialog")
    await cancel.locator("[name=reason]").fill("Stays with us")
    await cancel.locator("[name=reason]").press("Enter")
    await cancel.wait_for(state="hidden")
    await admin.open_case("New Co", HEADER)
    await admin.go("/w/cases")
    assert await admin.page.locator(".summary h3").all_inner_texts() == ["New Co", "Old Co"]
    await admin.go("/w/admin")
    live = admin.page.locator("#feed > article.card")
    assert await live.count() == 1 and "New Co" in await live.first.inner_text()
    cancelled = admin.page.locator("details.finished")
    assert "✖ cancelled" in await cancelled.locator("summary").inner_text()
    await cancelled.locator("summary").click()
    assert await cancelled.locator(".badge").first.inner_text() == "cancelled", "not 'active'"


async def test_export_posts_the_documents_into_the_case_thread(browser: Any, server: Server) -> None:
    admin = await new_person(browser, server, "dept:admin", "/w/cases")
    case_id = await admin.open_case("AcmeCo", HEADER)
    await admin.go("/w/cases")
    async with admin.page.expect_navigation(url=f"**/w/cases/{case_id}"):
        await admin.say("/offboard export AcmeCo")
    ready = admin.page.locator(".thread li.kind-document", has_text="Checklist so far")
    await ready.wait_for()
    link = ready.locator('a[href$="/checklist.html"]')
    assert await link.get_attribute("target") == "_blank", "opens as a preview"


async def test_the_narrow_layout_clips_nothing(browser: Any, server: Server, tmp_path: Path) -> None:
    admin = await new_person(browser, server, "dept:admin", "/w/cases")
    case_id = await admin.open_case("A client with a rather long name, Inc.", HEADER)
    phone = await browser.new_context(viewport={"width": 390, "height": 844}, bypass_csp=True)
    page = await phone.new_page()
    for path in ("/w/cases", "/w/admin", f"/w/cases/{case_id}", "/dashboard", f"/dashboard/{case_id}"):
        await page.goto(server.url + path)
        assert not await page.locator("#sidebar").is_visible(), "the sidebar folds away"
        clipped = await page.evaluate("""() => {
            const width = document.documentElement.clientWidth;
            const inScroller = (e) => e.closest('.table-wrap, .ticket-rows, .tickets');
            return [...document.querySelectorAll('main *')]
                .filter((e) => e.getClientRects().length && !inScroller(e))
                .filter((e) => e.getBoundingClientRect().right > width + 1)
                .map((e) => e.tagName + '.' + e.className + ': ' + (e.textContent || '').slice(0, 40));
        }""")
        assert clipped == [], path
        assert await page.evaluate("document.documentElement.scrollWidth") <= 390, path
        await page.screenshot(path=str(tmp_path / f"narrow{path.replace('/', '-')}.png"), full_page=True)
    await page.goto(server.url + "/w/cases")
    await page.locator("[data-menu]").click()
    assert await page.locator("#sidebar").is_visible(), "and unfolds from the menu button"
    await phone.close()


async def test_the_dashboard_never_cuts_a_word_to_narrow_a_column(browser: Any, server: Server) -> None:
    admin = await new_person(browser, server, "dept:admin", "/w/cases")
    await admin.open_case("AcmeCo", HEADER)
    await admin.go("/dashboard")
    cut = await admin.page.evaluate("""() => {
        const cut = [];
        for (const cell of document.querySelectorAll('main th, main td')) {
            const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
            for (let node = walker.nextNode(); node; node = walker.nextNode()) {
                for (const m of node.data.matchAll(/\\S+/g)) {
                    const range = document.createRange();
                    range.setStart(node, m.index);
                    range.setEnd(node, m.index + m[0].length);
                    const lines = new Set([...range.getClientRects()].map((r) => Math.round(r.top)));
                    if (lines.size > 1) cut.push(m[0]);
                }
            }
        }
        return cut;
    }""")
    assert cut == [], "words split across lines in the dashboard's tables"
