//! The Zoho webhook edge: authentication, limits, dedup, durability.

use crate::helpers::*;

#[tokio::test]
async fn signed_webhook_for_a_new_invoice_yields_one_item_with_correct_values() {
    let app = spawn_app().await;
    let body = app.put(
        "invoice",
        invoice("9001", "INV-000123", "250.50", "2026-11-20T10:15:30+0100"),
    );
    assert_eq!(app.deliver(&body).await, 200);
    app.settle().await;
    let items = app.items("invoice");
    assert_eq!(items.len(), 1, "{items:?}");
    let item = &items[0];
    assert_eq!(item.name, "INV-000123 · Bowman & Co");
    assert_eq!(text(item, "zoho_id"), "9001");
    assert_eq!(text(item, "number"), "INV-000123");
    assert_eq!(text(item, "party"), "Bowman & Co");
    assert_eq!(item.values["total"], serde_json::json!("250.50"));
    assert_eq!(text(item, "currency"), "EUR");
    assert_eq!(item.values["date"]["date"], "2026-11-20");
    assert_eq!(item.values["due_date"]["date"], "2026-12-20");
    assert_eq!(text(item, "status"), "Sent");
    assert_eq!(text(item, "reference"), "PO-77");
    assert!(item.values["link"]["url"]
        .as_str()
        .unwrap_or("")
        .contains("books.zoho.eu/app/20250101#/invoices/9001"));
    let lines = item.values["lines"]["text"].as_str().unwrap_or("");
    assert!(
        lines.contains("2 × Desk @ 100.25 = 200.50") && lines.contains("Chair"),
        "{lines}"
    );
}

#[tokio::test]
async fn the_same_webhook_ten_times_concurrently_yields_one_item() {
    let app = spawn_app().await;
    let body = app.put(
        "invoice",
        invoice("9002", "INV-000124", "10", "2026-11-20T10:15:30+0000"),
    );
    let sends = (0..10).map(|_| app.deliver(&body));
    let statuses = futures::future::join_all(sends).await;
    assert!(statuses.iter().all(|s| *s == 200), "{statuses:?}");
    app.settle().await;
    assert_eq!(app.items("invoice").len(), 1);
    assert_eq!(
        app.rt.queue.count_events("zoho").await.unwrap(),
        1,
        "one event stored"
    );
    assert_eq!(app.setup.monday.stats().creates, 1);
}

#[tokio::test]
async fn newer_version_updates_older_changes_nothing_and_unchanged_sends_no_write() {
    let app = spawn_app().await;
    let v1 = app.put(
        "invoice",
        invoice("9003", "INV-1", "100.00", "2026-11-20T10:00:00+0000"),
    );
    assert_eq!(app.deliver(&v1).await, 200);
    app.settle().await;

    let mut v2 = invoice("9003", "INV-1", "175.00", "2026-11-20T11:00:00+0000");
    v2["status"] = "overdue".into();
    let v2 = app.put("invoice", v2);
    assert_eq!(app.deliver(&v2).await, 200);
    app.settle().await;
    let item = &app.items("invoice")[0];
    assert_eq!(item.values["total"], serde_json::json!("175.00"));
    assert_eq!(text(item, "status"), "Overdue");

    // The older version arrives late: nothing changes on the board.
    let writes = app.setup.monday.stats().mutations;
    assert_eq!(app.deliver(&v1).await, 200);
    app.settle().await;
    let item = &app.items("invoice")[0];
    assert_eq!(item.values["total"], serde_json::json!("175.00"));
    assert_eq!(
        app.setup.monday.stats().mutations,
        writes,
        "older version wrote nothing"
    );

    // Same content, newer timestamp: no monday write either.
    let mut v3 = invoice("9003", "INV-1", "175.00", "2026-11-20T12:00:00+0000");
    v3["status"] = "overdue".into();
    let v3 = app.put("invoice", v3);
    assert_eq!(app.deliver(&v3).await, 200);
    app.settle().await;
    assert_eq!(
        app.setup.monday.stats().mutations,
        writes,
        "unchanged content wrote nothing"
    );
    assert_eq!(app.items("invoice").len(), 1);
}

#[tokio::test]
async fn wrong_or_missing_signature_gets_401_and_stores_nothing() {
    let app = spawn_app().await;
    let body =
        serde_json::to_vec(&invoice("9004", "INV-2", "1", "2026-11-20T10:00:00+0000")).unwrap();
    let body = serde_json::to_vec(&serde_json::json!({"invoice": serde_json::from_slice::<serde_json::Value>(&body).unwrap()})).unwrap();

    let missing = app.post_raw(body.clone(), "application/json", None).await;
    assert_eq!(missing.status(), 401);
    let wrong = app
        .post_raw(body.clone(), "application/json", Some("00".repeat(32)))
        .await;
    assert_eq!(wrong.status(), 401);
    let empty = app
        .post_raw(body.clone(), "application/json", Some(String::new()))
        .await;
    assert_eq!(empty.status(), 401);
    // A signature over different bytes (one byte changed) fails too.
    let mut tampered = body.clone();
    tampered.push(b' ');
    let sig = app.sign(&body);
    assert_eq!(
        app.post_raw(tampered, "application/json", Some(sig.clone()))
            .await
            .status(),
        401
    );

    assert_eq!(app.rt.queue.count_events("zoho").await.unwrap(), 0);
    assert_eq!(app.rt.queue.stats().await.unwrap().queued, 0);

    // The correct signature over the exact bytes is accepted.
    assert_eq!(
        app.post_raw(body, "application/json", Some(sig))
            .await
            .status(),
        200
    );
}

#[tokio::test]
async fn oversized_body_gets_413_and_stores_nothing() {
    let app = spawn_app().await;
    let huge = vec![b'x'; app.rt.config.server.max_body_bytes + 1];
    let sig = app.sign(&huge);
    let r = app.post_raw(huge, "application/json", Some(sig)).await;
    assert_eq!(r.status(), 413);
    assert_eq!(app.rt.queue.count_events("zoho").await.unwrap(), 0);
}

#[tokio::test]
async fn bad_input_gets_a_clear_error_and_changes_nothing() {
    let app = spawn_app().await;
    // Wrong content type.
    let r = app.post_raw(b"<xml/>".to_vec(), "text/xml", None).await;
    assert_eq!(r.status(), 415);
    // Malformed JSON, correctly signed.
    let bad = b"{\"invoice\": ".to_vec();
    let r = app
        .post_raw(bad.clone(), "application/json", Some(app.sign(&bad)))
        .await;
    assert_eq!(r.status(), 422);
    let msg: serde_json::Value = r.json().await.unwrap();
    assert!(!msg["error"].as_str().unwrap_or("").is_empty());
    // Unknown document type.
    let other = br#"{"salesorder": {"salesorder_id": "1"}}"#.to_vec();
    let r = app
        .post_raw(other.clone(), "application/json", Some(app.sign(&other)))
        .await;
    assert_eq!(r.status(), 422);
    // Unknown URL token.
    let r = app
        .client
        .post(format!(
            "http://127.0.0.1:{}/webhooks/zoho/not-a-token",
            app.port
        ))
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    assert_eq!(app.rt.queue.count_events("zoho").await.unwrap(), 0);
}
