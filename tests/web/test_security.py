"""The served workspace: host names, cross-site requests, who you are, tokens, redirects, live streams."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from adapters.web.guard import host_name, safe_path
from adapters.web.session import sha256_hex
from tests.web.support import Browser, workspace, write_config

KARLA_TOKEN = "karla-own-token-0123456789"
PEOPLE = f"""
[web.people.karla]
name = "Karla Palmer"
token_sha256 = "{sha256_hex(KARLA_TOKEN)}"
departments = ["admin"]
manager = true
"""


# ---------------------------------------------------------------- host names
@pytest.mark.parametrize(("header", "name"), [
    ("127.0.0.1:8080", "127.0.0.1"), ("LOCALHOST", "localhost"), ("[::1]:8080", "::1"),
    ("example.com.", "example.com"), ("a.example:80:80", None), ("[::1", None), ("", None),
])
def test_host_names(header: str, name: str | None) -> None:
    assert host_name(header) == name


async def test_only_configured_host_names_are_served(tmp_path: Path) -> None:
    async with workspace(write_config(tmp_path, '[slack]\npublic_url = "https://bot.example.org"\n')) as b:
        for path in ("/w/cases", "/healthz", "/slack/events", "/dashboard"):
            refused = await b.client.get(path, headers={"Host": "attacker.example"})
            assert refused.status == 421, path
            assert "does not answer for the host name 'attacker.example'" in await refused.text()
        for host in ("localhost:1234", "[::1]:8080", "127.0.0.1"):
            assert (await b.client.get("/w/cases", headers={"Host": host})).status == 200, host
        # Slack's public host reaches the server (and its Slack endpoint), never the local workspace.
        assert (await b.client.get("/healthz", headers={"Host": "bot.example.org"})).status == 200
        local_only = await b.client.get("/w/cases", headers={"Host": "bot.example.org"})
        assert local_only.status == 403 and "local workspace" in await local_only.text()


# ---------------------------------------------------------------- cross-site requests
async def test_a_state_change_needs_the_pages_csrf_token_and_the_same_origin(tmp_path: Path) -> None:
    async with workspace(write_config(tmp_path)) as b:
        assert (await b.page("/w/cases")).status == 200 and b.csrf
        attempts = [
            ({"same_origin": False}, "no token, no Sec-Fetch-Site (an old browser's cross-site form)"),
            ({"headers": {"Sec-Fetch-Site": "cross-site"}}, "cross-site, even with the token"),
            ({"headers": {"Sec-Fetch-Site": "same-site"}}, "another port of the same host"),
            ({"headers": {"Origin": "http://localhost:18300"}}, "a foreign Origin"),
            ({"headers": {"Origin": "null"}}, "an opaque Origin"),
            ({"headers": {"X-CSRF-Token": "forged"}}, "a wrong token"),
        ]
        for kw, why in attempts:
            for path, data in (("/w/open", {"client": "Evil Co"}), ("/w/as", {"persona": "manager"}),
                               ("/w/command", {"text": "/offboard list"})):
                response = await b.post(path, data, **kw)  # type: ignore[arg-type]
                assert response.status == 403, (why, path)
                assert "did not come from this workspace's own page" in await response.text()
        assert await b.svc.store.list_cases() == []
        assert "offboard_as" not in {c.key for c in b.client.session.cookie_jar}
        assert (await b.open_case()).status == 200, "the page itself may"


# ---------------------------------------------------------------- served: who you are
async def test_served_the_shared_token_shows_a_read_only_dashboard(tmp_path: Path) -> None:
    config = write_config(tmp_path, PEOPLE, OFFBOARD_HOST="0.0.0.0", OFFBOARD_WEB_TOKEN="shared-token")
    async with workspace(config) as b:
        first = await b.client.get("/?token=shared-token", allow_redirects=False)
        assert first.status == 303 and first.headers["Location"] == "/"
        assert (await b.client.get("/", allow_redirects=False)).headers["Location"] == "/dashboard"
        page = await b.page("/w/admin")
        html = await page.text()
        assert page.status == 200 and 'id="persona"' not in html and 'id="composer"' not in html
        assert "Dashboard (read-only)" in html
        refused = await b.open_case()
        assert refused.status == 403 and "read-only" in (await refused.json())["error"]
        as_manager = await b.post("/w/as", {"persona": "manager", "back": "/w/cases"})
        assert as_manager.status == 403 and "only in the local workspace" in await as_manager.text()
        assert await b.svc.store.list_cases() == []


async def test_served_a_person_signs_in_as_themselves_and_the_audit_trail_names_them(tmp_path: Path) -> None:
    config = write_config(tmp_path, PEOPLE, OFFBOARD_PUBLIC_URL="http://offboard.internal:8080")
    async with workspace(config) as b:
        signed_in = await b.client.get(f"/w/cases?token={KARLA_TOKEN}", allow_redirects=False)
        cookie = signed_in.headers["Set-Cookie"]
        assert KARLA_TOKEN not in cookie and "HttpOnly" in cookie and "Secure" not in cookie
        html = await (await b.page("/w/cases")).text()
        assert "Signed in: <strong>Karla Palmer</strong>" in html and 'id="persona"' not in html
        opened = await b.open_case()
        assert opened.status == 200, await opened.text()
        case_id = (await opened.json())["case_id"]
        first = (await b.svc.store.get_events(case_id))[0]
        assert first.kind == "case_opened" and first.actor["name"] == "Karla Palmer"
        as_manager = await b.post("/w/as", {"persona": "manager"})
        assert as_manager.status == 403, "no act-as when served, even for a manager"


async def test_served_without_a_token_nothing_is_shown(tmp_path: Path) -> None:
    config = write_config(tmp_path, PEOPLE, OFFBOARD_HOST="0.0.0.0")
    async with workspace(config) as b:
        for path in ("/w/cases", "/dashboard", "/w/events", f"/w/cases?token={KARLA_TOKEN}x"):
            assert (await b.client.get(path, allow_redirects=False)).status == 401, path
        assert (await b.client.get("/healthz")).status == 200
        bearer = await b.client.get("/dashboard", headers={"Authorization": f"Bearer {KARLA_TOKEN}"})
        assert bearer.status == 200


async def test_changing_a_token_signs_its_sessions_out(tmp_path: Path) -> None:
    config = write_config(tmp_path, PEOPLE, OFFBOARD_HOST="0.0.0.0")
    async with workspace(config) as b:
        await b.client.get(f"/w/cases?token={KARLA_TOKEN}")
        cookies = {c.key: c.value for c in b.client.session.cookie_jar}
    other = write_config(tmp_path, PEOPLE.replace(sha256_hex(KARLA_TOKEN), sha256_hex("a new one")),
                         OFFBOARD_HOST="0.0.0.0")
    async with workspace(other) as b:
        assert (await b.client.get("/w/cases", cookies=cookies)).status == 401


# ---------------------------------------------------------------- the token leaves the URL
async def test_a_token_in_the_url_is_answered_by_a_redirect_without_it(tmp_path: Path) -> None:
    async with workspace(write_config(tmp_path, OFFBOARD_WEB_TOKEN="local-token")) as b:
        response = await b.client.get("/w/admin?x=1&token=local-token&y=2", allow_redirects=False)
        assert response.status == 303 and response.headers["Location"] == "/w/admin?x=1&y=2"
        assert "local-token" not in response.headers["Set-Cookie"]
        assert (await b.client.get("/w/admin")).status == 200, "the cookie signs the visitor in"
        assert await _raw_location(b, "//evil.example/x?token=local-token") == "/", "never //host"


async def _raw_location(b: Browser, target: str) -> str:
    """The Location answered to a raw request line (a client library would read //host as a URL)."""
    server = b.client.server
    reader, writer = await asyncio.open_connection(server.host, server.port)
    writer.write(f"GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode())
    head = (await reader.read()).decode("latin-1").split("\r\n\r\n")[0]
    writer.close()
    return next(line.split(": ", 1)[1] for line in head.split("\r\n") if line.lower().startswith("location:"))


async def test_cookies_are_secure_over_https(tmp_path: Path) -> None:
    config = write_config(tmp_path, PEOPLE, OFFBOARD_PUBLIC_URL="https://offboard.example.com")
    async with workspace(config) as b:
        signed_in = await b.client.get(f"/w/cases?token={KARLA_TOKEN}", allow_redirects=False)
        assert "Secure" in signed_in.headers["Set-Cookie"]
    proxied = write_config(tmp_path, PEOPLE, OFFBOARD_HOST="0.0.0.0", OFFBOARD_TRUSTED_PROXIES="127.0.0.1")
    async with workspace(proxied) as b:
        https = {"X-Forwarded-Proto": "https"}
        behind = await b.client.get(f"/w/cases?token={KARLA_TOKEN}", headers=https, allow_redirects=False)
        assert "Secure" in behind.headers["Set-Cookie"]
    untrusted = write_config(tmp_path, PEOPLE, OFFBOARD_HOST="0.0.0.0")
    async with workspace(untrusted) as b:
        claimed = await b.client.get(f"/w/cases?token={KARLA_TOKEN}", headers=https, allow_redirects=False)
        assert "Secure" not in claimed.headers["Set-Cookie"], "only a trusted proxy is believed"


# ---------------------------------------------------------------- redirects stay on the site
@pytest.mark.parametrize("back", [
    "/\\evil.example/x", "//evil.example/x", "/\t/evil.example/x", "/\n/evil.example", "https://evil.example/",
    "javascript:alert(1)", "evil.example", "/w/cases\\..\\x", "/ /x", "/\u00e9", "",
])
def test_only_same_site_paths_are_followed(back: str) -> None:
    assert safe_path(back, "/default") == "/default"


@pytest.mark.parametrize("path", ["/w/admin?fragment=1", "/w/cases/c0123456789", "/%0a%2F%2Fx"])
def test_same_site_paths_are_kept(path: str) -> None:
    assert safe_path(path, "/default") == path


async def test_the_persona_switch_never_leaves_the_site(tmp_path: Path) -> None:
    async with workspace(write_config(tmp_path)) as b:
        await b.page("/w/cases")
        for back in ("/\\evil.example/x", "/\t/evil.example/x", "//evil.example"):
            response = await b.client.post("/w/as", data={"persona": "manager", "back": back, "csrf": b.csrf},
                                           headers={"Sec-Fetch-Site": "same-origin"}, allow_redirects=False)
            assert response.status == 303 and response.headers["Location"] == "/w/cases", back


# ---------------------------------------------------------------- live streams
async def _listen(b: Browser, forwarded: str | None = None) -> tuple[int, str]:
    response = await b.client.get("/w/events", headers={"X-Forwarded-For": forwarded} if forwarded else {})
    if response.status != 200:
        return response.status, await response.text()
    return 200, (await response.content.readline()).decode()


async def test_live_streams_are_capped_per_client_and_in_total(tmp_path: Path) -> None:
    toml = "[web]\nlive_per_client = 2\nlive_connections = 3\n"
    async with workspace(write_config(tmp_path, toml, OFFBOARD_TRUSTED_PROXIES="127.0.0.1")) as b:
        assert [(await _listen(b, "10.0.0.1"))[0] for _ in range(2)] == [200, 200]
        status, text = await _listen(b, "10.0.0.1")
        assert status == 429 and "Too many live connections from your address (2)" in text
        assert (await _listen(b, "10.0.0.2"))[0] == 200
        status, text = await _listen(b, "10.0.0.3")
        assert status == 503 and "Too many live connections to this server (3)" in text
        assert b.client.server.app  # the page itself still answers
        assert (await b.client.get("/w/cases")).status == 200


async def test_an_idle_stream_is_closed_and_tells_the_browser_when_to_come_back(tmp_path: Path) -> None:
    async with workspace(write_config(tmp_path, "[web]\nlive_idle_seconds = 0\n")) as b:
        response = await b.client.get("/w/events")
        body = await asyncio.wait_for(response.text(), 10)  # the server ends the stream itself
        assert body.startswith("retry: 3000\n")
        from adapters.web.workspace import WORKSPACE

        assert b.client.server.app[WORKSPACE].broadcaster.open_streams == 0
