"""Which store serves a database location: a registry of backends by URL scheme.

``OFFBOARD_DATABASE`` is a path (an SQLite file, the embedded default) or a URL
whose scheme names a backend: ``postgresql://user@host/db``. bot.app opens the
store through ``store_for``; the contract suite runs every test against every
backend registered here.
"""

from __future__ import annotations

from collections.abc import Callable

from storage.base import Store


def _sqlite(location: str) -> Store:
    from storage.sqlite import SQLiteStore

    return SQLiteStore(location.removeprefix("sqlite://"))


def _postgresql(location: str) -> Store:
    from storage.postgres import PostgresStore  # psycopg is loaded only when PostgreSQL is used

    return PostgresStore(location)


STORES: dict[str, Callable[[str], Store]] = {
    "sqlite": _sqlite,
    "postgresql": _postgresql,
}
ALIASES = {"postgres": "postgresql"}


def backend_of(location: str) -> str:
    """The registered backend a location names: its URL scheme, or sqlite for a path."""
    scheme, sep, _ = location.partition("://")
    if not sep:
        return "sqlite"
    scheme = ALIASES.get(scheme.lower(), scheme.lower())
    if scheme not in STORES:
        raise ValueError(f"no store for {scheme}:// (known: {', '.join(sorted(STORES))})")
    return scheme


def store_for(location: str) -> Store:
    """An unopened store for a database path or URL."""
    return STORES[backend_of(location)](location)
