"""The fake Slack the multi-process tests' servers talk to (on 127.0.0.1)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.slack.fake_slack import FakeSlack
from tests.slack.harness import GROUPS, MEMBERS


@pytest.fixture
async def fake() -> AsyncIterator[FakeSlack]:
    slack = FakeSlack(members={k: list(v) for k, v in MEMBERS.items()},
                      usergroups={k: list(v) for k, v in GROUPS.items()})
    await slack.start()
    yield slack
    await slack.stop()
