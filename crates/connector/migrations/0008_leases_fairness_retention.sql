-- Leases that hold across processes, fair claims and retention (see src/queue).

-- Processes working the queue, with their last sign of life. A process beats every second;
-- the running jobs of one that stopped beating (killed, crashed) are claimed again within
-- seconds instead of after their whole lease.
CREATE TABLE queue_instances (
    id            TEXT PRIMARY KEY,
    started_at    INTEGER NOT NULL,
    heartbeat_at  INTEGER NOT NULL
);

-- The process holding a running job's lease.
ALTER TABLE jobs ADD COLUMN instance TEXT;

-- One writer per monday board, across processes (`serve` and `backfill` on one database).
-- Taken before a write to the board, released after; it expires, and it is free once its
-- holder stops beating. `fence` grows with every new holder.
CREATE TABLE board_leases (
    board_id     TEXT PRIMARY KEY,
    instance     TEXT NOT NULL,
    job_id       INTEGER,
    token        TEXT NOT NULL,
    lease_until  INTEGER NOT NULL,
    fence        INTEGER NOT NULL
);

-- Fair claims walk one connection's queued jobs in priority order.
CREATE INDEX jobs_claim_connection ON jobs (state, connection_id, priority DESC, run_at, id);
-- Retention: finished jobs by age, events by age.
CREATE INDEX jobs_finished ON jobs (state, updated_at);
CREATE INDEX events_received ON events (received_at);
CREATE INDEX jobs_event ON jobs (event_id);
