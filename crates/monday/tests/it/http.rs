//! `MondayClient` over real HTTP against a hand-rolled fake monday.

use std::time::Duration;

use monday::{ColumnValue, ColumnValues, MondayClient, MondayError, SubitemOp, API_VERSION};
use secrecy::SecretString;
use serde_json::json;

use crate::support::{board_json, serve, Canned};

const TOKEN: &str = "tok-secret-123";

fn client(url: url::Url) -> MondayClient {
    MondayClient::new(reqwest::Client::new(), url, SecretString::from(TOKEN))
        .with_request_timeout(Duration::from_secs(5))
}

#[tokio::test]
async fn execute_sends_the_required_headers_and_body() {
    let (url, received) = serve(vec![
        Canned::json(200, json!({"data": {"ok": true}})).header("API-Version", API_VERSION)
    ])
    .await;
    let data = client(url)
        .execute("query { ok }", json!({"a": 1}), Some("org1-invoice-42-v3"))
        .await
        .expect("ok");
    assert_eq!(data, json!({"ok": true}));
    let req = received.lock().expect("lock")[0].clone();
    assert!(req.head.starts_with("POST /v2 "), "{}", req.head);
    assert_eq!(
        req.header("authorization").as_deref(),
        Some(TOKEN),
        "raw token, no Bearer"
    );
    assert_eq!(req.header("api-version").as_deref(), Some("2026-10"));
    assert_eq!(
        req.header("content-type").as_deref(),
        Some("application/json")
    );
    assert_eq!(
        req.header("idempotency-key").as_deref(),
        Some("org1-invoice-42-v3")
    );
    assert_eq!(
        req.body,
        json!({"query": "query { ok }", "variables": {"a": 1}})
    );
}

#[tokio::test]
async fn errors_on_200_and_429_are_classified() {
    let (url, _) = serve(vec![
        Canned::json(
            200,
            json!({"data": {"create_item": null}, "errors": [{"message": "invalid value",
            "path": ["create_item"], "extensions": {"code": "ColumnValueException"}}]}),
        ),
        Canned::json(
            429,
            json!({"errors": [{"message": "Rate Limit Exceeded",
            "extensions": {"code": "RATE_LIMIT_EXCEEDED", "retry_in_seconds": 30}}]}),
        )
        .header("Retry-After", "7"),
    ])
    .await;
    let c = client(url);
    let e = c
        .execute("query { x }", json!({}), None)
        .await
        .expect_err("200 errors");
    assert!(
        matches!(&e, MondayError::Permanent { code, .. } if code == "ColumnValueException"),
        "{e:?}"
    );
    assert!(!e.to_string().contains(TOKEN));
    let e = c
        .execute("query { x }", json!({}), None)
        .await
        .expect_err("429");
    assert_eq!(e.retry_after(), Some(Duration::from_secs(7)));
}

#[tokio::test]
async fn limits_are_read_from_headers_and_complexity() {
    let (url, _) = serve(vec![Canned::json(
        200,
        json!({"data": {"complexity":
        {"before": 5000000, "after": 4990000, "query": 10000, "reset_in_x_seconds": 42}}}),
    )
    .header(
        "RateLimit",
        "\"minuteRate\";r=4999, \"concurrency\";r=249, \"complexityMinute\";r=4950000;t=45",
    )
    .header("API-Version", "2026-07")])
    .await;
    let c = client(url);
    assert_eq!(c.limits(), monday::LimitSnapshot::default());
    c.execute("query { complexity { after } }", json!({}), None)
        .await
        .expect("ok");
    let l = c.limits();
    assert_eq!(l.complexity_after, Some(4_990_000));
    assert_eq!(l.complexity_reset_in, Some(Duration::from_secs(42)));
    assert_eq!(l.minute_remaining, Some(4999));
    assert_eq!(l.concurrency_remaining, Some(249));
    assert_eq!(l.wait_hint, None);
}

#[tokio::test]
async fn timeout_after_sending_may_have_been_applied() {
    let mut slow = Canned::json(200, json!({"data": {}}));
    slow.delay = Duration::from_secs(3);
    let (url, _) = serve(vec![slow]).await;
    let c = client(url).with_request_timeout(Duration::from_millis(300));
    let e = c
        .execute("mutation { x }", json!({}), Some("k"))
        .await
        .expect_err("timeout");
    assert!(
        matches!(
            e,
            MondayError::Transport {
                maybe_applied: true,
                ..
            }
        ),
        "{e:?}"
    );
}

#[tokio::test]
async fn connection_refused_was_not_applied() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    drop(listener);
    let url = url::Url::parse(&format!("http://{addr}/v2")).expect("url");
    let e = client(url)
        .execute("query { x }", json!({}), None)
        .await
        .expect_err("refused");
    assert!(
        matches!(
            e,
            MondayError::Transport {
                maybe_applied: false,
                ..
            }
        ),
        "{e:?}"
    );
    assert!(e.is_retryable());
}

#[tokio::test]
async fn create_item_sends_values_as_a_json_string() {
    let (url, received) = serve(vec![Canned::json(
        200,
        json!({"data": {"create_item": {"id": "9000000001"}}}),
    )])
    .await;
    let values = ColumnValues::default()
        .with(
            "numbers",
            ColumnValue::Number("1250.50".parse().expect("dec")),
        )
        .with("status", ColumnValue::StatusLabel("Sent".into()));
    let id = client(url)
        .create_item(
            "1234567890",
            Some("topics"),
            &"N".repeat(300),
            &values,
            false,
            "key-1",
        )
        .await
        .expect("created");
    assert_eq!(id, "9000000001");
    let req = received.lock().expect("lock")[0].clone();
    let vars = &req.body["variables"];
    assert_eq!(vars["board"], "1234567890");
    assert_eq!(vars["group"], "topics");
    assert_eq!(
        vars["values"],
        r#"{"numbers":"1250.50","status":{"label":"Sent"}}"#
    );
    assert_eq!(vars["name"].as_str().map(|n| n.chars().count()), Some(255));
    assert_eq!(req.header("idempotency-key").as_deref(), Some("key-1"));
    assert_eq!(req.body["query"], monday::queries::CREATE_ITEM);
}

#[tokio::test]
async fn find_items_follows_cursors() {
    let (url, received) = serve(vec![
        Canned::json(200, json!({"data": {"items_page_by_column_values": {"cursor": "c1", "items": [{"id": "1"}, {"id": "2"}]}}})),
        Canned::json(200, json!({"data": {"next_items_page": {"cursor": null, "items": [{"id": "3"}]}}})),
    ])
    .await;
    let ids = client(url)
        .find_items_by_column_value("b", "text_zoho_id", "4600")
        .await
        .expect("found");
    assert_eq!(ids, vec!["1", "2", "3"]);
    let reqs = received.lock().expect("lock").clone();
    assert_eq!(reqs[0].body["variables"]["value"], "4600");
    assert_eq!(reqs[1].body["variables"]["cursor"], "c1");
}

#[tokio::test]
async fn scan_column_follows_cursors_and_keeps_only_filled_ids() {
    let (url, received) = serve(vec![
        Canned::json(
            200,
            json!({"data": {"boards": [{"items_page": {"cursor": "c1", "items": [
                {"id": "1", "column_values": [{"id": "zid", "text": "4600"}]},
                {"id": 2, "column_values": [{"id": "zid", "text": ""}]}
            ]}}]}}),
        ),
        Canned::json(
            200,
            json!({"data": {"next_items_page": {"cursor": null, "items": [
                {"id": "3", "column_values": [{"id": "zid", "text": " 4601 "}]}
            ]}}}),
        ),
    ])
    .await;
    let scan = client(url).scan_column("b", "zid").await.expect("scanned");
    assert!(scan.complete);
    assert_eq!(
        scan.pairs,
        vec![
            ("1".to_string(), "4600".to_string()),
            ("3".to_string(), "4601".to_string())
        ]
    );
    let reqs = received.lock().expect("lock").clone();
    assert_eq!(reqs.len(), 2);
    assert_eq!(reqs[0].body["query"], monday::queries::SCAN_COLUMN);
    assert_eq!(reqs[0].body["variables"]["column"], "zid");
    assert_eq!(reqs[1].body["query"], monday::queries::SCAN_COLUMN_NEXT);
    assert_eq!(reqs[1].body["variables"]["cursor"], "c1");
}

#[tokio::test]
async fn board_and_subitems_are_read() {
    let (url, _) = serve(vec![
        Canned::json(200, json!({"data": {"boards": [board_json()]}})),
        Canned::json(
            200,
            json!({"data": {"items": [{"id": "5", "subitems": [{"id": "51", "name": "Line 1",
            "column_values": [{"id": "numbers", "text": "12.5", "value": "\"12.5\""},
                              {"id": "date", "text": null, "value": null}]}]}]}}),
        ),
        Canned::json(200, json!({"data": {"boards": []}})),
    ])
    .await;
    let c = client(url);
    let b = c.board("1234567890").await.expect("board");
    assert_eq!(b.subitems_board_id.as_deref(), Some("9876543210"));
    let subs = c.item_subitems("5").await.expect("subitems");
    assert_eq!(subs.len(), 1);
    assert_eq!(
        subs[0].column_values["numbers"],
        (Some("12.5".into()), Some(json!("12.5")))
    );
    assert_eq!(subs[0].column_values["date"], (None, None));
    let e = c.board("404").await.expect_err("missing board");
    assert!(matches!(&e, MondayError::Permanent { code, .. } if code == "ResourceNotFound"));
}

#[tokio::test]
async fn subitem_batch_reports_partial_errors_per_operation() {
    let (url, received) = serve(vec![Canned::json(200, json!({
        "data": {"op0": {"id": "11"}, "op1": null, "op2": {"id": "33"}},
        "errors": [{"message": "invalid value", "path": ["op1"], "extensions": {"code": "ColumnValueException"}}]
    }))])
    .await;
    let ops = vec![
        SubitemOp::Create {
            name: "Line 1".into(),
            values: ColumnValues::default().with("numbers", ColumnValue::Number(2.into())),
        },
        SubitemOp::Update {
            item_id: "22".into(),
            name: Some("Line 2".into()),
            values: ColumnValues::default(),
        },
        SubitemOp::Delete {
            item_id: "33".into(),
        },
        SubitemOp::Update {
            item_id: "44".into(),
            name: None,
            values: ColumnValues::default(),
        },
    ];
    let results = client(url)
        .apply_subitem_ops("sub-board", "parent", &ops, Some("k"))
        .await
        .expect("request ok");
    assert_eq!(results.len(), 4);
    assert_eq!(results[0], Ok(Some("11".into())));
    assert!(
        matches!(&results[1], Err(MondayError::Permanent { message, .. }) if message.contains("op1"))
    );
    assert_eq!(results[2], Ok(None));
    assert_eq!(results[3], Ok(None), "a no-op update is not sent");

    let req = received.lock().expect("lock")[0].clone();
    let vars = &req.body["variables"];
    assert_eq!(vars["parent"], "parent");
    assert_eq!(vars["board"], "sub-board");
    assert_eq!(vars["v1"], r#"{"name":"Line 2"}"#);
    assert_eq!(vars["i2"], "33");
    assert!(vars.get("i3").is_none());
    let query = req.body["query"].as_str().expect("query");
    assert!(
        query.contains("op0: create_subitem") && query.contains("op2: delete_item"),
        "{query}"
    );
}

#[tokio::test]
async fn subitem_batch_fails_whole_on_a_request_level_error() {
    let (url, _) = serve(vec![Canned::json(
        200,
        json!({"errors": [{"message": "Complexity budget exhausted",
        "extensions": {"code": "COMPLEXITY_BUDGET_EXHAUSTED", "retry_in_seconds": 9}}]}),
    )])
    .await;
    let ops = vec![SubitemOp::Delete {
        item_id: "1".into(),
    }];
    let e = client(url)
        .apply_subitem_ops("b", "p", &ops, None)
        .await
        .expect_err("whole request");
    assert_eq!(e.retry_after(), Some(Duration::from_secs(9)));
}

#[test]
fn debug_output_never_shows_the_token() {
    let c = client(url::Url::parse("https://api.monday.com/v2").expect("url"));
    let dbg = format!("{c:?}");
    assert!(!dbg.contains(TOKEN), "{dbg}");
    assert!(dbg.contains("redacted"));
}

/// Counts WARN events, to check the version-drift warning fires once.
struct WarnCounter(std::sync::Arc<std::sync::atomic::AtomicUsize>);

impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for WarnCounter {
    fn on_event(&self, event: &tracing::Event<'_>, _: tracing_subscriber::layer::Context<'_, S>) {
        if *event.metadata().level() == tracing::Level::WARN {
            self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        }
    }
}

#[tokio::test(flavor = "current_thread")]
async fn a_different_served_api_version_warns_once() {
    use tracing_subscriber::layer::SubscriberExt as _;
    let warns = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let subscriber = tracing_subscriber::registry().with(WarnCounter(warns.clone()));
    let _guard = tracing::subscriber::set_default(subscriber);
    let old = || Canned::json(200, json!({"data": {}})).header("API-Version", "2025-04");
    let (url, _) = serve(vec![old(), old()]).await;
    let c = client(url);
    c.execute("query { x }", json!({}), None).await.expect("ok");
    c.clone()
        .execute("query { x }", json!({}), None)
        .await
        .expect("ok");
    assert_eq!(warns.load(std::sync::atomic::Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_scan_that_reaches_the_page_cap_says_it_is_incomplete() {
    // Every page points to another: the scan stops at its cap and says so, so callers know
    // that a document missing from it may still be on the board.
    let mut pages = vec![Canned::json(
        200,
        json!({"data": {"boards": [{"items_page": {"cursor": "c0", "items": [
            {"id": "1", "column_values": [{"id": "zid", "text": "4600"}]}
        ]}}]}}),
    )];
    for i in 1..200 {
        pages.push(Canned::json(
            200,
            json!({"data": {"next_items_page": {"cursor": format!("c{i}"), "items": [
                {"id": format!("{}", i + 1), "column_values": [{"id": "zid", "text": format!("{}", 4600 + i)}]}
            ]}}}),
        ));
    }
    let (url, received) = serve(pages).await;
    let scan = client(url).scan_column("b", "zid").await.expect("scanned");
    assert!(!scan.complete);
    assert_eq!(scan.pairs.len(), 200);
    assert_eq!(received.lock().expect("lock").len(), 200);
}
