"""The outbox queries of the SQLite store.

Each function takes the connection to run on; those that change rows expect
to run inside the store's write transaction. Delivery rows are created lazily
by ``create_deliveries`` (called from ``due_deliveries``), for the notices a
sender has not seen yet.

Order: each target gets its waiting deliveries one at a time, in notice id
order, except that a notice which superseded older pending ones of its
coalesce_key takes the queue place of the oldest of them (see _POSITION).
"""

from __future__ import annotations

from datetime import datetime

import aiosqlite

from storage.base import Delivery, MessageRef, Notice
from storage.sqlite_rows import (
    DELIVERY_SELECT,
    delivery_from_row,
    dt_to_db,
    execute,
    fetch_all,
    fetch_one,
    message_ref_from_row,
    opt_dt_from_db,
    to_json,
)

# A notice is superseded when a newer notice has the same coalesce_key.
_SUPERSEDED = (
    "EXISTS (SELECT 1 FROM outbox newer WHERE newer.coalesce_key = o.coalesce_key "
    "AND newer.id > o.id)"
)


async def insert_notice(conn: aiosqlite.Connection, notice: Notice) -> int:
    """Insert a notice; pending deliveries of older notices with its coalesce_key are superseded."""
    row = await conn.execute_insert(
        "INSERT INTO outbox (case_id, kind, target, payload, ref_key, coalesce_key, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        (
            notice.case_id,
            notice.kind,
            notice.target,
            to_json(notice.payload) or "{}",
            notice.ref_key,
            notice.coalesce_key,
            dt_to_db(notice.created_at),
        ),
    )
    if row is None:  # pragma: no cover - sqlite always returns last_insert_rowid()
        raise RuntimeError("no id for the new notice")
    notice_id = int(row[0])
    if notice.coalesce_key is not None:
        await execute(
            conn,
            "UPDATE deliveries SET status = 'superseded' WHERE status = 'pending' AND notice_id IN "
            "(SELECT id FROM outbox WHERE coalesce_key = ? AND id < ?)",
            (notice.coalesce_key, notice_id),
        )
    notice.id = notice_id
    return notice_id


async def register_sender(conn: aiosqlite.Connection, sender: str, at: datetime) -> None:
    """Add a sender that starts after the newest notice; an existing one keeps its position."""
    await execute(
        conn,
        "INSERT INTO senders (name, registered_at, first_notice_id) "
        "VALUES (?, ?, (SELECT coalesce(max(id), 0) + 1 FROM outbox)) "
        "ON CONFLICT (name) DO NOTHING",
        (sender, dt_to_db(at)),
    )


async def create_deliveries(conn: aiosqlite.Connection, sender: str) -> None:
    """Create the missing delivery rows of a sender and supersede outdated pending ones."""
    row = await fetch_one(conn, "SELECT first_notice_id FROM senders WHERE name = ?", (sender,))
    if row is None:
        raise LookupError(f"sender {sender!r} is not registered (call register_sender first)")
    first = int(row[0])
    # Outbox ids grow in commit order (one writer, AUTOINCREMENT) and rows are created for
    # every notice in id order, so only notices after the newest row can lack one.
    row = await fetch_one(conn, "SELECT max(notice_id) FROM deliveries WHERE sender = ?", (sender,))
    start = max(first, int(row[0]) + 1) if row is not None and row[0] is not None else first
    await execute(
        conn,
        "INSERT INTO deliveries (notice_id, sender, status, attempts, next_attempt_at) "
        f"SELECT o.id, :sender, CASE WHEN {_SUPERSEDED} THEN 'superseded' ELSE 'pending' END, "
        "0, o.created_at FROM outbox o WHERE o.id >= :start AND NOT EXISTS "
        "(SELECT 1 FROM deliveries d WHERE d.notice_id = o.id AND d.sender = :sender) "
        "ORDER BY o.id",
        {"sender": sender, "start": start},
    )
    # A delivery put back to 'pending' by a retry after a newer notice came: the newer wins.
    await execute(
        conn,
        "UPDATE deliveries SET status = 'superseded' WHERE sender = :sender "
        "AND status = 'pending' AND EXISTS (SELECT 1 FROM outbox o "
        f"WHERE o.id = deliveries.notice_id AND o.coalesce_key IS NOT NULL AND {_SUPERSEDED})",
        {"sender": sender},
    )


# The queue position of a waiting delivery. A notice that superseded older ones takes the
# place of the oldest of them (the run of superseded notices of its key and target just
# before it): only the newest content goes out, but where the first one was queued, so a
# summary written before a document still arrives before it.
_POSITION = """
CASE WHEN o.coalesce_key IS NULL THEN d.notice_id ELSE coalesce((
    SELECT min(ps.notice_id) FROM outbox po
    JOIN deliveries ps ON ps.notice_id = po.id AND ps.sender = d.sender
    WHERE po.coalesce_key = o.coalesce_key AND po.target = o.target
      AND po.id < d.notice_id AND ps.status = 'superseded'
      AND po.id > coalesce((
          SELECT qo.id FROM outbox qo
          JOIN deliveries qs ON qs.notice_id = qo.id AND qs.sender = d.sender
          WHERE qo.coalesce_key = o.coalesce_key AND qo.target = o.target
            AND qo.id < d.notice_id AND qs.status <> 'superseded'
          ORDER BY qo.id DESC LIMIT 1), 0)
), d.notice_id) END
"""

# The head of each target: its waiting (pending or sending) delivery with the lowest position.
_HEADS = f"""
WITH waiting AS (
    SELECT d.notice_id, d.next_attempt_at, o.target, {_POSITION} AS position
    FROM deliveries d JOIN outbox o ON o.id = d.notice_id
    WHERE d.sender = :sender AND d.status IN ('pending', 'sending')
), ranked AS (
    SELECT *, row_number() OVER (PARTITION BY target ORDER BY position) AS rank FROM waiting
), heads AS (SELECT notice_id, next_attempt_at, position FROM ranked WHERE rank = 1)
"""


async def select_due(
    conn: aiosqlite.Connection, sender: str, now: datetime, limit: int
) -> list[Delivery]:
    """The head of each target, if it is due; in queue order (notice id, see _POSITION)."""
    rows = await fetch_all(
        conn,
        f"{_HEADS}{DELIVERY_SELECT} JOIN heads h ON h.notice_id = d.notice_id "
        "WHERE d.sender = :sender AND h.next_attempt_at <= :now "
        "ORDER BY h.position LIMIT :limit",
        {"sender": sender, "now": dt_to_db(now), "limit": limit},
    )
    return [delivery_from_row(row) for row in rows]


async def next_due_at(conn: aiosqlite.Connection, sender: str) -> datetime | None:
    """When select_due next returns something: the earliest next_attempt_at of a target's head.

    Only heads count: a later notice of a target waits for the older one, so its own
    (earlier) next_attempt_at would only wake the sender for nothing.
    """
    row = await fetch_one(
        conn, f"{_HEADS}SELECT min(next_attempt_at) FROM heads", {"sender": sender}
    )
    return opt_dt_from_db(row[0] if row is not None else None)


async def update_delivery(
    conn: aiosqlite.Connection, delivery: Delivery, assignments: str, params: dict[str, object]
) -> None:
    """Apply ``SET assignments`` to one delivery row; it must exist."""
    if delivery.notice.id is None:
        raise ValueError("the delivery's notice has no id")
    changed = await execute(
        conn,
        f"UPDATE deliveries SET {assignments} WHERE notice_id = :notice_id AND sender = :sender",
        {**params, "notice_id": delivery.notice.id, "sender": delivery.sender},
    )
    if changed != 1:
        raise LookupError(f"no delivery of notice {delivery.notice.id} through {delivery.sender!r}")


async def list_deliveries(conn: aiosqlite.Connection, sender: str | None) -> list[Delivery]:
    """Every existing delivery row, by notice id then sender."""
    if sender is None:
        rows = await fetch_all(conn, f"{DELIVERY_SELECT} ORDER BY d.notice_id, d.sender")
    else:
        rows = await fetch_all(
            conn, f"{DELIVERY_SELECT} WHERE d.sender = ? ORDER BY d.notice_id", (sender,)
        )
    return [delivery_from_row(row) for row in rows]


async def upsert_message_ref(conn: aiosqlite.Connection, ref: MessageRef) -> None:
    """Insert or replace the message that shows a card."""
    await execute(
        conn,
        "INSERT INTO message_refs (sender, case_id, ref_key, channel, message_id, extra) "
        "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (sender, case_id, ref_key) DO UPDATE SET "
        "channel = excluded.channel, message_id = excluded.message_id, extra = excluded.extra",
        (
            ref.sender,
            ref.case_id,
            ref.ref_key,
            ref.channel,
            ref.message_id,
            to_json(ref.extra) or "{}",
        ),
    )


async def get_message_ref(
    conn: aiosqlite.Connection, sender: str, case_id: str, ref_key: str
) -> MessageRef | None:
    """One message ref, if stored."""
    row = await fetch_one(
        conn,
        "SELECT * FROM message_refs WHERE sender = ? AND case_id = ? AND ref_key = ?",
        (sender, case_id, ref_key),
    )
    return None if row is None else message_ref_from_row(row)


async def message_refs(conn: aiosqlite.Connection, case_id: str) -> list[MessageRef]:
    """Every message ref of a case, by sender then ref key."""
    rows = await fetch_all(
        conn,
        "SELECT * FROM message_refs WHERE case_id = ? ORDER BY sender, ref_key",
        (case_id,),
    )
    return [message_ref_from_row(row) for row in rows]
