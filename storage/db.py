"""What the shared SQL code needs of a connection: run a statement, fetch rows.

Every statement is written with ``:name`` parameters and a mapping of values
(SQLite's own style; the PostgreSQL connection rewrites them to psycopg's
``%(name)s``). Rows are mappings by column name.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol

Row = Mapping[str, Any]
Params = Mapping[str, Any]


class Db(Protocol):
    """One connection, inside or outside a transaction."""

    async def execute(self, sql: str, params: Params | None = None) -> int:
        """Run one statement; the number of rows it changed."""

    async def fetch_all(self, sql: str, params: Params | None = None) -> list[Row]:
        """Every row of a query."""

    async def fetch_one(self, sql: str, params: Params | None = None) -> Row | None:
        """The first row of a query, if any."""


def in_list(name: str, values: Sequence[Any]) -> tuple[str, dict[str, Any]]:
    """``:name0, :name1, ...`` for ``IN (...)``, and the parameters that fill it."""
    params = {f"{name}{n}": v for n, v in enumerate(values)}
    return ", ".join(":" + key for key in params), params
