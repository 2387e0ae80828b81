//! `/metrics`, `/readyz` and request ids (issue 8 §5): the figures move when work happens.

use crate::helpers::*;

/// The value of one series in Prometheus text (0 when absent).
fn value(text: &str, series: &str) -> f64 {
    text.lines()
        .find_map(|l| l.strip_prefix(series))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0.0)
}

async fn scrape(app: &TestApp) -> String {
    let r = app
        .client
        .get(format!("http://127.0.0.1:{}/metrics", app.port))
        .send()
        .await
        .expect("scrape");
    assert_eq!(r.status(), 200);
    assert!(r.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/plain"));
    r.text().await.expect("body")
}

#[tokio::test]
async fn figures_move_when_a_document_syncs() {
    let app = spawn_app().await;
    let conn = app.rt.config.connections[0].id.clone();
    let before = scrape(&app).await;
    let done = format!(r#"mlc_queue_jobs{{connection="{conn}",state="done"}}"#);
    assert_eq!(value(&before, &done), 0.0);
    let accepted = r#"mlc_webhooks_total{source="zoho",outcome="accepted"}"#;
    let rejected = r#"mlc_webhooks_total{source="zoho",outcome="rejected"}"#;
    let monday_calls = format!(
        r#"mlc_upstream_calls_total{{upstream="monday",connection="{conn}",outcome="sent"}}"#
    );

    let body = app.put(
        "invoice",
        invoice("9301", "INV-30", "12.00", "2026-11-20T10:15:30+0000"),
    );
    assert_eq!(app.deliver(&body).await, 200);
    // A delivery with a wrong signature is counted as rejected.
    let bad = app
        .post_raw(b"{}".to_vec(), "application/json", Some("bad".into()))
        .await;
    assert_eq!(bad.status(), 401);
    app.settle().await;

    let after = scrape(&app).await;
    // Counters are per process (other tests run beside this one): they can only have grown.
    assert!(
        value(&after, accepted) >= value(&before, accepted) + 1.0,
        "{after}"
    );
    assert!(value(&after, rejected) >= value(&before, rejected) + 1.0);
    assert!(value(&after, &monday_calls) >= value(&before, &monday_calls) + 1.0);
    let jobs_done = r#"mlc_jobs_finished_total{kind="sync_document",outcome="done"}"#;
    assert!(
        value(&after, jobs_done) >= value(&before, jobs_done) + 1.0,
        "{after}"
    );
    assert!(after.contains("mlc_job_run_seconds_bucket"), "{after}");
    // Gauges are this database's: exact.
    assert!(value(&after, &done) >= 1.0, "{after}");
    assert_eq!(
        value(
            &after,
            &format!(r#"mlc_queue_jobs{{connection="{conn}",state="queued"}}"#)
        ),
        0.0
    );
    assert!(after.contains(&format!(
        r#"mlc_last_sync_age_seconds{{connection="{conn}"}}"#
    )));
}

#[tokio::test]
async fn metrics_sit_behind_the_admin_password_and_readyz_and_request_ids_answer() {
    let app = spawn_app_with(Default::default(), |c| {
        c.server.admin_password = Some(secrecy::SecretString::from("correct horse"));
    })
    .await;
    let base = format!("http://127.0.0.1:{}", app.port);
    let open = app
        .client
        .get(format!("{base}/metrics"))
        .send()
        .await
        .unwrap();
    assert_eq!(open.status(), 401);
    let signed = app
        .client
        .get(format!("{base}/metrics"))
        .basic_auth("prometheus", Some("correct horse"))
        .send()
        .await
        .unwrap();
    assert_eq!(signed.status(), 200);

    let ready = app
        .client
        .get(format!("{base}/readyz"))
        .send()
        .await
        .unwrap();
    assert_eq!(ready.status(), 200);
    let id = ready.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_string();
    assert_eq!(id.len(), 36, "a UUID: {id}");
    // A caller's own request id is kept.
    let echoed = app
        .client
        .get(format!("{base}/healthz"))
        .header("x-request-id", "trace-me-42")
        .send()
        .await
        .unwrap();
    assert_eq!(echoed.headers()["x-request-id"], "trace-me-42");
}
