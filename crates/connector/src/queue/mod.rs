//! The durable job queue, hand-written on the store.
//!
//! Protocol (hook0's durability without its long transactions):
//! 1. **Claim** a due job in one short `UPDATE … RETURNING`: it becomes `running` with a fresh
//!    lease token and a lease expiry, and its attempt count goes up (so a crash counts as an attempt).
//!    A job is not claimed while another job for the same document holds a live lease.
//! 2. **Run** it outside any transaction (network calls happen here).
//! 3. **Finish** with an update fenced on the lease token: if the lease was lost (expired and
//!    re-claimed), the stale worker's update changes nothing.
//!
//! Retryable failures go back to `queued` with a later `run_at`; permanent ones go to `dead` with
//! their reason and can be replayed. A job whose worker died is claimed again once its lease
//! expires, or within seconds when its whole process died: every process working the queue
//! registers an instance and beats every second ([`instances`]); the running jobs of an
//! instance that stopped beating are free.
//!
//! Claims are fair across connections: each claim serves the connection with the fewest
//! running jobs first (then the one served least recently), so one organization's backlog does
//! not hold another's webhook behind it. Within a connection, priority order holds.
//!
//! While a job runs, its lease is its right to write: every transition is fenced on the lease
//! token, and the job's board and item writes check it first ([`fence`]); a worker that lost its
//! lease stops before its next write. One writer per monday board holds across processes
//! through a lease row in the store ([`boards`]).

//!
//! The queue is the engine under the sync flows: it owns the job kinds and states
//! ([`kinds`]), how a run ends ([`outcome`]) and the connection-wide pauses ([`pauses`]), the
//! one-transaction intake of webhooks ([`intake`]), and every query on the jobs table
//! ([`queries`]): other modules ask it by name instead of writing SQL against its tables.

pub mod boards;
pub mod fence;
mod gauges;
pub mod instances;
mod intake;
pub mod kinds;
pub mod outcome;
mod pauses;
mod queries;
pub mod retention;
mod retry;

pub use boards::BoardWriter;
pub use fence::{ensure_lease_held, JobLease};
pub use gauges::{DepthRow, LagRow};
pub use intake::{EventInsert, Inserted};
pub use kinds::{priority, JobKind, JobPayload, JobState, StatusChange};
pub use outcome::{connection_status, next_utc_midnight_ms, JobError, Upstream};
pub use pauses::Pauses;
pub use queries::{queued_jobs, wake_parked, BackfillProgress, HistoryLine};
pub use retention::{Pruned, Retention};
pub use retry::RetryPolicy;

use crate::clock::SharedClock;
use crate::store::Store;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// A job to insert.
#[derive(Debug, Clone)]
pub struct NewJob {
    pub connection_id: String,
    pub kind: JobKind,
    pub payload: serde_json::Value,
    /// Higher runs first (real-time sync over reconciliation and backfill).
    pub priority: i64,
    pub max_attempts: u32,
    pub document_key: Option<String>,
    pub run_at_ms: Option<i64>,
}

#[derive(Debug, Clone, sqlx::FromRow, Serialize, Deserialize)]
pub struct Job {
    pub id: i64,
    pub connection_id: String,
    #[sqlx(try_from = "String")]
    pub kind: JobKind,
    pub payload: String,
    #[sqlx(try_from = "String")]
    pub state: JobState,
    pub priority: i64,
    pub attempts: i64,
    pub max_attempts: i64,
    pub run_at: i64,
    pub lease_token: Option<String>,
    pub lease_expires_at: Option<i64>,
    pub last_error: Option<String>,
    pub event_id: Option<i64>,
    pub document_key: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    /// The process (queue instance) holding the lease of a running job.
    pub instance: Option<String>,
}

/// Inserts one job on any executor (a pool or an open transaction).
pub(crate) async fn insert_job<'e, E>(
    exec: E,
    job: &NewJob,
    event_id: Option<i64>,
    now_ms: i64,
) -> anyhow::Result<i64>
where
    E: sqlx::Executor<'e, Database = sqlx::Sqlite>,
{
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO jobs (connection_id, kind, payload, state, priority, attempts, max_attempts, run_at, event_id, document_key, created_at, updated_at)
         VALUES (?1, ?2, ?3, 'queued', ?4, 0, ?5, ?6, ?7, ?8, ?9, ?9) RETURNING id",
    )
    .bind(&job.connection_id)
    .bind(job.kind.as_str())
    .bind(job.payload.to_string())
    .bind(job.priority)
    .bind(job.max_attempts as i64)
    .bind(job.run_at_ms.unwrap_or(now_ms))
    .bind(event_id)
    .bind(&job.document_key)
    .bind(now_ms)
    .fetch_one(exec)
    .await?;
    Ok(id)
}

/// Counts of jobs per state.
#[derive(Debug, Default, Clone, Serialize)]
pub struct QueueStats {
    pub queued: i64,
    pub running: i64,
    pub done: i64,
    pub dead: i64,
}

#[derive(Clone, Debug)]
pub struct Queue {
    store: Store,
    clock: SharedClock,
    lease: Duration,
    intake: intake::IntakeWriter,
    /// This process in `queue_instances` and `jobs.instance`.
    instance: Arc<str>,
    /// When this process last served each connection (a claim counter), for round-robin.
    served: Arc<Mutex<HashMap<String, u64>>>,
}

impl Queue {
    pub fn new(store: Store, clock: SharedClock, lease: Duration) -> Self {
        Self {
            store,
            clock,
            lease,
            intake: Default::default(),
            instance: uuid::Uuid::new_v4().to_string().into(),
            served: Arc::default(),
        }
    }

    /// This process's id in the queue tables.
    pub fn instance(&self) -> &str {
        &self.instance
    }

    pub fn lease(&self) -> Duration {
        self.lease
    }

    pub fn clock(&self) -> &SharedClock {
        &self.clock
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    pub async fn enqueue(&self, job: &NewJob) -> anyhow::Result<i64> {
        insert_job(self.store.pool(), job, None, self.clock.now_ms()).await
    }

    /// Claims a running job whose lease expired or whose process stopped beating (its worker
    /// died), else the most urgent due job of the connection served least (fewest running
    /// jobs, then least recently). Each statement can use an index: the rescue looks only at
    /// running jobs, the main scan walks one connection's queued jobs in priority order and
    /// stops at the first one due.
    pub async fn claim(&self) -> anyhow::Result<Option<Job>> {
        if let Some(job) = self
            .claim_where(
                "jobs_lease",
                &format!(
                    "j.state = 'running' AND (j.lease_expires_at <= ?3 OR {})",
                    instances::stale_sql("j.instance", "?3")
                ),
                "j.lease_expires_at",
                None,
            )
            .await?
        {
            return Ok(Some(job));
        }
        for connection in self.connections_by_turn().await? {
            if let Some(job) = self
                .claim_where(
                    "jobs_claim_connection",
                    "j.state = 'queued' AND j.connection_id = ?4 AND j.run_at <= ?3",
                    "j.priority DESC, j.run_at, j.id",
                    Some(&connection),
                )
                .await?
            {
                self.mark_served(&connection);
                return Ok(Some(job));
            }
        }
        Ok(None)
    }

    /// Connections with queued jobs, in the order they should be served: fewest running jobs
    /// (in any process) first, then the one this process served least recently. The distinct
    /// connections are found by skipping through the index (one seek per connection).
    async fn connections_by_turn(&self) -> anyhow::Result<Vec<String>> {
        let waiting: Vec<(String,)> = sqlx::query_as(
            "WITH RECURSIVE c(id) AS (
                SELECT MIN(connection_id) FROM jobs INDEXED BY jobs_claim_connection WHERE state = 'queued'
                UNION ALL
                SELECT (SELECT MIN(connection_id) FROM jobs INDEXED BY jobs_claim_connection
                        WHERE state = 'queued' AND connection_id > c.id)
                FROM c WHERE c.id IS NOT NULL)
             SELECT id FROM c WHERE id IS NOT NULL",
        )
        .fetch_all(self.store.pool())
        .await?;
        if waiting.len() <= 1 {
            return Ok(waiting.into_iter().map(|(c,)| c).collect());
        }
        let running: HashMap<String, i64> = sqlx::query_as(
            "SELECT connection_id, COUNT(*) FROM jobs INDEXED BY jobs_lease WHERE state = 'running' GROUP BY connection_id",
        )
        .fetch_all(self.store.pool())
        .await?
        .into_iter()
        .collect();
        let served = self.served.lock().unwrap_or_else(|p| p.into_inner());
        let mut order: Vec<(i64, u64, String)> = waiting
            .into_iter()
            .map(|(c,)| {
                (
                    running.get(&c).copied().unwrap_or(0),
                    served.get(&c).copied().unwrap_or(0),
                    c,
                )
            })
            .collect();
        order.sort();
        Ok(order.into_iter().map(|(_, _, c)| c).collect())
    }

    fn mark_served(&self, connection: &str) {
        let mut served = self.served.lock().unwrap_or_else(|p| p.into_inner());
        let next = served.values().copied().max().unwrap_or(0) + 1;
        served.insert(connection.to_string(), next);
    }

    /// `INDEXED BY` pins the plan: left to itself SQLite filters on `run_at` and sorts every
    /// due row (about 10 ms per claim with 20,000 queued, holding the write lock), where walking
    /// the index in priority order stops at the first due job (about 10 µs).
    async fn claim_where(
        &self,
        index: &str,
        candidates: &str,
        order: &str,
        connection: Option<&str>,
    ) -> anyhow::Result<Option<Job>> {
        let now = self.clock.now_ms();
        let token = uuid::Uuid::new_v4().to_string();
        let lease_until = now + self.lease.as_millis() as i64;
        // `index`, `candidates` and `order` are fixed strings from this file, never input.
        let known = known_kinds_sql();
        let live = format!(
            "r.state = 'running' AND r.lease_expires_at > ?3 AND NOT {}",
            instances::stale_sql("r.instance", "?3")
        );
        let sql = format!(
            "UPDATE jobs SET state = 'running', lease_token = ?1, lease_expires_at = ?2,
                    attempts = attempts + 1, updated_at = ?3, instance = ?5
             WHERE id = (
                SELECT j.id FROM jobs j INDEXED BY {index}
                WHERE {candidates} AND j.kind IN ({known})
                  AND (j.document_key IS NULL OR NOT EXISTS (
                        SELECT 1 FROM jobs r INDEXED BY jobs_document
                        WHERE r.document_key = j.document_key AND r.id <> j.id
                          AND {live}))
                ORDER BY {order}
                LIMIT 1)
             RETURNING *"
        );
        let job = sqlx::query_as::<_, Job>(&sql)
            .bind(&token)
            .bind(lease_until)
            .bind(now)
            .bind(connection)
            .bind(&*self.instance)
            .fetch_optional(self.store.pool())
            .await?;
        Ok(job)
    }

    /// Extends a live lease (long jobs call this so they are not rescued while working).
    pub async fn heartbeat(&self, job: &Job) -> anyhow::Result<bool> {
        let now = self.clock.now_ms();
        let r = sqlx::query("UPDATE jobs SET lease_expires_at = ?1 WHERE id = ?2 AND lease_token = ?3 AND state = 'running'")
            .bind(now + self.lease.as_millis() as i64)
            .bind(job.id)
            .bind(&job.lease_token)
            .execute(self.store.pool())
            .await?;
        Ok(r.rows_affected() == 1)
    }

    /// Marks the job done. Returns false when this worker no longer held the lease.
    pub async fn complete(&self, job: &Job) -> anyhow::Result<bool> {
        self.transition(job, JobState::Done, None, None).await
    }

    /// Puts the job back for a later attempt.
    pub async fn retry_later(
        &self,
        job: &Job,
        delay: Duration,
        error: &str,
    ) -> anyhow::Result<bool> {
        let run_at = self.clock.now_ms() + delay.as_millis() as i64;
        self.transition(job, JobState::Queued, Some(run_at), Some(error))
            .await
    }

    /// Parks the job until `until_ms` without spending an attempt (quota exhausted, reconnect needed).
    pub async fn park(&self, job: &Job, until_ms: i64, reason: &str) -> anyhow::Result<bool> {
        let r = sqlx::query(
            "UPDATE jobs SET state = 'queued', run_at = ?1, last_error = ?2, attempts = MAX(attempts - 1, 0),
                    lease_token = NULL, lease_expires_at = NULL, instance = NULL, updated_at = ?3
             WHERE id = ?4 AND lease_token = ?5 AND state = 'running'",
        )
        .bind(until_ms)
        .bind(reason)
        .bind(self.clock.now_ms())
        .bind(job.id)
        .bind(&job.lease_token)
        .execute(self.store.pool())
        .await?;
        Ok(r.rows_affected() == 1)
    }

    /// Sends the job to the dead state with a reason an operator can act on.
    pub async fn kill(&self, job: &Job, reason: &str) -> anyhow::Result<bool> {
        self.transition(job, JobState::Dead, None, Some(reason))
            .await
    }

    async fn transition(
        &self,
        job: &Job,
        state: JobState,
        run_at: Option<i64>,
        error: Option<&str>,
    ) -> anyhow::Result<bool> {
        let r = sqlx::query(
            "UPDATE jobs SET state = ?1, run_at = COALESCE(?2, run_at), last_error = COALESCE(?3, last_error),
                    lease_token = NULL, lease_expires_at = NULL, instance = NULL, updated_at = ?4
             WHERE id = ?5 AND lease_token = ?6 AND state = 'running'",
        )
        .bind(state.as_str())
        .bind(run_at)
        .bind(error)
        .bind(self.clock.now_ms())
        .bind(job.id)
        .bind(&job.lease_token)
        .execute(self.store.pool())
        .await?;
        Ok(r.rows_affected() == 1)
    }

    pub async fn stats(&self) -> anyhow::Result<QueueStats> {
        let rows: Vec<(String, i64)> =
            sqlx::query_as("SELECT state, COUNT(*) FROM jobs GROUP BY state")
                .fetch_all(self.store.pool())
                .await?;
        let mut s = QueueStats::default();
        for (state, n) in rows {
            match JobState::try_from(state) {
                Ok(JobState::Queued) => s.queued = n,
                Ok(JobState::Running) => s.running = n,
                Ok(JobState::Done) => s.done = n,
                Ok(JobState::Dead) => s.dead = n,
                Err(_) => {}
            }
        }
        Ok(s)
    }

    /// Queued jobs of kinds this version does not run (written by a newer version), per kind.
    pub async fn unknown_kinds(&self) -> anyhow::Result<Vec<(String, i64)>> {
        let sql = format!(
            "SELECT kind, COUNT(*) FROM jobs WHERE state = 'queued' AND kind NOT IN ({}) GROUP BY kind ORDER BY kind",
            known_kinds_sql()
        );
        Ok(sqlx::query_as(&sql).fetch_all(self.store.pool()).await?)
    }

    /// Jobs in one state, newest first.
    pub async fn list(&self, state: Option<JobState>, limit: i64) -> anyhow::Result<Vec<Job>> {
        Ok(sqlx::query_as::<_, Job>(
            "SELECT * FROM jobs WHERE (?1 IS NULL OR state = ?1) ORDER BY updated_at DESC, id DESC LIMIT ?2",
        )
        .bind(state.map(JobState::as_str))
        .bind(limit)
        .fetch_all(self.store.pool())
        .await?)
    }

    pub async fn get(&self, id: i64) -> anyhow::Result<Option<Job>> {
        Ok(sqlx::query_as::<_, Job>("SELECT * FROM jobs WHERE id = ?1")
            .bind(id)
            .fetch_optional(self.store.pool())
            .await?)
    }

    /// Replays dead jobs (all, or one): back to queued with a fresh attempt budget.
    pub async fn replay_dead(&self, id: Option<i64>) -> anyhow::Result<u64> {
        let r = sqlx::query(
            "UPDATE jobs SET state = 'queued', attempts = 0, run_at = ?1, updated_at = ?1
             WHERE state = 'dead' AND (?2 IS NULL OR id = ?2)",
        )
        .bind(self.clock.now_ms())
        .bind(id)
        .execute(self.store.pool())
        .await?;
        Ok(r.rows_affected())
    }

    /// Drops dead jobs (all, or one) for good.
    pub async fn drop_dead(&self, id: Option<i64>) -> anyhow::Result<u64> {
        let r = sqlx::query("DELETE FROM jobs WHERE state = 'dead' AND (?1 IS NULL OR id = ?1)")
            .bind(id)
            .execute(self.store.pool())
            .await?;
        Ok(r.rows_affected())
    }

    /// Jobs of one connection that are waiting or running (for `needs reconnect` parking).
    pub async fn park_connection(
        &self,
        connection_id: &str,
        until_ms: i64,
        reason: &str,
    ) -> anyhow::Result<u64> {
        let r = sqlx::query(
            "UPDATE jobs SET run_at = MAX(run_at, ?1), last_error = ?2, updated_at = ?3
             WHERE connection_id = ?4 AND state = 'queued'",
        )
        .bind(until_ms)
        .bind(reason)
        .bind(self.clock.now_ms())
        .bind(connection_id)
        .execute(self.store.pool())
        .await?;
        Ok(r.rows_affected())
    }
}

/// The kinds this version runs, as an SQL list (fixed strings from [`JobKind::KNOWN`]).
fn known_kinds_sql() -> String {
    JobKind::KNOWN
        .iter()
        .map(|k| format!("'{}'", k.as_str()))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests;
