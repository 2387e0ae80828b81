//! `jobs` and `dead`: inspect the queue, replay or drop failed work.

use super::{operator_store, Cli, DeadAction};
use crate::clock::SystemClock;
use crate::queue::{Job, JobPayload, JobState, Queue};
use std::sync::Arc;
use std::time::Duration;

pub(super) async fn list(cli: &Cli, state: Option<JobState>, limit: i64) -> anyhow::Result<()> {
    let queue = open_queue(cli).await?;
    print_jobs(&queue.list(state, limit).await?);
    let s = queue.stats().await?;
    println!(
        "queued {} · running {} · done {} · dead {}",
        s.queued, s.running, s.done, s.dead
    );
    for (kind, n) in queue.unknown_kinds().await? {
        println!(
            "{n} queued job(s) of kind `{kind}`, which this version does not run: they stay queued for a newer version sharing this database"
        );
    }
    for line in crate::zoho::status::status_lines(queue.store()).await? {
        println!("{line}");
    }
    Ok(())
}

pub(super) async fn dead(cli: &Cli, action: Option<&DeadAction>) -> anyhow::Result<()> {
    let queue = open_queue(cli).await?;
    match action.unwrap_or(&DeadAction::List) {
        DeadAction::List => {
            let jobs = queue.list(Some(JobState::Dead), 500).await?;
            if jobs.is_empty() {
                println!("no dead jobs");
            }
            print_jobs(&jobs);
        }
        DeadAction::Retry { id } => {
            println!("{} job(s) queued again", queue.replay_dead(*id).await?)
        }
        DeadAction::Drop { id } => {
            println!("{} job(s) dropped", queue.drop_dead(*id).await?)
        }
    }
    Ok(())
}

async fn open_queue(cli: &Cli) -> anyhow::Result<Queue> {
    let (config, store) = operator_store(cli).await?;
    Ok(Queue::new(
        store,
        Arc::new(SystemClock),
        Duration::from_secs(config.workers.lease_seconds),
    ))
}

/// One line per job: id, state, when it last changed, connection, what it is about (the
/// document, or the kind of work), attempts, and the last error when there is one.
fn print_jobs(jobs: &[Job]) {
    for j in jobs {
        let when = chrono::DateTime::from_timestamp_millis(j.updated_at)
            .map(|t| t.format("%Y-%m-%d %H:%M:%S").to_string())
            .unwrap_or_default();
        println!(
            "#{:<6} {:<7} {when}  {:<10} {:<28} attempts {}/{}{}",
            j.id,
            j.state,
            j.connection_id,
            about(j),
            j.attempts,
            j.max_attempts,
            j.last_error
                .as_deref()
                .map(|e| format!("  last error: {e}"))
                .unwrap_or_default()
        );
    }
}

/// What a job works on, as people name it: `invoice 4600000123`, `payment 46000009 (invoice)`.
fn about(job: &Job) -> String {
    match serde_json::from_str::<JobPayload>(&job.payload) {
        Ok(JobPayload::SyncDocument {
            document_kind, id, ..
        }) => format!("{} {id}", document_kind.as_str()),
        Ok(JobPayload::SyncPayment { payment_id, .. }) => format!("payment {payment_id}"),
        Ok(JobPayload::Reconcile { document_kind }) => {
            format!("reconcile {}s", document_kind.as_str())
        }
        Ok(JobPayload::AuditStatusChange { change }) => format!("monday item {}", change.item_id),
        Err(_) => job.kind.to_string(),
    }
}
