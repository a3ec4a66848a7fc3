"""What one backend alone promises: SQLite's file, pragmas and migrations; PostgreSQL's locks and feed."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from contextlib import closing
from pathlib import Path

import psycopg
import pytest

from storage.base import EventRecord
from storage.postgres import PostgresStore
from storage.sqlite import SQLiteStore
from storage.sqlite_migrate import load_migrations
from tests.contract.records import ACTOR, T0, add_case, add_notices, case, notice

# ---- SQLite


@pytest.fixture
async def lite(tmp_path: Path) -> AsyncIterator[SQLiteStore]:
    async with SQLiteStore(tmp_path / "offboard.db") as store:
        yield store


async def test_sqlite_creates_missing_directories(tmp_path: Path) -> None:
    path = tmp_path / "a" / "b" / "offboard.db"
    async with SQLiteStore(path) as store:
        await add_case(store)
    assert path.exists()


async def test_sqlite_schema_version_and_pragmas(lite: SQLiteStore) -> None:
    with closing(sqlite3.connect(lite.path)) as raw:
        versions = raw.execute("SELECT version, name, applied_at FROM schema_version").fetchall()
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    expected = [(m.version, m.name) for m in load_migrations()]
    assert [(v, n) for v, n, _ in versions] == expected
    assert [v for v, _ in expected][:2] == [1, 2] and 4 in [v for v, _ in expected]
    await lite.close()
    await lite.open()
    with closing(sqlite3.connect(lite.path)) as raw:
        assert raw.execute("SELECT version, name, applied_at FROM schema_version").fetchall() == versions


async def test_sqlite_an_older_database_is_brought_up_to_date(tmp_path: Path) -> None:
    """A database of the single-process outbox: lazily made rows, 'sending' in doubt, the web sender."""
    path = tmp_path / "old.db"
    with closing(sqlite3.connect(path)) as raw:
        for migration in load_migrations():
            if migration.version < 3:  # the database as the single-process outbox left it
                raw.executescript(migration.sql)
        raw.executescript("""
            CREATE TABLE schema_version (version INTEGER PRIMARY KEY, name TEXT, applied_at TEXT);
            INSERT INTO schema_version VALUES (1, 'initial', 'x'), (2, 'outbox_by_target', 'x');
            INSERT INTO senders VALUES ('slack', 'x', 1), ('web', 'x', 1);
            INSERT INTO outbox (id, case_id, kind, target, payload, ref_key, coalesce_key, created_at) VALUES
              (1, 'c1', 'summary', 'case:c1', '{"n": 1}', 'summary', 'summary:c1',
               '2024-05-01T09:00:00.000000+00:00'),
              (2, 'c1', 'thread', 'case:c1', '{"n": 2}', NULL, NULL, '2024-05-01T09:00:01.000000+00:00'),
              (3, 'c1', 'thread', 'case:c1', '{"n": 3}', NULL, NULL, '2024-05-01T09:00:02.000000+00:00');
            INSERT INTO deliveries (notice_id, sender, status, attempts, next_attempt_at) VALUES
              (1, 'slack', 'sending', 1, '2024-05-01T09:00:00.000000+00:00'),
              (1, 'web', 'sent', 1, '2024-05-01T09:00:00.000000+00:00'),
              (2, 'slack', 'sending', 1, '2024-05-01T09:00:01.000000+00:00');
        """)
    async with SQLiteStore(path) as store:
        assert [(d.notice.id, d.sender, d.status, d.in_doubt) for d in await store.deliveries()] == [
            (1, "slack", "pending", True), (2, "slack", "pending", True), (3, "slack", "pending", False)]
        (head,) = await store.claim("slack", "p1", T0, T0)
        assert head.notice.id == 1, "the queue keeps its order"
    with closing(sqlite3.connect(path)) as raw:
        assert [n for (n,) in raw.execute("SELECT name FROM senders")] == ["slack"]
        assert raw.execute("SELECT sender, case_id, ref_key FROM message_doubts").fetchall() == [
            ("slack", "c1", "summary")]


async def test_sqlite_events_are_append_only(lite: SQLiteStore) -> None:
    await add_case(lite)
    async with lite.write("c1") as tx:
        await tx.append_event(EventRecord(case_id="c1", kind="case_opened", actor=ACTOR, at=T0))
    with closing(sqlite3.connect(lite.path)) as raw:
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            raw.execute("UPDATE events SET kind = 'forged'")
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            raw.execute("DELETE FROM events")
    assert [e.kind for e in await lite.get_events("c1")] == ["case_opened"]


def test_sqlite_rejects_memory_databases() -> None:
    with pytest.raises(ValueError):
        SQLiteStore(":memory:")


# ---- PostgreSQL


@pytest.fixture
async def pg(postgres_url: str) -> AsyncIterator[PostgresStore]:
    async with PostgresStore(postgres_url) as store:
        yield store


async def test_postgres_events_are_append_only_and_schema_versioned(pg: PostgresStore) -> None:
    await add_case(pg)
    async with pg.write("c1") as tx:
        await tx.append_event(EventRecord(case_id="c1", kind="case_opened", actor=ACTOR, at=T0))
    async with await psycopg.AsyncConnection.connect(pg.url, autocommit=True) as raw:
        for statement in ("UPDATE events SET kind = 'forged'", "DELETE FROM events"):
            with pytest.raises(psycopg.errors.RaiseException, match="append-only"):
                await raw.execute(statement)
        cursor = await raw.execute("SELECT version, name FROM schema_version ORDER BY version")
        assert await cursor.fetchall() == [(m.version, m.name) for m in load_migrations("migrations_pg")]
    assert [e.kind for e in await pg.get_events("c1")] == ["case_opened"]


async def test_postgres_writes_to_different_cases_do_not_wait_for_each_other(pg: PostgresStore) -> None:
    await add_case(pg, case("c1", "acme"))
    await add_case(pg, case("c2", "globex"))
    holding, done = asyncio.Event(), asyncio.Event()

    async def hold_c1() -> None:
        async with pg.write("c1") as tx:
            await tx.get_case("c1")
            holding.set()
            await done.wait()

    holder = asyncio.create_task(hold_c1())
    await holding.wait()
    async with pg.write("c2") as tx:  # would hang here if the lock were global
        await tx.get_case("c2")
    blocked = asyncio.create_task(_touch(pg, "c1"))
    await asyncio.sleep(0.2)
    assert not blocked.done(), "a second write to c1 waits for the first"
    done.set()
    await asyncio.wait_for(asyncio.gather(holder, blocked), 5)


async def _touch(store: PostgresStore, case_id: str) -> None:
    async with store.write(case_id) as tx:
        await tx.get_case(case_id)


async def test_postgres_the_change_feed_carries_other_processes_notices(pg: PostgresStore) -> None:
    other = PostgresStore(pg.url)
    await other.open()
    try:
        heard: list[str] = []
        stop = await pg.listen(lambda change: heard.append(change.target))
        await add_notices(other, notice("dept:tech", n=1))
        for _ in range(100):
            if heard:
                break
            await asyncio.sleep(0.02)
        stop()
        assert heard == ["dept:tech"]
    finally:
        await other.close()
