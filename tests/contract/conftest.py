"""Fixtures of the Store contract: every test runs once per registered backend (tests/stores.py).

``reopen`` builds another instance on the test's database, standing in for a
restart or a second process; ``store`` is a fresh, open one.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import pytest

from storage.base import Store
from storage.registry import store_for


@pytest.fixture
async def reopen(database: str) -> AsyncIterator[Callable[[], Store]]:
    """Makes (unopened) stores on the test's database; closes any left open."""
    made: list[Store] = []

    def make() -> Store:
        made.append(store_for(database))
        return made[-1]

    yield make
    for store in made:
        await store.close()


@pytest.fixture
async def store(reopen: Callable[[], Store]) -> Store:
    """A fresh, open store."""
    fresh = reopen()
    await fresh.open()
    return fresh
