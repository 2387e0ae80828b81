//! `ml-connector backfill` as a user runs it: the real binary against the sandbox, on a
//! time-scaled Zoho quota, killed with SIGKILL half-way and resumed.
//!
//! A test binary of its own: it measures pacing, so it must not share the machine's two cores
//! with the rest of the integration tests running in parallel (cargo runs test binaries one
//! after another).

use ml_connector::sandboxed::SandboxSetup;
use sandbox::zoho::ZohoSandboxConfig;
use std::collections::HashMap;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The time-scaled quota: 200 calls per second (Zoho's 100 per minute, 120× faster).
const PER_WINDOW: u32 = 200;
const WINDOW: Duration = Duration::from_secs(1);

fn backfill(config: &std::path::Path, extra: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_ml-connector"));
    cmd.args(["backfill", "--since", "2000-01-01", "--config"])
        .arg(config)
        .args(extra)
        .env("MLC_ZOHO__QUOTA__PER_MINUTE", PER_WINDOW.to_string())
        .env(
            "MLC_ZOHO__QUOTA__WINDOW_SECONDS",
            WINDOW.as_secs_f64().to_string(),
        )
        // The reserve only matters when real-time work competes; keep it small so the test
        // measures the pacing, not the reserve.
        .env("MLC_ZOHO__QUOTA__REALTIME_RESERVE", "2")
        // Zoho's daily cap is not time-scaled: 5,000 documents would spend a Professional
        // organization's whole day (the quota parks the rest until midnight, as it should).
        .env("MLC_ZOHO__QUOTA__DAILY_LIMIT", "1000000")
        // Zoho runs 120× faster here, so monday would see far more than a real minute's
        // requests; lift the connector's own monday minute limit (monday/limits.rs).
        .env("MLC_MONDAY__MINUTE_LIMIT", "1000000")
        // The Zoho window is time-scaled ~120x; at that pace an fsync per commit, not the quota,
        // would set the rate. Power-loss durability is not what this test measures.
        .env("MLC_DATABASE__SYNCHRONOUS_FULL", "false")
        .env("MLC_WORKERS__COUNT", "8")
        .env("MLC_WORKERS__LEASE_SECONDS", "3")
        .env("MLC_WORKERS__POLL_INTERVAL_MS", "20")
        .env("MLC_WORKERS__BACKOFF_BASE_MS", "50");
    cmd
}

/// The running command; killed when dropped (a failing test must not leave it running).
/// Its stdout is collected on a thread, so a full pipe never blocks it.
struct Running {
    child: Child,
    stdout: Option<std::thread::JoinHandle<String>>,
}

impl Running {
    fn start(mut cmd: Command) -> Running {
        let log = std::env::var("BF_LOG").ok();
        cmd.env("RUST_LOG", log.clone().unwrap_or_else(|| "error".into()));
        let stderr = match log {
            Some(_) => std::fs::File::create(std::env::temp_dir().join("backfill-test.log"))
                .map(Stdio::from)
                .unwrap_or_else(|_| Stdio::null()),
            None => Stdio::null(),
        };
        let mut child = cmd
            .stdout(Stdio::piped())
            .stderr(stderr)
            .spawn()
            .expect("start ml-connector backfill");
        let mut pipe = child.stdout.take().expect("stdout");
        let stdout = std::thread::spawn(move || {
            let mut out = String::new();
            let _ = std::io::Read::read_to_string(&mut pipe, &mut out);
            out
        });
        Running {
            child,
            stdout: Some(stdout),
        }
    }

    fn sigkill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Waits for the exit; returns success and what it printed.
    async fn finish(&mut self, deadline: Instant) -> (bool, String) {
        let status = loop {
            if let Some(status) = self.child.try_wait().expect("wait") {
                break status;
            }
            assert!(Instant::now() < deadline, "backfill did not finish in time");
            tokio::time::sleep(Duration::from_millis(50)).await;
        };
        let out = self
            .stdout
            .take()
            .map(|h| h.join().unwrap_or_default())
            .unwrap_or_default();
        (status.success(), out)
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.sigkill();
    }
}

/// Calls per second between the moments the sandbox had seen `from` and `to` detail GETs.
async fn measure_rate(setup: &SandboxSetup, from: u64, to: u64, deadline: Instant) -> f64 {
    let mut start: Option<(Instant, u64)> = None;
    loop {
        let s = setup.zoho.stats(&setup.org);
        let now = Instant::now();
        match start {
            None if s.detail_gets >= from => start = Some((now, s.api_requests)),
            Some((t0, r0)) if s.detail_gets >= to => {
                return (s.api_requests - r0) as f64 / (now - t0).as_secs_f64()
            }
            _ => {}
        }
        assert!(Instant::now() < deadline, "backfill too slow: {s:?}");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backfill_of_5000_documents_runs_at_the_cap_survives_sigkill_and_resumes_without_gap_or_duplicate(
) {
    let zoho = ZohoSandboxConfig {
        requests_per_window: PER_WINDOW,
        window: WINDOW,
        ..Default::default()
    };
    let setup = SandboxSetup::start(zoho).await.expect("sandbox");
    setup.zoho.seed(&setup.org, 2000, 1500, 1500, 11);
    // 5,000 creates in under a minute exceed monday's real complexity budget; Zoho's pace is
    // what this test measures.
    setup.monday.set_unlimited(true);
    let dir = tempfile::tempdir().expect("temp dir");
    let config = dir.path().join("ml-connector.toml");
    let toml = setup.config_toml(
        "127.0.0.1:0".parse().expect("addr"),
        &dir.path().join("backfill.db"),
    );
    std::fs::write(&config, toml).expect("write config");
    let cap = f64::from(PER_WINDOW) / WINDOW.as_secs_f64();

    // First run: measure the pace in steady state, then SIGKILL it mid-way.
    let mut first = Running::start(backfill(&config, &[]));
    let deadline = Instant::now() + Duration::from_secs(60);
    let rate_before_kill = measure_rate(&setup, 300, 2300, deadline).await;
    first.sigkill();
    let synced_at_kill = setup.zoho.stats(&setup.org).detail_gets;
    assert!(
        synced_at_kill < 4500,
        "the kill should land mid-way ({synced_at_kill} fetched)"
    );

    // Second run: the same command resumes.
    let started = Instant::now();
    let mut second = Running::start(backfill(&config, &[]));
    let rate_after_restart = measure_rate(&setup, synced_at_kill + 1000, 4900, deadline).await;
    let (ok, out) = second.finish(deadline + Duration::from_secs(30)).await;
    assert!(ok, "backfill failed: {out}");
    assert!(out.contains("backfill done"), "{out}");
    let resumed_in = started.elapsed();

    let stats = setup.zoho.stats(&setup.org);
    assert_eq!(
        stats.rate_limited_429, 0,
        "the quota must keep every call under Zoho's limit: {stats:?}"
    );
    for (kind, expected) in [("invoice", 2000), ("bill", 1500), ("purchase_order", 1500)] {
        let mut seen: HashMap<String, usize> = HashMap::new();
        for item in setup.monday.items(setup.board_id(kind)) {
            *seen
                .entry(item.texts.get("zoho_id").cloned().unwrap_or_default())
                .or_default() += 1;
        }
        let duplicates: Vec<_> = seen.iter().filter(|(_, n)| **n > 1).collect();
        assert!(
            duplicates.is_empty(),
            "{kind}: duplicate items {duplicates:?}"
        );
        let docs = setup.zoho.documents(&setup.org, kind);
        let id_field = id_field(kind);
        let missing: Vec<_> = docs
            .iter()
            .filter_map(|d| d[id_field].as_str())
            .filter(|id| !seen.contains_key(*id))
            .collect();
        assert!(
            missing.is_empty(),
            "{kind}: {} documents missing after resume",
            missing.len()
        );
        assert_eq!(seen.len(), expected, "{kind}: one item per document");
    }
    eprint!("ml-connector backfill printed: {out}");
    eprintln!(
        "backfill pace: {rate_before_kill:.1}/s before the kill, {rate_after_restart:.1}/s after the restart \
         (cap {cap:.0}/s); resumed run took {resumed_in:?}; Zoho calls {} (detail {}, list {}); 429s {}",
        stats.api_requests, stats.detail_gets, stats.list_calls, stats.rate_limited_429
    );
    assert!(
        rate_before_kill >= 0.95 * cap,
        "paced at {rate_before_kill:.1}/s, below 95% of the {cap:.0}/s cap"
    );
    assert!(
        rate_after_restart >= 0.95 * cap,
        "paced at {rate_after_restart:.1}/s after the restart, below 95% of the cap"
    );
}

fn id_field(kind: &str) -> &'static str {
    match kind {
        "invoice" => "invoice_id",
        "bill" => "bill_id",
        _ => "purchaseorder_id",
    }
}
