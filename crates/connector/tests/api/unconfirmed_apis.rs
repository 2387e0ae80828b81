//! Where Zoho's and monday's behaviour is unconfirmed, the connector works either way, and the
//! sandbox answers each way: real-host `api_domain`, hex/base64/no signature, full or partial
//! webhook payloads, sorted or unsorted listings, monday's `config` as a JSON string.

use crate::helpers::*;
use ml_connector::setup::{self, SetupOptions};
use ml_connector::sync::reconcile::schedule;
use sandbox::zoho::{
    AnsweredHosts, ListSorting, SignatureEncoding, WebhookPayloadShape, ZohoSandboxConfig,
};
use secrecy::SecretString;
use std::process::Command;
use zoho_books::DocumentKind;

fn zoho_time(t: chrono::DateTime<chrono::Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%z").to_string()
}

fn with<F: FnOnce(&mut ZohoSandboxConfig)>(f: F) -> ZohoSandboxConfig {
    let mut c = ZohoSandboxConfig::default();
    f(&mut c);
    c
}

fn item(app: &TestApp, kind: &str, zoho_id: &str) -> Option<sandbox::monday::ItemSnapshot> {
    app.items(kind)
        .into_iter()
        .find(|i| text(i, "zoho_id") == zoho_id)
}

/// A token response naming Zoho's real host (what Zoho sends, also behind a proxy) is accepted,
/// and every Books call still goes to the override; the sandbox's own URL works too.
#[tokio::test]
async fn real_host_and_override_api_domain_are_both_accepted_and_calls_go_to_the_override() {
    for hosts in [AnsweredHosts::Real, AnsweredHosts::Override] {
        let app = spawn_app_with(with(|c| c.answered_hosts = hosts), |_| {}).await;
        assert_eq!(
            app.setup.zoho.answered_api_domain("eu").as_str()
                == app.setup.zoho.api_domain("eu").as_str(),
            hosts == AnsweredHosts::Override
        );
        let findings = ml_connector::check::run(&app.rt).await;
        let failed: Vec<_> = findings.iter().filter(|f| !f.ok).collect();
        assert!(failed.is_empty(), "{hosts:?}: {failed:#?}");
        let body = app.put(
            "invoice",
            invoice(
                "9300001",
                "INV-9301",
                "10.00",
                &zoho_time(chrono::Utc::now()),
            ),
        );
        assert_eq!(app.deliver(&body).await, 200, "{hosts:?}");
        app.settle().await;
        assert!(item(&app, "invoice", "9300001").is_some(), "{hosts:?}");
        assert!(
            app.setup.zoho.stats(app.org()).api_requests >= 2,
            "{hosts:?}: the Books calls of `check` reached the override"
        );
    }
}

/// Books' signature encoding is unconfirmed: hex and base64 are both accepted.
#[tokio::test]
async fn hex_and_base64_signatures_are_both_accepted() {
    for encoding in [SignatureEncoding::Hex, SignatureEncoding::Base64] {
        let app = spawn_app_with(with(|c| c.signature_encoding = encoding), |_| {}).await;
        let body = app.put(
            "invoice",
            invoice(
                "9300101",
                "INV-9311",
                "20.00",
                &zoho_time(chrono::Utc::now()),
            ),
        );
        assert_eq!(app.deliver(&body).await, 200, "{encoding:?}");
        app.settle().await;
        assert!(item(&app, "invoice", "9300101").is_some(), "{encoding:?}");
        let refused = app
            .rt
            .store
            .webhook_rejections("demo", 10)
            .await
            .expect("q");
        assert!(refused.is_empty(), "{encoding:?}: {refused:?}");
    }
}

/// Webhooks registered by `setup` and fired by the sandbox with a partial Default Payload,
/// signed in hex or base64, are accepted, and the document is still synced in full (its line
/// items and amounts come from the detail GET).
#[tokio::test]
async fn partial_payloads_signed_either_way_from_registered_webhooks_sync_the_full_document() {
    for encoding in [SignatureEncoding::Hex, SignatureEncoding::Base64] {
        let app = spawn_app_with(
            with(|c| {
                c.signature_encoding = encoding;
                c.webhook_payload = WebhookPayloadShape::Partial;
            }),
            |_| {},
        )
        .await;
        let conn = app.rt.connection("demo").expect("connection");
        let public_url: url::Url = format!("http://127.0.0.1:{}/", app.port)
            .parse()
            .expect("url");
        ml_connector::setup::zoho::setup_connection(&app.rt, conn, &public_url)
            .await
            .expect("zoho setup");
        app.setup.zoho.put_document(
            app.org(),
            "invoice",
            invoice(
                "9300201",
                "INV-9321",
                "30.00",
                &zoho_time(chrono::Utc::now()),
            ),
        );
        let statuses = app
            .setup
            .zoho
            .fire_webhooks(app.org(), "invoice", "9300201")
            .await
            .expect("fire");
        assert_eq!(statuses, vec![200], "{encoding:?}");
        app.settle().await;
        let it = item(&app, "invoice", "9300201").expect("synced");
        assert_eq!(text(&it, "number"), "INV-9321", "{encoding:?}");
        assert!(
            text(&it, "total").contains("30"),
            "{encoding:?}: {:?}",
            it.texts
        );
    }
}

/// Sends `body` with the signature the sandbox would make under `encoding`.
async fn deliver_as(
    app: &TestApp,
    encoding: SignatureEncoding,
    secret: &str,
    body: &serde_json::Value,
) -> reqwest::Response {
    let raw = serde_json::to_vec(body).expect("json");
    let sig = sandbox::zoho::encoded_webhook_signature(encoding, secret, &[], &raw);
    app.post_raw(raw, "application/json", sig).await
}

/// A delivery with the wrong signature is refused with 401 and recorded (time, reason, header
/// shape, never the value); the real binary's `check` and the admin page both show it with the
/// fix. A delivery without any signature is recorded as such.
#[tokio::test]
async fn refused_deliveries_are_recorded_and_shown_in_check_and_on_the_admin_page() {
    let app = spawn_app().await;
    let body = app.put(
        "invoice",
        invoice(
            "9300301",
            "INV-9331",
            "40.00",
            &zoho_time(chrono::Utc::now()),
        ),
    );
    let wrong_secret = "SomeOtherSecret1234";
    let raw = serde_json::to_vec(&body).expect("json");
    let wrong_sig = sandbox::zoho::encoded_webhook_signature(
        SignatureEncoding::Base64,
        wrong_secret,
        &[],
        &raw,
    )
    .expect("sig");
    let r = deliver_as(&app, SignatureEncoding::Base64, wrong_secret, &body).await;
    assert_eq!(r.status(), 401);
    let r = deliver_as(
        &app,
        SignatureEncoding::None,
        &app.setup.webhook_secret,
        &body,
    )
    .await;
    assert_eq!(r.status(), 401);

    let rows = app
        .rt
        .store
        .webhook_rejections("demo", 10)
        .await
        .expect("rows");
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert_eq!(rows[0].reason, "missing_signature");
    assert_eq!(rows[0].header_shape, "missing");
    assert_eq!(rows[1].reason, "signature_mismatch");
    assert_eq!(rows[1].header_shape, "base64, 44 chars");
    for row in &rows {
        assert!(!format!("{row:?}").contains(&wrong_sig));
    }
    // Nothing of the refused delivery was queued.
    assert!(item(&app, "invoice", "9300301").is_none());

    // The admin page shows the section with the fix.
    let page = app
        .client
        .get(format!("http://127.0.0.1:{}/admin", app.port))
        .send()
        .await
        .expect("admin")
        .text()
        .await
        .expect("html");
    assert!(page.contains("id=\"webhook-rejections\""), "{page}");
    assert!(page.contains("missing_signature"), "{page}");
    assert!(page.contains("webhook_secret"), "{page}");
    assert!(!page.contains(&wrong_sig));

    // The real binary's `check`, on the same database, reports it and fails.
    let dir = tempfile::tempdir().expect("dir");
    let db = app._dir.path().join("test.db");
    let config = dir.path().join("ml-connector.toml");
    std::fs::write(
        &config,
        app.setup
            .config_toml("127.0.0.1:0".parse().expect("addr"), &db),
    )
    .expect("write config");
    // Off the runtime: `check` calls the sandbox, which this test's runtime serves.
    let out = tokio::task::spawn_blocking(move || {
        Command::new(env!("CARGO_BIN_EXE_ml-connector"))
            .args(["check", "--config"])
            .arg(&config)
            .env("RUST_LOG", "warn")
            .output()
            .expect("run check")
    })
    .await
    .expect("join");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stdout}\n{stderr}");
    let line = stdout
        .lines()
        .find(|l| l.starts_with("FAIL demo: Zoho webhooks"))
        .unwrap_or_else(|| panic!("no rejection line:\n{stdout}\n{stderr}"));
    assert!(line.contains("2 deliveries refused"), "{line}");
    assert!(
        line.contains("missing_signature") && line.contains("fix:"),
        "{line}"
    );
    assert!(!stdout.contains(&wrong_sig) && !stderr.contains(&wrong_sig));
}

async fn reconcile(app: &TestApp) {
    assert!(schedule(&app.rt, "demo", DocumentKind::Invoice)
        .await
        .expect("schedule"));
    app.settle().await;
}

/// `sort_column=last_modified_time` is undocumented. When Zoho ignores it (rows in creation
/// order, `page_context.sort_column` = `created_time`), a document created long ago but
/// modified just now is listed after an old one; reconciliation must not stop at the old row.
#[tokio::test]
async fn reconciliation_finds_a_recent_change_listed_late_when_sorting_is_ignored() {
    for sorting in [ListSorting::Honoured, ListSorting::Ignored] {
        let app = spawn_app_with(with(|c| c.list_sorting = sorting), |_| {}).await;
        let now = chrono::Utc::now();
        let mut early = invoice(
            "9300401",
            "INV-9341",
            "50.00",
            &zoho_time(now - chrono::Duration::days(10)),
        );
        early["created_time"] = zoho_time(now - chrono::Duration::days(10)).into();
        let mut recent = invoice(
            "9300402",
            "INV-9342",
            "60.00",
            &zoho_time(now - chrono::Duration::days(1)),
        );
        recent["created_time"] = zoho_time(now - chrono::Duration::days(1)).into();
        app.setup.zoho.put_document(app.org(), "invoice", early);
        app.setup.zoho.put_document(app.org(), "invoice", recent);
        reconcile(&app).await; // sets the watermark; both are older than it
        assert!(item(&app, "invoice", "9300401").is_none());

        // The early-created invoice changes now; no webhook announces it.
        app.setup
            .zoho
            .modify_document(
                app.org(),
                "invoice",
                "9300401",
                serde_json::json!({"reference_number": "LATE-1"}),
            )
            .expect("modify");
        reconcile(&app).await;
        let it = item(&app, "invoice", "9300401")
            .unwrap_or_else(|| panic!("{sorting:?}: the change listed late was missed"));
        assert_eq!(text(&it, "reference"), "LATE-1", "{sorting:?}");
        assert!(
            item(&app, "invoice", "9300402").is_none(),
            "{sorting:?}: old rows are not re-synced"
        );
    }
}

fn setup_options(app: &TestApp) -> SetupOptions {
    SetupOptions {
        connection: Some("demo".into()),
        write_config: None,
        public_url: format!("http://127.0.0.1:{}/", app.port)
            .parse()
            .expect("url"),
    }
}

/// A webhook checked only by JWT needs a monday app token; with a personal token `setup`
/// refuses before creating anything, in one line saying what to set.
#[tokio::test]
async fn setup_refuses_a_jwt_only_webhook_on_a_personal_token() {
    let app = spawn_app_with(Default::default(), |c| {
        c.connections[0].monday.webhook_token = None;
        c.connections[0].monday.signing_secret =
            Some(SecretString::from("app-signing-secret-0123456789"));
    })
    .await;
    let before = app
        .setup
        .monday
        .board_snapshot(app.setup.board_id("invoice"))
        .expect("board");
    let err = setup::run(&app.rt, &setup_options(&app))
        .await
        .expect_err("refused");
    let msg = format!("{err:#}");
    assert!(
        msg.contains("personal token") && msg.contains("connections.monday.webhook_token"),
        "{msg}"
    );
    assert!(!msg.contains('\n'), "one line: {msg}");
    let after = app
        .setup
        .monday
        .board_snapshot(app.setup.board_id("invoice"))
        .expect("board");
    assert_eq!(
        before.columns.len(),
        after.columns.len(),
        "nothing was changed"
    );
    assert!(after.webhooks.is_empty());
}

/// With an app token the JWT-only webhook is registered, its `config` sent as a JSON string
/// (the sandbox refuses an object, as monday's `JSON` scalar does).
#[tokio::test]
async fn setup_registers_a_jwt_webhook_on_an_app_token_with_config_as_a_json_string() {
    let app = spawn_app_with(Default::default(), |c| {
        c.connections[0].monday.webhook_token = None;
        c.connections[0].monday.signing_secret =
            Some(SecretString::from("app-signing-secret-0123456789"));
        c.connections[0].monday.token_kind = ml_connector::config::MondayTokenKind::App;
    })
    .await;
    setup::run(&app.rt, &setup_options(&app))
        .await
        .expect("setup");
    let board = app
        .setup
        .monday
        .board_snapshot(app.setup.board_id("invoice"))
        .expect("board");
    let hook = board.webhooks.first().expect("webhook");
    assert!(hook.url.ends_with("/webhooks/monday/demo"), "{}", hook.url);
    assert!(
        hook.config
            .as_ref()
            .and_then(|c| c.get("columnId"))
            .is_some(),
        "{:?}",
        hook.config
    );
}
