//! The admin page in a real browser (Debian's headless Chromium). Skips, saying so, when no
//! Chromium is installed; CI installs it.

use crate::helpers::*;
use std::process::Command;

fn chromium() -> Option<String> {
    ["chromium", "chromium-browser", "google-chrome"]
        .into_iter()
        .find(|b| {
            Command::new(b)
                .arg("--version")
                .output()
                .map(|o| o.status.success())
                .unwrap_or(false)
        })
        .map(str::to_string)
}

/// The page's DOM after the browser has loaded and rendered it.
pub fn render_dom(url: &str) -> Option<String> {
    let Some(browser) = chromium() else {
        assert!(
            !std::env::var("CI").is_ok_and(|v| v == "true"),
            "no chromium found under CI=true: apt-get install chromium chromium-driver"
        );
        eprintln!("skipped: no chromium found (apt-get install chromium chromium-driver); admin page not checked in a browser");
        return None;
    };
    let profile = tempfile::tempdir().expect("profile dir");
    let out = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--virtual-time-budget=2000",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg("--dump-dom")
        .arg(url)
        .output()
        .expect("run chromium");
    assert!(
        out.status.success(),
        "chromium failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(String::from_utf8_lossy(&out.stdout).into_owned())
}

#[tokio::test]
async fn the_admin_page_shows_connections_queue_and_dead_jobs_with_their_reasons() {
    let app = spawn_app_with(Default::default(), |c| {
        c.connections[0]
            .boards
            .get_mut("invoice")
            .expect("invoice")
            .columns
            .total = Some("date".into());
    })
    .await;
    let body = app.put(
        "invoice",
        invoice("9301", "INV-30", "12.00", "2026-11-20T10:15:30+0000"),
    );
    assert_eq!(app.deliver(&body).await, 200);
    let body = app.put("bill", serde_json::json!({"bill_id": "9302", "bill_number": "B-1", "vendor_name": "Acme", "status": "open", "last_modified_time": "2026-11-20T10:15:30+0000", "line_items": []}));
    assert_eq!(app.deliver(&body).await, 200);
    app.settle().await;

    app.rt
        .store
        .record_audit(&ml_connector::store::NewAuditEntry {
            connection_id: "demo",
            at: 1_795_000_000_000,
            who: Some("4242"),
            board_id: app.setup.board_id("bill"),
            item_id: "123",
            kind: "bill",
            zoho_id: "9302",
            old_value: Some("Open"),
            new_value: Some("Paid"),
            trigger_uuid: "t-1",
        })
        .await
        .unwrap();
    let url = format!("http://127.0.0.1:{}/admin", app.port);
    let Some(dom) = tokio::task::spawn_blocking(move || render_dom(&url))
        .await
        .expect("join")
    else {
        return;
    };
    assert!(dom.contains("<h1>ml-connector</h1>"), "{dom}");
    assert!(
        dom.contains("20250101") && dom.contains(">EU<"),
        "connection row: {dom}"
    );
    assert!(
        dom.contains("done 1") && dom.contains("dead 1"),
        "queue line: {dom}"
    );
    assert!(dom.contains("ml-connector dead retry"), "{dom}");
    assert!(
        dom.contains(app.setup.board_id("invoice")) && dom.contains("cannot hold the total value"),
        "dead reason: {dom}"
    );
    assert!(
        dom.contains("Open → Paid") && dom.contains("4242"),
        "audit entry: {dom}"
    );
    // Secrets never reach the page.
    assert!(!dom.contains(&app.setup.webhook_token) && !dom.contains(&app.setup.refresh_token));
}

#[tokio::test]
async fn operator_pages_ask_for_the_admin_password_and_webhooks_do_not() {
    let app = spawn_app_with(Default::default(), |c| {
        c.server.admin_password = Some(secrecy::SecretString::from("correct horse"));
    })
    .await;
    let base = format!("http://127.0.0.1:{}", app.port);
    let r = app
        .client
        .get(format!("{base}/admin"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    assert!(r.headers()["www-authenticate"]
        .to_str()
        .unwrap()
        .starts_with("Basic"));
    let r = app
        .client
        .get(format!("{base}/oauth/zoho/start?connection=demo"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let r = app
        .client
        .get(format!("{base}/admin"))
        .basic_auth("ops", Some("wrong"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let r = app
        .client
        .get(format!("{base}/admin"))
        .basic_auth("ops", Some("correct horse"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    // Webhooks keep working without it.
    let body = app.put(
        "invoice",
        invoice("9310", "INV-31", "1", "2026-11-20T10:15:30+0000"),
    );
    assert_eq!(app.deliver(&body).await, 200);
    assert_eq!(
        app.client
            .get(format!("{base}/healthz"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
}
