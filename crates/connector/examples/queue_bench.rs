//! Queue claim throughput with a deep backlog.
//!
//! `cargo run --release -p ml-connector --example queue_bench -- [backlog] [claims]`
//!
//! Enqueues `backlog` jobs (a tenth of them parked in the future, as paced backfill jobs are),
//! then times `claims` claim + complete cycles from 4 concurrent workers.

use ml_connector::clock::SystemClock;
use ml_connector::config::DatabaseConfig;
use ml_connector::queue::{priority, NewJob, Queue};
use ml_connector::store::Store;
use std::sync::Arc;
use std::time::{Duration, Instant};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let backlog: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(20_000);
    let claims: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(4_000);
    let dir = tempfile::tempdir()?;
    let store = Store::open(&DatabaseConfig {
        url: format!("sqlite://{}", dir.path().join("q.db").display()),
        ..Default::default()
    })
    .await?;
    let queue = Queue::new(store, Arc::new(SystemClock), Duration::from_secs(60));
    let future = chrono::Utc::now().timestamp_millis() + 3_600_000;
    let started = Instant::now();
    for i in 0..backlog {
        queue
            .enqueue(&NewJob {
                connection_id: format!("c{}", i % 10),
                kind: ml_connector::queue::JobKind::SyncDocument,
                payload: serde_json::json!({}),
                priority: if i % 3 == 0 {
                    priority::REALTIME
                } else {
                    priority::BACKFILL
                },
                max_attempts: 3,
                document_key: Some(format!("doc-{i}")),
                run_at_ms: (i % 10 == 0).then_some(future),
            })
            .await?;
    }
    println!("enqueued {backlog} jobs in {:.2?}", started.elapsed());
    let per_worker = claims / 4;
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..4 {
        let queue = queue.clone();
        tasks.push(tokio::spawn(async move {
            let mut worst = Duration::ZERO;
            for _ in 0..per_worker {
                let t = Instant::now();
                let job = queue.claim().await?.expect("a due job");
                worst = worst.max(t.elapsed());
                queue.complete(&job).await?;
            }
            anyhow::Ok(worst)
        }));
    }
    let mut worst = Duration::ZERO;
    for t in tasks {
        worst = worst.max(t.await??);
    }
    let took = started.elapsed();
    println!(
        "{} claim+complete cycles over a {backlog}-job backlog: {:.0}/s, slowest claim {worst:.2?}",
        per_worker * 4,
        (per_worker * 4) as f64 / took.as_secs_f64()
    );
    Ok(())
}
