"""Schema migrations for the SQLite store.

Migrations are the numbered files ``storage/migrations/NNN_name.sql``. Pending
ones are applied in order inside one ``BEGIN IMMEDIATE`` transaction that also
reads ``schema_version`` first, so two processes opening the same new database
cannot both apply a migration. An up-to-date database gets nothing applied.
"""

from __future__ import annotations

import contextlib
import re
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources

import aiosqlite

_NAME = re.compile(r"^(\d+)_([A-Za-z0-9_]+)\.sql$")

_SCHEMA_VERSION = """
CREATE TABLE IF NOT EXISTS schema_version (
    version     INTEGER PRIMARY KEY,
    name        TEXT NOT NULL,
    applied_at  TEXT NOT NULL
)
"""


@dataclass(frozen=True)
class Migration:
    """One numbered .sql file."""

    version: int
    name: str
    sql: str


def load_migrations(folder: str = "migrations") -> list[Migration]:
    """Every migration shipped in a folder of the storage package (SQLite's by default), in version order."""
    found: dict[int, Migration] = {}
    for entry in resources.files("storage").joinpath(folder).iterdir():
        match = _NAME.match(entry.name)
        if match is None:
            continue
        version = int(match.group(1))
        if version in found:
            raise RuntimeError(f"two migrations with version {version}: {entry.name}")
        found[version] = Migration(version, match.group(2), entry.read_text(encoding="utf-8"))
    return [found[v] for v in sorted(found)]


def split_statements(sql: str) -> list[str]:
    """Split a script into single statements (trigger bodies and quoted ';' are kept whole)."""
    statements: list[str] = []
    buffer = ""
    for part in sql.split(";")[:-1]:
        buffer += part + ";"
        if sqlite3.complete_statement(buffer):
            if _strip_comments(buffer).strip(" \t\r\n;"):
                statements.append(buffer.strip())
            buffer = ""
    tail = buffer + sql.split(";")[-1]
    if _strip_comments(tail).strip():
        raise ValueError(f"incomplete SQL statement at the end of a migration: {tail.strip()!r}")
    return statements


def _strip_comments(sql: str) -> str:
    return "\n".join(line.split("--", 1)[0] for line in sql.splitlines())


async def current_version(conn: aiosqlite.Connection) -> int:
    """The highest applied migration version (0 for an empty database)."""
    rows = list(
        await conn.execute_fetchall(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'"
        )
    )
    if not rows:
        return 0
    rows = list(await conn.execute_fetchall("SELECT max(version) FROM schema_version"))
    value = rows[0][0] if rows else None
    return int(value) if value is not None else 0


async def migrate(conn: aiosqlite.Connection, migrations: list[Migration] | None = None) -> int:
    """Apply pending migrations in one transaction; returns how many were applied."""
    if migrations is None:
        migrations = load_migrations()
    await conn.execute("BEGIN IMMEDIATE")
    try:
        await conn.execute(_SCHEMA_VERSION)
        version = await current_version(conn)
        pending = [m for m in migrations if m.version > version]
        for migration in pending:
            for statement in split_statements(migration.sql):
                await conn.execute(statement)
            await conn.execute(
                "INSERT INTO schema_version (version, name, applied_at) VALUES (?, ?, ?)",
                (
                    migration.version,
                    migration.name,
                    datetime.now(UTC).isoformat(timespec="microseconds"),
                ),
            )
        await conn.execute("COMMIT")
    except BaseException:
        with contextlib.suppress(sqlite3.Error):
            await conn.execute("ROLLBACK")
        raise
    return len(pending)
