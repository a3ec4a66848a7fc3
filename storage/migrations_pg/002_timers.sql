-- 002: timers (when reminders fall due) and snoozed items: SQLite's migration 005, in native types.
ALTER TABLE item_states ADD COLUMN snooze jsonb;

CREATE TABLE timers (
    key          text PRIMARY KEY,
    kind         text NOT NULL CHECK (kind IN ('due', 'escalation', 'digest')),
    department   text NOT NULL,
    fire_at      timestamptz NOT NULL,
    case_id      text REFERENCES cases (id),
    item_id      text,
    due_at       timestamptz,
    level        integer NOT NULL DEFAULT 0,
    status       text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'fired')),
    fired_at     timestamptz,
    lease_owner  text,
    lease_until  timestamptz
);

CREATE INDEX timers_pending ON timers (fire_at) WHERE status = 'pending';
CREATE INDEX timers_by_case ON timers (case_id) WHERE case_id IS NOT NULL;
CREATE INDEX timers_due_by_department ON timers (department, due_at) WHERE kind = 'due';
