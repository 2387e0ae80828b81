//! The sync engine against the sandbox: fetches, payments, mapping errors, monday faults.

use crate::helpers::*;
use rust_decimal::Decimal;
use sandbox::monday::Faults;
use std::time::{Duration, Instant};

#[tokio::test]
async fn a_trimmed_payload_is_completed_from_books() {
    let app = spawn_app().await;
    app.put(
        "invoice",
        invoice("9101", "INV-10", "250.50", "2026-11-20T10:15:30+0000"),
    );
    // Zoho sent only a few fields: the mapping needs line items, so the connector fetches.
    let trimmed = serde_json::json!({"invoice": {"invoice_id": "9101", "last_modified_time": "2026-11-20T10:15:30+0000"}});
    assert_eq!(app.deliver(&trimmed).await, 200);
    app.settle().await;
    let items = app.items("invoice");
    assert_eq!(items.len(), 1);
    assert!(items[0].values["lines"]["text"]
        .as_str()
        .unwrap_or("")
        .contains("Desk"));
    assert_eq!(text(&items[0], "party"), "Bowman & Co");
    assert!(app.setup.zoho.stats(app.org()).detail_gets >= 1);
}

#[tokio::test]
async fn a_customer_payment_moves_the_invoice_to_paid() {
    let app = spawn_app().await;
    let body = app.put(
        "invoice",
        invoice("9102", "INV-11", "80.00", "2026-11-20T10:15:30+0000"),
    );
    assert_eq!(app.deliver(&body).await, 200);
    app.settle().await;
    assert_eq!(text(&app.items("invoice")[0], "status"), "Sent");

    let payment = app
        .setup
        .zoho
        .record_customer_payment(app.org(), "9102", Decimal::new(8000, 2));
    assert_eq!(
        app.deliver(&serde_json::json!({ "payment": payment }))
            .await,
        200
    );
    app.settle().await;
    let item = &app.items("invoice")[0];
    assert_eq!(text(item, "status"), "Paid");
    let balance: Decimal = item.values["balance"]
        .as_str()
        .unwrap_or("x")
        .parse()
        .expect("balance is a number");
    assert_eq!(balance, Decimal::ZERO, "{:?}", item.values);
}

#[tokio::test]
async fn a_column_of_the_wrong_type_sends_the_document_to_dead_with_a_clear_reason() {
    let app = spawn_app_with(Default::default(), |c| {
        let board = c.connections[0]
            .boards
            .get_mut("invoice")
            .expect("invoice board");
        board.columns.total = Some("date".into());
    })
    .await;
    let body = app.put(
        "invoice",
        invoice("9103", "INV-12", "80.00", "2026-11-20T10:15:30+0000"),
    );
    assert_eq!(app.deliver(&body).await, 200);
    app.settle().await;
    let dead = app
        .rt
        .queue
        .list(Some(ml_connector::queue::JobState::Dead), 10)
        .await
        .unwrap();
    assert_eq!(dead.len(), 1);
    let reason = dead[0].last_error.clone().unwrap_or_default();
    assert!(
        reason.contains(app.setup.board_id("invoice"))
            && reason.contains("date")
            && reason.contains("80.00"),
        "{reason}"
    );
    assert_eq!(dead[0].attempts, 1, "not retried");
    assert!(app.items("invoice").is_empty());
}

#[tokio::test]
async fn an_unknown_status_label_is_refused_before_any_write() {
    let app = spawn_app().await;
    let mut doc = invoice("9104", "INV-13", "5", "2026-11-20T10:15:30+0000");
    doc["status"] = "awaiting_payment_gateway".into();
    let body = app.put("invoice", doc);
    assert_eq!(app.deliver(&body).await, 200);
    app.settle().await;
    let dead = app
        .rt
        .queue
        .list(Some(ml_connector::queue::JobState::Dead), 10)
        .await
        .unwrap();
    let reason = dead
        .first()
        .and_then(|j| j.last_error.clone())
        .unwrap_or_default();
    assert!(
        reason.contains("status") && reason.contains("Awaiting payment gateway"),
        "{reason}"
    );
    assert_eq!(app.setup.monday.stats().mutations, 0);
}

#[tokio::test]
async fn under_a_429_storm_monday_waits_are_honoured_and_documents_land_once() {
    // One worker, so the storm's 429s hit the same job one after another.
    let app = spawn_app_with(Default::default(), |c| c.workers.count = 1).await;
    app.setup.monday.set_faults(Faults {
        storm_429: 3,
        retry_after: Duration::from_millis(400),
        ..Default::default()
    });
    let started = Instant::now();
    for i in 0..4 {
        let body = app.put(
            "invoice",
            invoice(
                &format!("92{i:02}"),
                &format!("INV-2{i}"),
                "1",
                "2026-11-20T10:15:30+0000",
            ),
        );
        assert_eq!(app.deliver(&body).await, 200);
    }
    app.settle().await;
    // Three consecutive 429s asking for 400 ms each: at least 1.2 s must have passed, far more
    // than the 50 ms backoff base would give on its own.
    assert!(
        started.elapsed() >= Duration::from_millis(1200),
        "waited only {:?}",
        started.elapsed()
    );
    let items = app.items("invoice");
    assert_eq!(items.len(), 4);
    let mut ids: Vec<_> = items
        .iter()
        .map(|i| text(i, "zoho_id").to_string())
        .collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 4);
}

#[tokio::test]
async fn a_connection_dropped_after_monday_applied_a_create_leaves_one_item() {
    let app = spawn_app().await;
    app.setup.monday.set_faults(Faults {
        drop_after_write: 1,
        ..Default::default()
    });
    let body = app.put(
        "invoice",
        invoice("9105", "INV-14", "9.99", "2026-11-20T10:15:30+0000"),
    );
    assert_eq!(app.deliver(&body).await, 200);
    app.settle().await;
    assert_eq!(app.items("invoice").len(), 1);
    assert_eq!(app.rt.queue.stats().await.unwrap().dead, 0);
}

#[tokio::test]
async fn a_deleted_document_archives_its_item() {
    let app = spawn_app().await;
    let body = app.put(
        "invoice",
        invoice("9106", "INV-15", "1", "2026-11-20T10:15:30+0000"),
    );
    assert_eq!(app.deliver(&body).await, 200);
    app.settle().await;
    app.setup.zoho.delete_document(app.org(), "invoice", "9106");
    // A trimmed hint makes the connector look the document up, and Books says it is gone.
    let hint = serde_json::json!({"invoice": {"invoice_id": "9106", "last_modified_time": "2026-11-21T10:15:30+0000"}});
    assert_eq!(app.deliver(&hint).await, 200);
    app.settle().await;
    let item = &app.setup.monday.items(app.setup.board_id("invoice"))[0];
    assert!(item.archived, "{item:?}");
}

#[tokio::test]
async fn amounts_land_in_their_currencys_minor_units_never_as_float_artefacts() {
    let app = spawn_app().await;
    // Zoho sends JSON numbers; 21149.0 and 299.9 must not reach the board as written.
    let mut eur = invoice("9201", "INV-20", "0", "2026-11-20T10:15:30+0000");
    eur["total"] = serde_json::json!(21149.0);
    eur["balance"] = serde_json::json!(299.9);
    eur["line_items"] = serde_json::json!([
        {"line_item_id": "920101", "name": "Audit", "quantity": 2.0, "rate": 10574.5, "item_total": 21149.0},
        {"line_item_id": "920102", "name": "Ink", "quantity": 1000, "rate": 0.125, "item_total": 125}
    ]);
    let mut jpy = invoice("9202", "INV-21", "0", "2026-11-20T10:15:30+0000");
    jpy["currency_code"] = serde_json::json!("JPY");
    jpy["total"] = serde_json::json!(1200.4);
    jpy["balance"] = serde_json::json!(1200.4);
    jpy["line_items"] = serde_json::json!([
        {"line_item_id": "920201", "name": "Tea", "quantity": 1.0, "rate": 1200, "item_total": 1200}
    ]);
    for doc in [eur, jpy] {
        let body = app.put("invoice", doc);
        assert_eq!(app.deliver(&body).await, 200);
    }
    app.settle().await;
    let items = app.items("invoice");
    let by_number = |n: &str| {
        items
            .iter()
            .find(|i| text(i, "number") == n)
            .unwrap_or_else(|| panic!("no item {n}: {items:?}"))
    };
    let eur = by_number("INV-20");
    assert_eq!(eur.values["total"], "21149.00", "{:?}", eur.values);
    assert_eq!(eur.values["balance"], "299.90");
    let lines = eur.values["lines"]["text"].as_str().unwrap_or("");
    assert!(
        lines.contains("2 × Audit @ 10,574.50 = 21,149.00"),
        "{lines}"
    );
    assert!(lines.contains("1000 × Ink @ 0.125 = 125.00"), "{lines}");
    let jpy = by_number("INV-21");
    assert_eq!(jpy.values["total"], "1200", "{:?}", jpy.values);
    let lines = jpy.values["lines"]["text"].as_str().unwrap_or("");
    assert!(lines.contains("1 × Tea @ 1,200 = 1,200"), "{lines}");
}
