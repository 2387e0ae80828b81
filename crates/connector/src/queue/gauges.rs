//! What `/metrics` and the dashboard read off the jobs table at scrape time: depth and age per
//! connection and state, and when each connection last finished a job.

use super::{JobState, Queue};
pub use crate::telemetry::metrics::{DepthRow, LagRow};

impl Queue {
    /// Depth and oldest age per connection and state (unknown states are left out).
    pub async fn depth(&self) -> anyhow::Result<Vec<DepthRow>> {
        let now = self.clock.now_ms();
        let rows: Vec<(String, String, i64, i64)> = sqlx::query_as(
            "SELECT connection_id, state, COUNT(*), MIN(created_at) FROM jobs
             GROUP BY connection_id, state ORDER BY connection_id, state",
        )
        .fetch_all(self.store.pool())
        .await?;
        Ok(rows
            .into_iter()
            .filter_map(|(connection_id, state, count, oldest)| {
                Some(DepthRow {
                    connection_id,
                    state: JobState::try_from(state).ok()?.as_str(),
                    count,
                    oldest_age_ms: (now - oldest).max(0),
                })
            })
            .collect())
    }

    /// Sync lag per connection that has jobs.
    pub async fn lag(&self) -> anyhow::Result<Vec<LagRow>> {
        let now = self.clock.now_ms();
        let rows: Vec<(String, Option<i64>, Option<i64>)> = sqlx::query_as(
            "SELECT connection_id,
                    MAX(CASE WHEN state = 'done' THEN updated_at END),
                    MIN(CASE WHEN state = 'queued' AND run_at <= ?1 THEN run_at END)
             FROM jobs GROUP BY connection_id ORDER BY connection_id",
        )
        .bind(now)
        .fetch_all(self.store.pool())
        .await?;
        Ok(rows
            .into_iter()
            .map(|(connection_id, last_done_ms, oldest_due)| LagRow {
                connection_id,
                last_done_ms,
                oldest_due_wait_ms: oldest_due.map_or(0, |t| (now - t).max(0)),
            })
            .collect())
    }
}
