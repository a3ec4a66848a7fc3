-- 001: the initial schema.
--
-- Datetimes are ISO-8601 UTC text with microseconds ("2024-05-01T09:30:00.000000+00:00"),
-- so they compare correctly as strings. Columns marked JSON hold json.dumps() text.
-- Applied by storage.sqlite_migrate inside one transaction, together with its
-- schema_version row.

CREATE TABLE cases (
    id            TEXT PRIMARY KEY,
    checklist_id  TEXT NOT NULL,
    client        TEXT NOT NULL,
    client_key    TEXT NOT NULL,
    header        TEXT NOT NULL DEFAULT '{}',  -- JSON
    status        TEXT NOT NULL,               -- open | completed | cancelled
    step_index    INTEGER NOT NULL DEFAULT 0,
    opened_by     TEXT NOT NULL,               -- JSON
    opened_at     TEXT NOT NULL,
    closed_at     TEXT,
    version       INTEGER NOT NULL DEFAULT 1
);

-- The database itself refuses a second open case for one client.
CREATE UNIQUE INDEX cases_one_open_per_client ON cases (client_key) WHERE status = 'open';
CREATE INDEX cases_by_opened_at ON cases (opened_at, id);
CREATE INDEX cases_by_client ON cases (client_key, opened_at);

CREATE TABLE item_states (
    case_id     TEXT NOT NULL REFERENCES cases (id),
    item_id     TEXT NOT NULL,
    status      TEXT NOT NULL,                 -- locked | open | done | na | skipped
    value       TEXT,                          -- JSON
    reason      TEXT,
    version     INTEGER NOT NULL DEFAULT 1,
    updated_by  TEXT,                          -- JSON
    updated_at  TEXT,
    assignee    TEXT,                          -- JSON
    PRIMARY KEY (case_id, item_id)
) WITHOUT ROWID;

-- The audit trail: rows are appended, never changed or removed.
CREATE TABLE events (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,
    case_id  TEXT NOT NULL REFERENCES cases (id),
    item_id  TEXT,
    kind     TEXT NOT NULL,
    actor    TEXT NOT NULL,                    -- JSON
    at       TEXT NOT NULL,
    old      TEXT,                             -- JSON
    new      TEXT,                             -- JSON
    note     TEXT
);

CREATE INDEX events_by_case ON events (case_id, id);

CREATE TRIGGER events_no_update BEFORE UPDATE ON events
BEGIN
    SELECT RAISE(ABORT, 'events are append-only: UPDATE is not allowed');
END;

CREATE TRIGGER events_no_delete BEFORE DELETE ON events
BEGIN
    SELECT RAISE(ABORT, 'events are append-only: DELETE is not allowed');
END;

-- Notices, written in the same transaction as the change that causes them.
-- AUTOINCREMENT: ids only grow, and with SQLite's single writer they grow in commit order.
CREATE TABLE outbox (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    case_id       TEXT,
    kind          TEXT NOT NULL,
    target        TEXT NOT NULL,
    payload       TEXT NOT NULL,               -- JSON
    ref_key       TEXT,
    coalesce_key  TEXT,
    created_at    TEXT NOT NULL
);

CREATE INDEX outbox_by_coalesce_key ON outbox (coalesce_key, id) WHERE coalesce_key IS NOT NULL;
CREATE INDEX outbox_by_case ON outbox (case_id, id);

-- Who delivers notices. A sender receives only notices with id >= first_notice_id.
CREATE TABLE senders (
    name             TEXT PRIMARY KEY,
    registered_at    TEXT NOT NULL,
    first_notice_id  INTEGER NOT NULL
);

-- One notice on its way through one sender; rows are created lazily by due_deliveries.
CREATE TABLE deliveries (
    notice_id        INTEGER NOT NULL REFERENCES outbox (id),
    sender           TEXT NOT NULL REFERENCES senders (name),
    status           TEXT NOT NULL DEFAULT 'pending'
                     CHECK (status IN ('pending', 'sending', 'sent', 'superseded', 'failed')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  TEXT NOT NULL,
    last_error       TEXT,
    sent_at          TEXT,
    PRIMARY KEY (notice_id, sender)
) WITHOUT ROWID;

CREATE INDEX deliveries_by_sender_status ON deliveries (sender, status, notice_id);

-- Which platform message shows which card, so it is edited in place.
CREATE TABLE message_refs (
    sender      TEXT NOT NULL,
    case_id     TEXT NOT NULL,
    ref_key     TEXT NOT NULL,
    channel     TEXT NOT NULL,
    message_id  TEXT NOT NULL,
    extra       TEXT NOT NULL DEFAULT '{}',    -- JSON
    PRIMARY KEY (sender, case_id, ref_key)
) WITHOUT ROWID;

CREATE INDEX message_refs_by_case ON message_refs (case_id);

-- Request ids already processed (idempotent retries from the platforms).
CREATE TABLE processed_requests (
    request_id  TEXT PRIMARY KEY,
    result      TEXT NOT NULL,                 -- JSON
    at          TEXT NOT NULL
);
