"""Fixtures: the fake Bot Connector on 127.0.0.1, and the bot's server pointed at it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.teams.fake_teams import FakeTeams
from tests.teams.harness import TeamsBot, fake_teams, running_bot


@pytest.fixture
async def fake() -> AsyncIterator[FakeTeams]:
    teams = fake_teams()
    await teams.start()
    yield teams
    await teams.stop()


@pytest.fixture
async def bot(tmp_path: Path, fake: FakeTeams) -> AsyncIterator[TeamsBot]:
    async with running_bot(tmp_path, fake) as running:
        yield running
