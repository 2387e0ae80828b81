//! Worker loop: claim, run with a heartbeat, record the outcome.
//!
//! A job runs inside its lease's scope (its writes check the lease first, see
//! `queue::fence`) and under `catch_unwind`: a panic inside a job is a failed attempt of that
//! job (retried, then dead), never the end of the worker.

use super::{audit, document, payment, reconcile};
use crate::queue::{Job, JobError, JobLease, JobPayload};
use crate::runtime::Runtime;
use futures::FutureExt;
use rand::SeedableRng;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::Duration;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use tracing::Instrument;

/// Starts the workers, and this process's queue heartbeat, which beats until the last worker
/// has finished the job in hand (so its jobs are not taken over while it completes them).
pub fn spawn_workers(rt: Arc<Runtime>, cancel: CancellationToken) -> Vec<JoinHandle<()>> {
    let beating = CancellationToken::new();
    let alive = Arc::new(beating.clone().drop_guard());
    let queue = rt.queue.clone();
    let beat = tokio::spawn(async move {
        match queue.start_beating(beating).await {
            Ok(h) => {
                let _ = h.await;
            }
            Err(e) => {
                tracing::warn!(error = %format!("{e:#}"), "could not register this process in the queue; a crash would leave its jobs until their leases expire")
            }
        }
    });
    let mut handles: Vec<JoinHandle<()>> = (0..rt.config.workers.count)
        .map(|n| {
            let alive = alive.clone();
            let rt = rt.clone();
            let cancel = cancel.clone();
            tokio::spawn(async move {
                run_worker(rt, n, cancel).await;
                drop(alive);
            })
        })
        .collect();
    drop(alive);
    handles.push(beat);
    handles
}

pub async fn run_worker(rt: Arc<Runtime>, n: usize, cancel: CancellationToken) {
    let poll = Duration::from_millis(rt.config.workers.poll_interval_ms);
    let mut rng = rand::rngs::StdRng::from_entropy();
    loop {
        if cancel.is_cancelled() {
            return;
        }
        match rt.queue.claim().await {
            Ok(Some(job)) => {
                let span = tracing::info_span!("job", id = job.id, kind = %job.kind, connection = %job.connection_id, attempt = job.attempts, worker = n);
                // Finish the job in hand even on shutdown; the lease covers a hard kill.
                run_one(&rt, job, &mut rng).instrument(span).await;
            }
            Ok(None) => {
                tokio::select! {
                    _ = rt.wake.notified() => {}
                    _ = tokio::time::sleep(poll) => {}
                    _ = cancel.cancelled() => return,
                }
            }
            Err(e) => {
                tracing::error!(error = %format!("{e:#}"), "could not claim a job");
                tokio::select! {
                    _ = tokio::time::sleep(poll * 4) => {}
                    _ = cancel.cancelled() => return,
                }
            }
        }
    }
}

async fn run_one(rt: &Runtime, job: Job, rng: &mut impl rand::Rng) {
    if job.attempts > job.max_attempts {
        let reason = format!(
            "gave up after {} attempts (the last ones ended without a result: the worker may have crashed); last error: {}",
            job.max_attempts,
            job.last_error.as_deref().unwrap_or("none recorded")
        );
        let _ = rt.queue.kill(&job, &reason).await;
        return;
    }
    // An upstream asked this connection to wait: hold the job until then, spending no attempt.
    if let Some(until_ms) = rt
        .pauses
        .paused_until(&job.connection_id, rt.clock.now_ms())
    {
        let _ = rt
            .queue
            .park(
                &job,
                until_ms,
                "waiting as the upstream API asked (rate limit)",
            )
            .await;
        return;
    }
    let heartbeat_every = Duration::from_secs(rt.config.workers.lease_seconds.max(3) / 3);
    let started = std::time::Instant::now();
    let lease = JobLease {
        queue: rt.queue.clone(),
        job_id: job.id,
        token: job.lease_token.clone().unwrap_or_default(),
    };
    // The job's queue priority is its Zoho quota class (real-time first).
    let work = lease.scope(
        crate::zoho::quota::Priority::from_job_priority(job.priority).scope(
            AssertUnwindSafe(async {
                if let Some(hook) = rt.job_hook() {
                    hook(&job);
                }
                execute(rt, &job).await
            })
            .catch_unwind(),
        ),
    );
    tokio::pin!(work);
    let result = loop {
        tokio::select! {
            r = &mut work => break r.unwrap_or_else(|panic| Err(JobError::retry(format!(
                "the job panicked: {}; it is retried like any failure, and goes to the dead state if it keeps failing",
                panic_message(panic.as_ref())
            )))),
            _ = tokio::time::sleep(heartbeat_every) => {
                match rt.queue.heartbeat(&job).await {
                    Ok(true) => {}
                    // The lease passed to another worker: stop here (dropping the work in hand)
                    // so two workers never write the same document at once.
                    Ok(false) => {
                        tracing::warn!("lost the lease while working; abandoning the job to its new holder");
                        return;
                    }
                    Err(e) => tracing::warn!(error = %format!("{e:#}"), "could not extend the lease; will try again"),
                }
            }
        }
    };
    let outcome = match &result {
        Ok(()) => "done",
        Err(JobError::LeaseLost) => "lost_lease",
        Err(JobError::Permanent(_)) => "dead",
        Err(JobError::Retry { .. }) if job.attempts >= job.max_attempts => "dead",
        Err(JobError::Retry { .. }) => "retry",
        Err(_) => "parked",
    };
    crate::telemetry::metrics::job_finished(job.kind.as_str(), outcome, started.elapsed());
    let recorded = match result {
        Ok(()) => rt.queue.complete(&job).await,
        Err(JobError::LeaseLost) => {
            tracing::warn!("lost the lease while working; stopped before the next write, the new holder does the job");
            return;
        }
        Err(JobError::Permanent(reason)) => {
            tracing::error!(%reason, "job failed permanently");
            rt.queue.kill(&job, &reason).await
        }
        Err(JobError::Unusable { status, reason }) => match rt.connection(&job.connection_id) {
            Some(conn) => match conn.zoho.park_connection(status, reason).await {
                JobError::Park { until_ms, reason } => rt.queue.park(&job, until_ms, &reason).await,
                other => rt.queue.kill(&job, &other.to_string()).await,
            },
            None => rt.queue.kill(&job, &reason).await,
        },
        Err(JobError::Park { until_ms, reason }) => {
            // Waits of up to two minutes are routine pacing (quota windows); longer ones
            // (daily caps, reconnects) are worth an operator's attention.
            if until_ms - rt.clock.now_ms() > 120_000 {
                tracing::warn!(%reason, "job parked");
            } else {
                tracing::debug!(%reason, "job parked");
            }
            rt.queue.park(&job, until_ms, &reason).await
        }
        Err(JobError::Retry {
            reason,
            after,
            pause,
        }) => {
            if let (Some(upstream), Some(after)) = (pause, after) {
                rt.pauses.pause(
                    &job.connection_id,
                    upstream,
                    rt.clock.now_ms() + after.as_millis() as i64,
                );
            }
            if job.attempts >= job.max_attempts {
                let reason = format!(
                    "gave up after {} attempts; last error: {reason}",
                    job.attempts
                );
                tracing::error!(%reason, "job exhausted its attempts");
                rt.queue.kill(&job, &reason).await
            } else {
                let delay = rt.retry.delay(job.attempts as u32, after, rng);
                tracing::warn!(%reason, delay_ms = delay.as_millis() as u64, "job will be retried");
                rt.queue.retry_later(&job, delay, &reason).await
            }
        }
    };
    match recorded {
        Ok(true) => {}
        Ok(false) => {
            tracing::warn!("job outcome not recorded: the lease had passed to another worker")
        }
        Err(e) => {
            tracing::error!(error = %format!("{e:#}"), "could not record the job outcome; it will run again after its lease")
        }
    }
}

/// The text of a panic (`panic!("…")` carries a `&str` or a `String`).
fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    let text = payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "no message".into());
    text.chars().take(300).collect()
}

async fn execute(rt: &Runtime, job: &Job) -> Result<(), JobError> {
    let conn = rt.connection(&job.connection_id).ok_or_else(|| {
        JobError::Permanent(format!(
            "connection `{}` is no longer configured; add it back or drop the job with `ml-connector dead drop {}`",
            job.connection_id, job.id
        ))
    })?;
    let payload: JobPayload = serde_json::from_str(&job.payload).map_err(|e| {
        JobError::Permanent(format!(
            "job payload of kind `{}` is unreadable ({e}); drop it",
            job.kind
        ))
    })?;
    match payload {
        JobPayload::SyncDocument {
            document_kind,
            id,
            snapshot,
        } => {
            document::sync_document(
                rt,
                conn,
                job.attempts,
                document_kind,
                &id,
                snapshot.map(|b| *b),
            )
            .await?;
        }
        JobPayload::SyncPayment {
            vendor,
            payment_id,
            document_ids,
        } => {
            payment::sync_payment(rt, conn, vendor, &payment_id, document_ids).await?;
        }
        JobPayload::Reconcile { document_kind } => {
            reconcile::reconcile(rt, conn, document_kind).await?;
        }
        JobPayload::AuditStatusChange { change } => {
            let outcome = audit::audit_status_change(rt, conn, &change).await?;
            tracing::debug!(?outcome, trigger = %change.trigger_uuid, "monday status change handled");
        }
    }
    Ok(())
}
