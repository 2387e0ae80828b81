//! Reconciliation finds payments whose webhooks were lost, even when Zoho leaves the paid
//! invoice's or bill's `last_modified_time` where it was.

use crate::helpers::{invoice, spawn_app, text, TestApp};
use ml_connector::sync::reconcile::schedule;
use rust_decimal::Decimal;
use zoho_books::DocumentKind;

fn now_zoho() -> String {
    chrono::Utc::now().format("%Y-%m-%dT%H:%M:%S%z").to_string()
}

async fn reconcile(app: &TestApp, kind: DocumentKind) {
    assert!(
        schedule(&app.rt, "demo", kind).await.expect("schedule"),
        "a reconciliation was already queued"
    );
    app.settle().await;
}

async fn jobs(app: &TestApp, kind: &str) -> i64 {
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM jobs WHERE kind = ?1")
        .bind(kind)
        .fetch_one(app.rt.store.pool())
        .await
        .expect("count");
    n
}

/// (status, balance) of the item for one document.
fn state(app: &TestApp, kind: &str, zoho_id: &str) -> (String, f64) {
    let items = app.items(kind);
    let item = items
        .iter()
        .find(|i| text(i, "zoho_id") == zoho_id)
        .expect("item on the board");
    let balance = text(item, "balance").parse().expect("numeric balance");
    (text(item, "status").to_string(), balance)
}

/// Records a payment in the sandbox the way the reference warns Zoho may: no webhook, and the
/// document's `last_modified_time` left as it was, so only the payment ledger shows the change.
fn pay_silently(app: &TestApp, kind: &str, id: &str, amount: Decimal) {
    let zoho = &app.setup.zoho;
    let before = zoho.document(app.org(), kind, id).expect("document");
    match kind {
        "invoice" => zoho.record_customer_payment(app.org(), id, amount),
        _ => zoho.record_vendor_payment(app.org(), id, amount),
    };
    let mut paid = zoho.document(app.org(), kind, id).expect("document");
    paid["last_modified_time"] = before["last_modified_time"].clone();
    zoho.put_document(app.org(), kind, paid);
}

/// Syncs one document through its webhook, then runs a first reconciliation, which records
/// the watermarks.
async fn synced(app: &TestApp, kind: &str, doc: serde_json::Value, reconcile_kind: DocumentKind) {
    let body = app.put(kind, doc);
    assert_eq!(app.deliver(&body).await, 200);
    app.settle().await;
    reconcile(app, reconcile_kind).await;
}

#[tokio::test]
async fn a_customer_payment_without_webhook_marks_the_invoice_paid_after_reconcile() {
    let app = spawn_app().await;
    synced(
        &app,
        "invoice",
        invoice("9400001", "INV-9401", "120.00", &now_zoho()),
        DocumentKind::Invoice,
    )
    .await;
    assert_eq!(state(&app, "invoice", "9400001"), ("Sent".into(), 120.0));
    assert!(app
        .rt
        .store
        .watermark("demo", "customer_payment")
        .await
        .expect("watermark")
        .is_some());

    pay_silently(&app, "invoice", "9400001", Decimal::new(12000, 2));
    app.setup.zoho.reset_stats(app.org());
    reconcile(&app, DocumentKind::Invoice).await;
    assert_eq!(
        state(&app, "invoice", "9400001"),
        ("Paid".into(), 0.0),
        "the payment reached the board"
    );
    let stats = app.setup.zoho.stats(app.org());
    assert_eq!(
        (stats.payment_list_calls, stats.payment_detail_gets),
        (1, 1),
        "one list call, one GET for the payment's invoice ids: {stats:?}"
    );
    assert_eq!(jobs(&app, "sync_payment").await, 1);

    // Nothing new: the payment is still in the window but already handled.
    app.setup.zoho.reset_stats(app.org());
    let (payments, syncs) = (
        jobs(&app, "sync_payment").await,
        jobs(&app, "sync_document").await,
    );
    reconcile(&app, DocumentKind::Invoice).await;
    let stats = app.setup.zoho.stats(app.org());
    assert_eq!(
        (
            stats.payment_list_calls,
            stats.payment_detail_gets,
            stats.detail_gets
        ),
        (1, 0, 0),
        "{stats:?}"
    );
    assert_eq!(
        jobs(&app, "sync_payment").await,
        payments,
        "nothing enqueued"
    );
    assert_eq!(jobs(&app, "sync_document").await, syncs, "nothing enqueued");
}

#[tokio::test]
async fn a_vendor_payment_without_webhook_marks_the_bill_paid_after_reconcile() {
    let app = spawn_app().await;
    let bill = serde_json::json!({
        "bill_id": "9500001", "bill_number": "BILL-9501", "vendor_id": "460000000026051",
        "vendor_name": "Acme Supplies", "status": "open", "date": "2026-11-20",
        "due_date": "2026-12-20", "currency_code": "EUR", "total": "80.00", "balance": "80.00",
        "last_modified_time": now_zoho(),
        "line_items": [{"line_item_id": "950000101", "name": "Paper", "quantity": 4, "rate": "20.00", "item_total": "80.00"}]
    });
    synced(&app, "bill", bill, DocumentKind::Bill).await;
    assert_eq!(state(&app, "bill", "9500001"), ("Open".into(), 80.0));

    pay_silently(&app, "bill", "9500001", Decimal::new(8000, 2));
    reconcile(&app, DocumentKind::Bill).await;
    assert_eq!(state(&app, "bill", "9500001"), ("Paid".into(), 0.0));

    app.setup.zoho.reset_stats(app.org());
    let payments = jobs(&app, "sync_payment").await;
    reconcile(&app, DocumentKind::Bill).await;
    let stats = app.setup.zoho.stats(app.org());
    assert_eq!(
        (stats.payment_list_calls, stats.payment_detail_gets),
        (1, 0),
        "{stats:?}"
    );
    assert_eq!(
        jobs(&app, "sync_payment").await,
        payments,
        "nothing enqueued"
    );
}
