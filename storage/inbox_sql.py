"""The inbox's queries, shared by the SQL backends (``:name`` parameters; see storage.db).

Waiting requests are found through a partial index in id order, so a take costs
what is waiting, not what was ever received (handled requests are deleted).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from storage.db import Db, Row, in_list
from storage.inbox_port import InboxItem, InboxStatus
from storage.rows import dt_from_db, dt_to_db, from_json, opt_dt_from_db, opt_dt_to_db, to_json

COLUMNS = ("id, kind, payload, received_at, attempts, next_attempt_at, status, last_error, "
           "lease_owner, lease_until")


def claimable(kinds: list[str]) -> tuple[str, dict[str, Any]]:
    """Waiting, due, of these kinds and held by no live lease: what a take may lease (oldest first)."""
    names, params = in_list("kind", kinds)
    return (f"SELECT id FROM inbox WHERE status = 'waiting' AND kind IN ({names}) "
            "AND next_attempt_at <= :now AND (lease_until IS NULL OR lease_until <= :now) "
            "ORDER BY id LIMIT :limit"), params


def item_from_row(row: Row) -> InboxItem:
    """An inbox row as an InboxItem."""
    return InboxItem(id=int(row["id"]), kind=row["kind"], payload=from_json(row["payload"]) or {},
                     received_at=dt_from_db(row["received_at"]), attempts=int(row["attempts"]),
                     next_attempt_at=opt_dt_from_db(row["next_attempt_at"]),
                     status=InboxStatus(row["status"]), last_error=row["last_error"],
                     lease_owner=row["lease_owner"], lease_until=opt_dt_from_db(row["lease_until"]))


def item_params(item: InboxItem) -> dict[str, Any]:
    """An item's values by column name."""
    return {"id": item.id, "kind": item.kind, "payload": to_json(item.payload) or "{}",
            "received_at": dt_to_db(item.received_at), "attempts": item.attempts,
            "next_attempt_at": dt_to_db(item.next_attempt_at or item.received_at),
            "status": str(item.status), "last_error": item.last_error, "lease_owner": item.lease_owner,
            "lease_until": opt_dt_to_db(item.lease_until)}


async def insert(db: Db, kind: str, payload: dict[str, Any], at: datetime) -> int:
    """A new waiting request; its id."""
    row = await db.fetch_one(
        "INSERT INTO inbox (kind, payload, received_at, next_attempt_at) VALUES (:kind, :payload, :at, :at) "
        "RETURNING id", {"kind": kind, "payload": to_json(payload) or "{}", "at": dt_to_db(at)})
    assert row is not None
    return int(row["id"])


async def select(db: Db, ids: list[int]) -> list[InboxItem]:
    """These requests, oldest first."""
    if not ids:
        return []
    names, params = in_list("id", ids)
    rows = await db.fetch_all(f"SELECT {COLUMNS} FROM inbox WHERE id IN ({names}) ORDER BY id", params)
    return [item_from_row(r) for r in rows]


async def finish(db: Db, item: InboxItem) -> None:
    """Delete a handled request this lease still holds."""
    await db.execute("DELETE FROM inbox WHERE id = :id AND lease_owner = :owner",
                     {"id": item.id, "owner": item.lease_owner})


async def retry(db: Db, item: InboxItem, at: datetime, error: str) -> None:
    """Due again at ``at``, the lease released."""
    await db.execute("UPDATE inbox SET next_attempt_at = :at, last_error = :error, lease_owner = NULL, "
                     "lease_until = NULL WHERE id = :id AND lease_owner = :owner",
                     {"id": item.id, "owner": item.lease_owner, "at": dt_to_db(at), "error": error[:2000]})


async def fail(db: Db, item: InboxItem, error: str) -> None:
    """Kept as failed, the lease released."""
    await db.execute("UPDATE inbox SET status = 'failed', last_error = :error, lease_owner = NULL, "
                     "lease_until = NULL WHERE id = :id AND lease_owner = :owner",
                     {"id": item.id, "owner": item.lease_owner, "error": error[:2000]})


async def next_at(db: Db, kinds: list[str]) -> datetime | None:
    """When a take may next find something: the earliest due time (or lease end) of a waiting request."""
    names, params = in_list("kind", kinds)
    row = await db.fetch_one(
        "SELECT min(CASE WHEN lease_until IS NOT NULL AND lease_until > next_attempt_at "
        f"THEN lease_until ELSE next_attempt_at END) AS at FROM inbox WHERE status = 'waiting' "
        f"AND kind IN ({names})", params)
    value = None if row is None else row["at"]
    return None if value is None else dt_from_db(value)


async def listing(db: Db, status: InboxStatus | None) -> list[InboxItem]:
    """Every kept request (of one status), oldest first."""
    where = "" if status is None else "WHERE status = :status"
    rows = await db.fetch_all(f"SELECT {COLUMNS} FROM inbox {where} ORDER BY id",
                              {} if status is None else {"status": str(status)})
    return [item_from_row(r) for r in rows]


async def put(db: Db, item: InboxItem) -> None:
    """Insert a request with its id (a store being filled by ``migrate-to``)."""
    names = [c.strip() for c in COLUMNS.split(",")]
    await db.execute(f"INSERT INTO inbox ({COLUMNS}) VALUES ({', '.join(':' + n for n in names)})",
                     item_params(item))
