//! RateLimit header parsing.

use std::time::Duration;

use monday::limits::{parse_rate_limit, parse_rate_limit_policy, wait_hint_from_headers};
use reqwest::header::{HeaderMap, HeaderValue};

#[test]
fn rate_limit_header_is_parsed() {
    let entries = parse_rate_limit(
        "\"minuteRate\";r=4999, \"concurrency\";r=249, \"complexityMinute\";r=4950000;t=45",
    );
    assert_eq!(entries.len(), 3);
    assert_eq!(entries[0].name, "minuteRate");
    assert_eq!(entries[0].remaining, Some(4999));
    assert_eq!(entries[0].reset_in, None);
    assert_eq!(entries[1].remaining, Some(249));
    assert_eq!(entries[2].remaining, Some(4_950_000));
    assert_eq!(entries[2].reset_in, Some(Duration::from_secs(45)));
}

#[test]
fn policy_header_is_parsed() {
    let p = parse_rate_limit_policy(
        "\"minuteRate\";q=5000;w=60, \"concurrency\";q=250;qu=\"concurrent-requests\", \"complexityMinute\";q=5000000;w=60;qu=\"content-bytes\"",
    );
    assert_eq!(p.len(), 3);
    assert_eq!(p[0].quota, Some(5000));
    assert_eq!(p[0].window, Some(Duration::from_secs(60)));
    assert_eq!(p[1].unit.as_deref(), Some("concurrent-requests"));
    assert_eq!(p[2].quota, Some(5_000_000));
}

#[test]
fn garbage_is_skipped_not_fatal() {
    assert!(parse_rate_limit("").is_empty());
    let e = parse_rate_limit("\"minuteRate\";r=abc;t=-1, ;;, \"x\"");
    assert_eq!(e.len(), 2);
    assert_eq!(e[0].remaining, None);
    assert_eq!(e[0].reset_in, None);
}

#[test]
fn wait_hint_prefers_the_exhausted_limit() {
    let mut h = HeaderMap::new();
    h.insert(
        "ratelimit",
        HeaderValue::from_static(
            "\"minuteRate\";r=0;t=38, \"concurrency\";r=249, \"complexityMinute\";r=4950000;t=45",
        ),
    );
    assert_eq!(wait_hint_from_headers(&h), Some(Duration::from_secs(38)));
    assert_eq!(wait_hint_from_headers(&HeaderMap::new()), None);
}
