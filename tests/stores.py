"""Every registered store backend, made fresh for one test: what the contract suite runs on.

``DATABASE_FOR`` says how a test gets an empty database of each backend; the
fixtures parametrize over storage.registry.STORES itself, so a backend that is
registered without a way to test it fails here instead of going untested.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from storage.base import Store
from storage.registry import STORES, store_for


def _sqlite(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    return str(tmp_path / "data" / "offboard.db")


def _postgresql(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    url: str = request.getfixturevalue("postgres_url")
    return url


DATABASE_FOR: dict[str, Callable[[pytest.FixtureRequest, Path], str]] = {
    "sqlite": _sqlite,
    "postgresql": _postgresql,
}
BACKENDS = sorted(STORES)


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    """Each registered store backend in turn."""
    name: str = request.param
    return name


@pytest.fixture
def database(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database of the backend: a path or a URL, as OFFBOARD_DATABASE takes it."""
    if backend not in DATABASE_FOR:
        pytest.fail(f"store {backend!r} is registered but tests/stores.py cannot make one to test")
    return DATABASE_FOR[backend](request, tmp_path)


@pytest.fixture
async def reopen(database: str) -> AsyncIterator[Callable[[], Store]]:
    """Makes (unopened) stores on the test's database, standing in for a restart or a second process;
    closes any left open."""
    made: list[Store] = []

    def make() -> Store:
        made.append(store_for(database))
        return made[-1]

    yield make
    for store in made:
        await store.close()


@pytest.fixture(name="store")
async def fresh_store(reopen: Callable[[], Store]) -> Store:
    """A fresh, open store of the backend (the ``store`` of the suites that import it)."""
    fresh = reopen()
    await fresh.open()
    return fresh
