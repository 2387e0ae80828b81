-- The claim walks queued jobs in priority order; this index lets it stop at the first due one
-- instead of sorting every queued row (thousands during a backfill or a webhook storm).
CREATE INDEX jobs_claim ON jobs (state, priority DESC, run_at, id);
-- Rescue of expired leases looks only at running jobs.
CREATE INDEX jobs_lease ON jobs (state, lease_expires_at);
