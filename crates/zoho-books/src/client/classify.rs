//! Turning one Books response into success or a [`BooksError`], in one place.
//!
//! Zoho reports failures through both the HTTP status and the body's `code`, and the two
//! disagree (a non-zero code with HTTP 200 happens), so both are always checked.

use std::time::Duration;

use serde_json::Value;

use super::error::{BooksError, RateLimitKind};
use super::rate_limit::RateLimitAdvice;
use crate::models::lenient;

/// Wait suggested after code 44: the per-minute window.
const PER_MINUTE_WAIT: Duration = Duration::from_secs(60);
/// Wait suggested after code 1070: in-flight requests finish within seconds.
const CONCURRENCY_WAIT: Duration = Duration::from_secs(2);
/// Codes Zoho uses for rate limits, whatever the HTTP status.
const RATE_LIMIT_CODES: [i64; 3] = [44, 45, 1070];
/// Field-observed authentication/permission codes (14: bad token, 57: not authorized).
const AUTH_CODES: [i64; 2] = [14, 57];
/// "Invoice does not exist." and its siblings.
const NOT_FOUND_CODES: [i64; 1] = [1002];

/// Classifies a complete response. Returns the parsed envelope on success (`code` 0 or absent
/// with a 2xx status).
pub(crate) fn classify(
    status: u16,
    retry_after: Option<Duration>,
    advice: Option<&RateLimitAdvice>,
    body: &[u8],
) -> Result<Value, BooksError> {
    let json: Option<Value> = serde_json::from_slice(body).ok().filter(Value::is_object);
    let code = json.as_ref().and_then(|v| lenient::int(v.get("code")));
    let message = json
        .as_ref()
        .and_then(|v| lenient::text(v.get("message")))
        .unwrap_or_else(|| fallback_message(status, body));
    let failed_code = code.filter(|c| *c != 0);

    if status == 429 || failed_code.is_some_and(|c| RATE_LIMIT_CODES.contains(&c)) {
        let kind = RateLimitKind::from_code(code);
        let guess = match kind {
            RateLimitKind::PerMinute => Some(PER_MINUTE_WAIT),
            RateLimitKind::Concurrency => Some(CONCURRENCY_WAIT),
            RateLimitKind::Daily => advice.and_then(|a| a.reset_after).filter(|d| !d.is_zero()),
        };
        return Err(BooksError::RateLimited {
            kind,
            retry_after: retry_after.or(guess),
        });
    }
    if (500..=599).contains(&status) {
        return Err(BooksError::Server { status });
    }
    if status == 401 || failed_code.is_some_and(|c| AUTH_CODES.contains(&c)) {
        return Err(BooksError::Unauthorized { code, message });
    }
    if let Some(c) = failed_code {
        if is_organization_error(c, &message) {
            return Err(BooksError::InvalidOrganization { message });
        }
    }
    // Only Zoho saying the record does not exist counts: a bare 404 (code 5 "Invalid URL
    // Passed", a proxy's HTML page) means a wrong address, and treating it as a deletion would
    // archive items that still exist.
    if failed_code.is_some_and(|c| NOT_FOUND_CODES.contains(&c) || says_missing(&message)) {
        return Err(BooksError::NotFound { message });
    }
    let success = (200..=299).contains(&status);
    match (json, failed_code) {
        (Some(v), None) if success => Ok(v),
        (_, Some(code)) => Err(BooksError::Api {
            status,
            code,
            message,
        }),
        (None, None) if success => Err(BooksError::Decode(format!(
            "HTTP {status} with a body that is not a JSON object: {message}"
        ))),
        (_, None) => Err(BooksError::Api {
            status,
            code: -1,
            message,
        }),
    }
}

/// Code 6041, or code 2 ("Invalid value passed for …") naming the organization.
fn is_organization_error(code: i64, message: &str) -> bool {
    let m = message.to_ascii_lowercase();
    code == 6041 || (code == 2 && (m.contains("organization") || m.contains("organisation")))
}

/// Zoho phrases record-not-found per module ("Invoice does not exist.").
fn says_missing(message: &str) -> bool {
    let m = message.to_ascii_lowercase();
    m.contains("does not exist") || m.contains("record not found")
}

/// A short, printable excerpt of a non-JSON body (e.g. an HTML error page from a proxy).
fn fallback_message(status: u16, body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    if text.is_empty() {
        return format!("HTTP {status} with an empty body");
    }
    let excerpt: String = text.chars().take(200).collect();
    if excerpt.len() < text.len() {
        format!("{excerpt}…")
    } else {
        excerpt
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn run(status: u16, body: Value) -> Result<Value, BooksError> {
        classify(status, None, None, body.to_string().as_bytes())
    }

    #[test]
    fn success_envelope() {
        let v = run(200, json!({"code": 0, "message": "success", "invoice": {}})).unwrap();
        assert!(v.get("invoice").is_some());
        assert!(run(201, json!({"code": "0", "message": "Comments added."})).is_ok());
        assert!(run(200, json!({"webhooks": []})).is_ok());
    }

    #[test]
    fn rate_limit_codes() {
        for (code, kind, wait) in [
            (44, RateLimitKind::PerMinute, Some(60)),
            (45, RateLimitKind::Daily, None),
            (1070, RateLimitKind::Concurrency, Some(2)),
            (99, RateLimitKind::PerMinute, Some(60)),
        ] {
            match run(429, json!({"code": code, "message": "slow down"})) {
                Err(BooksError::RateLimited {
                    kind: k,
                    retry_after,
                }) => {
                    assert_eq!(k, kind, "code {code}");
                    assert_eq!(retry_after.map(|d| d.as_secs()), wait, "code {code}");
                }
                other => panic!("code {code}: {other:?}"),
            }
        }
        // A 429 without a JSON body still backs off.
        assert!(matches!(
            classify(429, None, None, b"Too Many Requests"),
            Err(BooksError::RateLimited {
                kind: RateLimitKind::PerMinute,
                ..
            })
        ));
        // The code wins even when the status is 200.
        assert!(matches!(
            run(200, json!({"code": 1070, "message": "x"})),
            Err(BooksError::RateLimited {
                kind: RateLimitKind::Concurrency,
                ..
            })
        ));
    }

    #[test]
    fn retry_after_header_and_daily_reset() {
        let advice = RateLimitAdvice {
            limit: Some(1000),
            remaining: Some(0),
            reset_after: Some(Duration::from_secs(3600)),
        };
        let body = json!({"code": 45, "message": "daily"}).to_string();
        match classify(429, None, Some(&advice), body.as_bytes()) {
            Err(BooksError::RateLimited { retry_after, .. }) => {
                assert_eq!(retry_after, Some(Duration::from_secs(3600)))
            }
            other => panic!("{other:?}"),
        }
        match classify(
            429,
            Some(Duration::from_secs(7)),
            Some(&advice),
            body.as_bytes(),
        ) {
            Err(BooksError::RateLimited { retry_after, .. }) => {
                assert_eq!(retry_after, Some(Duration::from_secs(7)))
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn non_zero_code_with_http_200_is_an_error() {
        match run(200, json!({"code": 4000, "message": "Something odd"})) {
            Err(BooksError::Api {
                status: 200,
                code: 4000,
                message,
            }) => assert_eq!(message, "Something odd"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn auth_org_and_not_found() {
        assert!(matches!(
            run(
                401,
                json!({"code": 57, "message": "You are not authorized to perform this operation"})
            ),
            Err(BooksError::Unauthorized { code: Some(57), .. })
        ));
        assert!(matches!(
            run(401, json!({})),
            Err(BooksError::Unauthorized { code: None, .. })
        ));
        assert!(matches!(
            run(
                400,
                json!({"code": 2, "message": "Invalid value passed for organization_id"})
            ),
            Err(BooksError::InvalidOrganization { .. })
        ));
        assert!(matches!(
            run(400, json!({"code": 6041, "message": "x"})),
            Err(BooksError::InvalidOrganization { .. })
        ));
        assert!(matches!(
            run(
                400,
                json!({"code": 2, "message": "Invalid value passed for date"})
            ),
            Err(BooksError::Api { code: 2, .. })
        ));
        assert!(matches!(
            run(404, json!({"code": 5, "message": "Invalid URL Passed"})),
            Err(BooksError::Api {
                status: 404,
                code: 5,
                ..
            })
        ));
        assert!(matches!(
            run(
                400,
                json!({"code": 1002, "message": "Invoice does not exist."})
            ),
            Err(BooksError::NotFound { .. })
        ));
        assert!(matches!(
            run(200, json!({"code": 9, "message": "Bill does not exist."})),
            Err(BooksError::NotFound { .. })
        ));
    }

    #[test]
    fn server_errors_and_garbage() {
        assert!(matches!(
            run(500, json!({"code": 1000, "message": "Internal error"})),
            Err(BooksError::Server { status: 500 })
        ));
        assert!(matches!(
            classify(502, None, None, b"<html>bad gateway</html>"),
            Err(BooksError::Server { status: 502 })
        ));
        assert!(matches!(
            classify(200, None, None, b"<html>"),
            Err(BooksError::Decode(_))
        ));
        match classify(400, None, None, b"") {
            Err(BooksError::Api {
                status: 400,
                code: -1,
                message,
            }) => assert!(message.contains("empty body")),
            other => panic!("{other:?}"),
        }
    }
}
