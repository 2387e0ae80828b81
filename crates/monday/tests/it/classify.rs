//! Classification of every row of the reference's HTTP status table, plus
//! the wait-time precedence and the daily-limit reset.

use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use monday::{classify_response, MondayError};
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use serde_json::{json, Value};

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 25, 17, 30, 0)
        .single()
        .expect("time")
}

fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
    let mut h = HeaderMap::new();
    for (k, v) in pairs {
        h.append(
            HeaderName::from_bytes(k.as_bytes()).expect("name"),
            HeaderValue::from_str(v).expect("value"),
        );
    }
    h
}

fn classify(status: u16, h: &[(&str, &str)], body: Value) -> Result<Value, MondayError> {
    classify_response(status, &headers(h), body.to_string().as_bytes(), now())
}

fn err(status: u16, body: Value) -> MondayError {
    classify(status, &[], body).expect_err("should be an error")
}

fn coded(code: &str, message: &str) -> Value {
    json!({"errors": [{"message": message, "extensions": {"code": code}}]})
}

#[test]
fn data_without_errors_is_success() {
    let data = classify(200, &[], json!({"data": {"create_item": {"id": "1"}}})).expect("ok");
    assert_eq!(data["create_item"]["id"], "1");
}

#[test]
fn errors_on_http_200_are_errors_even_with_partial_data() {
    let body = json!({
        "data": {"me": {"id": "4012689", "photo_thumb": null}},
        "errors": [{"message": "Photo unavailable.", "path": ["me", "photo_thumb"],
                    "extensions": {"code": "ASSET_UNAVAILABLE"}}],
        "extensions": {"request_id": "req-1"}
    });
    match err(200, body) {
        MondayError::Permanent {
            code,
            message,
            request_id,
        } => {
            assert_eq!(code, "ASSET_UNAVAILABLE");
            assert!(message.contains("me.photo_thumb"), "{message}");
            assert_eq!(request_id.as_deref(), Some("req-1"));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn permanent_rows_of_the_table() {
    let rows = [
        (
            200,
            "ColumnValueException",
            "invalid value - label does not exist in column",
        ),
        (200, "CorrectedValueException", "simple string"),
        (200, "CreateBoardException", "cannot create"),
        (200, "InvalidArgumentException", "Board not found"),
        (200, "InvalidBoardIdException", "bad board"),
        (200, "InvalidColumnIdException", "bad column"),
        (200, "InvalidUserIdException", "bad user"),
        (200, "InvalidVersionException", "bad version"),
        (
            200,
            "ItemNameTooLongException",
            "Ensure the item name is 1-255 characters in length",
        ),
        (
            200,
            "ItemsLimitationException",
            "exceeded the limit of 10,000 items per board",
        ),
        (200, "ResourceNotFoundException", "not found"),
        (
            200,
            "undefinedField",
            "Field 'new_field' doesn't exist on type 'Boards'",
        ),
        (400, "JsonParseException", "bad json"),
        (404, "ResourceNotFoundException", "user not found"),
        (409, "DeleteLastGroupException", "cannot delete last group"),
        (422, "RecordInvalidException", "subscriber limit"),
    ];
    for (status, code, message) in rows {
        match err(status, coded(code, message)) {
            MondayError::Permanent { code: c, .. } => assert_eq!(c, code),
            other => panic!("{status} {code}: {other:?}"),
        }
    }
    // Parse errors and bare 400s come without a code.
    assert!(matches!(
        err(
            200,
            json!({"errors": [{"message": "Parse error on \"}\""}]})
        ),
        MondayError::Permanent { .. }
    ));
    let e = classify_response(400, &HeaderMap::new(), b"Bad request", now()).expect_err("400");
    assert!(
        matches!(&e, MondayError::Permanent { code, .. } if code == "HTTP_400"),
        "{e:?}"
    );
    assert!(!e.is_retryable() && !e.maybe_applied());
}

#[test]
fn unauthorized_rows_of_the_table() {
    let cases = [
        (
            200,
            coded("missingRequiredPermissions", "missing scope boards:write"),
        ),
        (401, json!({"errors": [{"message": "Unauthorized"}]})),
        (
            401,
            json!({"errors": [{"message": "Your ip is restricted"}]}),
        ),
        (
            200,
            json!({"data": [], "errors": [{"message": "User unauthorized to perform action", "path": ["me"],
            "extensions": {"code": "UserUnauthorizedException", "error_data": {}, "status_code": 403}}]}),
        ),
        (403, coded("USER_ACCESS_DENIED", "user inactive")),
    ];
    for (status, body) in cases {
        let e = err(status, body.clone());
        assert!(
            matches!(e, MondayError::Unauthorized { .. }),
            "{status} {body}: {e:?}"
        );
        assert!(!e.is_retryable());
    }
    let empty = classify_response(401, &HeaderMap::new(), b"", now()).expect_err("401");
    assert!(matches!(empty, MondayError::Unauthorized { .. }));
}

#[test]
fn retryable_rows_of_the_table() {
    let cases = [
        (200, coded("API_TEMPORARILY_BLOCKED", "temporarily blocked")),
        (
            423,
            json!({"errors": [{"message": "Resource is currently locked, please try again later"}]}),
        ),
        (
            429,
            coded("maxConcurrencyExceeded", "Concurrency limit exceeded"),
        ),
        (429, json!({"errors": [{"message": "Rate Limit Exceeded"}]})),
        (429, coded("IP_RATE_LIMIT_EXCEEDED", "ip limit")),
        (429, coded("SOMETHING_NEW", "any 429 is retryable")),
        (200, coded("rateLimitExceeded", "camel case spelling")),
        (
            200,
            coded("complexityBudgetExhausted", "camel case spelling"),
        ),
        (
            200,
            json!({"errors": [{"message": "Minute limit rate exceeded"}]}),
        ),
    ];
    for (status, body) in cases {
        let e = err(status, body.clone());
        assert!(
            matches!(e, MondayError::Retryable { .. }),
            "{status} {body}: {e:?}"
        );
        assert!(e.is_retryable() && !e.maybe_applied());
    }
}

#[test]
fn complexity_exhaustion_on_http_200_waits_retry_in_seconds() {
    let body = json!({"errors": [{"message": "Complexity budget exhausted",
        "extensions": {"code": "COMPLEXITY_BUDGET_EXHAUSTED", "complexity": 6182, "complexity_budget_left": 100,
                       "complexity_budget_limit": 5000000, "retry_in_seconds": 60, "status_code": 429}}]});
    let e = err(200, body);
    assert!(
        matches!(&e, MondayError::Retryable { code, status: 429, .. } if code == "COMPLEXITY_BUDGET_EXHAUSTED"),
        "{e:?}"
    );
    assert_eq!(e.retry_after(), Some(Duration::from_secs(60)));

    let field = json!({"errors": [{"message": "too many", "extensions":
        {"code": "FIELD_LIMIT_EXCEEDED", "status_code": 429, "retry_in_seconds": 15}}]});
    assert_eq!(err(200, field).retry_after(), Some(Duration::from_secs(15)));

    // A server error reported inside an HTTP 200 body may have been applied.
    let inner = err(
        200,
        json!({"errors": [{"message": "boom", "extensions": {"code": "INTERNAL_SERVER_ERROR", "status_code": 500}}]}),
    );
    assert!(inner.is_retryable() && inner.maybe_applied(), "{inner:?}");
}

#[test]
fn wait_precedence_is_retry_after_then_retry_in_seconds_then_ratelimit_t() {
    let body = json!({"errors": [{"message": "Rate Limit Exceeded",
        "extensions": {"code": "RATE_LIMIT_EXCEEDED", "retry_in_seconds": 30}}]});
    let ratelimit = (
        "RateLimit",
        "\"minuteRate\";r=0;t=38, \"concurrency\";r=249, \"complexityMinute\";r=4950000;t=45",
    );
    let e = classify(429, &[("Retry-After", "12"), ratelimit], body.clone()).expect_err("429");
    assert_eq!(e.retry_after(), Some(Duration::from_secs(12)));
    let e = classify(429, &[ratelimit], body).expect_err("429");
    assert_eq!(e.retry_after(), Some(Duration::from_secs(30)));
    // Only the header: the exhausted limit's t, not the complexity one.
    let e = classify(
        429,
        &[ratelimit],
        json!({"errors": [{"message": "Rate Limit Exceeded"}]}),
    )
    .expect_err("429");
    assert_eq!(e.retry_after(), Some(Duration::from_secs(38)));
    // Nothing at all: the caller backs off.
    let e = classify(
        429,
        &[],
        json!({"errors": [{"message": "Rate Limit Exceeded"}]}),
    )
    .expect_err("429");
    assert_eq!(e.retry_after(), None);
}

#[test]
fn idempotency_conflict_is_retryable_after_the_header() {
    let body = json!({"errors": [{"message": "A request with this idempotency key is currently being processed",
        "extensions": {"code": "IDEMPOTENCY_CONFLICT"}}]});
    let e = classify(409, &[("Retry-After", "2")], body).expect_err("409");
    assert!(
        matches!(&e, MondayError::Retryable { code, status: 409, .. } if code == "IDEMPOTENCY_CONFLICT")
    );
    assert_eq!(e.retry_after(), Some(Duration::from_secs(2)));
    assert!(!e.maybe_applied());
}

#[test]
fn server_errors_are_retryable_and_maybe_applied() {
    let e = err(
        500,
        json!({"errors": [{"message": "Internal Server Error"}]}),
    );
    assert!(e.is_retryable() && e.maybe_applied(), "{e:?}");
    let e = classify_response(502, &HeaderMap::new(), b"<html>Bad Gateway</html>", now())
        .expect_err("502");
    assert!(
        matches!(&e, MondayError::Retryable { code, status: 502, .. } if code == "HTTP_502"),
        "{e:?}"
    );
    assert!(e.maybe_applied());
}

#[test]
fn daily_limit_parks_until_next_midnight_utc() {
    let midnight = Utc
        .with_ymd_and_hms(2026, 11, 26, 0, 0, 0)
        .single()
        .expect("time");
    for status in [200, 429] {
        match err(
            status,
            coded("DAILY_LIMIT_EXCEEDED", "Daily limit exceeded"),
        ) {
            MondayError::DailyLimit { reset_at } => assert_eq!(reset_at, midnight),
            other => panic!("{status}: {other:?}"),
        }
    }
    // The daily limit wins over a co-reported rate limit.
    let both = json!({"errors": [
        {"message": "Rate Limit Exceeded", "extensions": {"code": "RATE_LIMIT_EXCEEDED"}},
        {"message": "Daily limit exceeded", "extensions": {"code": "DAILY_LIMIT_EXCEEDED"}}]});
    let e = err(429, both);
    assert!(matches!(e, MondayError::DailyLimit { .. }));
    assert!(!e.is_retryable());
    assert_eq!(
        monday::next_utc_midnight(
            Utc.with_ymd_and_hms(2026, 12, 31, 23, 59, 59)
                .single()
                .expect("t")
        ),
        Utc.with_ymd_and_hms(2027, 1, 1, 0, 0, 0)
            .single()
            .expect("t")
    );
}

#[test]
fn legacy_top_level_error_code_is_understood() {
    let body = json!({"error_code": "ComplexityException",
        "error_message": "Complexity budget exhausted, query cost 30001 budget remaining 29999 out of 1000000 reset in 20 seconds",
        "status_code": 429});
    let e = err(200, body);
    assert!(
        matches!(&e, MondayError::Retryable { code, .. } if code == "ComplexityException"),
        "{e:?}"
    );
    assert_eq!(e.retry_after(), Some(Duration::from_secs(20)));
    let e = err(
        200,
        json!({"error_code": "InvalidColumnIdException", "error_message": "bad"}),
    );
    assert!(matches!(e, MondayError::Permanent { .. }));
}

#[test]
fn unreadable_200_may_have_been_applied() {
    let e = classify_response(200, &HeaderMap::new(), b"{\"data\": {\"create_it", now())
        .expect_err("bad body");
    assert!(
        matches!(
            e,
            MondayError::Transport {
                maybe_applied: true,
                ..
            }
        ),
        "{e:?}"
    );
    assert!(e.maybe_applied());
}

#[test]
fn several_permanent_errors_are_all_reported() {
    let body = json!({"errors": [
        {"message": "bad status", "path": ["m1"], "extensions": {"code": "ColumnValueException"}},
        {"message": "bad date", "path": ["m2"], "extensions": {"code": "ColumnValueException"}}]});
    let msg = err(200, body).to_string();
    assert!(
        msg.contains("m1: bad status") && msg.contains("m2: bad date"),
        "{msg}"
    );
}
