//! Token refresh against the sandbox's accounts server, on a manual clock.

use super::*;
use crate::clock::{Clock, ManualClock};
use crate::config::Config;
use crate::queue::priority;
use crate::queue::JobPayload;
use crate::sandboxed::SandboxSetup;
use crate::zoho::TokenError;
use sandbox::zoho::ZohoSandboxConfig;
use secrecy::ExposeSecret;
use std::sync::atomic::{AtomicUsize, Ordering};
use zoho_books::DocumentKind;

struct Harness {
    setup: SandboxSetup,
    rt: Arc<Runtime>,
    clock: ManualClock,
    _dir: tempfile::TempDir,
}

async fn harness(zoho: ZohoSandboxConfig) -> Harness {
    let setup = SandboxSetup::start(zoho).await.expect("sandbox");
    let dir = tempfile::tempdir().expect("dir");
    let toml = setup.config_toml(
        "127.0.0.1:0".parse().expect("addr"),
        &dir.path().join("t.db"),
    );
    let mut config = Config::from_toml_str(&toml).expect("config");
    config.workers.poll_interval_ms = 20;
    let clock = ManualClock::new(chrono::Utc::now());
    let rt = Runtime::build(config, Arc::new(clock.clone()))
        .await
        .expect("runtime");
    Harness {
        setup,
        rt,
        clock,
        _dir: dir,
    }
}

fn minutes(m: i64) -> chrono::Duration {
    chrono::Duration::minutes(m)
}

#[tokio::test]
async fn refreshes_at_the_55_minute_mark_and_not_before() {
    let h = harness(ZohoSandboxConfig::default()).await;
    let conn = h.rt.connection("demo").expect("connection");
    let first = conn.zoho.tokens.access_token().await.expect("token");
    assert_eq!(h.setup.zoho.refresh_requests(), 1);

    h.clock.advance(minutes(54) + chrono::Duration::seconds(59));
    assert_eq!(
        refresh_due(&h.rt).await,
        0,
        "refreshed before the 55-minute mark"
    );
    assert_eq!(
        conn.zoho
            .tokens
            .access_token()
            .await
            .expect("token")
            .expose_secret(),
        first.expose_secret()
    );
    assert_eq!(h.setup.zoho.refresh_requests(), 1);

    h.clock.advance(chrono::Duration::seconds(1));
    assert_eq!(refresh_due(&h.rt).await, 1);
    assert_eq!(h.setup.zoho.refresh_requests(), 2);
    let second = conn.zoho.tokens.access_token().await.expect("token");
    assert_ne!(second.expose_secret(), first.expose_secret());
    assert_eq!(
        refresh_due(&h.rt).await,
        0,
        "the new token is good for another 55 minutes"
    );
    assert_eq!(h.setup.zoho.refresh_requests(), 2);
}

#[tokio::test]
async fn one_refresh_for_a_hundred_concurrent_callers() {
    let zoho = ZohoSandboxConfig {
        latency: Duration::from_millis(50),
        ..Default::default()
    };
    let h = harness(zoho).await;
    let conn = h.rt.connection("demo").expect("connection").clone();
    let calls = (0..100).map(|_| {
        let conn = conn.clone();
        tokio::spawn(async move {
            conn.zoho
                .tokens
                .access_token()
                .await
                .map(|t| t.expose_secret().to_string())
        })
    });
    let tokens: Vec<String> = futures::future::join_all(calls)
        .await
        .into_iter()
        .map(|r| r.expect("task").expect("token"))
        .collect();
    assert_eq!(
        h.setup.zoho.refresh_requests(),
        1,
        "exactly one refresh for 100 callers"
    );
    assert!(tokens.iter().all(|t| t == &tokens[0]));

    // The same holds at the 55-minute mark, with the background refresher racing the callers.
    h.clock.advance(minutes(55));
    let calls = (0..100).map(|_| {
        let conn = conn.clone();
        tokio::spawn(async move { conn.zoho.tokens.access_token().await.is_ok() })
    });
    let (oks, refreshed) = tokio::join!(futures::future::join_all(calls), refresh_due(&h.rt));
    assert!(oks.into_iter().all(|r| r.expect("task")));
    assert!(refreshed <= 1);
    assert_eq!(h.setup.zoho.refresh_requests(), 2);
}

#[tokio::test]
async fn a_revoked_grant_marks_the_connection_and_parks_its_jobs() {
    let h = harness(ZohoSandboxConfig::default()).await;
    let mut ids = Vec::new();
    for n in 0..3 {
        let job = JobPayload::SyncDocument {
            document_kind: DocumentKind::Invoice,
            id: format!("98200000000{n}"),
            snapshot: None,
        };
        ids.push(
            h.rt.queue
                .enqueue(&job.into_new_job("demo", priority::REALTIME, 5))
                .await
                .expect("enqueue"),
        );
    }
    h.setup.zoho.revoke_refresh_token(&h.setup.refresh_token);
    let cancel = CancellationToken::new();
    let workers = crate::sync::spawn_workers(h.rt.clone(), cancel.clone());

    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let jobs: Vec<_> =
            futures::future::join_all(ids.iter().map(|id| h.rt.queue.get(*id))).await;
        let parked = jobs.iter().all(|j| {
            j.as_ref().ok().and_then(|o| o.as_ref()).is_some_and(|j| {
                j.state == crate::queue::JobState::Queued
                    && j.run_at > h.clock.now_ms()
                    && j.last_error
                        .as_deref()
                        .is_some_and(|e| e.contains("invalid_code"))
            })
        });
        if parked {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "jobs were not parked: {jobs:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    cancel.cancel();
    for w in workers {
        let _ = w.await;
    }
    let row =
        h.rt.store
            .connection_row("demo")
            .await
            .expect("row")
            .expect("row");
    assert_eq!(row.status, "needs_reconnect");
    let reason = row.status_reason.expect("reason");
    assert!(
        reason.contains("ml-connector connect --connection demo"),
        "{reason}"
    );
    for id in &ids {
        let job = h.rt.queue.get(*id).await.expect("get").expect("job");
        assert_eq!(
            (job.state.as_str(), job.attempts),
            ("queued", 0),
            "parked jobs spend no attempt"
        );
    }
    assert_eq!(h.rt.queue.stats().await.expect("stats").dead, 0);
    let lines = crate::zoho::status::status_lines(&h.rt.store)
        .await
        .expect("status");
    assert!(
        lines
            .iter()
            .any(|l| l.contains("connection demo is needs_reconnect (3 job(s) parked")),
        "{lines:?}"
    );

    // Zoho's token quota is not spent on a grant known to be dead.
    let spent = h.setup.zoho.token_requests();
    assert_eq!(spent, 1, "one token request, however many jobs");
    let conn = h.rt.connection("demo").expect("connection");
    assert!(matches!(
        conn.zoho.tokens.access_token().await,
        Err(TokenError::NeedsReconnect { .. })
    ));
    h.clock.advance(minutes(60));
    assert_eq!(refresh_due(&h.rt).await, 0);
    assert_eq!(h.setup.zoho.token_requests(), spent);

    // Reconnecting stores a new grant, clears the status and wakes the parked jobs.
    let fresh = h
        .setup
        .zoho
        .issue_refresh_token(&h.setup.client_id, &[&h.setup.org]);
    let keyring = crate::crypto::Keyring::single(1, [7; 32]);
    crate::zoho::secrets::save_grant(
        &h.rt.store,
        &keyring,
        &h.rt.clock,
        "demo",
        &h.setup.org,
        zoho_books::DataCentre::Eu,
        "http://x",
        &secrecy::SecretString::from(fresh),
    )
    .await
    .expect("save");
    let row =
        h.rt.store
            .connection_row("demo")
            .await
            .expect("row")
            .expect("row");
    assert_eq!(row.status, "active");
    for id in &ids {
        let job = h.rt.queue.get(*id).await.expect("get").expect("job");
        assert!(
            job.run_at <= h.clock.now_ms(),
            "job {id} still parked after the reconnect"
        );
    }
}

#[tokio::test]
async fn an_api_domain_outside_the_allow_list_gets_no_call() {
    let h = harness(ZohoSandboxConfig::default()).await;
    let evil = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let evil_url =
        url::Url::parse(&format!("http://{}", evil.local_addr().expect("addr"))).expect("url");
    let connections = Arc::new(AtomicUsize::new(0));
    let seen = connections.clone();
    tokio::spawn(async move {
        while evil.accept().await.is_ok() {
            seen.fetch_add(1, Ordering::SeqCst);
        }
    });
    h.setup.zoho.answer_api_domain(Some(evil_url.clone()));
    let conn = h.rt.connection("demo").expect("connection");
    let err = conn.zoho.tokens.access_token().await.expect_err("refused");
    assert!(
        matches!(err, TokenError::UnknownApiDomain(ref d) if d.starts_with(evil_url.as_str().trim_end_matches('/'))),
        "{err}"
    );
    assert!(
        err.to_string()
            .contains("refusing to send credentials there"),
        "{err}"
    );
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(
        connections.load(Ordering::SeqCst),
        0,
        "a request reached the host outside the allow-list"
    );
    assert_eq!(h.setup.zoho.stats(&h.setup.org).api_requests, 0);
}
