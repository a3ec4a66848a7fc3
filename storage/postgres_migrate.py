"""Schema migrations for the PostgreSQL store: the numbered files in storage/migrations_pg.

Pending migrations are applied in order in one transaction that first takes
an advisory lock, so processes starting together on a new database apply each
migration once; each file runs as one script (its functions keep their ';').
"""

from __future__ import annotations

from typing import Any

import psycopg

from storage.sqlite_migrate import Migration, load_migrations

MIGRATIONS = "migrations_pg"
_LOCK = 0x0FFB0A2D  # the advisory lock key of schema changes

_SCHEMA_VERSION = """
CREATE TABLE IF NOT EXISTS schema_version (
    version     integer PRIMARY KEY,
    name        text NOT NULL,
    applied_at  timestamptz NOT NULL DEFAULT now()
)
"""


async def current_version(conn: psycopg.AsyncConnection[Any]) -> int:
    """The highest applied migration version (0 for an empty database)."""
    cursor = await conn.execute("SELECT to_regclass('schema_version') IS NOT NULL AS present")
    row = await cursor.fetchone()
    if not row or not _first(row):
        return 0
    cursor = await conn.execute("SELECT coalesce(max(version), 0) AS version FROM schema_version")
    row = await cursor.fetchone()
    return int(_first(row)) if row else 0


def _first(row: Any) -> Any:
    return next(iter(row.values())) if isinstance(row, dict) else row[0]


async def migrate(conn: psycopg.AsyncConnection[Any], migrations: list[Migration] | None = None) -> int:
    """Apply pending migrations in one transaction; returns how many were applied."""
    if migrations is None:
        migrations = load_migrations(MIGRATIONS)
    async with conn.transaction():
        await conn.execute("SELECT pg_advisory_xact_lock(%s)", (_LOCK,))
        await conn.execute(_SCHEMA_VERSION)
        version = await current_version(conn)
        pending = [m for m in migrations if m.version > version]
        for migration in pending:
            await conn.execute(migration.sql.encode())  # a script: no parameters, several statements
            await conn.execute("INSERT INTO schema_version (version, name) VALUES (%s, %s)",
                               (migration.version, migration.name))
    return len(pending)
