//! The real binary, killed with SIGKILL while jobs are in flight, then restarted.

use ml_connector::config::DatabaseConfig;
use ml_connector::sandboxed::SandboxSetup;
use ml_connector::store::Store;
use sandbox::monday::Faults;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

fn start(config: &std::path::Path) -> Child {
    Command::new(env!("CARGO_BIN_EXE_ml-connector"))
        .args(["serve", "--config"])
        .arg(config)
        .env("MLC_WORKERS__LEASE_SECONDS", "3")
        .env("MLC_WORKERS__POLL_INTERVAL_MS", "50")
        .env("MLC_WORKERS__BACKOFF_BASE_MS", "50")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start ml-connector")
}

async fn wait_healthy(port: u16) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        if let Ok(r) = reqwest::get(format!("http://127.0.0.1:{port}/healthz")).await {
            if r.status() == 200 {
                return;
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("ml-connector did not become healthy");
}

#[tokio::test]
async fn sigkill_mid_flight_then_restart_syncs_every_accepted_event_exactly_once() {
    const DOCS: usize = 40;
    let setup = SandboxSetup::start(Default::default())
        .await
        .expect("sandbox");
    // Slow monday down so the kill lands while jobs are running.
    setup.monday.set_faults(Faults {
        latency: Duration::from_millis(60),
        ..Default::default()
    });
    setup.zoho.seed(&setup.org, DOCS, 0, 0, 7);
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("crash.db");
    let port = free_port();
    let config = dir.path().join("ml-connector.toml");
    std::fs::write(
        &config,
        setup.config_toml(format!("127.0.0.1:{port}").parse().expect("addr"), &db),
    )
    .expect("write config");

    let mut child = start(&config);
    wait_healthy(port).await;
    let url = setup.webhook_url(port);
    let ids: Vec<String> = setup
        .zoho
        .documents(&setup.org, "invoice")
        .iter()
        .filter_map(|d| d["invoice_id"].as_str().map(str::to_string))
        .collect();
    assert_eq!(ids.len(), DOCS);
    for id in &ids {
        let body = setup
            .zoho
            .webhook_body(&setup.org, "invoice", id)
            .expect("body");
        let status = setup
            .zoho
            .send_webhook(&url, Some(&setup.webhook_secret), &body)
            .await
            .expect("send");
        assert_eq!(status, 200, "accepted means durable");
    }
    // Kill once some, but not all, items exist.
    let board = setup.board_id("invoice").to_string();
    let deadline = Instant::now() + Duration::from_secs(30);
    while setup.monday.items(&board).len() < 5 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    child.kill().expect("SIGKILL");
    let _ = child.wait();
    let before_restart = setup.monday.items(&board).len();
    assert!(
        before_restart < DOCS,
        "the kill should land mid-way ({before_restart} of {DOCS} done)"
    );

    let mut child = start(&config);
    wait_healthy(port).await;
    let store = Store::open(&DatabaseConfig {
        url: format!("sqlite://{}", db.display()),
        ..Default::default()
    })
    .await
    .expect("store");
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let (open,): (i64,) =
            sqlx::query_as("SELECT COUNT(*) FROM jobs WHERE state IN ('queued', 'running')")
                .fetch_one(store.pool())
                .await
                .expect("count");
        if open == 0 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "jobs did not finish after restart ({open} open)"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let _ = child.kill();
    let _ = child.wait();

    let items = setup.monday.items(&board);
    let mut zoho_ids: Vec<String> = items
        .iter()
        .filter_map(|i| i.texts.get("zoho_id").cloned())
        .collect();
    zoho_ids.sort();
    let mut expected = ids.clone();
    expected.sort();
    assert_eq!(
        zoho_ids, expected,
        "every accepted event synced exactly once"
    );
    let (dead,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM jobs WHERE state = 'dead'")
        .fetch_one(store.pool())
        .await
        .expect("dead");
    assert_eq!(dead, 0);
}
