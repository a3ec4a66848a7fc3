"""Shared fixtures: a real SQLite file per test, a steerable clock, the SOP's people."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from dialogs.actor import Actor
from dialogs.checklist import DEFAULT_CHECKLIST, Checklist
from dialogs.checklist_loader import load_checklist
from dialogs.engine import Engine
from storage.sqlite import SQLiteStore
from tests.postgres import postgres_cluster, postgres_url  # noqa: F401 - fixtures
from tests.stores import backend, database  # noqa: F401 - fixtures

START = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)


class Clock:
    """A clock that moves one second per reading, and further on request."""

    def __init__(self, start: datetime = START) -> None:
        self.now = start

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now

    def advance(self, **kw: float) -> None:
        self.now += timedelta(**kw)


class StillClock:
    """A clock that stands still until moved (for output that must not depend on timing)."""

    def __init__(self, start: datetime = START) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kw: float) -> None:
        self.now += timedelta(**kw)


ALICE = Actor("test", "U_ALICE", "Alice Admin", frozenset({"admin"}))
TOM = Actor("test", "U_TOM", "Tom Tech", frozenset({"tech"}))
MARY = Actor("test", "U_MARY", "Mary Manager", frozenset(), manager=True)
OSCAR = Actor("test", "U_OSCAR", "Oscar Outsider", frozenset({"sales"}))

HEADER = {
    "stop_date": "2026-12-31",
    "contact_name": "Pat Client",
    "contact_phone": "+1 202 555 0130",
    "contact_email": "pat@acme.example",
}


@pytest.fixture(scope="session")
def offboarding() -> Checklist:
    return load_checklist(DEFAULT_CHECKLIST)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "offboard.db"


@pytest.fixture
async def store(db_path: Path) -> AsyncIterator[SQLiteStore]:
    s = SQLiteStore(db_path)
    await s.open()
    yield s
    await s.close()


@pytest.fixture
async def engine(store: SQLiteStore, offboarding: Checklist, clock: Clock) -> Engine:
    return Engine(store, offboarding, clock=clock)
