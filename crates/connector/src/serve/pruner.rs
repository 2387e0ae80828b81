//! Retention: deletes finished jobs and old webhook events at start and every hour
//! (`[retention]`, see `queue::retention`).

use crate::runtime::Runtime;
use std::sync::Arc;
use std::time::Duration;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

const EVERY: Duration = Duration::from_secs(3600);

pub fn spawn(rt: Arc<Runtime>, cancel: CancellationToken) -> JoinHandle<()> {
    tokio::spawn(async move {
        let retention = crate::queue::Retention::from(&rt.config.retention);
        loop {
            match rt.queue.prune(&retention).await {
                Ok(p) if p.jobs + p.events > 0 => {
                    tracing::info!(
                        jobs = p.jobs,
                        events = p.events,
                        "pruned finished work past its retention"
                    )
                }
                Ok(_) => {}
                Err(e) => {
                    tracing::warn!(error = %format!("{e:#}"), "could not prune old jobs and events; will try again")
                }
            }
            tokio::select! {
                _ = cancel.cancelled() => return,
                _ = tokio::time::sleep(EVERY) => {}
            }
        }
    })
}
