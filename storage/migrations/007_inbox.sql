-- 007: the inbox (issue 11): requests kept before they are acknowledged, handled moments later.
--
-- A Slack button click is committed here and acknowledged at once; a worker (bot.inbox) takes
-- waiting requests with a lease, hands each to the adapter that handles its kind, and deletes it.
-- One that cannot be handled stays as 'failed', with its error, for a person to look at.
CREATE TABLE inbox (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    kind             TEXT NOT NULL,                 -- who handles it: 'slack.click'
    payload          TEXT NOT NULL,                 -- JSON: what the handler needs, no more
    received_at      TEXT NOT NULL,
    attempts         INTEGER NOT NULL DEFAULT 0,    -- takes so far
    next_attempt_at  TEXT NOT NULL,
    status           TEXT NOT NULL DEFAULT 'waiting' CHECK (status IN ('waiting', 'failed')),
    last_error       TEXT,
    lease_owner      TEXT,
    lease_until      TEXT
);

-- A take reads what waits, oldest first, not what was ever received.
CREATE INDEX inbox_waiting ON inbox (id) WHERE status = 'waiting';
