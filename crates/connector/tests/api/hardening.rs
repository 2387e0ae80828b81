//! Edge cases found in review: partial payloads, false deletions, same-second edits, foreign
//! organizations, unmapped kinds, a refused monday token.

use crate::helpers::*;
use ml_connector::config::LineItemMode;
use secrecy::SecretString;

#[tokio::test]
async fn a_trimmed_payload_never_clears_columns_even_without_line_items() {
    let app = spawn_app_with(Default::default(), |c| {
        c.connections[0]
            .boards
            .get_mut("invoice")
            .expect("invoice")
            .line_items = LineItemMode::None;
    })
    .await;
    let full = app.put(
        "invoice",
        invoice("9501", "INV-50", "40.00", "2026-11-20T10:00:00+0000"),
    );
    assert_eq!(app.deliver(&full).await, 200);
    app.settle().await;
    // Zoho changes the invoice; the webhook template carries only the id and time.
    let mut changed = invoice("9501", "INV-50", "45.00", "2026-11-20T11:00:00+0000");
    changed["status"] = "overdue".into();
    app.put("invoice", changed);
    let hint = serde_json::json!({"invoice": {"invoice_id": "9501", "last_modified_time": "2026-11-20T11:00:00+0000"}});
    assert_eq!(app.deliver(&hint).await, 200);
    app.settle().await;
    let item = &app.items("invoice")[0];
    assert_eq!(text(item, "party"), "Bowman & Co", "{:?}", item.values);
    assert_eq!(item.values["total"], serde_json::json!("45.00"));
    assert_eq!(text(item, "status"), "Overdue");
}

#[tokio::test]
async fn a_wrong_address_404_is_not_taken_for_a_deletion() {
    let app = spawn_app().await;
    let body = app.put(
        "invoice",
        invoice("9502", "INV-51", "1.00", "2026-11-20T10:00:00+0000"),
    );
    assert_eq!(app.deliver(&body).await, 200);
    app.settle().await;
    app.setup
        .zoho
        .fail_next_with(app.org(), 1, 404, 5, "Invalid URL Passed");
    let hint = serde_json::json!({"invoice": {"invoice_id": "9502", "last_modified_time": "2026-11-20T12:00:00+0000"}});
    assert_eq!(app.deliver(&hint).await, 200);
    app.settle().await;
    let item = &app.items("invoice")[0];
    assert!(
        !item.archived,
        "a misrouted request must not archive the item"
    );
    let dead = app
        .rt
        .queue
        .list(Some(ml_connector::queue::JobState::Dead), 5)
        .await
        .unwrap();
    assert!(
        dead[0]
            .last_error
            .as_deref()
            .unwrap_or("")
            .contains("Invalid URL"),
        "{dead:?}"
    );
}

#[tokio::test]
async fn two_edits_within_one_second_are_both_applied() {
    let app = spawn_app().await;
    let first = app.put(
        "invoice",
        invoice("9503", "INV-52", "10.00", "2026-11-20T10:00:00+0000"),
    );
    assert_eq!(app.deliver(&first).await, 200);
    app.settle().await;
    let mut second = invoice("9503", "INV-52", "10.00", "2026-11-20T10:00:00+0000");
    second["status"] = "paid".into();
    second["balance"] = "0".into();
    let second = app.put("invoice", second);
    let r = app.deliver(&second).await;
    assert_eq!(r, 200);
    app.settle().await;
    assert_eq!(text(&app.items("invoice")[0], "status"), "Paid");
}

#[tokio::test]
async fn another_organizations_payload_is_refused_and_unmapped_kinds_are_ignored() {
    let app = spawn_app_with(Default::default(), |c| {
        c.connections[0].boards.remove("purchase_order");
    })
    .await;
    let mut foreign =
        serde_json::json!({"invoice": invoice("9504", "INV-53", "1", "2026-11-20T10:00:00+0000")});
    foreign["organization_id"] = "99999".into();
    assert_eq!(app.deliver(&foreign).await, 422);
    let po = serde_json::json!({"purchaseorder": {"purchaseorder_id": "9505", "purchaseorder_number": "PO-1", "vendor_name": "V", "status": "open", "total": 1, "last_modified_time": "2026-11-20T10:00:00+0000"}});
    assert_eq!(app.deliver(&po).await, 200);
    assert_eq!(
        app.rt.queue.count_events("zoho").await.unwrap(),
        0,
        "nothing stored for either"
    );
}

#[tokio::test]
async fn a_refused_monday_token_parks_the_connection_instead_of_filling_the_dead_list() {
    let app = spawn_app_with(Default::default(), |c| {
        c.connections[0].monday.token = SecretString::from("revoked-token");
    })
    .await;
    for i in 0..3 {
        let body = app.put(
            "invoice",
            invoice(
                &format!("951{i}"),
                &format!("INV-6{i}"),
                "1",
                "2026-11-20T10:00:00+0000",
            ),
        );
        assert_eq!(app.deliver(&body).await, 200);
    }
    // The jobs park (run_at in the future), so wait for the status rather than for settling.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let row = app.rt.store.connection_row("demo").await.unwrap();
        if row.as_ref().is_some_and(|r| r.status == "misconfigured") {
            assert!(row
                .unwrap()
                .status_reason
                .unwrap_or_default()
                .contains("connections.monday.token"));
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "connection never marked"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let stats = app.rt.queue.stats().await.unwrap();
    assert_eq!(stats.dead, 0, "{stats:?}");
    assert_eq!(stats.queued, 3, "{stats:?}");
}
