"""Reading a whole store out, and into an empty one (``python -m bot migrate-to``), in shared SQL.

Rows keep their ids, so notices keep their order and events their numbers.
Only unfinished deliveries move (pending and dead-lettered ones); leases do
not (a move happens with every process stopped). Timers move with what was sent, so
the new store neither repeats nor forgets a reminder.
"""

from __future__ import annotations

from storage import inbox_sql, timers_sql
from storage.base import DUMP_PARTS, DeliveryStatus, Dump, InboxItem, StoreError
from storage.db import Db
from storage.outbox_sql import DELIVERY_SELECT, queue_key
from storage.rows import (
    CASE_COLUMNS,
    case_from_row,
    case_params,
    delivery_from_row,
    dt_from_db,
    dt_to_db,
    event_from_row,
    event_params,
    from_json,
    item_from_row,
    item_params,
    message_ref_from_row,
    notice_from_row,
    notice_params,
    to_json,
)

_UNFINISHED = "status IN ('pending', 'failed')"
_TABLES = {"cases": "cases", "items": "item_states", "events": "events", "notices": "outbox",
           "senders": "senders", "deliveries": f"deliveries WHERE {_UNFINISHED}",
           "message_refs": "message_refs", "doubts": "message_doubts", "requests": "processed_requests",
           "timers": "timers"}
assert set(_TABLES) | {"inbox"} == set(DUMP_PARTS)  # the inbox may live apart: the store moves it


async def counts(db: Db) -> dict[str, int]:
    """Rows per Dump part."""
    out = {}
    for part, table in _TABLES.items():
        row = await db.fetch_one(f"SELECT count(*) AS n FROM {table}")
        out[part] = int(row["n"]) if row is not None else 0
    return out


async def dump(db: Db) -> Dump:
    """Every part, in id (or key) order."""
    out = Dump()
    out.cases = [case_from_row(r) for r in await db.fetch_all(
        f"SELECT {CASE_COLUMNS} FROM cases ORDER BY id")]
    out.items = [item_from_row(r) for r in await db.fetch_all(
        "SELECT * FROM item_states ORDER BY case_id, item_id")]
    out.events = [event_from_row(r) for r in await db.fetch_all("SELECT * FROM events ORDER BY id")]
    out.notices = [notice_from_row(r) for r in await db.fetch_all("SELECT * FROM outbox ORDER BY id")]
    out.senders = [(r["name"], dt_from_db(r["registered_at"]))
                   for r in await db.fetch_all("SELECT name, registered_at FROM senders ORDER BY name")]
    out.deliveries = [delivery_from_row(r) for r in await db.fetch_all(
        f"{DELIVERY_SELECT} WHERE d.{_UNFINISHED} ORDER BY d.id")]
    out.message_refs = [message_ref_from_row(r) for r in await db.fetch_all(
        "SELECT * FROM message_refs ORDER BY sender, case_id, ref_key")]
    out.doubts = [(r["sender"], r["case_id"], r["ref_key"], r["notice_id"], dt_from_db(r["since"]))
                  for r in await db.fetch_all(
                      "SELECT * FROM message_doubts ORDER BY sender, case_id, ref_key")]
    out.requests = [(r["request_id"], from_json(r["result"]) or {}, dt_from_db(r["at"]))
                    for r in await db.fetch_all("SELECT * FROM processed_requests ORDER BY request_id")]
    out.timers = await timers_sql.listing(db, None)
    return out


async def restore(db: Db, data: Dump, item_columns: str) -> None:
    """Insert every part with its ids; refuses a store that already holds cases or notices."""
    held = await counts(db)
    if held["cases"] or held["notices"]:
        raise StoreError(f"the target already holds {held['cases']} cases and {held['notices']} notices: "
                         "it must be empty")
    names = [c.strip() for c in CASE_COLUMNS.split(",")]
    for case in data.cases:
        await db.execute(f"INSERT INTO cases ({CASE_COLUMNS}) VALUES ({', '.join(':' + n for n in names)})",
                         case_params(case))
    columns = [c.strip() for c in item_columns.split(",")]
    for item in data.items:
        await db.execute(f"INSERT INTO item_states ({item_columns}) VALUES "
                         f"({', '.join(':' + c for c in columns)})", item_params(item))
    for event in data.events:
        await db.execute("INSERT INTO events (id, case_id, item_id, kind, actor, at, old, new, note) VALUES "
                         "(:id, :case_id, :item_id, :kind, :actor, :at, :old, :new, :note)",
                         {**event_params(event), "id": event.id})
    for notice in data.notices:
        await db.execute("INSERT INTO outbox (id, case_id, kind, target, payload, ref_key, coalesce_key, "
                         "created_at) VALUES (:id, :case_id, :kind, :target, :payload, :ref_key, "
                         ":coalesce_key, :created_at)", {**notice_params(notice), "id": notice.id})
    for name, at in data.senders:
        await db.execute("INSERT INTO senders (name, registered_at) VALUES (:name, :at)",
                         {"name": name, "at": dt_to_db(at)})
    for d in data.deliveries:
        message = d.notice.ref_key is not None and d.notice.case_id is not None
        await db.execute(
            "INSERT INTO deliveries (id, notice_id, sender, queue_key, coalesce_key, position, status, "
            "attempts, next_attempt_at, last_error, in_doubt_since) VALUES (:id, :notice_id, :sender, "
            ":queue_key, :coalesce_key, :position, :status, :attempts, :next_attempt_at, :last_error, "
            ":doubt)",
            {"id": d.id, "notice_id": d.notice.id, "sender": d.sender, "queue_key": queue_key(d.notice),
             "coalesce_key": d.notice.coalesce_key, "position": d.position or d.notice.id,
             "status": str(DeliveryStatus(d.status)), "attempts": d.attempts,
             "next_attempt_at": dt_to_db(d.next_attempt_at), "last_error": d.last_error,
             "doubt": dt_to_db(d.notice.created_at) if d.in_doubt and not message else None})
    for ref in data.message_refs:
        await db.execute("INSERT INTO message_refs (sender, case_id, ref_key, channel, message_id, extra) "
                         "VALUES (:sender, :case_id, :ref_key, :channel, :message_id, :extra)",
                         {**ref.__dict__, "extra": to_json(ref.extra) or "{}"})
    for sender, case_id, ref_key, notice_id, since in data.doubts:
        await db.execute("INSERT INTO message_doubts (sender, case_id, ref_key, notice_id, since) VALUES "
                         "(:sender, :case_id, :ref_key, :notice_id, :since)",
                         {"sender": sender, "case_id": case_id, "ref_key": ref_key, "notice_id": notice_id,
                          "since": dt_to_db(since)})
    for request_id, result, at in data.requests:
        await db.execute("INSERT INTO processed_requests (request_id, result, at) VALUES (:id, :result, :at)",
                         {"id": request_id, "result": to_json(result) or "{}", "at": dt_to_db(at)})
    for timer in data.timers:  # leases do not move: every process is stopped
        timer.lease_owner = timer.lease_until = None
        await timers_sql.put(db, timer)


async def restore_inbox(db: Db, requests: list[InboxItem]) -> None:
    """Requests not yet handled (or failed) go along, with their ids and without their leases."""
    for request in requests:
        request.lease_owner = request.lease_until = None
        await inbox_sql.put(db, request)
