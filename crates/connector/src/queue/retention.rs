//! Retention: finished jobs and raw webhook events are deleted once old enough, in small
//! batches, so the database does not grow forever. Queued and running jobs are never touched,
//! and an event is kept as long as any job it created is kept (the job's history in `trace`
//! shows it).

use super::Queue;
use std::time::Duration;

/// Rows deleted per statement (each statement holds the write lock only briefly).
const BATCH: i64 = 500;

/// How long finished work is kept.
#[derive(Debug, Clone, Copy)]
pub struct Retention {
    /// Done jobs, counted from when they finished.
    pub done_jobs: Duration,
    /// Dead jobs (kept longer: an operator may still replay them).
    pub dead_jobs: Duration,
    /// Raw webhook events, counted from when they arrived.
    pub events: Duration,
}

impl From<&crate::config::RetentionConfig> for Retention {
    fn from(c: &crate::config::RetentionConfig) -> Self {
        let days = |d: u32| Duration::from_secs(u64::from(d) * 86_400);
        Retention {
            done_jobs: days(c.jobs_days),
            dead_jobs: days(c.dead_jobs_days),
            events: days(c.events_days),
        }
    }
}

/// What one pass removed.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Pruned {
    pub jobs: u64,
    pub events: u64,
}

impl Queue {
    /// Deletes done and dead jobs and raw events older than `retention`.
    pub async fn prune(&self, retention: &Retention) -> anyhow::Result<Pruned> {
        let now = self.clock.now_ms();
        let mut pruned = Pruned::default();
        for (state, keep) in [("done", retention.done_jobs), ("dead", retention.dead_jobs)] {
            let before = now - keep.as_millis() as i64;
            loop {
                let n = sqlx::query(
                    "DELETE FROM jobs WHERE id IN (
                        SELECT id FROM jobs INDEXED BY jobs_finished
                        WHERE state = ?1 AND updated_at < ?2 LIMIT ?3)",
                )
                .bind(state)
                .bind(before)
                .bind(BATCH)
                .execute(self.store.pool())
                .await?
                .rows_affected();
                pruned.jobs += n;
                if n < BATCH as u64 {
                    break;
                }
                tokio::task::yield_now().await;
            }
        }
        let before = now - retention.events.as_millis() as i64;
        loop {
            let n = sqlx::query(
                "DELETE FROM events WHERE id IN (
                    SELECT e.id FROM events e INDEXED BY events_received
                    WHERE e.received_at < ?1
                      AND NOT EXISTS (SELECT 1 FROM jobs j WHERE j.event_id = e.id)
                    LIMIT ?2)",
            )
            .bind(before)
            .bind(BATCH)
            .execute(self.store.pool())
            .await?
            .rows_affected();
            pruned.events += n;
            if n < BATCH as u64 {
                break;
            }
            tokio::task::yield_now().await;
        }
        Ok(pruned)
    }
}
