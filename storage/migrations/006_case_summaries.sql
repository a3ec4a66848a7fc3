-- 006: where each case stands, kept by the engine in the same transaction as every change (issue 11),
-- so lists (/offboard list, App Home, the dashboard, `bot cases`) are one indexed, paged query instead
-- of deriving every case. 005 is the reminders' timers (issue 13).
--
-- summary is the case's CaseSummary as JSON (dialogs.views); the columns beside it are what lists
-- filter and sort by. A case without a row (written before this migration) gets one at start-up
-- (Engine.backfill_summaries).

CREATE TABLE case_summaries (
    case_id          TEXT PRIMARY KEY REFERENCES cases (id),
    status           TEXT NOT NULL,
    client           TEXT NOT NULL,
    client_key       TEXT NOT NULL,
    stop_date        TEXT,               -- ISO date, or NULL
    holder           TEXT,               -- the department(s) with open work
    step_index       INTEGER NOT NULL,   -- steps handed off so far
    opened_at        TEXT NOT NULL,
    closed_at        TEXT,
    step_started_at  TEXT,               -- when the current step was reached
    next_due_at      TEXT,               -- when its most urgent item not done yet becomes late
    summary          TEXT NOT NULL
) WITHOUT ROWID;

CREATE INDEX case_summaries_newest ON case_summaries (status, opened_at, case_id);
CREATE INDEX case_summaries_by_stop_date ON case_summaries (status, stop_date, case_id);
CREATE INDEX case_summaries_by_urgency ON case_summaries (status, next_due_at, case_id);
CREATE INDEX case_summaries_opened ON case_summaries (opened_at, case_id);
CREATE INDEX case_summaries_closed ON case_summaries (opened_at, case_id) WHERE status <> 'open';
-- Dead letters, listed on the dashboard, without reading every delivery ever made.
CREATE INDEX deliveries_failed ON deliveries (notice_id) WHERE status = 'failed';
-- Who holds what, for the App Home's "needs you", without reading every item ever recorded.
CREATE INDEX item_states_held ON item_states (case_id) WHERE assignee IS NOT NULL;
