//! Processes working the queue: each registers an instance and beats every second while its
//! workers run. The running jobs (and board leases) of an instance that has not beaten for
//! [`DEAD_AFTER_MS`] are free for others: after a crash or a `kill -9`, its work is taken back
//! within seconds instead of after the whole lease. A process that was only slow and comes
//! back finds its leases gone and stops before its next write (see [`super::fence`]).

use super::Queue;
use std::time::Duration;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

/// How often a process beats.
pub const BEAT: Duration = Duration::from_secs(1);
/// A process is taken for dead after this long without a beat.
pub const DEAD_AFTER_MS: i64 = 6_000;
/// Rows of instances silent this long are removed.
const FORGET_AFTER_MS: i64 = 86_400_000;

/// SQL: the instance in `column` stopped beating (`now` names the parameter holding the time).
/// A job without an instance, or of an instance never registered, is judged by its lease alone.
pub(super) fn stale_sql(column: &str, now: &str) -> String {
    format!(
        "EXISTS (SELECT 1 FROM queue_instances qi WHERE qi.id = {column} AND qi.heartbeat_at < {now} - {DEAD_AFTER_MS})"
    )
}

impl Queue {
    /// Records this process as alive (now).
    pub async fn beat(&self) -> anyhow::Result<()> {
        let now = self.clock.now_ms();
        sqlx::query(
            "INSERT INTO queue_instances (id, started_at, heartbeat_at) VALUES (?1, ?2, ?2)
             ON CONFLICT (id) DO UPDATE SET heartbeat_at = excluded.heartbeat_at",
        )
        .bind(&*self.instance)
        .bind(now)
        .execute(self.store.pool())
        .await?;
        Ok(())
    }

    /// Registers this process and keeps it beating until `cancel` fires (then the row is
    /// left to age: jobs in hand are finished by then). Call before the first claim.
    pub async fn start_beating(&self, cancel: CancellationToken) -> anyhow::Result<JoinHandle<()>> {
        self.beat().await?;
        let _ = sqlx::query("DELETE FROM queue_instances WHERE heartbeat_at < ?1")
            .bind(self.clock.now_ms() - FORGET_AFTER_MS)
            .execute(self.store.pool())
            .await;
        let queue = self.clone();
        Ok(tokio::spawn(async move {
            loop {
                tokio::select! {
                    _ = cancel.cancelled() => return,
                    _ = tokio::time::sleep(BEAT) => {}
                }
                if let Err(e) = queue.beat().await {
                    tracing::warn!(error = %format!("{e:#}"), "could not record this process as alive; its jobs may be taken over by another process");
                }
            }
        }))
    }
}
