-- 005: when reminders fall due (timers), and items whose reminders are snoozed.
--
-- A timer is one pending reminder, kept with the state that implies it: an item's due time
-- (its overdue reminder), each escalation step, and a department's daily digest. The engine
-- writes a case's timers in the transaction of the change that implies them; a scheduler
-- claims due ones with a lease and marks each fired in the transaction that writes its
-- notices. A fired timer stays while its due time stands (sent once per due time).
ALTER TABLE item_states ADD COLUMN snooze TEXT;  -- JSON: until, by, why, at

CREATE TABLE timers (
    key          TEXT PRIMARY KEY,                -- CASE:ITEM:due, CASE:ITEM:escalation:N, digest:DEPT
    kind         TEXT NOT NULL CHECK (kind IN ('due', 'escalation', 'digest')),
    department   TEXT NOT NULL,
    fire_at      TEXT NOT NULL,
    case_id      TEXT REFERENCES cases (id),      -- none for a digest
    item_id      TEXT,
    due_at       TEXT,                            -- the item's due time
    level        INTEGER NOT NULL DEFAULT 0,      -- an escalation's step
    status       TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'fired')),
    fired_at     TEXT,
    lease_owner  TEXT,
    lease_until  TEXT
) WITHOUT ROWID;

-- A scheduler's pass reads what is due, not every case.
CREATE INDEX timers_pending ON timers (fire_at) WHERE status = 'pending';
CREATE INDEX timers_by_case ON timers (case_id) WHERE case_id IS NOT NULL;
-- A department's digest: its items due by the end of the day.
CREATE INDEX timers_due_by_department ON timers (department, due_at) WHERE kind = 'due';
