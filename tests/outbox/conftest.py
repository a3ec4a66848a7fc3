"""The outbox's tests run on every registered store backend (tests/stores.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import pytest

from storage.base import Store
from storage.registry import store_for
from tests.slack.conftest import fake  # noqa: F401 - the fake Slack, for the Slack repros


@pytest.fixture
async def reopen(database: str) -> AsyncIterator[Callable[[], Store]]:
    """Makes (unopened) stores on the test's database: a restart, or a second process."""
    made: list[Store] = []

    def make() -> Store:
        made.append(store_for(database))
        return made[-1]

    yield make
    for store in made:
        await store.close()


@pytest.fixture
async def store(reopen: Callable[[], Store]) -> Store:
    fresh = reopen()
    await fresh.open()
    return fresh
