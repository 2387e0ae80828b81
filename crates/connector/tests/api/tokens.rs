//! Token refresh is single-flight when it fails too (issue 7 §2.1): one token request per
//! backoff window for every caller of every process on one database, through the sandbox's
//! accounts server (counting requests) and real `ml-connector` processes.

use ml_connector::clock::{Clock, ManualClock};
use ml_connector::config::{Config, DatabaseConfig};
use ml_connector::runtime::Runtime;
use ml_connector::sandboxed::SandboxSetup;
use ml_connector::store::Store;
use ml_connector::zoho::TokenError;
use sandbox::zoho::{TokenFault, ZohoSandboxConfig};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

struct InProcess {
    setup: SandboxSetup,
    rt: Arc<Runtime>,
    clock: ManualClock,
    _dir: tempfile::TempDir,
}

async fn in_process(zoho: ZohoSandboxConfig) -> InProcess {
    let setup = SandboxSetup::start(zoho).await.expect("sandbox");
    let dir = tempfile::tempdir().expect("dir");
    let toml = setup.config_toml(
        "127.0.0.1:0".parse().expect("addr"),
        &dir.path().join("t.db"),
    );
    let config = Config::from_toml_str(&toml).expect("config");
    let clock = ManualClock::new(chrono::Utc::now());
    let rt = Runtime::build(config, Arc::new(clock.clone()))
        .await
        .expect("runtime");
    InProcess {
        setup,
        rt,
        clock,
        _dir: dir,
    }
}

/// `n` concurrent callers asking for the connection's token; their answers.
async fn callers(rt: &Arc<Runtime>, n: usize) -> Vec<Result<String, TokenError>> {
    let conn = rt.connection("demo").expect("connection").clone();
    let calls = (0..n).map(|_| {
        let conn = conn.clone();
        tokio::spawn(async move {
            conn.zoho
                .tokens
                .access_token()
                .await
                .map(|t| secrecy::ExposeSecret::expose_secret(&t).to_string())
        })
    });
    futures::future::join_all(calls)
        .await
        .into_iter()
        .map(|r| r.expect("task"))
        .collect()
}

#[tokio::test]
async fn twenty_callers_behind_a_throttled_refresh_send_one_token_request_per_window() {
    let h = in_process(ZohoSandboxConfig {
        latency: Duration::from_millis(50),
        ..Default::default()
    })
    .await;
    h.setup
        .zoho
        .set_token_fault(Some(TokenFault::AccessDenied { http_status: 200 }));
    let answers = callers(&h.rt, 20).await;
    assert!(
        answers
            .iter()
            .all(|a| matches!(a, Err(TokenError::Throttled { .. }))),
        "{answers:?}"
    );
    assert_eq!(
        h.setup.zoho.token_requests(),
        1,
        "one request for 20 callers"
    );

    // Inside the window (at least 48 s after a first throttle) nobody asks again, and the
    // error says how long is left, so a job comes back when it ends.
    h.clock.advance(chrono::Duration::seconds(45));
    let answers = callers(&h.rt, 20).await;
    for a in &answers {
        match a {
            Err(TokenError::Throttled { retry_in }) => {
                assert!(*retry_in <= Duration::from_secs(15), "{retry_in:?}")
            }
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(h.setup.zoho.token_requests(), 1);
    let job: ml_connector::queue::JobError = answers[0].clone().unwrap_err().into();
    assert!(
        matches!(job, ml_connector::queue::JobError::Retry { after: Some(d), .. } if d <= Duration::from_secs(15)),
        "{job:?}"
    );
    let row =
        h.rt.store
            .token_row("demo")
            .await
            .expect("row")
            .expect("row");
    assert_eq!(
        (row.failures, row.error_kind.as_deref()),
        (1, Some("throttled"))
    );
    assert!(
        row.lock_holder.is_none(),
        "the lock is released with the failure"
    );

    // After the window: exactly one more request, and the next window is longer.
    h.clock.advance(chrono::Duration::seconds(16));
    let _ = callers(&h.rt, 20).await;
    assert_eq!(h.setup.zoho.token_requests(), 2);
    let row =
        h.rt.store
            .token_row("demo")
            .await
            .expect("row")
            .expect("row");
    assert_eq!(row.failures, 2);
    assert!(row.retry_at - h.clock.now_ms() >= 96_000, "{row:?}");

    // Zoho lets go; after the window everyone gets the one new token.
    h.setup.zoho.set_token_fault(None);
    h.clock.advance(chrono::Duration::seconds(121));
    let answers = callers(&h.rt, 20).await;
    let first = answers[0].as_ref().expect("token").clone();
    assert!(answers.iter().all(|a| a.as_ref().ok() == Some(&first)));
    assert_eq!(h.setup.zoho.token_requests(), 3);
    let row =
        h.rt.store
            .token_row("demo")
            .await
            .expect("row")
            .expect("row");
    assert_eq!((row.failures, row.retry_at), (0, 0));
    assert!(
        row.access_token_ct.is_some(),
        "the token is stored for other processes"
    );
    assert!(
        !row.access_token_ct
            .as_ref()
            .expect("ct")
            .windows(first.len())
            .any(|w| w == first.as_bytes()),
        "the stored access token is encrypted"
    );
}

#[tokio::test]
async fn an_outage_and_a_throttle_with_another_http_status_are_shared_the_same_way() {
    for fault in [
        TokenFault::ServerError { http_status: 503 },
        TokenFault::AccessDenied { http_status: 400 },
    ] {
        let h = in_process(ZohoSandboxConfig::default()).await;
        h.setup.zoho.set_token_fault(Some(fault.clone()));
        let answers = callers(&h.rt, 20).await;
        assert!(
            answers.iter().all(|a| match a {
                Err(
                    e @ TokenError::Transient {
                        retry_in: Some(_), ..
                    },
                ) =>
                    matches!(fault, TokenFault::ServerError { .. })
                        && e.to_string().contains("HTTP 503"),
                Err(TokenError::Throttled { .. }) =>
                    matches!(fault, TokenFault::AccessDenied { .. }),
                _ => false,
            }),
            "{fault:?}: {answers:?}"
        );
        assert_eq!(h.setup.zoho.token_requests(), 1, "{fault:?}");
        h.clock.advance(chrono::Duration::seconds(3));
        let _ = callers(&h.rt, 20).await;
        assert_eq!(h.setup.zoho.token_requests(), 1, "{fault:?}");
    }
}

#[tokio::test]
async fn invalid_code_with_a_newer_grant_saved_meanwhile_uses_it_instead_of_needing_reconnect() {
    let h = in_process(ZohoSandboxConfig {
        latency: Duration::from_millis(400),
        ..Default::default()
    })
    .await;
    let conn = h.rt.connection("demo").expect("connection").clone();
    let asking = tokio::spawn(async move { conn.zoho.tokens.access_token().await });
    // While the request with the old grant is in flight, "another process" reconnects:
    // a new grant is stored and the old one revoked.
    tokio::time::sleep(Duration::from_millis(150)).await;
    let fresh = h
        .setup
        .zoho
        .issue_refresh_token(&h.setup.client_id, &[&h.setup.org]);
    h.setup.zoho.revoke_refresh_token(&h.setup.refresh_token);
    let keyring = ml_connector::crypto::Keyring::from_config(&h.rt.config.secrets).expect("keys");
    ml_connector::zoho::secrets::save_grant(
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
    let answer = asking.await.expect("task");
    assert!(answer.is_ok(), "{answer:?}");
    assert_eq!(
        h.setup.zoho.token_requests(),
        2,
        "the old grant, then the new one"
    );
    let row =
        h.rt.store
            .connection_row("demo")
            .await
            .expect("row")
            .expect("row");
    assert_eq!(row.status, "active");
}

/// Runs `ml-connector check` on the shared database (it asks for a token, then calls Zoho);
/// returns its stderr and stdout, for failure messages.
fn check(config: &std::path::Path) -> std::process::Child {
    Command::new(env!("CARGO_BIN_EXE_ml-connector"))
        .args(["check", "--config"])
        .arg(config)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start ml-connector")
}

fn finish(child: Child) -> String {
    let out = child.wait_with_output().expect("wait");
    format!(
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

async fn shared() -> (SandboxSetup, tempfile::TempDir) {
    let setup = SandboxSetup::start(Default::default())
        .await
        .expect("sandbox");
    let dir = tempfile::tempdir().expect("dir");
    let toml = setup.config_toml(
        "127.0.0.1:0".parse().expect("addr"),
        &dir.path().join("shared.db"),
    );
    std::fs::write(dir.path().join("c.toml"), toml).expect("config");
    (setup, dir)
}

async fn open_store(dir: &tempfile::TempDir) -> Store {
    Store::open(&DatabaseConfig {
        url: format!("sqlite://{}", dir.path().join("shared.db").display()),
        ..Default::default()
    })
    .await
    .expect("store")
}

#[tokio::test]
async fn two_processes_and_a_restart_send_one_token_request_per_backoff_window() {
    let (setup, dir) = shared().await;
    let config = dir.path().join("c.toml");
    setup
        .zoho
        .set_token_fault(Some(TokenFault::AccessDenied { http_status: 200 }));
    // Four processes start at once on a new database (their migrations race too), each asking
    // for a token while Zoho throttles.
    let children: Vec<Child> = (0..4).map(|_| check(&config)).collect();
    let outputs: Vec<String> =
        tokio::task::spawn_blocking(move || children.into_iter().map(finish).collect())
            .await
            .expect("join");
    for out in &outputs {
        assert!(!out.contains("migrations"), "{out}");
        assert!(out.contains("throttling token requests"), "{out}");
    }
    assert_eq!(
        setup.zoho.token_requests(),
        1,
        "one token request across four processes in the backoff window: {outputs:?}"
    );
    let row = open_store(&dir)
        .await
        .token_row("demo")
        .await
        .expect("row")
        .expect("row");
    assert_eq!(row.error_kind.as_deref(), Some("throttled"));
    assert!(row.lock_holder.is_none());

    // A process started later, inside the window, does not ask either.
    let out = tokio::task::spawn_blocking(move || finish(check(&config)))
        .await
        .expect("join");
    assert!(out.contains("throttling token requests"), "{out}");
    assert_eq!(
        setup.zoho.token_requests(),
        1,
        "a restart asked inside the window"
    );
}

#[tokio::test]
async fn a_token_one_process_fetched_is_used_by_the_next_without_a_request() {
    let (setup, dir) = shared().await;
    let config = dir.path().join("c.toml");
    let c = config.clone();
    let out = tokio::task::spawn_blocking(move || finish(check(&c)))
        .await
        .expect("join");
    assert_eq!(setup.zoho.token_requests(), 1, "{out}");
    let before = setup.zoho.stats(&setup.org).api_requests;
    assert!(before > 0, "check called Books: {out}");
    let out = tokio::task::spawn_blocking(move || finish(check(&config)))
        .await
        .expect("join");
    assert!(
        setup.zoho.stats(&setup.org).api_requests > before,
        "the second process called Books: {out}"
    );
    assert_eq!(
        setup.zoho.token_requests(),
        1,
        "the second process fetched its own token instead of using the stored one: {out}"
    );
}
