//! `jobs` and `dead`: inspect the queue, replay or drop failed work.

use super::{load, Cli, DeadAction};
use crate::clock::SystemClock;
use crate::queue::{Job, JobState, Queue};
use crate::store::Store;
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
    let config = load(cli)?;
    let store = Store::open(&config.database).await?;
    Ok(Queue::new(
        store,
        Arc::new(SystemClock),
        Duration::from_secs(config.workers.lease_seconds),
    ))
}

fn print_jobs(jobs: &[Job]) {
    for j in jobs {
        println!(
            "#{:<6} {:<8} {:<14} {:<10} attempts {}/{}  {}",
            j.id,
            j.state,
            j.kind,
            j.connection_id,
            j.attempts,
            j.max_attempts,
            j.last_error.as_deref().unwrap_or("")
        );
    }
}
