"""Conversions between the record dataclasses and SQLite rows.

Datetimes are stored as ISO-8601 UTC text with a fixed width (always
microseconds), so SQL string comparison orders them correctly; they come back
timezone-aware in UTC. A naive datetime is taken to be UTC already. JSON
columns hold ``json.dumps(..., default=str)`` text (Decimals become strings).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import aiosqlite

from storage.base import JSON, CaseRecord, Delivery, EventRecord, ItemRecord, MessageRef, Notice


def dt_to_db(value: datetime) -> str:
    """A datetime as fixed-width ISO-8601 UTC text."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat(timespec="microseconds")


def opt_dt_to_db(value: datetime | None) -> str | None:
    """Like dt_to_db, passing None through."""
    return None if value is None else dt_to_db(value)


def dt_from_db(text: str) -> datetime:
    """Stored text back to an aware UTC datetime."""
    value = datetime.fromisoformat(text)
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def opt_dt_from_db(text: str | None) -> datetime | None:
    """Like dt_from_db, passing None through."""
    return None if text is None else dt_from_db(text)


def to_json(value: Any) -> str | None:
    """JSON text for a column; None stays NULL."""
    return None if value is None else json.dumps(value, default=str, ensure_ascii=False)


def from_json(text: str | None) -> Any:
    """A JSON column back to Python; NULL is None."""
    return None if text is None else json.loads(text)


Params = Sequence[Any] | Mapping[str, Any]


async def execute(conn: aiosqlite.Connection, sql: str, params: Params = ()) -> int:
    """Run one statement and return the number of rows it changed."""
    async with conn.execute(sql, params) as cursor:
        return cursor.rowcount


async def fetch_all(conn: aiosqlite.Connection, sql: str, params: Params = ()) -> list[sqlite3.Row]:
    """Every row of a query (run as one call on the connection's thread)."""
    return list(await conn.execute_fetchall(sql, params))


async def fetch_one(
    conn: aiosqlite.Connection, sql: str, params: Params = ()
) -> sqlite3.Row | None:
    """The first row of a query, if any."""
    rows = await fetch_all(conn, sql, params)
    return rows[0] if rows else None


# ---- cases

CASE_COLUMNS = (
    "id, checklist_id, client, client_key, header, status, step_index, "
    "opened_by, opened_at, closed_at, version"
)


def case_params(case: CaseRecord) -> tuple[Any, ...]:
    """A case's values in CASE_COLUMNS order."""
    return (
        case.id,
        case.checklist_id,
        case.client,
        case.client_key,
        to_json(case.header),
        case.status,
        case.step_index,
        to_json(case.opened_by),
        dt_to_db(case.opened_at),
        opt_dt_to_db(case.closed_at),
        case.version,
    )


def case_from_row(row: sqlite3.Row) -> CaseRecord:
    """A cases row as a CaseRecord."""
    return CaseRecord(
        id=row["id"],
        checklist_id=row["checklist_id"],
        client=row["client"],
        client_key=row["client_key"],
        header=from_json(row["header"]) or {},
        status=row["status"],
        step_index=row["step_index"],
        opened_by=from_json(row["opened_by"]) or {},
        opened_at=dt_from_db(row["opened_at"]),
        closed_at=opt_dt_from_db(row["closed_at"]),
        version=row["version"],
    )


# ---- items

ITEM_COLUMNS = ("case_id, item_id, status, value, reason, version, updated_by, updated_at, assignee, "
                "holder_version")


def item_params(item: ItemRecord) -> tuple[Any, ...]:
    """An item's values in ITEM_COLUMNS order."""
    return (
        item.case_id,
        item.item_id,
        item.status,
        to_json(item.value),
        item.reason,
        item.version,
        to_json(item.updated_by),
        opt_dt_to_db(item.updated_at),
        to_json(item.assignee),
        item.holder_version,
    )


def item_from_row(row: sqlite3.Row) -> ItemRecord:
    """An item_states row as an ItemRecord."""
    return ItemRecord(
        case_id=row["case_id"],
        item_id=row["item_id"],
        status=row["status"],
        value=from_json(row["value"]),
        reason=row["reason"],
        version=row["version"],
        updated_by=from_json(row["updated_by"]),
        updated_at=opt_dt_from_db(row["updated_at"]),
        assignee=from_json(row["assignee"]),
        holder_version=row["holder_version"],
    )


# ---- events


def event_params(event: EventRecord) -> tuple[Any, ...]:
    """An event's values for INSERT (case_id, item_id, kind, actor, at, old, new, note)."""
    return (
        event.case_id,
        event.item_id,
        event.kind,
        to_json(event.actor),
        dt_to_db(event.at),
        to_json(event.old),
        to_json(event.new),
        event.note,
    )


def event_from_row(row: sqlite3.Row) -> EventRecord:
    """An events row as an EventRecord."""
    return EventRecord(
        id=row["id"],
        case_id=row["case_id"],
        item_id=row["item_id"],
        kind=row["kind"],
        actor=from_json(row["actor"]) or {},
        at=dt_from_db(row["at"]),
        old=from_json(row["old"]),
        new=from_json(row["new"]),
        note=row["note"],
    )


# ---- outbox

DELIVERY_SELECT = """
SELECT o.id AS n_id, o.case_id AS n_case_id, o.kind AS n_kind, o.target AS n_target,
       o.payload AS n_payload, o.ref_key AS n_ref_key, o.coalesce_key AS n_coalesce_key,
       o.created_at AS n_created_at,
       d.sender AS sender, d.status AS status, d.attempts AS attempts,
       d.next_attempt_at AS next_attempt_at, d.last_error AS last_error
FROM deliveries d JOIN outbox o ON o.id = d.notice_id
"""


def notice_from_row(row: sqlite3.Row) -> Notice:
    """An outbox row as a Notice."""
    payload: JSON = from_json(row["payload"]) or {}
    return Notice(
        case_id=row["case_id"],
        kind=row["kind"],
        target=row["target"],
        payload=payload,
        created_at=dt_from_db(row["created_at"]),
        ref_key=row["ref_key"],
        coalesce_key=row["coalesce_key"],
        id=int(row["id"]),
    )


def delivery_from_row(row: sqlite3.Row) -> Delivery:
    """A row of DELIVERY_SELECT as a Delivery with its Notice."""
    payload: JSON = from_json(row["n_payload"]) or {}
    notice = Notice(
        id=row["n_id"],
        case_id=row["n_case_id"],
        kind=row["n_kind"],
        target=row["n_target"],
        payload=payload,
        ref_key=row["n_ref_key"],
        coalesce_key=row["n_coalesce_key"],
        created_at=dt_from_db(row["n_created_at"]),
    )
    return Delivery(
        notice=notice,
        sender=row["sender"],
        attempts=row["attempts"],
        next_attempt_at=dt_from_db(row["next_attempt_at"]),
        status=row["status"],
        last_error=row["last_error"],
    )


def message_ref_from_row(row: sqlite3.Row) -> MessageRef:
    """A message_refs row as a MessageRef."""
    return MessageRef(
        sender=row["sender"],
        case_id=row["case_id"],
        ref_key=row["ref_key"],
        channel=row["channel"],
        message_id=row["message_id"],
        extra=from_json(row["extra"]) or {},
    )
