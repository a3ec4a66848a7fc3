"""The outbox's queries, shared by the SQL backends (``:name`` parameters; see storage.db).

Each function runs on the connection it is given; those that change rows run
inside the caller's transaction. A delivery belongs to a queue (its notice's
case and target, per sender) and has a ``position`` in it: its notice id, or,
when it superseded waiting notices of its coalesce key, the position of the
oldest of them (the newest content goes out where the first was queued). The
head of a queue is its pending delivery with the lowest position; only heads
are claimed, so a queue is worked one delivery at a time, in order.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from storage.base import Delivery, DeliveryStatus, LeaseLost, MessageRef, Notice
from storage.db import Db, in_list
from storage.rows import (
    delivery_from_row,
    dt_to_db,
    message_ref_from_row,
    notice_from_row,
    notice_params,
    to_json,
)

DELIVERY_SELECT = """
SELECT d.id, d.sender, d.status, d.attempts, d.next_attempt_at, d.last_error, d.lease_owner,
       d.lease_until, d.position,
       CASE WHEN o.ref_key IS NOT NULL AND o.case_id IS NOT NULL
            THEN EXISTS (SELECT 1 FROM message_doubts m WHERE m.sender = d.sender
                         AND m.case_id = o.case_id AND m.ref_key = o.ref_key)
            ELSE d.in_doubt_since IS NOT NULL END AS in_doubt,
       o.id AS n_id, o.case_id AS n_case_id, o.kind AS n_kind, o.target AS n_target,
       o.payload AS n_payload, o.ref_key AS n_ref_key, o.coalesce_key AS n_coalesce_key,
       o.created_at AS n_created_at
FROM deliveries d JOIN outbox o ON o.id = d.notice_id
"""

# The head of each of a sender's queues.
HEADS = """
WITH heads AS (
    SELECT id FROM (
        SELECT id, row_number() OVER (PARTITION BY queue_key ORDER BY position, id) AS rank
        FROM deliveries WHERE sender = :sender AND status = 'pending'
    ) ranked WHERE rank = 1
)
"""

# The heads a claim may take: due, and not leased (or leased by a process that died).
CLAIMABLE = """
SELECT d.id FROM deliveries d JOIN heads h ON h.id = d.id
WHERE d.status = 'pending' AND d.next_attempt_at <= :now
  AND (d.lease_until IS NULL OR d.lease_until <= :now)
ORDER BY d.position, d.id LIMIT :limit
"""

# Card and summary notices a channel's history does not need: not the first of their message.
_PRUNABLE_NOTICES = """
created_at < :before AND kind IN ('card', 'summary') AND ref_key IS NOT NULL
AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.notice_id = outbox.id)
AND id > (SELECT min(f.id) FROM outbox f WHERE f.case_id = outbox.case_id AND f.ref_key = outbox.ref_key)
"""


def queue_key(notice: Notice) -> str:
    """The queue a notice's deliveries wait in: its case and its target."""
    return f"{notice.case_id or '-'}|{notice.target}"


def _is_message(notice: Notice) -> bool:
    """Posted once and edited later: the doubt then belongs to the message, not the notice."""
    return notice.ref_key is not None and notice.case_id is not None


async def sender_names(db: Db) -> list[str]:
    """The registered senders, by name."""
    return [r["name"] for r in await db.fetch_all("SELECT name FROM senders ORDER BY name")]


async def insert_notice(db: Db, notice: Notice, senders: list[str] | None = None) -> int:
    """Insert a notice and a delivery per registered sender; supersede what it replaces.

    ``senders``: the registered senders when the caller has read them already (in this transaction).
    """
    row = await db.fetch_one(
        "INSERT INTO outbox (case_id, kind, target, payload, ref_key, coalesce_key, created_at) "
        "VALUES (:case_id, :kind, :target, :payload, :ref_key, :coalesce_key, :created_at) RETURNING id",
        notice_params(notice))
    assert row is not None
    notice_id = int(row["id"])
    notice.id = notice_id
    if senders is None:
        senders = await sender_names(db)
    common = {"notice_id": notice_id, "queue_key": queue_key(notice), "coalesce_key": notice.coalesce_key,
              "created_at": dt_to_db(notice.created_at)}
    for sender in senders:
        position = notice_id
        if notice.coalesce_key is not None:
            replaced = await db.fetch_all(
                "UPDATE deliveries SET status = 'superseded' WHERE sender = :sender "
                "AND queue_key = :queue_key AND coalesce_key = :coalesce_key AND notice_id < :notice_id "
                "AND status = 'pending' AND lease_owner IS NULL AND in_doubt_since IS NULL "
                "RETURNING position", {**common, "sender": sender})
            position = min([int(r["position"]) for r in replaced] + [notice_id])
        await db.execute(
            "INSERT INTO deliveries (notice_id, sender, queue_key, coalesce_key, position, status, "
            "attempts, next_attempt_at) VALUES (:notice_id, :sender, :queue_key, :coalesce_key, "
            ":position, 'pending', 0, :created_at)", {**common, "sender": sender, "position": position})
    return notice_id


async def register_sender(db: Db, sender: str, at: datetime) -> None:
    """Add a sender; registering again changes nothing."""
    await db.execute("INSERT INTO senders (name, registered_at) VALUES (:name, :at) "
                     "ON CONFLICT (name) DO NOTHING", {"name": sender, "at": dt_to_db(at)})


async def select_deliveries(db: Db, ids: list[int]) -> list[Delivery]:
    """Deliveries by id, in queue order."""
    if not ids:
        return []
    marks, params = in_list("i", ids)
    rows = await db.fetch_all(f"{DELIVERY_SELECT} WHERE d.id IN ({marks}) ORDER BY d.position, d.id", params)
    return [delivery_from_row(r) for r in rows]


async def due_heads(db: Db, sender: str, now: datetime, limit: int) -> list[Delivery]:
    """The head of each queue that is due by ``now``, leased or not."""
    rows = await db.fetch_all(
        f"{HEADS}{DELIVERY_SELECT} JOIN heads h ON h.id = d.id WHERE d.next_attempt_at <= :now "
        "ORDER BY d.position, d.id LIMIT :limit", {"sender": sender, "now": dt_to_db(now), "limit": limit})
    return [delivery_from_row(r) for r in rows]


async def next_due_at(db: Db, sender: str) -> datetime | str | None:
    """The earliest time a head falls due or its lease runs out."""
    row = await db.fetch_one(
        f"{HEADS}SELECT min(CASE WHEN d.lease_until IS NOT NULL AND d.lease_until > d.next_attempt_at "
        "THEN d.lease_until ELSE d.next_attempt_at END) AS due FROM deliveries d JOIN heads h ON h.id = d.id",
        {"sender": sender})
    value: datetime | str | None = None if row is None else row["due"]
    return value


async def check_lease(db: Db, delivery: Delivery, lock: str = "") -> None:
    """LeaseLost unless this process still holds the delivery's lease (``lock``: ' FOR UPDATE')."""
    row = await db.fetch_one(f"SELECT id FROM deliveries WHERE id = :id AND lease_owner = :owner{lock}",
                             {"id": delivery.id, "owner": delivery.lease_owner})
    if row is None or delivery.lease_owner is None:
        raise LeaseLost(f"delivery {delivery.id} of notice {delivery.notice.id} is no longer ours")


async def mark_in_doubt(db: Db, delivery: Delivery, at: datetime) -> None:
    """The post about to be made may go out unseen: keep that, on the message or on the delivery."""
    notice = delivery.notice
    if _is_message(notice):
        await db.execute(
            "INSERT INTO message_doubts (sender, case_id, ref_key, notice_id, since) "
            "VALUES (:sender, :case_id, :ref_key, :notice_id, :since) "
            "ON CONFLICT (sender, case_id, ref_key) DO NOTHING",
            {"sender": delivery.sender, "case_id": notice.case_id, "ref_key": notice.ref_key,
             "notice_id": notice.id, "since": dt_to_db(at)})
    else:
        await db.execute("UPDATE deliveries SET in_doubt_since = :at WHERE id = :id "
                         "AND in_doubt_since IS NULL",
                         {"id": delivery.id, "at": dt_to_db(at)})


async def clear_doubt(db: Db, delivery: Delivery) -> None:
    """Nothing went out: forget the doubt."""
    notice = delivery.notice
    if _is_message(notice):
        await _clear_message_doubt(db, delivery.sender, str(notice.case_id), str(notice.ref_key))
    else:
        await db.execute("UPDATE deliveries SET in_doubt_since = NULL WHERE id = :id", {"id": delivery.id})


async def _clear_message_doubt(db: Db, sender: str, case_id: str, ref_key: str) -> None:
    await db.execute("DELETE FROM message_doubts WHERE sender = :sender AND case_id = :case_id "
                     "AND ref_key = :ref_key", {"sender": sender, "case_id": case_id, "ref_key": ref_key})


_RELEASE = "lease_owner = NULL, lease_until = NULL"


async def mark_sent(db: Db, delivery: Delivery, at: datetime, ref: MessageRef | None) -> None:
    """Sent; the message it made is stored and no longer in doubt."""
    await db.execute("UPDATE deliveries SET status = 'sent', sent_at = :at, in_doubt_since = NULL, "
                     f"{_RELEASE} "
                     "WHERE id = :id", {"id": delivery.id, "at": dt_to_db(at)})
    if ref is not None:
        await upsert_message_ref(db, ref)


async def mark_retry(db: Db, delivery: Delivery, at: datetime, error: str) -> None:
    """Due again at ``at``, unless a newer notice of its coalesce key waits: then that one goes instead."""
    await db.execute(f"UPDATE deliveries SET next_attempt_at = :at, last_error = :error, {_RELEASE} "
                     "WHERE id = :id", {"id": delivery.id, "at": dt_to_db(at), "error": error})
    if delivery.notice.coalesce_key is not None:
        await _supersede_by_newer(db, delivery, ("pending",))


async def _supersede_by_newer(db: Db, delivery: Delivery, statuses: tuple[str, ...]) -> bool:
    """Supersede a delivery by the newest of its key (in ``statuses``), which takes its place."""
    mine = await db.fetch_one("SELECT position, in_doubt_since FROM deliveries WHERE id = :id",
                              {"id": delivery.id})
    if mine is None or mine["in_doubt_since"] is not None:
        return False  # a post of its own may have gone out: it must be looked up, not dropped
    wanted = ", ".join(f"'{s}'" for s in statuses)
    newer = await db.fetch_one(
        "SELECT id, position FROM deliveries WHERE sender = :sender AND queue_key = :queue_key "
        f"AND coalesce_key = :coalesce_key AND notice_id > :notice_id AND status IN ({wanted}) "
        "ORDER BY notice_id DESC LIMIT 1",
        {"sender": delivery.sender, "queue_key": queue_key(delivery.notice),
         "coalesce_key": delivery.notice.coalesce_key, "notice_id": delivery.notice.id})
    if newer is None:
        return False
    await db.execute("UPDATE deliveries SET status = 'superseded' WHERE id = :id", {"id": delivery.id})
    position = min(int(newer["position"]), int(mine["position"]))
    await db.execute("UPDATE deliveries SET position = :position WHERE id = :id AND status = 'pending'",
                     {"id": newer["id"], "position": position})
    return True


async def defer(db: Db, delivery: Delivery, at: datetime) -> None:
    """Not now and not an attempt (its channel is paced): due again at ``at``, the lease released;
    a newer waiting notice of its coalesce key goes instead."""
    await db.execute("UPDATE deliveries SET next_attempt_at = :at, "
                     f"attempts = CASE WHEN attempts > 0 THEN attempts - 1 ELSE 0 END, {_RELEASE} "
                     "WHERE id = :id", {"id": delivery.id, "at": dt_to_db(at)})
    if delivery.notice.coalesce_key is not None:
        await _supersede_by_newer(db, delivery, ("pending",))


async def newest(db: Db, delivery: Delivery) -> int:
    """The delivery to send in this one's place: the newest waiting one of its coalesce key, which takes
    over its place and lease (this one is superseded), or this one (a post in doubt stays itself)."""
    if delivery.notice.coalesce_key is None or delivery.in_doubt:
        return delivery.id
    newer = await db.fetch_one(
        "SELECT id FROM deliveries WHERE sender = :sender AND queue_key = :queue_key "
        "AND coalesce_key = :coalesce_key AND notice_id > :notice_id AND status = 'pending' "
        "AND lease_owner IS NULL ORDER BY notice_id DESC LIMIT 1",
        {"sender": delivery.sender, "queue_key": queue_key(delivery.notice),
         "coalesce_key": delivery.notice.coalesce_key, "notice_id": delivery.notice.id})
    if newer is None:
        return delivery.id
    mine = await db.fetch_one("SELECT position, attempts, lease_until, in_doubt_since FROM deliveries "
                              "WHERE id = :id", {"id": delivery.id})
    if mine is None or mine["in_doubt_since"] is not None:
        return delivery.id
    await db.execute(f"UPDATE deliveries SET status = 'superseded', {_RELEASE} WHERE id = :id",
                     {"id": delivery.id})
    await db.execute("UPDATE deliveries SET position = :position, lease_owner = :owner, "
                     "lease_until = :until, attempts = :attempts WHERE id = :id",
                     {"id": newer["id"], "position": mine["position"], "owner": delivery.lease_owner,
                      "until": mine["lease_until"], "attempts": mine["attempts"]})
    return int(newer["id"])


async def mark_failed(db: Db, delivery: Delivery, error: str) -> None:
    """Dead-lettered: it no longer holds back its queue."""
    await db.execute(f"UPDATE deliveries SET status = 'failed', last_error = :error, {_RELEASE} "
                     "WHERE id = :id", {"id": delivery.id, "error": error})


async def requeue(db: Db, delivery_id: int, now: datetime) -> Delivery | None:
    """A dead letter back in its queue, or superseded when a newer one of its key went or waits."""
    found = await select_deliveries(db, [delivery_id])
    if not found or found[0].status != DeliveryStatus.FAILED:
        return None
    delivery = found[0]
    replaced = delivery.notice.coalesce_key is not None and await _supersede_by_newer(
        db, delivery, ("pending", "sent"))
    if not replaced:
        await db.execute(f"UPDATE deliveries SET status = 'pending', attempts = 0, next_attempt_at = :now, "
                         f"{_RELEASE} WHERE id = :id", {"id": delivery_id, "now": dt_to_db(now)})
    return (await select_deliveries(db, [delivery_id]))[0]


async def list_deliveries(db: Db, sender: str | None, status: str | None) -> list[Delivery]:
    """Deliveries by notice id then sender."""
    where, params = [], {}
    if sender is not None:
        where.append("d.sender = :sender")
        params["sender"] = sender
    if status is not None:
        where.append("d.status = :status")
        params["status"] = status
    clause = f" WHERE {' AND '.join(where)}" if where else ""
    rows = await db.fetch_all(f"{DELIVERY_SELECT}{clause} ORDER BY d.notice_id, d.sender", params)
    return [delivery_from_row(r) for r in rows]


async def notices_of(db: Db, target: str, after_id: int, newest: int | None = None) -> list[Notice]:
    """A target's notices, oldest first: all of them, or the newest so many (on the target's index)."""
    if newest is None:
        rows = await db.fetch_all("SELECT * FROM outbox WHERE target = :target AND id > :after ORDER BY id",
                                  {"target": target, "after": after_id})
    else:
        rows = await db.fetch_all("SELECT * FROM (SELECT * FROM outbox WHERE target = :target "
                                  "AND id > :after ORDER BY id DESC LIMIT :newest) AS recent ORDER BY id",
                                  {"target": target, "after": after_id, "newest": max(newest, 0)})
    return [notice_from_row(r) for r in rows]


async def upsert_message_ref(db: Db, ref: MessageRef) -> None:
    """Insert or replace the message that shows a card; it is no longer in doubt."""
    await db.execute(
        "INSERT INTO message_refs (sender, case_id, ref_key, channel, message_id, extra) "
        "VALUES (:sender, :case_id, :ref_key, :channel, :message_id, :extra) "
        "ON CONFLICT (sender, case_id, ref_key) DO UPDATE SET channel = excluded.channel, "
        "message_id = excluded.message_id, extra = excluded.extra",
        {"sender": ref.sender, "case_id": ref.case_id, "ref_key": ref.ref_key, "channel": ref.channel,
         "message_id": ref.message_id, "extra": to_json(ref.extra) or "{}"})
    await _clear_message_doubt(db, ref.sender, ref.case_id, ref.ref_key)


async def get_message_ref(db: Db, sender: str, case_id: str, ref_key: str) -> MessageRef | None:
    """One message ref, if stored."""
    row = await db.fetch_one("SELECT * FROM message_refs WHERE sender = :sender AND case_id = :case_id "
                             "AND ref_key = :ref_key",
                             {"sender": sender, "case_id": case_id, "ref_key": ref_key})
    return None if row is None else message_ref_from_row(row)


async def message_refs(db: Db, case_id: str) -> list[MessageRef]:
    """Every message ref of a case, by sender then ref key."""
    rows = await db.fetch_all("SELECT * FROM message_refs WHERE case_id = :case_id ORDER BY sender, ref_key",
                              {"case_id": case_id})
    return [message_ref_from_row(r) for r in rows]


async def prune(db: Db, before: datetime) -> dict[str, Any]:
    """Remove what the retention no longer keeps; returns how many rows of each."""
    params = {"before": dt_to_db(before)}
    deliveries = await db.execute(
        "DELETE FROM deliveries WHERE status IN ('sent', 'superseded', 'failed') AND notice_id IN "
        "(SELECT id FROM outbox WHERE created_at < :before)", params)
    notices = await db.execute(f"DELETE FROM outbox WHERE {_PRUNABLE_NOTICES}", params)
    requests = await db.execute("DELETE FROM processed_requests WHERE at < :before", params)
    return {"deliveries": deliveries, "notices": notices, "requests": requests}

