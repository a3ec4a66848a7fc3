"""Fixtures: the fake Slack on 127.0.0.1, and the bot's server pointed at it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.slack.fake_slack import FakeSlack
from tests.slack.harness import GROUPS, MEMBERS, USERS, SlackBot, running_bot


@pytest.fixture
async def fake() -> AsyncIterator[FakeSlack]:
    slack = FakeSlack(members={k: list(v) for k, v in MEMBERS.items()},
                      usergroups={k: list(v) for k, v in GROUPS.items()}, users=dict(USERS))
    await slack.start()
    yield slack
    await slack.stop()


@pytest.fixture
async def bot(tmp_path: Path, fake: FakeSlack) -> AsyncIterator[SlackBot]:
    async with running_bot(tmp_path, fake) as running:
        yield running

