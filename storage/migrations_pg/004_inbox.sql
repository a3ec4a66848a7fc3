-- 004: the inbox: SQLite's migration 007, in native types.
CREATE TABLE inbox (
    id               bigserial PRIMARY KEY,
    kind             text NOT NULL,
    payload          jsonb NOT NULL,
    received_at      timestamptz NOT NULL,
    attempts         integer NOT NULL DEFAULT 0,
    next_attempt_at  timestamptz NOT NULL,
    status           text NOT NULL DEFAULT 'waiting' CHECK (status IN ('waiting', 'failed')),
    last_error       text,
    lease_owner      text,
    lease_until      timestamptz
);

CREATE INDEX inbox_waiting ON inbox (id) WHERE status = 'waiting';
