//! Issue 7 §2.2, §2.3, §2.4, §2.9: no duplicate items, no stale copies, no blanked columns,
//! deletions that find a pending create's item.

use crate::helpers::*;
use ml_connector::clock::SystemClock;
use ml_connector::config::Config;
use ml_connector::Application;
use sandbox::monday::Faults;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;

async fn wait_for(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn a_lost_map_never_duplicates_an_item_and_new_documents_stay_cheap() {
    let app = spawn_app().await;
    let body = app.put(
        "invoice",
        invoice("9301", "INV-301", "10.00", "2026-11-20T10:15:30+0000"),
    );
    assert_eq!(app.deliver(&body).await, 200);
    app.settle().await;
    assert_eq!(app.items("invoice").len(), 1);

    // The map is lost (a restored backup without this row, or a new database).
    sqlx::query("DELETE FROM documents")
        .execute(app.rt.store.pool())
        .await
        .expect("delete map");
    let body = app.put(
        "invoice",
        invoice("9301", "INV-301", "12.00", "2026-11-21T10:15:30+0000"),
    );
    assert_eq!(app.deliver(&body).await, 200);
    app.settle().await;
    let items = app.items("invoice");
    assert_eq!(items.len(), 1, "a second item was created: {items:?}");
    assert_eq!(text(&items[0], "total"), "12.00");

    // Steady state: a new document costs its create, not a lookup or a scan.
    let before = app.setup.monday.stats();
    let body = app.put(
        "invoice",
        invoice("9302", "INV-302", "5.00", "2026-11-21T10:15:30+0000"),
    );
    assert_eq!(app.deliver(&body).await, 200);
    app.settle().await;
    let after = app.setup.monday.stats();
    assert_eq!(after.creates - before.creates, 1);
    assert!(
        after.requests - before.requests <= 2,
        "a new document cost {} monday requests",
        after.requests - before.requests
    );
    assert_eq!(app.items("invoice").len(), 2);
}

#[tokio::test]
async fn a_new_database_on_a_populated_board_adopts_the_items_with_one_scan() {
    let first = spawn_app().await;
    for i in 0..3 {
        let body = first.put(
            "invoice",
            invoice(
                &format!("931{i}"),
                &format!("INV-31{i}"),
                "1.00",
                "2026-11-20T10:15:30+0000",
            ),
        );
        assert_eq!(first.deliver(&body).await, 200);
    }
    first.settle().await;
    first.cancel.cancel();
    assert_eq!(first.items("invoice").len(), 3);

    // A second process on an empty database, same Zoho organization and boards.
    let dir = tempfile::tempdir().expect("temp dir");
    let toml = first.setup.config_toml(
        "127.0.0.1:0".parse().expect("addr"),
        &dir.path().join("fresh.db"),
    );
    let mut config = Config::from_toml_str(&toml).expect("config");
    fast(&mut config);
    let app = Application::build(config, Arc::new(SystemClock))
        .await
        .expect("build second app");
    let port = app.port();
    let rt = app.runtime();
    let cancel = CancellationToken::new();
    tokio::spawn(app.run_until_stopped(cancel.clone()));
    let _stop = cancel.drop_guard();

    let before = first.setup.monday.stats();
    for i in 0..3 {
        first.setup.zoho.modify_document(
            first.org(),
            "invoice",
            &format!("931{i}"),
            serde_json::json!({"total": "2.00", "balance": "2.00"}),
        );
        let body = first
            .setup
            .zoho
            .webhook_body(first.org(), "invoice", &format!("931{i}"))
            .expect("body");
        let status = first
            .setup
            .zoho
            .send_webhook(
                &first.setup.webhook_url(port),
                Some(&first.setup.webhook_secret),
                &body,
            )
            .await
            .expect("deliver");
        assert_eq!(status, 200);
    }
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let s = rt.queue.stats().await.expect("stats");
        if s.queued == 0 && s.running == 0 {
            break;
        }
        assert!(Instant::now() < deadline, "jobs did not settle: {s:?}");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    let items = first.items("invoice");
    assert_eq!(items.len(), 3, "items were duplicated: {items:?}");
    assert!(
        items.iter().all(|i| text(i, "total") == "2.00"),
        "{items:?}"
    );
    let after = first.setup.monday.stats();
    assert_eq!(after.creates, before.creates);
    // Board structure, one scan page, three updates: no per-document lookups.
    assert!(
        after.requests - before.requests <= 5,
        "{} monday requests",
        after.requests - before.requests
    );
}

#[tokio::test]
async fn a_retried_stale_copy_never_puts_an_older_status_back() {
    let app = spawn_app_with(Default::default(), |c| {
        c.workers.backoff_base_ms = 1500;
    })
    .await;
    let body = app.put(
        "invoice",
        invoice("9320", "INV-320", "20.00", "2026-11-20T10:15:30+0000"),
    );
    assert_eq!(app.deliver(&body).await, 200);
    app.settle().await;
    assert_eq!(text(&app.items("invoice")[0], "status"), "Sent");

    // Job A holds a "Sent" copy of a new version and meets a locked board.
    let mut sent = invoice("9320", "INV-320", "25.00", "2026-11-21T10:15:30+0000");
    let body_a = app.put("invoice", sent.clone());
    let errors_before = app.setup.monday.stats().errors;
    app.setup.monday.set_faults(Faults {
        lock_423: 1,
        ..Default::default()
    });
    assert_eq!(app.deliver(&body_a).await, 200);
    wait_for("the 423", || {
        app.setup.monday.stats().errors > errors_before
    })
    .await;

    // Within the same second the invoice is paid; job B writes "Paid" while A waits.
    sent["status"] = "paid".into();
    sent["balance"] = "0.00".into();
    let body_b = app.put("invoice", sent);
    assert_eq!(app.deliver(&body_b).await, 200);
    app.settle().await;

    let item = &app.items("invoice")[0];
    assert_eq!(text(item, "status"), "Paid", "{item:?}");
    assert_eq!(text(item, "total"), "25.00");
    assert_eq!(text(item, "balance"), "0.00");
}

#[tokio::test]
async fn a_partial_copy_never_blanks_a_column_and_a_full_copy_saves_the_fetch() {
    let app = spawn_app().await;
    let body = app.put(
        "invoice",
        invoice("9330", "INV-330", "40.00", "2026-11-20T10:15:30+0000"),
    );
    assert_eq!(app.deliver(&body).await, 200);
    app.settle().await;
    assert_eq!(text(&app.items("invoice")[0], "reference"), "PO-77");

    // Zoho's payload carries the status change and the usual fields, but not the reference,
    // dates, balance or currency the mapping also writes.
    app.setup.zoho.set_webhook_fields(Some(&[
        "invoice_number",
        "customer_name",
        "status",
        "total",
        "last_modified_time",
        "line_items",
    ]));
    app.setup.zoho.modify_document(
        app.org(),
        "invoice",
        "9330",
        serde_json::json!({"status": "paid", "balance": "0.00"}),
    );
    let partial = app
        .setup
        .zoho
        .webhook_body(app.org(), "invoice", "9330")
        .expect("body");
    assert!(partial["invoice"].get("reference_number").is_none());
    let gets = app.setup.zoho.stats(app.org()).detail_gets;
    assert_eq!(app.deliver(&partial).await, 200);
    app.settle().await;
    let item = &app.items("invoice")[0];
    assert_eq!(text(item, "status"), "Paid");
    assert_eq!(text(item, "reference"), "PO-77", "{item:?}");
    assert_eq!(text(item, "due_date"), "2026-12-20", "{item:?}");
    assert_eq!(text(item, "balance"), "0.00");
    assert!(app.setup.zoho.stats(app.org()).detail_gets > gets);

    // A full copy is used as it is: no fetch.
    app.setup.zoho.set_webhook_fields(None);
    app.setup.zoho.modify_document(
        app.org(),
        "invoice",
        "9330",
        serde_json::json!({"reference_number": "PO-78"}),
    );
    let full = app
        .setup
        .zoho
        .webhook_body(app.org(), "invoice", "9330")
        .expect("body");
    let gets = app.setup.zoho.stats(app.org()).detail_gets;
    assert_eq!(app.deliver(&full).await, 200);
    app.settle().await;
    assert_eq!(text(&app.items("invoice")[0], "reference"), "PO-78");
    assert_eq!(app.setup.zoho.stats(app.org()).detail_gets, gets);
}

#[tokio::test]
async fn a_document_deleted_while_its_create_was_pending_has_its_item_archived() {
    let app = spawn_app_with(Default::default(), |c| {
        c.workers.backoff_base_ms = 1500;
    })
    .await;
    // monday applies the create, then the connection drops: the map row stays pending.
    app.setup.monday.set_faults(Faults {
        drop_after_write: 1,
        ..Default::default()
    });
    let body = app.put(
        "invoice",
        invoice("9340", "INV-340", "3.00", "2026-11-20T10:15:30+0000"),
    );
    assert_eq!(app.deliver(&body).await, 200);
    wait_for("the create", || app.items("invoice").len() == 1).await;
    // Deleted in Zoho before the retry.
    app.setup.zoho.delete_document(app.org(), "invoice", "9340");
    app.settle().await;

    let items = app.items("invoice");
    assert_eq!(items.len(), 1, "{items:?}");
    assert!(items[0].archived, "the item was left live: {:?}", items[0]);
    let (deleted,): (i64,) = sqlx::query_as("SELECT deleted FROM documents WHERE zoho_id = '9340'")
        .fetch_one(app.rt.store.pool())
        .await
        .expect("row");
    assert_eq!(deleted, 1);
}
