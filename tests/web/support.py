"""A workspace on aiohttp's test server, reached the way a browser would (cookies, CSRF token, headers)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from aiohttp import ClientResponse
from aiohttp.test_utils import TestClient, TestServer

from bot.app import Services, build_app, services
from bot.config import Config
from tests.conftest import HEADER

_CSRF = re.compile(r'<meta name="csrf-token" content="([^"]*)">')


class Browser:
    """One visitor: a cookie jar, the CSRF token its pages carry, and the server's services."""

    def __init__(self, client: TestClient[Any, Any], svc: Services) -> None:
        self.client, self.svc = client, svc
        self.csrf = ""

    async def page(self, path: str, **kw: Any) -> ClientResponse:
        """GET a page and keep the CSRF token it carries."""
        response = await self.client.get(path, **kw)
        found = _CSRF.search(await response.text())
        if found:
            self.csrf = found[1]
        return response

    async def post(self, path: str, data: Mapping[str, str], *, same_origin: bool = True,
                   headers: Mapping[str, str] | None = None) -> ClientResponse:
        """POST a form as the workspace's own page does (same-origin, with the CSRF token)."""
        sent = {"Sec-Fetch-Site": "same-origin", "X-CSRF-Token": self.csrf} if same_origin else {}
        return await self.client.post(path, data=dict(data), headers={**sent, **(headers or {})})

    async def open_case(self, client: str = "AcmeCo") -> ClientResponse:
        """The case-header dialog, filled in."""
        return await self.post("/w/open", {"client": client, **HEADER, "stop_date": "2099-12-31"})


def write_config(tmp: Path, toml: str = "", **env: str) -> Config:
    """A Config from a TOML file and OFFBOARD_* settings, with a database in `tmp`."""
    path = tmp / "offboard.toml"
    path.write_text(toml, encoding="utf-8")
    return Config.load({"OFFBOARD_CONFIG": str(path), "OFFBOARD_DATABASE": str(tmp / "x.db"), **env})


@asynccontextmanager
async def workspace(config: Config) -> AsyncIterator[Browser]:
    """The server's app on a test server; the Browser visits it."""
    async with services(config) as svc:
        client: TestClient[Any, Any] = TestClient(TestServer(build_app(svc), host="127.0.0.1"))
        await client.start_server()
        try:
            yield Browser(client, svc)
        finally:
            svc.stop.set()  # live streams end before the server waits for them
            await client.close()
