//! Issue 7 §2.5, §2.7, §2.8, §2.10 (retention): tenants do not wait for each other, one writer
//! per board across runtimes, a dead process's jobs come back within seconds, a panicking job
//! fails alone, unknown kinds stay queued, old work is pruned.

use crate::helpers::{fast, invoice, spawn_app_with, TestApp};
use ml_connector::clock::SystemClock;
use ml_connector::config::Config;
use ml_connector::queue::{priority, JobPayload, JobState, NewJob};
use ml_connector::sandboxed::{demo_board_toml, demo_columns};
use ml_connector::Application;
use sandbox::monday::Faults;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;
use zoho_books::DocumentKind;

const ORG_B: &str = "20250202";

/// A second connection (`other`) on its own Zoho organization and invoice board.
struct Other {
    board: String,
    token: String,
    secret: String,
}

fn add_other(setup: &ml_connector::sandboxed::SandboxSetup, config_toml: &mut String) -> Other {
    setup
        .zoho
        .add_organization(ORG_B, "Other Trading Ltd", "eu", "PROFESSIONAL");
    let refresh = setup.zoho.issue_refresh_token(&setup.client_id, &[ORG_B]);
    let board = setup
        .monday
        .create_board("Other invoices", &demo_columns("invoice"));
    let other = Other {
        board,
        token: "otherwebhooktoken0123456789abcdef".into(),
        secret: "othersecret0123456789".into(),
    };
    config_toml.push_str(&format!(
        r#"
[[connections]]
id = "other"
webhook_token = "{token}"
[connections.zoho]
organization_id = "{ORG_B}"
data_centre = "eu"
refresh_token = "{refresh}"
webhook_secret = "{secret}"
[connections.monday]
token = "{monday}"
"#,
        token = other.token,
        secret = other.secret,
        monday = setup.monday_token,
    ));
    config_toml.push_str(&demo_board_toml("invoice", &other.board));
    other
}

async fn start(config: Config) -> (u16, Arc<ml_connector::runtime::Runtime>, CancellationToken) {
    let app = Application::build(config, Arc::new(SystemClock))
        .await
        .expect("build app");
    let port = app.port();
    let rt = app.runtime();
    let cancel = CancellationToken::new();
    tokio::spawn(app.run_until_stopped(cancel.clone()));
    (port, rt, cancel)
}

/// Issue 7 §2.5. Fails before the change (checked by ordering connections by name instead of
/// by turn): B's job waited behind A's 500, which claims served in global priority order.
#[tokio::test]
async fn one_organizations_backlog_does_not_delay_anothers_webhook() {
    let setup = ml_connector::sandboxed::SandboxSetup::start(Default::default())
        .await
        .expect("sandbox");
    setup.zoho.seed(&setup.org, 500, 0, 0, 7);
    let dir = tempfile::tempdir().expect("dir");
    let mut toml = setup.config_toml(
        "127.0.0.1:0".parse().expect("addr"),
        &dir.path().join("fair.db"),
    );
    let other = add_other(&setup, &mut toml);
    let mut config = Config::from_toml_str(&toml).expect("config");
    fast(&mut config);
    let (port, rt, cancel) = start(config).await;
    let ids: Vec<String> = setup
        .zoho
        .documents(&setup.org, "invoice")
        .iter()
        .filter_map(|d| d["invoice_id"].as_str().map(str::to_string))
        .collect();
    assert_eq!(ids.len(), 500);
    // Every monday write of A takes a while, and A's writes go one at a time (one board).
    setup.monday.set_unlimited(true);
    setup.monday.set_faults(Faults {
        latency: Duration::from_millis(100),
        ..Default::default()
    });
    // 500 due real-time jobs of organization A (webhooks, as a burst would bring them).
    let url_a = setup.webhook_url(port);
    for id in &ids {
        let body = setup
            .zoho
            .webhook_body(&setup.org, "invoice", id)
            .expect("body");
        let status = setup
            .zoho
            .send_webhook(&url_a, Some(&setup.webhook_secret), &body)
            .await
            .expect("send");
        assert_eq!(status, 200);
    }
    let board_a = setup.board_id("invoice").to_string();
    let deadline = Instant::now() + Duration::from_secs(20);
    while setup.monday.items(&board_a).len() < 5 {
        assert!(Instant::now() < deadline, "A's jobs did not start");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // B's webhook: one invoice of another organization.
    setup.zoho.put_document(
        ORG_B,
        "invoice",
        invoice("9100001", "B-1", "10.00", "2026-12-01T10:00:00+0000"),
    );
    let body = setup
        .zoho
        .webhook_body(ORG_B, "invoice", "9100001")
        .expect("body");
    let sent = Instant::now();
    let status = setup
        .zoho
        .send_webhook(
            &format!("http://127.0.0.1:{port}/webhooks/zoho/{}", other.token),
            Some(&other.secret),
            &body,
        )
        .await
        .expect("send");
    assert_eq!(status, 200);
    loop {
        if !setup.monday.items(&other.board).is_empty() {
            break;
        }
        assert!(
            sent.elapsed() < Duration::from_secs(2),
            "B's webhook did not reach its board within 2 s while A had a backlog ({} of A's items synced)",
            setup.monday.items(&board_a).len()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let a_open = rt.queue.stats().await.expect("stats").queued;
    assert!(a_open > 0, "A still had a backlog when B's item appeared");
    cancel.cancel();
}

/// Issue 7 §2.7: two runtimes (each with its own workers, board mutexes and queue instance,
/// as `serve` and `backfill` are) on one database never write one board at once. Fails before
/// the change: the board lock was an in-process mutex, the sandbox saw overlapping writes.
#[tokio::test]
async fn two_runtimes_on_one_database_never_write_one_board_at_once() {
    let setup = ml_connector::sandboxed::SandboxSetup::start(Default::default())
        .await
        .expect("sandbox");
    setup.monday.set_faults(Faults {
        latency: Duration::from_millis(40),
        ..Default::default()
    });
    setup.zoho.seed(&setup.org, 30, 0, 0, 11);
    let dir = tempfile::tempdir().expect("dir");
    let toml = setup.config_toml(
        "127.0.0.1:0".parse().expect("addr"),
        &dir.path().join("two.db"),
    );
    let mut runtimes = Vec::new();
    for _ in 0..2 {
        let mut config = Config::from_toml_str(&toml).expect("config");
        fast(&mut config);
        config.workers.count = 3;
        runtimes.push(start(config).await);
    }
    let ids: Vec<String> = setup
        .zoho
        .documents(&setup.org, "invoice")
        .iter()
        .filter_map(|d| d["invoice_id"].as_str().map(str::to_string))
        .collect();
    let jobs: Vec<NewJob> = ids
        .iter()
        .map(|id| {
            JobPayload::sync(DocumentKind::Invoice, id.clone()).into_new_job(
                "demo",
                priority::REALTIME,
                12,
            )
        })
        .collect();
    let ran: Vec<Arc<std::sync::atomic::AtomicUsize>> = runtimes
        .iter()
        .map(|(_, rt, _)| {
            let ran = Arc::new(std::sync::atomic::AtomicUsize::new(0));
            let count = ran.clone();
            rt.set_job_hook(Some(Arc::new(move |_: &ml_connector::queue::Job| {
                count.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            })));
            ran
        })
        .collect();
    let rt = runtimes[0].1.clone();
    rt.queue.enqueue_all(&jobs, &[]).await.expect("enqueue");
    let board = setup.board_id("invoice").to_string();
    let deadline = Instant::now() + Duration::from_secs(60);
    while setup.monday.items(&board).len() < ids.len() {
        assert!(Instant::now() < deadline, "jobs did not finish");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // Both runtimes did work (otherwise the test proves nothing).
    for (n, ran) in ran.iter().enumerate() {
        assert!(
            ran.load(std::sync::atomic::Ordering::SeqCst) > 0,
            "runtime {n} ran no job"
        );
    }
    assert_eq!(
        setup.monday.stats().max_concurrent_per_board,
        1,
        "two writers on one board at once"
    );
    for (_, _, c) in runtimes {
        c.cancel();
    }
}

/// Issue 7 §2.8. Fails before the change: the panic ended the only worker's task, so the
/// next document was never synced and the panicking job stayed `running`.
#[tokio::test]
async fn a_panicking_job_fails_alone_and_the_worker_lives() {
    let app = spawn_app_with(Default::default(), |c| {
        c.workers.count = 1;
        c.workers.max_attempts = 2;
    })
    .await;
    app.rt
        .set_job_hook(Some(Arc::new(|job: &ml_connector::queue::Job| {
            if job.payload.contains("7000666") {
                panic!("injected fault in the job");
            }
        })));
    let bad = app.put(
        "invoice",
        invoice("7000666", "INV-666", "1.00", "2026-12-01T10:00:00+0000"),
    );
    assert_eq!(app.deliver(&bad).await, 200);
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let dead = app
            .rt
            .queue
            .list(Some(JobState::Dead), 10)
            .await
            .expect("list");
        if let Some(j) = dead.first() {
            assert!(
                j.last_error.as_deref().unwrap_or("").contains("panicked"),
                "{:?}",
                j.last_error
            );
            assert_eq!(j.attempts, 2, "retried, then dead");
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the panicking job did not go dead"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let good = app.put(
        "invoice",
        invoice("7000667", "INV-667", "2.00", "2026-12-01T10:00:00+0000"),
    );
    assert_eq!(app.deliver(&good).await, 200);
    app.settle().await;
    assert_eq!(app.items("invoice").len(), 1, "the worker lived on");
}

/// Issue 7 §2.8: a job of a kind this version does not know stays queued, unclaimed, not dead.
#[tokio::test]
async fn a_job_of_an_unknown_kind_stays_queued() {
    let app = spawn_app_with(Default::default(), |_| {}).await;
    let now = chrono::Utc::now().timestamp_millis();
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO jobs (connection_id, kind, payload, state, priority, attempts, max_attempts, run_at, created_at, updated_at)
         VALUES ('demo', 'from_the_future', '{}', 'queued', 100, 0, 3, ?1, ?1, ?1) RETURNING id",
    )
    .bind(now)
    .fetch_one(app.rt.store.pool())
    .await
    .expect("insert");
    let body = app.put(
        "invoice",
        invoice("7000700", "INV-700", "3.00", "2026-12-01T10:00:00+0000"),
    );
    assert_eq!(app.deliver(&body).await, 200);
    let deadline = Instant::now() + Duration::from_secs(20);
    while app.items("invoice").is_empty() {
        assert!(Instant::now() < deadline, "known work did not run");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let job = app.rt.queue.get(id).await.expect("get").expect("row");
    assert_eq!(job.state, JobState::Queued);
    assert_eq!(job.attempts, 0);
    assert_eq!(job.kind.as_str(), "from_the_future");
    assert_eq!(
        app.rt.queue.unknown_kinds().await.expect("unknown kinds"),
        vec![("from_the_future".to_string(), 1)],
        "`jobs` reports it"
    );
}

/// Issue 7 §2.10: finished jobs and raw events past retention are deleted; queued jobs and
/// the events they need are kept.
#[tokio::test]
async fn old_finished_jobs_and_events_are_pruned_and_open_work_is_kept() {
    let app: TestApp = spawn_app_with(Default::default(), |_| {}).await;
    let pool = app.rt.store.pool();
    let day = 86_400_000i64;
    let now = chrono::Utc::now().timestamp_millis();
    let old = now - 40 * day;
    let mut events = Vec::new();
    for n in 0..3 {
        let (id,): (i64,) = sqlx::query_as(
            "INSERT INTO events (source, connection_id, dedup_key, received_at, body) VALUES ('zoho', 'demo', ?1, ?2, x'00') RETURNING id",
        )
        .bind(format!("old-{n}"))
        .bind(now)
        .fetch_one(pool)
        .await
        .expect("event");
        events.push(id);
    }
    let insert = |state: &'static str, updated: i64, event: Option<i64>| async move {
        let pool = pool;
        let (id,): (i64,) = sqlx::query_as(
            "INSERT INTO jobs (connection_id, kind, payload, state, priority, attempts, max_attempts, run_at, event_id, created_at, updated_at)
             VALUES ('demo', 'from_the_future', '{}', ?1, 1, 0, 3, ?2, ?3, ?2, ?2) RETURNING id",
        )
        .bind(state)
        .bind(updated)
        .bind(event)
        .fetch_one(pool)
        .await
        .expect("job");
        id
    };
    let old_done = insert("done", old, Some(events[0])).await;
    let old_dead = insert("dead", old, None).await;
    let very_old_dead = insert("dead", now - 100 * day, None).await;
    let recent_done = insert("done", now - day, None).await;
    let old_queued = insert("queued", old, Some(events[1])).await;
    // Aged only now: the pruner `serve` runs at start must not see them before their jobs.
    sqlx::query("UPDATE events SET received_at = ?1 WHERE dedup_key LIKE 'old-%'")
        .bind(old)
        .execute(pool)
        .await
        .expect("age events");
    let pruned = app
        .rt
        .queue
        .prune(&ml_connector::queue::Retention::from(
            &app.rt.config.retention,
        ))
        .await
        .expect("prune");
    // `serve` also prunes at start, concurrently with this test: under load it may have taken
    // some of these rows first. What matters is which rows remain (checked below).
    assert!(pruned.jobs <= 2 && pruned.events <= 2, "{pruned:?}");
    for (id, kept) in [
        (old_done, false),
        (old_dead, true),
        (very_old_dead, false),
        (recent_done, true),
        (old_queued, true),
    ] {
        assert_eq!(
            app.rt.queue.get(id).await.expect("get").is_some(),
            kept,
            "job {id}"
        );
    }
    let left: Vec<(i64,)> = sqlx::query_as("SELECT id FROM events WHERE dedup_key LIKE 'old-%'")
        .fetch_all(pool)
        .await
        .expect("events");
    assert_eq!(
        left,
        vec![(events[1],)],
        "only the queued job's event is kept"
    );
}

#[test]
fn lease_seconds_is_validated_with_a_clear_error() {
    let setup_toml = |lease: u64| format!("[workers]\nlease_seconds = {lease}\n");
    for bad in [0, 2, 3601] {
        let e = Config::from_toml_str(&setup_toml(bad)).expect_err("refused");
        let msg = e.to_string();
        assert!(
            msg.contains("workers.lease_seconds") && msg.contains("3 to 3600"),
            "{msg}"
        );
    }
    Config::from_toml_str(&setup_toml(60)).expect("60 is fine");
}

/// Issue 7 §2.7: the real binary, killed with SIGKILL mid-flight with a 300 s lease, then
/// restarted on the same database: the dead process's running jobs are taken back within
/// seconds (its instance stopped beating), not after the lease. Fails before the change: the
/// jobs it held stayed `running` until their 300 s leases expired.
#[tokio::test]
async fn a_killed_process_jobs_are_taken_back_within_seconds() {
    use std::process::{Command, Stdio};
    const DOCS: usize = 30;
    let setup = ml_connector::sandboxed::SandboxSetup::start(Default::default())
        .await
        .expect("sandbox");
    setup.monday.set_faults(Faults {
        latency: Duration::from_millis(150),
        ..Default::default()
    });
    setup.zoho.seed(&setup.org, DOCS, 0, 0, 5);
    let dir = tempfile::tempdir().expect("dir");
    let db = dir.path().join("kill.db");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("port");
    let config = dir.path().join("ml-connector.toml");
    std::fs::write(
        &config,
        setup.config_toml(format!("127.0.0.1:{port}").parse().expect("addr"), &db),
    )
    .expect("config");
    let start = || {
        Command::new(env!("CARGO_BIN_EXE_ml-connector"))
            .args(["serve", "--config"])
            .arg(&config)
            .env("MLC_WORKERS__LEASE_SECONDS", "300")
            .env("MLC_WORKERS__POLL_INTERVAL_MS", "50")
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start")
    };
    let healthy = || async {
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if let Ok(r) = reqwest::get(format!("http://127.0.0.1:{port}/healthz")).await {
                if r.status() == 200 {
                    return;
                }
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("not healthy");
    };
    let mut child = start();
    healthy().await;
    for d in setup.zoho.documents(&setup.org, "invoice") {
        let id = d["invoice_id"].as_str().expect("id");
        let body = setup
            .zoho
            .webhook_body(&setup.org, "invoice", id)
            .expect("body");
        let status = setup
            .zoho
            .send_webhook(&setup.webhook_url(port), Some(&setup.webhook_secret), &body)
            .await
            .expect("send");
        assert_eq!(status, 200);
    }
    let board = setup.board_id("invoice").to_string();
    let deadline = Instant::now() + Duration::from_secs(30);
    while setup.monday.items(&board).len() < 3 {
        assert!(Instant::now() < deadline, "nothing synced");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    child.kill().expect("SIGKILL");
    let _ = child.wait();
    let store = ml_connector::store::Store::open(&ml_connector::config::DatabaseConfig {
        url: format!("sqlite://{}", db.display()),
        ..Default::default()
    })
    .await
    .expect("store");
    let (held,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM jobs WHERE state = 'running'")
        .fetch_one(store.pool())
        .await
        .expect("count");
    assert!(held > 0, "the kill should leave jobs running");
    let restarted = Instant::now();
    let mut child = start();
    healthy().await;
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
            restarted.elapsed() < Duration::from_secs(25),
            "{open} jobs still open {:?} after restart (lease is 300 s)",
            restarted.elapsed()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(setup.monday.items(&board).len(), DOCS);
}

/// Issue 7 §2.7: a worker whose lease passed to another stops before its next write. The hook
/// hands the job's lease to "someone else" as the job starts; the worker must then write
/// nothing to monday. Fails before the change: the item was created, only the final `done`
/// was refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_that_lost_its_lease_writes_nothing() {
    let app = spawn_app_with(Default::default(), |c| c.workers.count = 1).await;
    let pool = app.rt.store.pool().clone();
    app.rt
        .set_job_hook(Some(Arc::new(move |job: &ml_connector::queue::Job| {
            let pool = pool.clone();
            let id = job.id;
            tokio::task::block_in_place(|| {
                tokio::runtime::Handle::current().block_on(async move {
                    sqlx::query("UPDATE jobs SET lease_token = 'taken-by-another' WHERE id = ?1")
                        .bind(id)
                        .execute(&pool)
                        .await
                        .expect("steal the lease");
                })
            });
        })));
    let body = app.put(
        "invoice",
        invoice("7000800", "INV-800", "4.00", "2026-12-01T10:00:00+0000"),
    );
    let before = app.setup.monday.stats().mutations;
    assert_eq!(app.deliver(&body).await, 200);
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let (n,): (i64,) =
            sqlx::query_as("SELECT COUNT(*) FROM jobs WHERE lease_token = 'taken-by-another'")
                .fetch_one(app.rt.store.pool())
                .await
                .expect("count");
        if n == 1 {
            break;
        }
        assert!(Instant::now() < deadline, "the job did not run");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    tokio::time::sleep(Duration::from_millis(700)).await;
    assert!(app.items("invoice").is_empty(), "no item written");
    assert_eq!(
        app.setup.monday.stats().mutations,
        before,
        "no monday write"
    );
    let doc: Option<(i64,)> = sqlx::query_as("SELECT 1 FROM documents WHERE zoho_id = '7000800'")
        .fetch_optional(app.rt.store.pool())
        .await
        .expect("documents");
    assert!(doc.is_none(), "no item map written");
}

/// Issue 7 §2.10: `serve` prunes at start (then hourly) with the configured retention.
#[tokio::test]
async fn serve_prunes_finished_jobs_past_the_configured_retention_at_start() {
    let setup = ml_connector::sandboxed::SandboxSetup::start(Default::default())
        .await
        .expect("sandbox");
    let dir = tempfile::tempdir().expect("dir");
    let db = dir.path().join("prune.db");
    let store = ml_connector::store::Store::open(&ml_connector::config::DatabaseConfig {
        url: format!("sqlite://{}", db.display()),
        ..Default::default()
    })
    .await
    .expect("store");
    let now = chrono::Utc::now().timestamp_millis();
    for (n, age_days) in [(1, 3i64), (2, 1)] {
        sqlx::query(
            "INSERT INTO jobs (id, connection_id, kind, payload, state, priority, attempts, max_attempts, run_at, created_at, updated_at)
             VALUES (?1, 'demo', 'sync_document', '{}', 'done', 1, 1, 3, ?2, ?2, ?2)",
        )
        .bind(n)
        .bind(now - age_days * 86_400_000 - 60_000)
        .execute(store.pool())
        .await
        .expect("job");
    }
    let toml = setup.config_toml("127.0.0.1:0".parse().expect("addr"), &db)
        + "\n[retention]\njobs_days = 2\n";
    let mut config = Config::from_toml_str(&toml).expect("config");
    fast(&mut config);
    assert_eq!(config.retention.jobs_days, 2);
    let (_port, rt, cancel) = start(config).await;
    let deadline = Instant::now() + Duration::from_secs(10);
    while rt.queue.get(1).await.expect("get").is_some() {
        assert!(
            Instant::now() < deadline,
            "the 3-day-old done job was not pruned"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(
        rt.queue.get(2).await.expect("get").is_some(),
        "the 1-day-old done job is kept"
    );
    cancel.cancel();
}
