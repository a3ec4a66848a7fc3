"""The timers' queries, shared by the SQL backends (``:name`` parameters; see storage.db).

Pending timers are found by their fire time through a partial index, so a scheduler's pass
costs what is due, not what is stored; a department's due items (its digest) through another.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from storage.db import Db, Row, in_list
from storage.rows import dt_from_db, dt_to_db, opt_dt_from_db, opt_dt_to_db
from storage.timers_port import TimerKind, TimerRecord, TimerStatus

COLUMNS = ("key, kind, department, fire_at, case_id, item_id, due_at, level, status, fired_at, "
           "lease_owner, lease_until")
_NAMES = [c.strip() for c in COLUMNS.split(",")]
_UPSERT = (f"INSERT INTO timers ({COLUMNS}) VALUES ({', '.join(':' + n for n in _NAMES)}) "
           "ON CONFLICT (key) DO UPDATE SET "
           + ", ".join(f"{n} = excluded.{n}" for n in _NAMES if n != "key"))

# Pending, due, and not held by a live lease: what a claim may take.
CLAIMABLE = ("SELECT key FROM timers WHERE status = 'pending' AND fire_at <= :now "
             "AND (lease_until IS NULL OR lease_until <= :now) ORDER BY fire_at, key LIMIT :limit")


def timer_params(t: TimerRecord) -> dict[str, Any]:
    """A timer's values by column name."""
    return {"key": t.key, "kind": str(t.kind), "department": t.department, "fire_at": dt_to_db(t.fire_at),
            "case_id": t.case_id, "item_id": t.item_id, "due_at": opt_dt_to_db(t.due_at), "level": t.level,
            "status": str(t.status), "fired_at": opt_dt_to_db(t.fired_at), "lease_owner": t.lease_owner,
            "lease_until": opt_dt_to_db(t.lease_until)}


def timer_from_row(row: Row) -> TimerRecord:
    """A timers row as a TimerRecord."""
    return TimerRecord(
        key=row["key"], kind=TimerKind(row["kind"]), department=row["department"],
        fire_at=dt_from_db(row["fire_at"]), case_id=row["case_id"], item_id=row["item_id"],
        due_at=opt_dt_from_db(row["due_at"]), level=int(row["level"]), status=TimerStatus(row["status"]),
        fired_at=opt_dt_from_db(row["fired_at"]), lease_owner=row["lease_owner"],
        lease_until=opt_dt_from_db(row["lease_until"]))


async def of_case(db: Db, case_id: str) -> list[TimerRecord]:
    """Every timer of a case."""
    rows = await db.fetch_all(f"SELECT {COLUMNS} FROM timers WHERE case_id = :case_id ORDER BY key",
                              {"case_id": case_id})
    return [timer_from_row(r) for r in rows]


async def get(db: Db, key: str, lock: str = "") -> TimerRecord | None:
    """One timer by key (``lock``: ' FOR UPDATE' to hold its row for the transaction)."""
    row = await db.fetch_one(f"SELECT {COLUMNS} FROM timers WHERE key = :key{lock}", {"key": key})
    return None if row is None else timer_from_row(row)


async def put(db: Db, timer: TimerRecord) -> None:
    """Insert or replace a timer."""
    await db.execute(_UPSERT, timer_params(timer))


async def delete(db: Db, keys: list[str]) -> int:
    """Remove timers by key; how many were removed."""
    if not keys:
        return 0
    marks, params = in_list("k", keys)
    return await db.execute(f"DELETE FROM timers WHERE key IN ({marks})", params)


async def insert_missing(db: Db, timer: TimerRecord) -> bool:
    """Insert a timer unless its key exists."""
    names = ", ".join(":" + n for n in _NAMES)
    return await db.execute(f"INSERT INTO timers ({COLUMNS}) VALUES ({names}) ON CONFLICT (key) DO NOTHING",
                            timer_params(timer)) == 1


async def release(db: Db, key: str, owner: str | None) -> None:
    """Clear a lease this owner holds."""
    await db.execute("UPDATE timers SET lease_owner = NULL, lease_until = NULL "
                     "WHERE key = :key AND lease_owner = :owner", {"key": key, "owner": owner})


async def next_at(db: Db, look: int = 50) -> datetime | None:
    """The earliest moment a claim may find a pending timer (never later than it; maybe a little earlier).

    Read in fire-time order through the index and stopped after ``look`` rows: a held timer counts
    from its lease end, and past the rows read nothing fires before the last one read.
    """
    rows = await db.fetch_all("SELECT fire_at, lease_until FROM timers WHERE status = 'pending' "
                              "ORDER BY fire_at LIMIT :look", {"look": look})
    if not rows:
        return None
    moments = [max(dt_from_db(r["fire_at"]), dt_from_db(r["lease_until"]) if r["lease_until"] else
                   dt_from_db(r["fire_at"])) for r in rows]
    if len(rows) == look:
        moments.append(dt_from_db(rows[-1]["fire_at"]))
    return min(moments)


async def listing(db: Db, case_id: str | None) -> list[TimerRecord]:
    """Timers (of a case), by fire time then key."""
    where = "" if case_id is None else " WHERE case_id = :case_id"
    rows = await db.fetch_all(f"SELECT {COLUMNS} FROM timers{where} ORDER BY fire_at, key",
                              {"case_id": case_id})
    return [timer_from_row(r) for r in rows]


async def due_of(db: Db, department: str, until: datetime) -> list[TimerRecord]:
    """A department's item due timers due by ``until``."""
    rows = await db.fetch_all(
        f"SELECT {COLUMNS} FROM timers WHERE kind = 'due' AND department = :department "
        "AND due_at <= :until ORDER BY case_id, due_at, key",
        {"department": department, "until": dt_to_db(until)})
    return [timer_from_row(r) for r in rows]


async def select_keys(db: Db, keys: list[str]) -> list[TimerRecord]:
    """Timers by key, earliest first."""
    if not keys:
        return []
    marks, params = in_list("k", keys)
    rows = await db.fetch_all(f"SELECT {COLUMNS} FROM timers WHERE key IN ({marks}) ORDER BY fire_at, key",
                              params)
    return [timer_from_row(r) for r in rows]
