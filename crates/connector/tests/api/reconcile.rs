//! Reconciliation: changes that no webhook announced still reach the board.

use crate::helpers::{invoice, spawn_app, spawn_app_with, text, TestApp};
use ml_connector::sync::reconcile::{schedule, watermark};
use std::time::{Duration, Instant};
use zoho_books::DocumentKind;

fn now_zoho() -> String {
    chrono::Utc::now().format("%Y-%m-%dT%H:%M:%S%z").to_string()
}

async fn reconcile(app: &TestApp) {
    assert!(
        schedule(&app.rt, "demo", DocumentKind::Invoice)
            .await
            .expect("schedule"),
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

fn item_text(app: &TestApp, zoho_id: &str, column: &str) -> Option<String> {
    app.items("invoice")
        .iter()
        .find(|i| text(i, "zoho_id") == zoho_id)
        .map(|i| text(i, column).to_string())
}

#[tokio::test]
async fn a_change_without_webhook_appears_after_reconcile_and_an_unchanged_org_costs_one_list_call()
{
    let app = spawn_app().await;
    let body = app.put(
        "invoice",
        invoice("9100001", "INV-9101", "120.00", &now_zoho()),
    );
    assert_eq!(app.deliver(&body).await, 200);
    app.settle().await;
    reconcile(&app).await; // records the watermark
    assert!(watermark(&app.rt, "demo", DocumentKind::Invoice)
        .await
        .expect("watermark")
        .is_some());

    // Zoho changes: an edit and a new invoice, and no webhook for either.
    app.setup
        .zoho
        .modify_document(
            app.org(),
            "invoice",
            "9100001",
            serde_json::json!({"reference_number": "CHANGED-1"}),
        )
        .expect("modify");
    app.put(
        "invoice",
        invoice("9100002", "INV-9102", "75.50", &now_zoho()),
    );
    assert_eq!(
        item_text(&app, "9100001", "reference").as_deref(),
        Some("PO-77")
    );
    reconcile(&app).await;
    assert_eq!(
        item_text(&app, "9100001", "reference").as_deref(),
        Some("CHANGED-1"),
        "the edit reached the board"
    );
    assert_eq!(
        item_text(&app, "9100002", "number").as_deref(),
        Some("INV-9102"),
        "the new invoice reached the board"
    );
    assert_eq!(app.items("invoice").len(), 2);

    // Nothing changed since: one list call, no job, no detail call.
    app.setup.zoho.reset_stats(app.org());
    let syncs = jobs(&app, "sync_document").await;
    reconcile(&app).await;
    let stats = app.setup.zoho.stats(app.org());
    assert_eq!((stats.list_calls, stats.detail_gets), (1, 0), "{stats:?}");
    assert_eq!(jobs(&app, "sync_document").await, syncs, "nothing enqueued");
}

#[tokio::test]
async fn the_watermark_never_passes_a_row_whose_job_was_not_enqueued() {
    // One worker: the reconciliation is the only job running while it lists, so the sandbox's
    // next-call faults hit exactly its list pages.
    let zoho = sandbox::zoho::ZohoSandboxConfig {
        requests_per_window: 10_000,
        ..Default::default()
    };
    let app = spawn_app_with(zoho, |c| {
        c.workers.count = 1;
        c.zoho.quota.per_minute = 10_000;
    })
    .await;
    reconcile(&app).await;
    let before = watermark(&app.rt, "demo", DocumentKind::Invoice)
        .await
        .expect("watermark")
        .expect("initial watermark");
    let stamp = now_zoho();
    for n in 0..250 {
        app.put(
            "invoice",
            invoice(
                &format!("92{n:05}"),
                &format!("INV-92{n:05}"),
                "10.00",
                &stamp,
            ),
        );
    }
    // Page 1 (200 rows) is served, page 2 fails for good.
    app.setup.zoho.pass_next(app.org(), 1);
    app.setup.zoho.fail_next(app.org(), 1, 400);
    assert!(schedule(&app.rt, "demo", DocumentKind::Invoice)
        .await
        .expect("schedule"));
    app.rt.wake.notify_waiters();
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let (dead,): (i64,) =
            sqlx::query_as("SELECT COUNT(*) FROM jobs WHERE kind = 'reconcile' AND state = 'dead'")
                .fetch_one(app.rt.store.pool())
                .await
                .expect("dead");
        if dead == 1 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the reconciliation should have failed on page 2"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(
        watermark(&app.rt, "demo", DocumentKind::Invoice)
            .await
            .expect("watermark"),
        Some(before),
        "a failed listing must leave the watermark where it was"
    );
    assert_eq!(
        jobs(&app, "sync_document").await,
        200,
        "page 1's jobs were committed"
    );

    // Replayed, it lists everything again; every document ends up on the board once.
    app.rt.queue.replay_dead(None).await.expect("replay");
    app.rt.wake.notify_waiters();
    app.settle().await;
    let after = watermark(&app.rt, "demo", DocumentKind::Invoice)
        .await
        .expect("watermark")
        .expect("watermark");
    assert!(
        after > before,
        "the watermark moved once every page was enqueued"
    );
    let mut ids: Vec<String> = app
        .items("invoice")
        .iter()
        .map(|i| text(i, "zoho_id").to_string())
        .collect();
    ids.sort();
    ids.dedup();
    assert_eq!((ids.len(), app.items("invoice").len()), (250, 250));
}

#[tokio::test]
async fn the_scheduler_reconciles_on_its_own() {
    let app = spawn_app_with(Default::default(), |c| {
        c.zoho.reconcile_interval_seconds = Some(1)
    })
    .await;
    app.put(
        "invoice",
        invoice("9300001", "INV-9301", "42.00", &now_zoho()),
    );
    let deadline = Instant::now() + Duration::from_secs(10);
    while item_text(&app, "9300001", "number").is_none() {
        assert!(
            Instant::now() < deadline,
            "no reconciliation picked up the invoice"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
