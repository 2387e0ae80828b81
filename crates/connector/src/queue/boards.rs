//! One writer per monday board, across processes.
//!
//! monday asks for sequential mutations per board. Within a process the board's mutex
//! (`monday::Boards::writer`) keeps workers in line; across processes (`serve` and `backfill`
//! on one database, or two `serve`s) a lease row in `board_leases` does. The row is taken in
//! one statement that also requires the job's own lease to be held (so a worker that lost its
//! job cannot take the board; this process's own row is taken over directly, its mutex already
//! orders its workers), it expires after the queue's lease unless renewed, it is free
//! once its holder process stops beating, and it is released (expired at once, keeping its fence) when the writer is dropped.

use super::fence::JobLease;
use super::{instances, JobError, Queue};
use std::time::{Duration, Instant};
use tokio::task::JoinHandle;

/// How often a writer waiting for a board held by another process looks again.
const POLL: Duration = Duration::from_millis(25);

/// Holds a board for writing; releases it on drop.
#[derive(Debug)]
pub struct BoardWriter {
    queue: Queue,
    board_id: String,
    token: String,
    /// The fence of this holding: grows with every new holder of the board.
    pub fence: i64,
    renew: JoinHandle<()>,
    _local: tokio::sync::OwnedMutexGuard<()>,
}

impl Queue {
    /// Takes the board's lease row, waiting (up to one lease) while another process holds it.
    /// `local` is this process's own lock of the board, held first.
    pub async fn board_writer(
        &self,
        board_id: &str,
        local: tokio::sync::OwnedMutexGuard<()>,
    ) -> Result<BoardWriter, JobError> {
        let job = JobLease::current();
        let token = uuid::Uuid::new_v4().to_string();
        let started = Instant::now();
        loop {
            match self.try_take_board(board_id, &token, job.as_ref()).await {
                Ok(Some(fence)) => {
                    let renew =
                        tokio::spawn(renew(self.clone(), board_id.to_string(), token.clone()));
                    return Ok(BoardWriter {
                        queue: self.clone(),
                        board_id: board_id.to_string(),
                        token,
                        fence,
                        renew,
                        _local: local,
                    });
                }
                Ok(None) => {}
                Err(e) => return Err(JobError::store(e)),
            }
            if let Some(job) = &job {
                match job.held().await {
                    Ok(true) => {}
                    Ok(false) => return Err(JobError::LeaseLost),
                    Err(e) => return Err(JobError::store(e)),
                }
            }
            if started.elapsed() > self.lease {
                return Err(JobError::retry(format!(
                    "monday board {board_id} is being written by another process (backfill or another serve); will try again"
                )));
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// One attempt: `Some(fence)` when this holder now has the board.
    async fn try_take_board(
        &self,
        board_id: &str,
        token: &str,
        job: Option<&JobLease>,
    ) -> anyhow::Result<Option<i64>> {
        let now = self.clock.now_ms();
        let sql = format!(
            "INSERT INTO board_leases (board_id, instance, job_id, token, lease_until, fence)
             SELECT ?1, ?2, ?3, ?4, ?5, 1
             WHERE ?3 IS NULL OR EXISTS (
                SELECT 1 FROM jobs WHERE id = ?3 AND lease_token = ?6 AND state = 'running')
             ON CONFLICT (board_id) DO UPDATE SET instance = excluded.instance, job_id = excluded.job_id,
                token = excluded.token, lease_until = excluded.lease_until, fence = board_leases.fence + 1
             WHERE board_leases.lease_until <= ?7 OR board_leases.instance = ?2 OR {}
             RETURNING fence",
            instances::stale_sql("board_leases.instance", "?7")
        );
        let fence: Option<i64> = sqlx::query_scalar(&sql)
            .bind(board_id)
            .bind(self.instance())
            .bind(job.map(|j| j.job_id))
            .bind(token)
            .bind(now + self.lease.as_millis() as i64)
            .bind(job.map(|j| j.token.as_str()))
            .bind(now)
            .fetch_optional(self.store.pool())
            .await?;
        Ok(fence)
    }

    /// Who holds a board right now: (instance, job id), if anyone.
    pub async fn board_holder(
        &self,
        board_id: &str,
    ) -> anyhow::Result<Option<(String, Option<i64>)>> {
        Ok(sqlx::query_as(
            "SELECT instance, job_id FROM board_leases WHERE board_id = ?1 AND lease_until > ?2",
        )
        .bind(board_id)
        .bind(self.clock.now_ms())
        .fetch_optional(self.store.pool())
        .await?)
    }
}

async fn renew(queue: Queue, board_id: String, token: String) {
    let every = (queue.lease / 3).max(Duration::from_millis(500));
    loop {
        tokio::time::sleep(every).await;
        let now = queue.clock.now_ms();
        let r = sqlx::query(
            "UPDATE board_leases SET lease_until = ?1 WHERE board_id = ?2 AND token = ?3",
        )
        .bind(now + queue.lease.as_millis() as i64)
        .bind(&board_id)
        .bind(&token)
        .execute(queue.store.pool())
        .await;
        match r {
            Ok(r) if r.rows_affected() == 1 => {}
            Ok(_) => {
                tracing::warn!(board = %board_id, "lost the board's writer lease while writing");
                return;
            }
            Err(e) => {
                tracing::warn!(board = %board_id, error = %format!("{e:#}"), "could not extend the board's writer lease")
            }
        }
    }
}

impl Drop for BoardWriter {
    fn drop(&mut self) {
        self.renew.abort();
        let pool = self.queue.store.pool().clone();
        let board_id = std::mem::take(&mut self.board_id);
        let token = std::mem::take(&mut self.token);
        let release = async move {
            if let Err(e) = sqlx::query("UPDATE board_leases SET lease_until = 0, job_id = NULL WHERE board_id = ?1 AND token = ?2")
                .bind(&board_id)
                .bind(&token)
                .execute(&pool)
                .await
            {
                tracing::warn!(board = %board_id, error = %format!("{e:#}"), "could not release the board's writer lease; it expires by itself");
            }
        };
        if let Ok(handle) = tokio::runtime::Handle::try_current() {
            handle.spawn(release);
        }
    }
}
