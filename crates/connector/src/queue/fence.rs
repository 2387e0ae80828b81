//! A running job's lease is its right to write. The worker runs each job inside
//! [`JobLease::scope`]; before a write to a board or to the item map, the job's code calls
//! [`ensure_lease_held`], which asks the store whether this job still holds its lease token.
//! A worker whose lease passed to another (it expired, or its process was taken for dead)
//! gets [`super::JobError::LeaseLost`] and stops there, before writing. Queue transitions are
//! fenced in their own `UPDATE … WHERE lease_token = ?`, and the board lease is taken only
//! while the job's lease is held (one statement, see [`super::boards`]).

use super::{JobError, Queue};

/// The lease of the job this task is running.
#[derive(Clone, Debug)]
pub struct JobLease {
    pub queue: Queue,
    pub job_id: i64,
    pub token: String,
}

tokio::task_local! {
    static CURRENT: JobLease;
}

impl JobLease {
    /// Runs `fut` as the work of this lease's job.
    pub async fn scope<F: std::future::Future>(self, fut: F) -> F::Output {
        CURRENT.scope(self, fut).await
    }

    /// The lease of the job the current task is running, if any.
    pub fn current() -> Option<JobLease> {
        CURRENT.try_with(Clone::clone).ok()
    }

    /// Whether the job still holds this lease (running, same token).
    pub async fn held(&self) -> anyhow::Result<bool> {
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM jobs WHERE id = ?1 AND lease_token = ?2 AND state = 'running'",
        )
        .bind(self.job_id)
        .bind(&self.token)
        .fetch_one(self.queue.store.pool())
        .await?;
        Ok(n == 1)
    }
}

/// Outside a job (setup, tests) there is no lease to check and this returns `Ok`.
pub async fn ensure_lease_held() -> Result<(), JobError> {
    let Some(lease) = JobLease::current() else {
        return Ok(());
    };
    match lease.held().await {
        Ok(true) => Ok(()),
        Ok(false) => Err(JobError::LeaseLost),
        Err(e) => Err(JobError::store(e)),
    }
}
