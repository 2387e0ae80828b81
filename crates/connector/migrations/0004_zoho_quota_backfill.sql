-- Zoho API budgets per organization (per-minute window, concurrent calls, daily cap) and the
-- backfill cursors. Kept in the database, not in memory, so every worker and every instance
-- draws from one budget and a restart does not forget what was already spent.

-- One row per Books API call: the sliding window and the concurrency limit are counted here.
-- A call counts from its start until `finished_ms` + window: the server counts it on arrival,
-- which lies between the two, so counting to the end never under-counts.
CREATE TABLE zoho_calls (
    id               INTEGER PRIMARY KEY,
    organization_id  TEXT NOT NULL,
    priority         TEXT NOT NULL,      -- realtime | reconcile | backfill
    instance         TEXT NOT NULL,      -- the process that made it (zoho_quota_instances)
    started_ms       INTEGER NOT NULL,
    finished_ms      INTEGER              -- NULL while in flight
);
CREATE INDEX zoho_calls_started ON zoho_calls (organization_id, started_ms);
CREATE INDEX zoho_calls_finished ON zoho_calls (organization_id, finished_ms);
CREATE INDEX zoho_calls_in_flight ON zoho_calls (organization_id, started_ms) WHERE finished_ms IS NULL;

-- Processes using the quotas, with their last sign of life. The unfinished calls of a process
-- that stopped beating (killed) are closed by the survivors instead of blocking slots.
CREATE TABLE zoho_quota_instances (
    instance  TEXT PRIMARY KEY,
    seen_ms   INTEGER NOT NULL
);

-- Calls per organization and UTC day, kept by a trigger so the daily cap is one row to read.
CREATE TABLE zoho_quota_days (
    organization_id  TEXT NOT NULL,
    day_ms           INTEGER NOT NULL,   -- 00:00 UTC of the day
    calls            INTEGER NOT NULL,
    PRIMARY KEY (organization_id, day_ms)
);
CREATE TRIGGER zoho_calls_per_day AFTER INSERT ON zoho_calls
BEGIN
    INSERT INTO zoho_quota_days (organization_id, day_ms, calls)
    VALUES (NEW.organization_id, NEW.started_ms - (NEW.started_ms % 86400000), 1)
    ON CONFLICT (organization_id, day_ms) DO UPDATE SET calls = calls + 1;
END;

-- What Zoho told us about an organization's budget.
CREATE TABLE zoho_quota_orgs (
    organization_id        TEXT PRIMARY KEY,
    plan                   TEXT,                        -- e.g. PROFESSIONAL, from GET /organizations
    exhausted_until_ms     INTEGER NOT NULL DEFAULT 0,  -- 429 code 45: daily cap reached
    blocked_until_ms       INTEGER NOT NULL DEFAULT 0,  -- 429 code 44: per-minute limit hit
    reason                 TEXT,
    -- Calls the server counts that we did not make (other integrations on the same org),
    -- learned from X-Rate-Limit-Remaining; they age out with the window or the day.
    phantom_window         INTEGER NOT NULL DEFAULT 0,
    phantom_window_until_ms INTEGER NOT NULL DEFAULT 0,
    phantom_daily          INTEGER NOT NULL DEFAULT 0,
    phantom_daily_until_ms INTEGER NOT NULL DEFAULT 0,
    advised_daily_limit    INTEGER,                     -- X-Rate-Limit-Limit of the daily quota
    updated_at             INTEGER NOT NULL
);

-- `ml-connector backfill`: one run per connection; re-running the same command resumes it.
CREATE TABLE backfill_runs (
    id             INTEGER PRIMARY KEY,
    connection_id  TEXT NOT NULL,
    kinds          TEXT NOT NULL,      -- comma-separated document kinds, sorted
    since_ms       INTEGER NOT NULL,
    state          TEXT NOT NULL,      -- running | done
    started_at     INTEGER NOT NULL,
    finished_at    INTEGER
);

-- Where the listing of one kind stands. Advanced in the same transaction as the page's jobs.
CREATE TABLE backfill_cursors (
    run_id     INTEGER NOT NULL REFERENCES backfill_runs (id),
    kind       TEXT NOT NULL,
    next_page  INTEGER NOT NULL DEFAULT 1,
    listed     INTEGER NOT NULL DEFAULT 0,
    complete   INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (run_id, kind)
);

-- Documents a run has enqueued (the "ids done" of the cursor): a document seen twice, e.g.
-- because rows shifted between pages, is enqueued once.
CREATE TABLE backfill_items (
    run_id   INTEGER NOT NULL REFERENCES backfill_runs (id),
    kind     TEXT NOT NULL,
    zoho_id  TEXT NOT NULL,
    job_id   INTEGER,
    PRIMARY KEY (run_id, kind, zoho_id)
);
CREATE INDEX backfill_items_pending ON backfill_items (run_id) WHERE job_id IS NULL;
