"""The workspace stays on the loopback unless an access token guards it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.app import build_app, services
from bot.config import Config, ConfigError


def test_another_address_without_a_token_refuses_to_start(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="OFFBOARD_WEB_TOKEN"):
        Config.load({"OFFBOARD_HOST": "0.0.0.0", "OFFBOARD_DATABASE": str(tmp_path / "x.db")})
    config = Config.load({"OFFBOARD_HOST": "0.0.0.0", "OFFBOARD_WEB_TOKEN": "s3cret",
                          "OFFBOARD_DATABASE": str(tmp_path / "x.db")})
    assert config.web_token == "s3cret" and "s3cret" not in repr(config)


@pytest.fixture
async def guarded(tmp_path: Path) -> AsyncIterator[TestClient]:
    config = replace(Config.load({"OFFBOARD_DATABASE": str(tmp_path / "x.db")}),
                     host="0.0.0.0", web_token=Config.load({"OFFBOARD_WEB_TOKEN": "s3cret"}).web_token)
    async with services(config) as svc:
        client = TestClient(TestServer(build_app(svc), host="127.0.0.1"))
        await client.start_server()
        yield client
        await client.close()


async def test_every_page_asks_for_the_token(guarded: TestClient) -> None:
    for path in ("/w/cases", "/w/admin", "/dashboard", "/w/events"):
        response = await guarded.get(path, allow_redirects=False)
        assert response.status == 401, path
    assert (await guarded.post("/w/open", data={"client": "AcmeCo"})).status == 401
    assert (await guarded.get("/w/cases?token=wrong")).status == 401
    assert (await guarded.get("/healthz")).status == 200


async def test_the_token_once_then_a_cookie(guarded: TestClient) -> None:
    first = await guarded.get("/w/cases?token=s3cret")
    assert first.status == 200
    assert (await guarded.get("/dashboard")).status == 200, "the cookie carries the token"
    bearer = await guarded.get("/w/admin", headers={"Authorization": "Bearer s3cret"}, cookies={})
    assert bearer.status == 200


@pytest.fixture
async def local(tmp_path: Path) -> AsyncIterator[TestClient]:
    async with services(Config.load({"OFFBOARD_DATABASE": str(tmp_path / "x.db")})) as svc:
        client = TestClient(TestServer(build_app(svc), host="127.0.0.1"))
        await client.start_server()
        yield client
        await client.close()


async def test_unknown_cases_channels_and_documents_are_404(local: TestClient) -> None:
    for path in ("/w/cases/nope", "/dashboard/nope", "/documents/nope/checklist.md", "/w/sales"):
        assert (await local.get(path)).status == 404, path
    assert (await local.get("/healthz")).status == 200
