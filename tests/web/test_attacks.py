"""Attacks on the workspace, in Chromium: another site's forms, DNS rebinding, a redirect off the site."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web

from tests.web.conftest import CHROMIUM_ARGS, Server, chromium_path, free_port
from tests.web.test_workspace import HEADER, new_person

EVIL_PAGE = """<!doctype html><title>Win a prize</title>
<iframe name="a"></iframe><iframe name="b"></iframe><iframe name="c"></iframe>
<form target="a" method="post" action="{victim}/w/open">
  <input name="client" value="Evil Co"><input name="stop_date" value="2099-12-31">
  <input name="contact_name" value="Eve"><input name="contact_phone" value="+1 555 010 6666">
  <input name="contact_email" value="eve@evil.example"></form>
<form target="b" method="post" action="{victim}/w/cancel">
  <input name="case_id" value="{case_id}"><input name="reason" value="pwned"></form>
<form target="c" method="post" action="{victim}/w/as">
  <input name="persona" value="manager"><input name="back" value="/w/cases"></form>
<script>
  document.querySelectorAll("form").forEach((f) => f.submit());
  fetch("{victim}/w/command", {{method: "POST", mode: "no-cors", credentials: "include",
                               body: new URLSearchParams({{text: "/offboard Fetch Co"}})}})
    .finally(() => {{ document.title = "sent"; }});
</script>"""


@pytest.fixture
async def evil_site() -> AsyncIterator[dict[str, Any]]:
    """A page on another local origin; the test fills in whom it attacks."""
    attack: dict[str, Any] = {"page": ""}

    async def serve(request: web.Request) -> web.Response:
        return web.Response(text=attack["page"], content_type="text/html")

    app = web.Application()
    app.router.add_get("/", serve)
    runner = web.AppRunner(app)
    await runner.setup()
    attack["port"] = free_port()
    await web.TCPSite(runner, "127.0.0.1", attack["port"]).start()
    yield attack
    await runner.cleanup()


def _cases(server: Server) -> list[tuple[str, str]]:
    with sqlite3.connect(server.db) as db:
        return [(row[0], row[1]) for row in db.execute("SELECT client, status FROM cases ORDER BY client")]


async def test_another_sites_forms_change_nothing(browser: Any, server: Server,
                                                  evil_site: dict[str, Any]) -> None:
    admin = await new_person(browser, server, "dept:admin", "/w/cases")
    case_id = await admin.open_case("AcmeCo", HEADER)
    evil_site["page"] = EVIL_PAGE.format(victim=server.url, case_id=case_id)
    for evil_host in ("localhost", "127.0.0.1"):  # cross-site, and same-site but cross-origin
        evil = await admin.page.context.new_page()
        await evil.goto(f"http://{evil_host}:{evil_site['port']}/")
        await evil.wait_for_function("document.title === 'sent'")
        for frame in evil.frames[1:]:
            await frame.wait_for_load_state()
        await evil.close()
        assert _cases(server) == [("AcmeCo", "open")], f"from {evil_host}: no case opened, none cancelled"
        await admin.go("/w/cases")
        assert await admin.page.locator("#persona").input_value() == "dept:admin", "no persona switch"


async def test_a_rebound_host_name_is_refused(server: Server) -> None:
    """DNS rebinding: attacker.example resolves to 127.0.0.1; the server refuses to answer for it."""
    path = chromium_path()
    if path is None:
        pytest.skip("chromium is not installed")
    from playwright.async_api import async_playwright

    rules = "--host-resolver-rules=MAP attacker.example 127.0.0.1"
    async with async_playwright() as p:
        b = await p.chromium.launch(executable_path=path, args=[*CHROMIUM_ARGS, rules])
        page = await b.new_page()
        response = await page.goto(f"http://attacker.example:{server.port}/w/cases")
        assert response is not None and response.status == 421
        assert "does not answer for the host name 'attacker.example'" in await page.inner_text("body")
        ours = await page.goto(f"http://localhost:{server.port}/w/cases")
        assert ours is not None and ours.status == 200
        await b.close()


async def test_the_persona_switch_never_leads_off_the_site(browser: Any, server: Server) -> None:
    admin = await new_person(browser, server, "dept:admin", "/w/admin")
    for back, persona in (("/\\evil.example/x", "manager"), ("/\t/evil.example/x", "outsider"),
                          ("//evil.example/x", "dept:tech")):
        await admin.go("/w/admin")
        hidden = admin.page.locator('form.persona [name="back"]')
        await hidden.evaluate("(input, v) => { input.value = v; }", back)
        async with admin.page.expect_navigation():
            await admin.page.select_option("#persona", persona)
        assert admin.page.url == f"{server.url}/w/cases", repr(back)
        assert await admin.page.locator("#persona").input_value() == persona


async def test_pages_run_under_their_content_security_policy(browser: Any, server: Server) -> None:
    context = await browser.new_context()  # no bypass: inline handlers would be blocked and reported
    page = await context.new_page()
    refused: list[str] = []
    page.on("console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None)
    await page.goto(server.url + "/w/cases")
    async with page.expect_navigation():
        await page.select_option("#persona", "manager")
    await page.fill("#composer-text", "/offboard Policy Co")
    await page.press("#composer-text", "Enter")
    await page.locator("#open-dialog").wait_for(state="visible")
    for path in ("/w/admin", "/dashboard"):
        await page.goto(server.url + path)
    assert refused == []
    await context.close()
