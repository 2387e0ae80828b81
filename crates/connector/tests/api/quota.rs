//! Zoho quotas on a time-scaled sandbox: 20 calls per second instead of 100 per minute.

use crate::helpers::spawn_app_with;
use ml_connector::queue::priority;
use ml_connector::queue::JobPayload;
use sandbox::zoho::ZohoSandboxConfig;
use std::time::{Duration, Instant};
use zoho_books::DocumentKind;

const PER_WINDOW: u32 = 20;
const WINDOW: Duration = Duration::from_secs(1);

async fn enqueue_fetch(app: &crate::helpers::TestApp, id: &str, priority: i64) {
    let job = JobPayload::SyncDocument {
        document_kind: DocumentKind::Invoice,
        id: id.to_string(),
        snapshot: None,
    }
    .into_new_job("demo", priority, 12);
    app.rt.queue.enqueue(&job).await.expect("enqueue");
    app.rt.wake.notify_waiters();
}

fn invoice_ids(app: &crate::helpers::TestApp) -> Vec<String> {
    app.setup
        .zoho
        .documents(app.org(), "invoice")
        .iter()
        .filter_map(|d| d["invoice_id"].as_str().map(str::to_string))
        .collect()
}

async fn wait_for_items(app: &crate::helpers::TestApp, n: usize, within: Duration) {
    let deadline = Instant::now() + within;
    while app.items("invoice").len() < n {
        assert!(
            Instant::now() < deadline,
            "only {} of {n} items after {within:?}",
            app.items("invoice").len()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn many_concurrent_fetches_stay_under_every_zoho_limit_and_run_near_the_cap() {
    let zoho = ZohoSandboxConfig {
        requests_per_window: PER_WINDOW,
        window: WINDOW,
        concurrent_limit: 3,
        latency: Duration::from_millis(20),
        ..Default::default()
    };
    let app = spawn_app_with(zoho, |c| {
        c.zoho.quota.per_minute = PER_WINDOW;
        c.zoho.quota.window_seconds = WINDOW.as_secs_f64();
        c.zoho.quota.concurrent = Some(3);
        c.workers.count = 8;
    })
    .await;
    app.setup.zoho.seed(app.org(), 60, 0, 0, 3);
    let started = Instant::now();
    for id in invoice_ids(&app) {
        enqueue_fetch(&app, &id, priority::REALTIME).await;
    }
    wait_for_items(&app, 60, Duration::from_secs(20)).await;
    let elapsed = started.elapsed();
    let stats = app.setup.zoho.stats(app.org());
    assert_eq!(
        stats.rate_limited_429, 0,
        "no 429 of any kind (44, 1070): {stats:?}"
    );
    assert_eq!(stats.detail_gets, 60);
    assert!(
        stats.max_concurrent_seen <= 3,
        "at most the plan's concurrent calls: {stats:?}"
    );
    // 60 calls at 20 per sliding second: 20 at once, 20 more a window later, the last 20 after
    // two windows. Faster would break Zoho's limit; much slower would waste the budget.
    assert!(
        elapsed >= Duration::from_millis(1950),
        "faster than the cap allows: {elapsed:?}"
    );
    assert!(
        elapsed <= Duration::from_millis(4500),
        "far below the cap: {elapsed:?}"
    );
    eprintln!("60 fetches at a cap of 20/s took {elapsed:?}");
}

#[tokio::test]
async fn realtime_sync_goes_ahead_while_a_backfill_saturates_the_budget() {
    let zoho = ZohoSandboxConfig {
        requests_per_window: PER_WINDOW,
        window: WINDOW,
        ..Default::default()
    };
    let app = spawn_app_with(zoho, |c| {
        c.zoho.quota.per_minute = PER_WINDOW;
        c.zoho.quota.window_seconds = WINDOW.as_secs_f64();
        c.zoho.quota.realtime_reserve = 5;
        c.workers.count = 4;
    })
    .await;
    app.setup.zoho.seed(app.org(), 100, 0, 0, 5);
    for id in invoice_ids(&app) {
        enqueue_fetch(&app, &id, priority::BACKFILL).await;
    }
    // The backfill's first burst takes its whole share of the window (20 - 5 reserved).
    let deadline = Instant::now() + Duration::from_secs(10);
    while app.setup.zoho.stats(app.org()).detail_gets < 15 {
        assert!(Instant::now() < deadline, "backfill did not start");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    app.setup.zoho.put_document(
        app.org(),
        "invoice",
        serde_json::json!({"invoice_id": "777000001", "invoice_number": "INV-RT-1", "customer_name": "Urgent Ltd",
            "status": "sent", "date": "2026-11-20", "currency_code": "EUR", "total": "10.00", "balance": "10.00",
            "line_items": [{"line_item_id": "7770000011", "name": "Fee", "quantity": 1, "rate": "10.00", "item_total": "10.00"}]}),
    );
    let asked = Instant::now();
    enqueue_fetch(&app, "777000001", priority::REALTIME).await;
    loop {
        if app
            .items("invoice")
            .iter()
            .any(|i| crate::helpers::text(i, "zoho_id") == "777000001")
        {
            break;
        }
        assert!(
            asked.elapsed() < Duration::from_secs(5),
            "real-time document never synced"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let latency = asked.elapsed();
    let backfilled = app.items("invoice").len() - 1;
    // Without the reserve it would wait for the backfill's calls to leave the window (~1 s).
    assert!(
        latency < WINDOW / 2,
        "real-time waited {latency:?} behind the backfill"
    );
    assert!(
        backfilled < 80,
        "the backfill should still be running ({backfilled} of 100 done)"
    );
    assert_eq!(app.setup.zoho.stats(app.org()).rate_limited_429, 0);
    eprintln!("real-time sync took {latency:?} while the backfill had done {backfilled} of 100");
}

#[tokio::test]
async fn a_daily_limit_answer_parks_the_organization_so_no_other_job_calls_zoho() {
    // Zoho's own count says the day is spent after 3 calls (other integrations used the rest).
    let zoho = ZohoSandboxConfig {
        daily_limit: Some(3),
        ..Default::default()
    };
    let app = spawn_app_with(zoho, |c| c.workers.count = 1).await;
    app.setup.zoho.seed(app.org(), 10, 0, 0, 9);
    for id in invoice_ids(&app) {
        enqueue_fetch(&app, &id, priority::REALTIME).await;
    }
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let (parked,): (i64,) =
            sqlx::query_as("SELECT COUNT(*) FROM jobs WHERE state = 'queued' AND run_at > ?1 AND last_error LIKE '%code 45%'")
                .bind(chrono::Utc::now().timestamp_millis() + 3_600_000)
                .fetch_one(app.rt.store.pool())
                .await
                .expect("count");
        if parked == 7 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "expected 7 jobs parked until the daily reset, found {parked}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let stats = app.setup.zoho.stats(app.org());
    assert_eq!(app.items("invoice").len(), 3);
    assert_eq!(
        stats.rate_limited_429, 1,
        "after the first code 45 nobody calls Zoho again today: {stats:?}"
    );
    assert_eq!(stats.api_requests, 4);
}
