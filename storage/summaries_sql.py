"""Case summaries in SQL (both backends): the row the engine keeps per case, and the paged lists.

Every list is one query over ``case_summaries`` with an index that matches its
filter and order, and LIMIT/OFFSET: reading a page costs the page, not the
number of cases (docs/BENCHMARKS.md: 10,000 open and 100,000 closed cases).
"""

from __future__ import annotations

from storage.base import JSON, SUMMARY_ORDERS, SummaryRecord
from storage.db import Db
from storage.rows import SUMMARY_COLUMNS, from_json, summary_from_row, summary_params

_NAMES = [c.strip() for c in SUMMARY_COLUMNS.split(",")]
_UPSERT = (
    f"INSERT INTO case_summaries ({SUMMARY_COLUMNS}) VALUES ({', '.join(':' + n for n in _NAMES)}) "
    "ON CONFLICT (case_id) DO UPDATE SET "
    + ", ".join(f"{n} = excluded.{n}" for n in _NAMES if n not in ("case_id", "step_started_at"))
    + ", step_started_at = CASE WHEN case_summaries.step_index = excluded.step_index "
      "AND case_summaries.step_started_at IS NOT NULL THEN case_summaries.step_started_at "
      "ELSE excluded.step_started_at END")
_ORDER = {"newest": "opened_at DESC, case_id DESC", "oldest": "opened_at, case_id",
          "stop_date": "stop_date IS NULL, stop_date, case_id",
          "urgent": "next_due_at IS NULL, next_due_at, case_id"}
assert set(_ORDER) == set(SUMMARY_ORDERS)
CLOSED = "closed"


def _where(status: str) -> str:
    """The filter for a status; "closed" is every status but open (completed and cancelled)."""
    return "WHERE status <> 'open'" if status == CLOSED else "WHERE status = :status"


async def put_summary(db: Db, summary: SummaryRecord) -> None:
    """Insert or replace a case's summary row (its step's start kept while the step stays)."""
    await db.execute(_UPSERT, summary_params(summary))


async def list_summaries(db: Db, status: str | None, order: str, limit: int,
                         offset: int) -> list[SummaryRecord]:
    """One page of summaries."""
    if order not in _ORDER:
        raise ValueError(f"order must be one of {', '.join(SUMMARY_ORDERS)}, not {order!r}")
    where = _where(status) + " " if status is not None else ""
    rows = await db.fetch_all(f"SELECT {SUMMARY_COLUMNS} FROM case_summaries {where}"
                              f"ORDER BY {_ORDER[order]} LIMIT :limit OFFSET :offset",
                              {"status": status, "limit": max(limit, 0), "offset": max(offset, 0)})
    return [summary_from_row(r) for r in rows]


async def count_cases(db: Db, status: str | None) -> int:
    """How many cases (with this status), counted on the summaries' index."""
    where = " " + _where(status) if status is not None else ""
    row = await db.fetch_one(f"SELECT count(*) AS n FROM case_summaries{where}", {"status": status})
    return int(row["n"]) if row is not None else 0


async def held_items(db: Db) -> list[tuple[str, JSON]]:
    """Held items of open cases: the partial index item_states_held reads held items only."""
    rows = await db.fetch_all("SELECT i.case_id, i.assignee FROM item_states i "
                              "JOIN cases c ON c.id = i.case_id "
                              "WHERE i.assignee IS NOT NULL AND c.status = 'open'")
    return [(str(r["case_id"]), from_json(r["assignee"]) or {}) for r in rows]


async def cases_without_summary(db: Db, limit: int) -> list[str]:
    """Cases written before summaries were kept (two counts first: every start asks, rarely is one)."""
    row = await db.fetch_one("SELECT (SELECT count(*) FROM cases) > (SELECT count(*) FROM case_summaries) "
                             "AS missing", {})
    if row is None or not row["missing"]:
        return []
    rows = await db.fetch_all("SELECT c.id FROM cases c WHERE NOT EXISTS (SELECT 1 FROM case_summaries s "
                              "WHERE s.case_id = c.id) ORDER BY c.id LIMIT :limit", {"limit": limit})
    return [str(r["id"]) for r in rows]
