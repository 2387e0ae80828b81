//! Idempotency-Key, injected faults and concurrency accounting (§4, §7).

use std::time::Duration;

use serde_json::{json, Value};

use super::{client, code, sandbox, send, Faults, SandboxColumn, TOKEN};

fn create_body(board: &str, name: &str) -> Value {
    json!({
        "query": "mutation ($b: ID!, $n: String!) { create_item(board_id: $b, item_name: $n) { id name } }",
        "variables": {"b": board, "n": name},
    })
}

#[tokio::test]
async fn idempotency_key_replays_the_first_response() {
    let sandbox = sandbox().await;
    let board = sandbox.create_board("B", &[]);
    let headers = [
        ("Authorization", TOKEN),
        ("Idempotency-Key", "org1-invoice-42-v3"),
    ];
    let (s1, h1, b1) = send(&sandbox, &headers, create_body(&board, "INV-42")).await;
    let (s2, h2, b2) = send(&sandbox, &headers, create_body(&board, "INV-42")).await;
    assert_eq!((s1, s2), (200, 200));
    assert!(h1.get("idempotency-replayed").is_none());
    assert_eq!(h2["idempotency-replayed"], "true");
    assert_eq!(b1, b2, "identical body, request_id included");
    let items = sandbox.items(&board);
    assert_eq!(items.len(), 1);
    assert_eq!(
        items[0].created_with_idempotency_key.as_deref(),
        Some("org1-invoice-42-v3")
    );
    let stats = sandbox.stats();
    assert_eq!((stats.creates, stats.idempotent_replays), (1, 1));

    // Keys expire after 30 minutes; queries ignore them.
    sandbox.advance_time(Duration::from_secs(31 * 60));
    let (_, h3, _) = send(&sandbox, &headers, create_body(&board, "INV-42")).await;
    assert!(h3.get("idempotency-replayed").is_none());
    assert_eq!(sandbox.items(&board).len(), 2);
}

#[tokio::test]
async fn a_concurrent_duplicate_key_gets_409_and_concurrency_is_measured() {
    let sandbox = sandbox().await;
    let board = sandbox.create_board("B", &[]);
    sandbox.set_faults(Faults {
        latency: Duration::from_millis(300),
        ..Faults::default()
    });
    let key = [("Authorization", TOKEN), ("Idempotency-Key", "same")];
    let other = [("Authorization", TOKEN), ("Idempotency-Key", "other")];
    let (a, b, c) = tokio::join!(
        send(&sandbox, &key, create_body(&board, "a")),
        async {
            tokio::time::sleep(Duration::from_millis(100)).await;
            send(&sandbox, &key, create_body(&board, "a")).await
        },
        async {
            tokio::time::sleep(Duration::from_millis(50)).await;
            send(&sandbox, &other, create_body(&board, "c")).await
        },
    );
    assert_eq!((a.0, c.0), (200, 200));
    assert_eq!(b.0, 409);
    assert_eq!(code(&b.2), "IDEMPOTENCY_CONFLICT");
    assert!(b.1.get("retry-after").is_some());
    assert_eq!(sandbox.items(&board).len(), 2);
    assert_eq!(
        sandbox.stats().max_concurrent_per_board,
        2,
        "a and c overlapped on the board"
    );
}

#[tokio::test]
async fn a_429_storm_announces_its_wait_then_recovers() {
    let sandbox = sandbox().await;
    let board = sandbox.create_board("B", &[]);
    sandbox.set_faults(Faults {
        storm_429: 2,
        retry_after: Duration::from_millis(50),
        ..Faults::default()
    });
    let auth = [("Authorization", TOKEN)];
    let (s1, h1, b1) = send(&sandbox, &auth, create_body(&board, "x")).await;
    let (s2, _, b2) = send(&sandbox, &auth, create_body(&board, "x")).await;
    assert_eq!((s1, s2), (429, 429));
    assert_eq!(h1["retry-after"], "0.05");
    assert_eq!(
        b1["errors"][0]["extensions"]["retry_in_seconds"],
        json!(0.05)
    );
    assert_eq!(b1["errors"][0]["extensions"]["status_code"], json!(429));
    assert_eq!(
        (code(&b1), code(&b2)),
        ("RATE_LIMIT_EXCEEDED", "COMPLEXITY_BUDGET_EXHAUSTED")
    );
    assert!(sandbox.items(&board).is_empty(), "429s apply nothing");
    let (s3, _, _) = send(&sandbox, &auth, create_body(&board, "x")).await;
    assert_eq!(s3, 200);
    assert_eq!(sandbox.stats().rejected_429, 2);
    assert_eq!(sandbox.items(&board).len(), 1);
}

#[tokio::test]
async fn server_errors_locks_and_the_daily_limit() {
    let sandbox = sandbox().await;
    let board = sandbox.create_board("B", &[]);
    let auth = [("Authorization", TOKEN)];
    sandbox.set_faults(Faults {
        fail_5xx: 1,
        lock_423: 1,
        retry_after: Duration::from_secs(2),
        ..Faults::default()
    });
    let (s, _, body) = send(&sandbox, &auth, create_body(&board, "x")).await;
    assert_eq!(s, 500);
    assert_eq!(code(&body), "INTERNAL_SERVER_ERROR");
    let (s, h, _) = send(&sandbox, &auth, create_body(&board, "x")).await;
    assert_eq!(s, 423);
    assert_eq!(h["retry-after"], "2");
    assert!(sandbox.items(&board).is_empty());
    sandbox.set_faults(Faults {
        daily_limit_exceeded: true,
        ..Faults::default()
    });
    let (s, _, body) = send(&sandbox, &auth, create_body(&board, "x")).await;
    assert_eq!(s, 429);
    assert_eq!(code(&body), "DAILY_LIMIT_EXCEEDED");
    assert!(
        body["errors"][0]["extensions"]["retry_in_seconds"]
            .as_u64()
            .expect("wait")
            <= 86_400
    );
}

#[tokio::test]
async fn drop_after_write_applies_the_mutation_but_the_client_sees_an_error() {
    let sandbox = sandbox().await;
    let board = sandbox.create_board("B", &[SandboxColumn::new("t", "T", "text")]);
    sandbox.set_faults(Faults {
        drop_after_write: 1,
        ..Faults::default()
    });
    let http = client();
    let attempt = || {
        http.post(sandbox.api_url())
            .header("Authorization", TOKEN)
            .header("Idempotency-Key", "inv-7-v1")
            .json(&create_body(&board, "INV-7"))
            .send()
    };
    let first = attempt().await;
    assert!(
        first.is_err(),
        "connection dropped without a response: {first:?}"
    );
    assert_eq!(sandbox.items(&board).len(), 1, "the write happened");
    // The connector retries with the same key and gets the original answer.
    let retry = attempt().await.expect("second attempt answered");
    assert_eq!(retry.headers()["idempotency-replayed"], "true");
    let body: Value = retry.json().await.expect("json");
    assert_eq!(
        body["data"]["create_item"]["id"],
        json!(sandbox.items(&board)[0].id)
    );
    assert_eq!(sandbox.items(&board).len(), 1);
}
