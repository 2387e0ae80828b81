//! `backfill --dry-run` in-process against the sandbox. (The paced 5,000-document backfill
//! with a SIGKILL lives in `tests/pacing.rs`, a test binary of its own.)

#[tokio::test]
async fn dry_run_counts_creates_updates_and_unchanged_and_writes_nothing() {
    use ml_connector::backfill::{run_with, BackfillOptions};
    let app = crate::helpers::spawn_app().await;
    app.setup.zoho.seed(app.org(), 5, 2, 0, 21);
    let ids: Vec<String> = app
        .setup
        .zoho
        .documents(app.org(), "invoice")
        .iter()
        .filter_map(|d| d["invoice_id"].as_str().map(str::to_string))
        .collect();
    for id in &ids[..2] {
        let body = app
            .setup
            .zoho
            .webhook_body(app.org(), "invoice", id)
            .expect("body");
        assert_eq!(app.deliver(&body).await, 200);
    }
    app.settle().await;
    app.setup
        .zoho
        .modify_document(
            app.org(),
            "invoice",
            &ids[0],
            serde_json::json!({"reference_number": "NEW"}),
        )
        .expect("modify");
    app.setup.zoho.reset_stats(app.org());
    let (jobs_before,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM jobs")
        .fetch_one(app.rt.store.pool())
        .await
        .expect("jobs");

    let opts = BackfillOptions {
        since: chrono::NaiveDate::from_ymd_opt(2000, 1, 1).expect("date"),
        kinds: vec![],
        connection: None,
        dry_run: true,
    };
    let summary = run_with(
        app.rt.clone(),
        &opts,
        tokio_util::sync::CancellationToken::new(),
    )
    .await
    .expect("dry run");
    let forecast = summary.forecast.expect("a forecast");
    let invoices = forecast
        .iter()
        .find(|f| f.kind == zoho_books::DocumentKind::Invoice)
        .expect("invoices")
        .forecast;
    assert_eq!(
        (invoices.create, invoices.update, invoices.unchanged),
        (3, 1, 1)
    );
    let bills = forecast
        .iter()
        .find(|f| f.kind == zoho_books::DocumentKind::Bill)
        .expect("bills")
        .forecast;
    assert_eq!((bills.create, bills.update, bills.unchanged), (2, 0, 0));

    let stats = app.setup.zoho.stats(app.org());
    assert_eq!(stats.detail_gets, 0, "a dry run lists only");
    let (jobs_after,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM jobs")
        .fetch_one(app.rt.store.pool())
        .await
        .expect("jobs");
    assert_eq!(jobs_after, jobs_before, "nothing enqueued");
    assert_eq!(app.items("invoice").len(), 2, "nothing written to monday");
}
