-- 003: where each case stands, kept by the engine in the same transaction as every change (issue 11);
-- the same table as SQLite's migration 006. 002 is the reminders' timers (issue 13).

CREATE TABLE case_summaries (
    case_id          text PRIMARY KEY REFERENCES cases (id),
    status           text NOT NULL,
    client           text NOT NULL,
    client_key       text NOT NULL,
    stop_date        text,
    holder           text,
    step_index       integer NOT NULL,
    opened_at        timestamptz NOT NULL,
    closed_at        timestamptz,
    step_started_at  timestamptz,
    next_due_at      timestamptz,
    summary          jsonb NOT NULL
);

CREATE INDEX case_summaries_newest ON case_summaries (status, opened_at, case_id);
CREATE INDEX case_summaries_by_stop_date ON case_summaries (status, stop_date, case_id);
CREATE INDEX case_summaries_by_urgency ON case_summaries (status, next_due_at, case_id);
CREATE INDEX case_summaries_opened ON case_summaries (opened_at, case_id);
CREATE INDEX case_summaries_closed ON case_summaries (opened_at, case_id) WHERE status <> 'open';
CREATE INDEX deliveries_failed ON deliveries (notice_id) WHERE status = 'failed';
-- Who holds what, for the App Home's "needs you", without reading every item ever recorded.
CREATE INDEX item_states_held ON item_states (case_id) WHERE assignee IS NOT NULL;
