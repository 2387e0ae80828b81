//! monday webhooks and audit feedback: a person's status change becomes one audit entry and one
//! Zoho comment; the connector's own writes and redeliveries become nothing.

use crate::helpers::*;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use rust_decimal::Decimal;
use secrecy::SecretString;
use serde_json::{json, Value};
use std::time::{Duration, Instant};

const TOKEN: &str = "mondayhooktoken-0123456789abcdef";
const SIGNING: &str = "app-signing-secret";
const PERSON: i64 = 123;

async fn app(audit_comments: bool) -> TestApp {
    spawn_app_with(Default::default(), |c| {
        c.connections[0].monday.webhook_token = Some(SecretString::from(TOKEN));
        c.connections[0].monday.signing_secret = Some(SecretString::from(SIGNING));
        c.connections[0].monday.audit_comments = audit_comments;
    })
    .await
}

fn hook_url(app: &TestApp, token: &str) -> String {
    format!("http://127.0.0.1:{}/webhooks/monday/{token}", app.port)
}

/// Registers the status webhook on the invoice board (monday verifies the URL with a challenge).
async fn register(app: &TestApp) {
    let conn = app.rt.connection("demo").expect("connection");
    conn.monday
        .create_webhook(
            app.setup.board_id("invoice"),
            &hook_url(app, TOKEN),
            "change_status_column_value",
            Some(json!({"columnId": "status"})),
        )
        .await
        .expect("monday accepted the webhook after the challenge");
}

async fn synced_invoice(app: &TestApp, id: &str) -> String {
    let body = app.put(
        "invoice",
        invoice(id, "INV-900", "80.00", "2026-11-20T10:15:30+0000"),
    );
    assert_eq!(app.deliver(&body).await, 200);
    app.settle().await;
    let items = app.items("invoice");
    assert_eq!(text(&items[0], "status"), "Sent");
    items[0].id.clone()
}

/// Waits for the sandbox's background webhook deliveries, then for the jobs they queued.
async fn deliveries_settled(app: &TestApp, at_least: usize) -> Vec<Value> {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let done = app.setup.monday.webhook_deliveries();
        if done.len() >= at_least {
            app.settle().await;
            return done.into_iter().map(|d| d.body).collect();
        }
        assert!(
            Instant::now() < deadline,
            "monday delivered {} webhooks, expected {at_least}",
            done.len()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn a_persons_status_change_is_audited_once_with_one_zoho_comment() {
    let app = app(true).await;
    register(&app).await;
    let item = synced_invoice(&app, "9301").await;

    let statuses = app
        .setup
        .monday
        .user_changes_status(&item, "status", "Paid", PERSON)
        .await;
    assert_eq!(statuses, vec![200]);
    app.settle().await;
    let log = app.rt.store.audit_log("demo", 10).await.expect("audit log");
    assert_eq!(log.len(), 1, "{log:?}");
    let entry = &log[0];
    assert_eq!(
        (
            entry.who.as_deref(),
            entry.old_value.as_deref(),
            entry.new_value.as_deref()
        ),
        (Some("123"), Some("Sent"), Some("Paid"))
    );
    assert_eq!(
        (
            entry.kind.as_deref(),
            entry.zoho_id.as_deref(),
            entry.item_id.as_str()
        ),
        (Some("invoice"), Some("9301"), item.as_str())
    );
    let comments = app.setup.zoho.comments(app.org(), "invoice", "9301");
    assert_eq!(
        comments,
        vec![format!("monday: status changed from Sent to Paid by user 123 (item {item}). Zoho Books remains the system of record; this is an audit note only.")]
    );
    // Zoho's document itself is untouched: still sent, balance unchanged.
    let doc = app
        .setup
        .zoho
        .document(app.org(), "invoice", "9301")
        .expect("doc");
    assert_eq!(doc["status"], "sent");

    // monday redelivers the same event: nothing new.
    let event = app
        .setup
        .monday
        .webhook_deliveries()
        .pop()
        .expect("delivery")
        .body;
    let resp = app
        .client
        .post(hook_url(&app, TOKEN))
        .json(&event)
        .send()
        .await
        .expect("post");
    assert_eq!(resp.status(), 200);
    assert_eq!(
        resp.json::<Value>().await.expect("json")["status"],
        "duplicate"
    );
    app.settle().await;
    assert_eq!(
        app.rt.store.audit_log("demo", 10).await.expect("log").len(),
        1
    );
    assert_eq!(
        app.setup.zoho.comments(app.org(), "invoice", "9301").len(),
        1
    );
}

#[tokio::test]
async fn the_connectors_own_status_writes_are_not_fed_back() {
    let app = app(true).await;
    register(&app).await;
    synced_invoice(&app, "9302").await;

    // Paid in Zoho: the connector writes "Paid" to the status column, and monday reports it.
    let payment = app
        .setup
        .zoho
        .record_customer_payment(app.org(), "9302", Decimal::new(8000, 2));
    assert_eq!(app.deliver(&json!({ "payment": payment })).await, 200);
    app.settle().await;
    assert_eq!(text(&app.items("invoice")[0], "status"), "Paid");
    let events = deliveries_settled(&app, 1).await;
    assert!(events
        .iter()
        .any(|e| e["event"]["columnId"] == "status"
            && e["event"]["value"]["label"]["text"] == "Paid"));
    assert!(events.iter().all(|e| e["event"]["userId"] != json!(PERSON)));
    // The echo was accepted and looked at (then recognised), not refused at the door.
    assert_eq!(app.rt.queue.count_events("monday").await.expect("count"), 1);
    assert!(app
        .rt
        .store
        .audit_log("demo", 10)
        .await
        .expect("log")
        .is_empty());
    assert!(app
        .setup
        .zoho
        .comments(app.org(), "invoice", "9302")
        .is_empty());
}

#[tokio::test]
async fn without_audit_comments_only_the_log_is_written() {
    let app = app(false).await;
    register(&app).await;
    let item = synced_invoice(&app, "9303").await;
    app.setup
        .monday
        .user_changes_status(&item, "status", "Overdue", PERSON)
        .await;
    app.settle().await;
    let log = app.rt.store.audit_log("demo", 10).await.expect("log");
    assert_eq!(log.len(), 1);
    assert_eq!(log[0].commented_at, None);
    assert!(app
        .setup
        .zoho
        .comments(app.org(), "invoice", "9303")
        .is_empty());
}

fn status_event(board: &str, item: &str, uuid: &str) -> Value {
    json!({"event": {"userId": PERSON, "boardId": board.parse::<u64>().unwrap_or(0), "pulseId": item, "columnId": "status",
        "columnType": "color", "type": "update_column_value", "value": {"label": {"text": "Paid"}},
        "previousValue": {"label": {"text": "Sent"}}, "triggerUuid": uuid, "subscriptionId": 1}})
}

fn jwt(claims: Value, secret: &str) -> String {
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"HS256","typ":"JWT"}"#);
    let payload = URL_SAFE_NO_PAD.encode(claims.to_string());
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).expect("key");
    mac.update(format!("{header}.{payload}").as_bytes());
    format!(
        "{header}.{payload}.{}",
        URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
    )
}

#[tokio::test]
async fn the_endpoint_authenticates_echoes_challenges_and_refuses_bad_input() {
    let app = app(false).await;
    let board = app.setup.board_id("invoice").to_string();
    let post = |url: String, body: Vec<u8>, auth: Option<String>| {
        let mut req = app
            .client
            .post(url)
            .header("content-type", "application/json")
            .body(body);
        if let Some(a) = auth {
            req = req.header("authorization", a);
        }
        req.send()
    };
    let event = |uuid: &str| status_event(&board, "1", uuid).to_string().into_bytes();

    // Challenge echoed on a known URL only.
    let resp = post(
        hook_url(&app, TOKEN),
        br#"{"challenge":"abc123"}"#.to_vec(),
        None,
    )
    .await
    .expect("post");
    assert_eq!(resp.status(), 200);
    assert_eq!(
        resp.json::<Value>().await.expect("json"),
        json!({"challenge": "abc123"})
    );
    let wrong = hook_url(&app, "mondayhooktoken-0123456789abcdeX");
    assert_eq!(
        post(wrong.clone(), br#"{"challenge":"abc"}"#.to_vec(), None)
            .await
            .expect("post")
            .status(),
        401
    );
    assert_eq!(
        post(wrong, event("u-wrong"), None)
            .await
            .expect("post")
            .status(),
        401
    );
    // Garbage with a valid token: 422, nothing stored.
    assert_eq!(
        post(hook_url(&app, TOKEN), b"{not json".to_vec(), None)
            .await
            .expect("post")
            .status(),
        422
    );
    assert_eq!(
        post(
            hook_url(&app, TOKEN),
            br#"{"event":{"boardId":1}}"#.to_vec(),
            None
        )
        .await
        .expect("post")
        .status(),
        422
    );

    // The app-signed variant: the URL names the connection, the JWT proves the sender.
    let signed_url = hook_url(&app, "demo");
    let aud = format!("{}webhooks/monday/demo", app.rt.config.server.public_url);
    let now = chrono::Utc::now().timestamp();
    assert_eq!(
        post(signed_url.clone(), event("u-nojwt"), None)
            .await
            .expect("post")
            .status(),
        401
    );
    let expired = jwt(
        json!({"aud": aud, "exp": now - 3600, "userId": PERSON}),
        SIGNING,
    );
    assert_eq!(
        post(signed_url.clone(), event("u-old"), Some(expired))
            .await
            .expect("post")
            .status(),
        401
    );
    let forged = jwt(json!({"aud": aud, "exp": now + 300}), "not-the-secret");
    assert_eq!(
        post(signed_url.clone(), event("u-forged"), Some(forged))
            .await
            .expect("post")
            .status(),
        401
    );
    let other_aud = jwt(
        json!({"aud": "https://elsewhere.example/hook", "exp": now + 300}),
        SIGNING,
    );
    assert_eq!(
        post(signed_url.clone(), event("u-aud"), Some(other_aud))
            .await
            .expect("post")
            .status(),
        401
    );
    assert_eq!(
        app.rt.queue.count_events("monday").await.expect("count"),
        0,
        "refused requests store nothing"
    );

    let good = jwt(
        json!({"aud": aud, "exp": now + 300, "userId": PERSON}),
        SIGNING,
    );
    let resp = post(signed_url, event("u-good"), Some(good))
        .await
        .expect("post");
    assert_eq!(resp.status(), 200);
    assert_eq!(
        resp.json::<Value>().await.expect("json")["status"],
        "accepted"
    );
    // The same trigger through the token URL is a duplicate, not a second event.
    let resp = post(hook_url(&app, TOKEN), event("u-good"), None)
        .await
        .expect("post");
    assert_eq!(
        resp.json::<Value>().await.expect("json")["status"],
        "duplicate"
    );
    assert_eq!(app.rt.queue.count_events("monday").await.expect("count"), 1);

    // A board this connection does not map is acknowledged and ignored.
    let foreign = status_event("999999", "1", "u-foreign")
        .to_string()
        .into_bytes();
    let resp = post(hook_url(&app, TOKEN), foreign, None)
        .await
        .expect("post");
    assert_eq!(resp.status(), 200);
    assert_eq!(
        resp.json::<Value>().await.expect("json")["status"],
        "ignored"
    );
    assert_eq!(app.rt.queue.count_events("monday").await.expect("count"), 1);
}

#[tokio::test]
async fn a_spent_daily_monday_budget_parks_work_until_midnight_utc() {
    // Three requests a day: the board read, the once-per-process scan of the Zoho-id column
    // before the first create, and the first item's create.
    let app = spawn_app_with(Default::default(), |c| c.monday.daily_limit = Some(3)).await;
    let body = app.put(
        "invoice",
        invoice("9601", "INV-961", "10.00", "2026-11-20T10:15:30+0000"),
    );
    assert_eq!(app.deliver(&body).await, 200);
    app.settle().await;
    assert_eq!(app.items("invoice").len(), 1);
    let requests = app.setup.monday.stats().requests;

    let body = app.put(
        "invoice",
        invoice("9602", "INV-962", "20.00", "2026-11-20T10:15:30+0000"),
    );
    assert_eq!(app.deliver(&body).await, 200);
    let midnight = (chrono::Utc::now().timestamp_millis() / 86_400_000 + 1) * 86_400_000;
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let queued = app
            .rt
            .queue
            .list(Some(ml_connector::queue::JobState::Queued), 10)
            .await
            .expect("list");
        if queued.iter().any(|j| j.run_at >= midnight) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "job was not parked until midnight: {queued:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(
        app.rt
            .queue
            .list(Some(ml_connector::queue::JobState::Dead), 10)
            .await
            .expect("list")
            .is_empty(),
        "parked, not dead"
    );
    assert_eq!(
        app.setup.monday.stats().requests,
        requests,
        "nothing sent past the budget"
    );
    assert_eq!(app.items("invoice").len(), 1);
}
