//! Webhook intake and end-to-end sync benchmark against the sandbox.
//!
//! `cargo run --release -p ml-connector --example webhook_bench -- [documents] [concurrency]`
//!
//! Measures: how many signed webhooks per second the endpoint accepts (each one verified,
//! recorded and enqueued in one SQLite transaction before the 200), the acceptance latency
//! percentiles, and how long until every document is an item on its monday board.

use ml_connector::clock::SystemClock;
use ml_connector::config::Config;
use ml_connector::sandboxed::SandboxSetup;
use ml_connector::Application;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let documents: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(2000);
    let concurrency: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(16);

    let setup = SandboxSetup::start(Default::default()).await?;
    setup.zoho.seed(&setup.org, documents, 0, 0, 1);
    let dir = tempfile::tempdir()?;
    let toml = setup.config_toml("127.0.0.1:0".parse()?, &dir.path().join("bench.db"));
    let mut config = Config::from_toml_str(&toml)?;
    config.workers.poll_interval_ms = 50;
    let app = Application::build(config, Arc::new(SystemClock)).await?;
    let port = app.port();
    let rt = app.runtime();
    let cancel = CancellationToken::new();
    tokio::spawn(app.run_until_stopped(cancel.clone()));

    let url = setup.webhook_url(port);
    let bodies: Vec<serde_json::Value> = setup
        .zoho
        .documents(&setup.org, "invoice")
        .into_iter()
        .map(|d| serde_json::json!({ "invoice": d }))
        .collect();
    let secret = setup.webhook_secret.clone();
    let setup = Arc::new(setup);
    let started = Instant::now();
    let chunks: Vec<Vec<serde_json::Value>> = bodies
        .chunks(documents.div_ceil(concurrency))
        .map(|c| c.to_vec())
        .collect();
    let mut tasks = Vec::new();
    for chunk in chunks {
        let (setup, url, secret) = (setup.clone(), url.clone(), secret.clone());
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            for body in chunk {
                let t = Instant::now();
                let status = setup
                    .zoho
                    .send_webhook(&url, Some(&secret), &body)
                    .await
                    .unwrap_or(0);
                assert_eq!(status, 200);
                latencies.push(t.elapsed());
            }
            latencies
        }));
    }
    let mut latencies = Vec::new();
    for t in tasks {
        latencies.extend(t.await?);
    }
    let accepted_in = started.elapsed();
    let board = setup.board_id("invoice").to_string();
    while setup.monday.items(&board).len() < documents {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let synced_in = started.elapsed();
    latencies.sort();
    let pct = |p: f64| latencies[((latencies.len() as f64 - 1.0) * p) as usize];
    println!("documents            {documents}");
    println!("sender concurrency   {concurrency}");
    println!(
        "webhooks accepted    {:.0}/s ({accepted_in:.2?} for all)",
        documents as f64 / accepted_in.as_secs_f64()
    );
    println!(
        "accept latency       p50 {:.2?}  p95 {:.2?}  p99 {:.2?}  max {:.2?}",
        pct(0.5),
        pct(0.95),
        pct(0.99),
        pct(1.0)
    );
    println!(
        "all items on board   {synced_in:.2?} ({:.0} documents/s end to end)",
        documents as f64 / synced_in.as_secs_f64()
    );
    let stats = rt.queue.stats().await?;
    println!(
        "queue                done {} dead {}",
        stats.done, stats.dead
    );
    cancel.cancel();
    Ok(())
}
