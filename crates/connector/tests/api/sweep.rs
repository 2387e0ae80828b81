//! Deletion sweep: a document deleted in Zoho while no webhook could arrive leaves the board.

use crate::helpers::{invoice, spawn_app_with, text, TestApp};
use ml_connector::sync::reconcile::schedule;
use ml_connector::sync::sweep::{sweep, SweepReport};
use std::time::Duration;
use zoho_books::DocumentKind;

const IDS: [&str; 3] = ["9400001", "9400002", "9400003"];

/// An app with three invoices synced through webhooks.
async fn app_with_invoices(sweep_interval_seconds: u64) -> TestApp {
    let app = spawn_app_with(Default::default(), |c| {
        c.zoho.deletion_sweep_interval_seconds = Some(sweep_interval_seconds);
    })
    .await;
    for (n, id) in IDS.iter().enumerate() {
        let body = app.put(
            "invoice",
            invoice(
                id,
                &format!("INV-94{n}"),
                "10.00",
                "2026-11-20T10:15:30+0000",
            ),
        );
        assert_eq!(app.deliver(&body).await, 200);
    }
    app.settle().await;
    assert_eq!(app.items("invoice").len(), 3);
    app
}

async fn run_sweep(app: &TestApp) -> Result<SweepReport, String> {
    let conn = app.rt.connection("demo").expect("demo connection");
    let report = sweep(&app.rt, conn, DocumentKind::Invoice)
        .await
        .map_err(|e| e.to_string());
    app.settle().await;
    report
}

fn archived(app: &TestApp, zoho_id: &str) -> bool {
    app.items("invoice")
        .iter()
        .find(|i| text(i, "zoho_id") == zoho_id)
        .map(|i| i.archived)
        .expect("item on the board")
}

#[tokio::test]
async fn a_document_deleted_without_webhook_is_archived_by_the_sweep() {
    let app = app_with_invoices(86_400).await;
    app.setup.zoho.delete_document(app.org(), "invoice", IDS[1]);

    // A listing that fails part-way compares nothing.
    app.setup.zoho.fail_next(app.org(), 1, 400);
    assert!(run_sweep(&app).await.is_err());
    assert!(!archived(&app, IDS[1]), "no sweep without a full listing");

    let report = run_sweep(&app).await.expect("sweep");
    assert_eq!((report.listed, report.enqueued), (2, 1), "{report:?}");
    assert!(
        archived(&app, IDS[1]),
        "the deleted invoice's item is archived"
    );
    assert!(!archived(&app, IDS[0]) && !archived(&app, IDS[2]));

    // The deletion is recorded: a second sweep queues nothing and reads no document.
    let gets = app.setup.zoho.stats(app.org()).detail_gets;
    let report = run_sweep(&app).await.expect("second sweep");
    assert_eq!(report.enqueued, 0, "{report:?}");
    assert_eq!(app.setup.zoho.stats(app.org()).detail_gets, gets);
}

#[tokio::test]
async fn reconciliation_sweeps_once_the_interval_has_passed() {
    let app = app_with_invoices(3).await;
    let reconcile = || async {
        assert!(schedule(&app.rt, "demo", DocumentKind::Invoice)
            .await
            .expect("schedule"));
        app.settle().await;
    };
    reconcile().await; // starts the sweep clock, sweeps nothing
    app.setup.zoho.delete_document(app.org(), "invoice", IDS[0]);
    reconcile().await;
    assert!(!archived(&app, IDS[0]), "swept before the interval passed");
    tokio::time::sleep(Duration::from_millis(3_100)).await;
    reconcile().await;
    assert!(archived(&app, IDS[0]), "the due sweep archived the item");
}
