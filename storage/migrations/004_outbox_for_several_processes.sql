-- 004: the outbox for several processes (numbers 003 is taken by item hand-over versions).
--
-- Deliveries are no longer created lazily from a high-water mark: add_notice writes one per
-- registered sender. Each queues per (case, target) at a position, is claimed with a lease
-- (lease_owner, lease_until), and a post whose outcome is unknown is kept in doubt: on the
-- delivery (in_doubt_since) or, for a message posted once and edited later, on the message
-- (message_doubts). 'sending' is gone: it meant "in doubt", which is now recorded as such.

-- Rows the old lazy creation had not made yet (notices after a sender's newest row).
INSERT INTO deliveries (notice_id, sender, status, attempts, next_attempt_at)
SELECT o.id, s.name, 'pending', 0, o.created_at FROM outbox o JOIN senders s ON o.id >= s.first_notice_id
WHERE o.id > coalesce((SELECT max(d.notice_id) FROM deliveries d WHERE d.sender = s.name), 0);

-- A waiting notice with a newer waiting one of its coalesce key: the newer goes instead.
UPDATE deliveries SET status = 'superseded' WHERE status = 'pending' AND EXISTS (
    SELECT 1 FROM outbox o JOIN outbox newer ON newer.coalesce_key = o.coalesce_key AND newer.id > o.id
    JOIN deliveries nd ON nd.notice_id = newer.id AND nd.sender = deliveries.sender AND nd.status = 'pending'
    WHERE o.id = deliveries.notice_id);

-- A message posted once and edited later that was being sent: its post is in doubt.
CREATE TABLE message_doubts (
    sender     TEXT NOT NULL,
    case_id    TEXT NOT NULL,
    ref_key    TEXT NOT NULL,
    notice_id  INTEGER,
    since      TEXT NOT NULL,
    PRIMARY KEY (sender, case_id, ref_key)
) WITHOUT ROWID;

INSERT INTO message_doubts (sender, case_id, ref_key, notice_id, since)
SELECT d.sender, o.case_id, o.ref_key, max(o.id), min(o.created_at) FROM deliveries d
JOIN outbox o ON o.id = d.notice_id
WHERE d.status = 'sending' AND o.ref_key IS NOT NULL AND o.case_id IS NOT NULL
AND NOT EXISTS (SELECT 1 FROM message_refs r WHERE r.sender = d.sender AND r.case_id = o.case_id
                AND r.ref_key = o.ref_key)
GROUP BY d.sender, o.case_id, o.ref_key;

CREATE TABLE deliveries_new (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    notice_id        INTEGER NOT NULL REFERENCES outbox (id),
    sender           TEXT NOT NULL REFERENCES senders (name),
    queue_key        TEXT NOT NULL,               -- the notice's case and target
    coalesce_key     TEXT,
    position         INTEGER NOT NULL,            -- its place in the queue (a notice id)
    status           TEXT NOT NULL DEFAULT 'pending'
                     CHECK (status IN ('pending', 'sent', 'superseded', 'failed')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  TEXT NOT NULL,
    last_error       TEXT,
    sent_at          TEXT,
    in_doubt_since   TEXT,                        -- a post of this notice may have gone out
    lease_owner      TEXT,
    lease_until      TEXT,
    UNIQUE (notice_id, sender)
);

INSERT INTO deliveries_new (notice_id, sender, queue_key, coalesce_key, position, status, attempts,
                            next_attempt_at, last_error, sent_at, in_doubt_since)
SELECT d.notice_id, d.sender, coalesce(o.case_id, '-') || '|' || o.target, o.coalesce_key, d.notice_id,
       CASE d.status WHEN 'sending' THEN 'pending' ELSE d.status END, d.attempts, d.next_attempt_at,
       d.last_error, d.sent_at,
       CASE WHEN d.status = 'sending' AND (o.ref_key IS NULL OR o.case_id IS NULL) THEN d.next_attempt_at END
FROM deliveries d JOIN outbox o ON o.id = d.notice_id
WHERE d.sender <> 'web'  -- the web workspace now hears the store's change feed instead
ORDER BY d.notice_id, d.sender;

DROP TABLE deliveries;
ALTER TABLE deliveries_new RENAME TO deliveries;
DELETE FROM senders WHERE name = 'web';
ALTER TABLE senders DROP COLUMN first_notice_id;

CREATE INDEX deliveries_by_queue ON deliveries (sender, status, queue_key, position);
CREATE INDEX deliveries_by_key ON deliveries (sender, queue_key, coalesce_key, notice_id)
    WHERE coalesce_key IS NOT NULL;
CREATE INDEX outbox_by_created_at ON outbox (created_at);
CREATE INDEX outbox_by_ref ON outbox (case_id, ref_key, id) WHERE ref_key IS NOT NULL;
CREATE INDEX processed_requests_by_at ON processed_requests (at);
