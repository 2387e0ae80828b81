//! Per-organization limits: the sliding window (44), concurrency (1070) and the daily cap (45).

use std::time::Duration;

use serde_json::json;

use super::*;

fn header(headers: &reqwest::header::HeaderMap, name: &str) -> u64 {
    headers[name]
        .to_str()
        .expect("text")
        .parse()
        .expect("a number")
}

#[tokio::test]
async fn beyond_the_window_answers_44_then_recovers() {
    let config = ZohoSandboxConfig {
        requests_per_window: 5,
        window: Duration::from_millis(1500),
        ..ZohoSandboxConfig::default()
    };
    let sandbox = start(config).await;
    let token = access_token(&sandbox, "eu", &[EU_ORG, EU_ORG_2]).await;
    let url = books_url(
        &sandbox,
        "eu",
        &format!("/invoices?organization_id={EU_ORG}"),
    );
    for remaining in (0..5).rev() {
        let (status, headers, _) = get(&url, &token).await;
        assert_eq!(status, 200);
        assert_eq!(header(&headers, "x-rate-limit-limit"), 5);
        assert_eq!(header(&headers, "x-rate-limit-remaining"), remaining);
    }
    let (status, headers, body) = get(&url, &token).await;
    assert_eq!((status, body["code"].clone()), (429, json!(44)));
    assert!(body["message"]
        .as_str()
        .is_some_and(|m| m.contains("maximum number of requests per minute")));
    assert_eq!(header(&headers, "x-rate-limit-remaining"), 0);
    assert!((1..=2).contains(&header(&headers, "x-rate-limit-reset")));
    // Another organization has its own budget.
    let other = books_url(
        &sandbox,
        "eu",
        &format!("/invoices?organization_id={EU_ORG_2}"),
    );
    assert_eq!(get(&other, &token).await.0, 200);

    tokio::time::sleep(Duration::from_millis(1550)).await;
    assert_eq!(get(&url, &token).await.0, 200);
    let stats = sandbox.stats(EU_ORG);
    assert_eq!((stats.api_requests, stats.rate_limited_429), (7, 1));
    assert_eq!(stats.per_code, [(0, 6), (44, 1)].into_iter().collect());
}

#[tokio::test]
async fn too_many_calls_in_flight_answer_1070() {
    let config = ZohoSandboxConfig {
        concurrent_limit: 2,
        latency: Duration::from_millis(1000),
        ..ZohoSandboxConfig::default()
    };
    let sandbox = start(config).await;
    let token = access_token(&sandbox, "eu", &[EU_ORG]).await;
    let url = books_url(
        &sandbox,
        "eu",
        &format!("/invoices?organization_id={EU_ORG}"),
    );
    let calls = (0..6).map(|_| {
        let (url, token) = (url.clone(), token.clone());
        async move { get(&url, &token).await }
    });
    let answers = futures_join_all(calls).await;
    let ok = answers.iter().filter(|(s, _, _)| *s == 200).count();
    let refused: Vec<_> = answers.iter().filter(|(s, _, _)| *s == 429).collect();
    assert_eq!((ok, refused.len()), (2, 4));
    assert!(refused.iter().all(|(_, _, body)| body["code"] == 1070));
    let stats = sandbox.stats(EU_ORG);
    assert_eq!((stats.max_concurrent_seen, stats.rate_limited_429), (2, 4));
    // Slots free up once calls finish.
    assert_eq!(get(&url, &token).await.0, 200);
}

/// Runs futures concurrently on this task (the crate has no `futures` dependency).
async fn futures_join_all<F>(futures: impl Iterator<Item = F>) -> Vec<F::Output>
where
    F: std::future::Future + Send + 'static,
    F::Output: Send + 'static,
{
    let handles: Vec<_> = futures.map(tokio::spawn).collect();
    let mut out = Vec::new();
    for handle in handles {
        out.push(handle.await.expect("task finishes"));
    }
    out
}

#[tokio::test]
async fn the_daily_cap_answers_45_until_lifted() {
    let config = ZohoSandboxConfig {
        daily_limit: Some(3),
        ..ZohoSandboxConfig::default()
    };
    let sandbox = start(config.clone()).await;
    let token = access_token(&sandbox, "eu", &[EU_ORG]).await;
    let url = books_url(
        &sandbox,
        "eu",
        &format!("/invoices?organization_id={EU_ORG}"),
    );
    for _ in 0..3 {
        assert_eq!(get(&url, &token).await.0, 200);
    }
    let (status, _, body) = get(&url, &token).await;
    assert_eq!((status, body["code"].clone()), (429, json!(45)));
    sandbox.set_config(ZohoSandboxConfig {
        daily_limit: None,
        ..config
    });
    assert_eq!(get(&url, &token).await.0, 200);
}
