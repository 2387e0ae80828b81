//! Webhooks: the challenge handshake and event deliveries (§5).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::State;
use axum::routing::post;
use axum::{Json, Router};
use serde_json::{json, Value};

use super::{code, create_item, gql, sandbox, SandboxColumn};

type Log = Arc<Mutex<Vec<Value>>>;

/// A webhook receiver on loopback; `echo` decides whether it answers the challenge.
async fn receiver(echo: bool) -> (String, Log) {
    async fn hook(State((echo, log)): State<(bool, Log)>, Json(body): Json<Value>) -> Json<Value> {
        log.lock().expect("log").push(body.clone());
        if echo && body.get("challenge").is_some() {
            Json(body)
        } else {
            Json(json!({"ok": true}))
        }
    }
    let log: Log = Arc::default();
    let app = Router::new()
        .route("/hooks/monday/secret", post(hook))
        .with_state((echo, Arc::clone(&log)));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (format!("http://{addr}/hooks/monday/secret"), log)
}

const CREATE_HOOK: &str = "mutation ($b: ID!, $u: String!, $e: WebhookEventType!, $c: JSON) { create_webhook(board_id: $b, url: $u, event: $e, config: $c) { id board_id event config } }";

#[tokio::test]
async fn create_webhook_requires_the_challenge_echo() {
    let sandbox = sandbox().await;
    let board = sandbox.create_board(
        "B",
        &[SandboxColumn::status(
            "status",
            "Status",
            &["Draft", "Approved"],
        )],
    );
    let (bad_url, bad_log) = receiver(false).await;
    let (_, _, body) = gql(
        &sandbox,
        CREATE_HOOK,
        json!({"b": board, "u": bad_url, "e": "change_status_column_value"}),
    )
    .await;
    assert_eq!(body["data"]["create_webhook"], Value::Null);
    assert_eq!(code(&body), "InvalidArgumentException");
    assert_eq!(
        bad_log.lock().expect("log").len(),
        1,
        "the challenge was sent"
    );
    assert!(sandbox
        .board_snapshot(&board)
        .expect("board")
        .webhooks
        .is_empty());

    let (url, log) = receiver(true).await;
    let config = json!({"columnId": "status", "columnValue": {"$any$": true}}).to_string();
    let (_, _, body) = gql(
        &sandbox,
        CREATE_HOOK,
        json!({"b": board, "u": url, "e": "change_status_column_value", "c": config}),
    )
    .await;
    assert!(body.get("errors").is_none(), "{body}");
    let hook = &body["data"]["create_webhook"];
    assert_eq!(hook["board_id"], json!(board));
    assert_eq!(hook["event"], json!("change_status_column_value"));
    let challenge = log.lock().expect("log")[0]["challenge"]
        .as_str()
        .expect("challenge")
        .len();
    assert!(challenge >= 32);
    let (_, _, listed) = gql(
        &sandbox,
        "query ($b: ID!) { webhooks(board_id: $b) { id event } }",
        json!({"b": board}),
    )
    .await;
    assert_eq!(listed["data"]["webhooks"][0]["id"], hook["id"]);

    // `config: JSON` is a JSON-encoded string; an object is refused like `column_values`.
    let (_, _, body) = gql(
        &sandbox,
        CREATE_HOOK,
        json!({"b": board, "u": url, "e": "change_status_column_value", "c": {"columnId": "status"}}),
    )
    .await;
    assert_eq!(code(&body), "InvalidArgumentException", "{body}");
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("JSON-encoded string")),
        "{body}"
    );

    let (_, _, body) = gql(
        &sandbox,
        CREATE_HOOK,
        json!({"b": "42", "u": url, "e": "create_item"}),
    )
    .await;
    assert_eq!(body["errors"][0]["message"], json!("Board not found"));
}

#[tokio::test]
async fn user_status_changes_are_posted_to_matching_webhooks() {
    let sandbox = sandbox().await;
    let board = sandbox.create_board(
        "B",
        &[
            SandboxColumn::status("status", "Status", &["Draft", "Approved"]),
            SandboxColumn::status("other", "Other", &["A", "B"]),
        ],
    );
    let (_, body) = create_item(
        &sandbox,
        &board,
        "PO-9",
        json!({"status": {"label": "Draft"}}),
    )
    .await;
    let item = body["data"]["create_item"]["id"]
        .as_str()
        .expect("item")
        .to_string();
    let (url, log) = receiver(true).await;
    let config = json!({"columnId": "status"}).to_string();
    let (_, _, body) = gql(
        &sandbox,
        CREATE_HOOK,
        json!({"b": board, "u": url, "e": "change_status_column_value", "c": config}),
    )
    .await;
    let hook_id = body["data"]["create_webhook"]["id"]
        .as_str()
        .expect("hook")
        .to_string();

    let statuses = sandbox
        .user_changes_status(&item, "status", "Approved", 9_603_417)
        .await;
    assert_eq!(statuses, [200]);
    assert!(
        sandbox
            .user_changes_status(&item, "other", "B", 9_603_417)
            .await
            .is_empty(),
        "config columnId filters"
    );

    let events: Vec<Value> = log
        .lock()
        .expect("log")
        .iter()
        .filter(|b| b.get("event").is_some())
        .cloned()
        .collect();
    assert_eq!(events.len(), 1, "{events:?}");
    let e = &events[0]["event"];
    assert_eq!(e["type"], json!("update_column_value"));
    assert_eq!(e["pulseId"], json!(item.parse::<u64>().expect("id")));
    assert_eq!(e["boardId"], json!(board.parse::<u64>().expect("id")));
    assert_eq!(e["columnId"], json!("status"));
    assert_eq!(e["columnType"], json!("color"));
    assert_eq!(e["userId"], json!(9_603_417));
    assert_eq!(e["value"]["label"]["text"], json!("Approved"));
    assert_eq!(e["previousValue"]["label"]["text"], json!("Draft"));
    assert_eq!(
        e["subscriptionId"],
        json!(hook_id.parse::<u64>().expect("id"))
    );
    assert_eq!(e["triggerUuid"].as_str().map(str::len), Some(32));
    assert_eq!(
        sandbox.item(&item).expect("item").texts["status"],
        "Approved"
    );
    assert_eq!(
        sandbox.webhook_deliveries().len(),
        1,
        "only the matching change was posted"
    );
}

#[tokio::test]
async fn api_changes_fire_webhooks_in_the_background() {
    let sandbox = sandbox().await;
    let board = sandbox.create_board("B", &[SandboxColumn::new("t", "T", "text")]);
    let (url, log) = receiver(true).await;
    gql(
        &sandbox,
        CREATE_HOOK,
        json!({"b": board, "u": url, "e": "create_item"}),
    )
    .await;
    create_item(&sandbox, &board, "INV-5", json!({"t": "x"})).await;
    for _ in 0..50 {
        if log.lock().expect("log").len() >= 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let log = log.lock().expect("log").clone();
    assert_eq!(log.len(), 2, "challenge then create_item: {log:?}");
    assert_eq!(log[1]["event"]["type"], json!("create_pulse"));
    assert_eq!(log[1]["event"]["pulseName"], json!("INV-5"));
    assert_eq!(log[1]["event"]["userId"], json!(60_000_001));
}
