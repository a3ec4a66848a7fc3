"""The managers' dashboard shows the dead letters, with what failed and how to send one again."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from aiohttp.test_utils import TestClient, TestServer

from bot.app import build_app, services
from bot.config import Config
from storage.base import Notice, NoticeKind


async def test_the_dashboard_lists_dead_letters(tmp_path: Path) -> None:
    config = Config.load({"OFFBOARD_DATABASE": str(tmp_path / "offboard.db")})
    async with services(config) as svc:
        store = svc.store
        await store.register_sender("slack", datetime.now(UTC))
        async with store.write("c1") as tx:
            await tx.add_notice(Notice("c1", NoticeKind.CARD, "dept:tech", {"card": {}}, datetime.now(UTC)))
        (claimed,) = await store.claim("slack", "p1", datetime.now(UTC), datetime.now(UTC))
        await store.mark_failed(claimed, "unexpected KeyError('step_id')")
        async with TestClient(TestServer(build_app(svc), host="127.0.0.1")) as client:
            page = await (await client.get("/dashboard")).text()
    assert "Dead letters" in page and "python -m bot outbox retry ID" in page
    assert f"#{claimed.id} slack: card to dept:tech" in page
    assert "unexpected KeyError(&#39;step_id&#39;)" in page
