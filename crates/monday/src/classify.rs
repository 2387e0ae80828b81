//! The one place that turns a monday response into data or a
//! [`MondayError`]. monday reports most failures on HTTP 200 with an
//! `errors[]` array, rate limits sometimes on 200 and sometimes on 429, and
//! older versions with top-level `error_code` fields; deciding retry versus
//! give-up in many places would drift, so every caller goes through here.

use std::time::Duration;

use chrono::{DateTime, NaiveTime, Utc};
use reqwest::header::HeaderMap;
use serde_json::Value;

use crate::error::MondayError;
use crate::limits;

/// Codes that mean "too much, too fast" and clear by themselves after a wait.
/// Compared case-insensitively because monday's docs and SDKs disagree on
/// spelling (`COMPLEXITY_BUDGET_EXHAUSTED` versus `complexityBudgetExhausted`).
const RETRYABLE_CODES: &[&str] = &[
    "complexity_budget_exhausted",
    "complexitybudgetexhausted",
    "complexityexception",
    "field_limit_exceeded",
    "api_temporarily_blocked",
    "rate_limit_exceeded",
    "ratelimitexceeded",
    "maxconcurrencyexceeded",
    "ip_rate_limit_exceeded",
    "idempotency_conflict",
    "resource_locked",
];

/// Message fragments that mean the same, for errors that arrive without a
/// code (the error page lists several only by message).
const RETRYABLE_MESSAGES: &[&str] = &[
    "rate limit exceeded",
    "minute limit rate exceeded",
    "concurrency limit exceeded",
    "complexity budget exhausted",
    "temporarily blocked",
    "currently locked",
    "call limit exceeded",
];

/// Codes that mean the credentials or the user cannot do this at all.
const UNAUTHORIZED_CODES: &[&str] = &[
    "unauthorized",
    "user_access_denied",
    "missingrequiredpermissions",
    "userunauthorizedexception",
];

/// One entry of monday's `errors[]` (or the legacy top-level error fields),
/// reduced to what classification and logging need.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ApiError {
    pub message: String,
    /// `extensions.code` (or legacy `error_code`).
    pub code: Option<String>,
    /// `path`, each segment as a string; `path[0]` is the alias of the
    /// top-level field that failed, which is how batched mutations are told apart.
    pub path: Vec<String>,
    /// `extensions.retry_in_seconds` (or `retryAfterMs` converted).
    pub retry_in: Option<Duration>,
    /// `extensions.status_code`: the HTTP status monday meant, which for
    /// complexity errors is 429 although the response itself was 200.
    pub status_code: Option<u16>,
    pub request_id: Option<String>,
}

/// A parsed response body: `data` may sit next to `errors` (partial success).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Envelope {
    pub data: Option<Value>,
    pub errors: Vec<ApiError>,
    /// `extensions.request_id` of the response, for support tickets.
    pub request_id: Option<String>,
}

/// Parse a body into an [`Envelope`], or `None` when it is not a JSON object
/// (an HTML error page from a proxy, a truncated body).
pub fn parse_envelope(body: &[u8]) -> Option<Envelope> {
    let root: Value = serde_json::from_slice(body).ok()?;
    let obj = root.as_object()?;
    let mut env = Envelope {
        data: obj.get("data").filter(|d| !d.is_null()).cloned(),
        errors: Vec::new(),
        request_id: obj
            .get("extensions")
            .and_then(|e| e.get("request_id"))
            .and_then(Value::as_str)
            .map(str::to_owned),
    };
    if let Some(errors) = obj.get("errors").and_then(Value::as_array) {
        env.errors = errors.iter().map(api_error).collect();
    }
    // Legacy (pre-2025-01) shape: top-level error_code / error_message.
    let legacy_code = obj.get("error_code").and_then(Value::as_str);
    let legacy_message = obj.get("error_message").and_then(Value::as_str);
    if legacy_code.is_some() || legacy_message.is_some() {
        env.errors.push(ApiError {
            message: legacy_message.unwrap_or_default().to_owned(),
            code: legacy_code.map(str::to_owned),
            status_code: obj.get("status_code").and_then(as_u16),
            ..ApiError::default()
        });
    }
    Some(env)
}

fn api_error(v: &Value) -> ApiError {
    if let Some(s) = v.as_str() {
        return ApiError {
            message: s.to_owned(),
            ..ApiError::default()
        };
    }
    let ext = v.get("extensions");
    let ext_field = |k: &str| ext.and_then(|e| e.get(k));
    let retry_in = ext_field("retry_in_seconds")
        .and_then(Value::as_f64)
        .map(|s| s.max(0.0))
        .map(Duration::from_secs_f64)
        .or_else(|| {
            ext_field("retryAfterMs")
                .and_then(Value::as_u64)
                .map(Duration::from_millis)
        });
    ApiError {
        message: v
            .get("message")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned(),
        code: ext_field("code")
            .and_then(Value::as_str)
            .map(str::to_owned)
            .or_else(|| {
                v.get("error_code")
                    .and_then(Value::as_str)
                    .map(str::to_owned)
            }),
        path: v
            .get("path")
            .and_then(Value::as_array)
            .map(|p| {
                p.iter()
                    .map(|s| match s {
                        Value::String(s) => s.clone(),
                        other => other.to_string(),
                    })
                    .collect()
            })
            .unwrap_or_default(),
        retry_in,
        status_code: ext_field("status_code").and_then(as_u16),
        request_id: ext_field("request_id")
            .and_then(Value::as_str)
            .map(str::to_owned),
    }
}

fn as_u16(v: &Value) -> Option<u16> {
    match v {
        Value::Number(n) => n.as_u64().and_then(|n| u16::try_from(n).ok()),
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
}

/// Check the HTTP layer and parse the body, leaving `errors[]` on a 2xx for
/// the caller (a batch attributes them per alias). Non-2xx statuses and
/// unreadable bodies become errors here.
pub fn parse_response(
    status: u16,
    headers: &HeaderMap,
    body: &[u8],
    now: DateTime<Utc>,
) -> Result<Envelope, MondayError> {
    let env = parse_envelope(body);
    if !(200..300).contains(&status) {
        let mut errors = env.map(|e| e.errors).unwrap_or_default();
        if errors.is_empty() {
            errors.push(ApiError {
                message: body_snippet(body, status),
                ..ApiError::default()
            });
        }
        return Err(classify_errors(status, headers, &errors, now));
    }
    env.ok_or_else(|| MondayError::Transport {
        message: format!(
            "monday answered HTTP {status} with a body that is not a JSON object ({})",
            body_snippet(body, status)
        ),
        // A 2xx means monday processed the request; we just cannot read the answer.
        maybe_applied: true,
    })
}

/// Classify a whole response: `data` on success, otherwise one error. Any
/// `errors[]` entry fails the call, even next to partial data, because a
/// failed field comes back as `null` and would otherwise look like "nothing found".
pub fn classify_response(
    status: u16,
    headers: &HeaderMap,
    body: &[u8],
    now: DateTime<Utc>,
) -> Result<Value, MondayError> {
    parse_response(status, headers, body, now)?.into_data(status, headers, now)
}

impl Envelope {
    /// `data` when there are no errors, else the classified error (carrying
    /// the response's request id for support).
    pub fn into_data(
        self,
        status: u16,
        headers: &HeaderMap,
        now: DateTime<Utc>,
    ) -> Result<Value, MondayError> {
        if !self.errors.is_empty() {
            let mut err = classify_errors(status, headers, &self.errors, now);
            if let MondayError::Permanent { request_id, .. } = &mut err {
                if request_id.is_none() {
                    request_id.clone_from(&self.request_id);
                }
            }
            return Err(err);
        }
        self.data
            .ok_or_else(|| MondayError::unexpected_shape("`data` field"))
    }
}

/// Classify one or more errors of the same response into the single error
/// the caller acts on. When several apply, the one that demands the longest
/// pause wins (daily limit, then credentials, then retry), because retrying a
/// request that also hit the daily limit only wastes budget.
pub fn classify_errors(
    status: u16,
    headers: &HeaderMap,
    errors: &[ApiError],
    now: DateTime<Utc>,
) -> MondayError {
    let hints = Hints::from_headers(headers, now);
    let mut classified: Vec<MondayError> = errors
        .iter()
        .map(|e| classify_one(status, e, &hints, now))
        .collect();
    if classified.is_empty() {
        classified.push(classify_one(status, &ApiError::default(), &hints, now));
    }
    let rank = |e: &MondayError| match e {
        MondayError::DailyLimit { .. } => 0,
        MondayError::Unauthorized { .. } => 1,
        MondayError::Retryable { .. } => 2,
        MondayError::Transport { .. } => 3,
        MondayError::Permanent { .. } => 4,
    };
    let best = classified
        .iter()
        .enumerate()
        .min_by_key(|(i, e)| (rank(e), *i))
        .map(|(i, _)| i)
        .unwrap_or(0);
    let mut chosen = classified.swap_remove(best);
    // Several permanent errors: show them all, so one look fixes every column.
    if let MondayError::Permanent { message, .. } = &mut chosen {
        let others: Vec<String> = errors
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != best)
            .map(|(_, e)| describe(e))
            .collect();
        if !others.is_empty() {
            message.push_str("; also: ");
            message.push_str(&others.join("; "));
        }
    }
    chosen
}

/// Response-wide wait hints and ids, read from headers once.
struct Hints {
    retry_after: Option<Duration>,
    ratelimit_wait: Option<Duration>,
    request_id: Option<String>,
}

impl Hints {
    fn from_headers(headers: &HeaderMap, now: DateTime<Utc>) -> Self {
        let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
        Hints {
            retry_after: header("retry-after").and_then(|v| parse_retry_after(v, now)),
            ratelimit_wait: limits::wait_hint_from_headers(headers),
            request_id: header("x-request-id").map(str::to_owned),
        }
    }
}

/// `Retry-After` is either delay-seconds or an HTTP date (RFC 9110).
fn parse_retry_after(v: &str, now: DateTime<Utc>) -> Option<Duration> {
    let v = v.trim();
    if let Ok(secs) = v.parse::<f64>() {
        return (secs.is_finite() && secs >= 0.0).then(|| Duration::from_secs_f64(secs));
    }
    let at = DateTime::parse_from_rfc2822(v).ok()?.with_timezone(&Utc);
    Some((at - now).to_std().unwrap_or(Duration::ZERO))
}

/// "ComplexityException … reset in 23 seconds": older complexity errors put
/// the wait only in the message.
fn wait_from_message(message: &str) -> Option<Duration> {
    let lower = message.to_ascii_lowercase();
    let rest = &lower[lower.find("reset in ")? + "reset in ".len()..];
    let digits: String = rest
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.')
        .collect();
    let secs: f64 = digits.parse().ok()?;
    Some(Duration::from_secs_f64(secs))
}

fn classify_one(status: u16, e: &ApiError, hints: &Hints, now: DateTime<Utc>) -> MondayError {
    let code = e.code.clone().unwrap_or_default();
    let code_lc = code.to_ascii_lowercase();
    let msg_lc = e.message.to_ascii_lowercase();
    let effective_status = e.status_code.unwrap_or(status);

    if code_lc == "daily_limit_exceeded" || msg_lc.contains("daily limit") {
        return MondayError::DailyLimit {
            reset_at: next_utc_midnight(now),
        };
    }
    if matches!(status, 401 | 403)
        || matches!(effective_status, 401 | 403)
        || UNAUTHORIZED_CODES.contains(&code_lc.as_str())
    {
        let message = if e.message.is_empty() {
            format!("HTTP {status}")
        } else {
            describe(e)
        };
        return MondayError::Unauthorized { message };
    }
    let retryable = matches!(effective_status, 423 | 429)
        || status >= 500
        || effective_status >= 500
        || matches!(status, 423 | 429)
        || RETRYABLE_CODES.contains(&code_lc.as_str())
        || RETRYABLE_MESSAGES.iter().any(|m| msg_lc.contains(m));
    // A 409 is only transient for a concurrent duplicate idempotency key; a
    // DeleteLastGroupException will fail the same way every time.
    let conflict_permanent = status == 409 && code_lc != "idempotency_conflict";
    if retryable && !conflict_permanent {
        return MondayError::Retryable {
            code: if code.is_empty() {
                format!("HTTP_{status}")
            } else {
                code
            },
            message: e.message.clone(),
            retry_after: hints
                .retry_after
                .or(e.retry_in)
                .or_else(|| wait_from_message(&e.message))
                .or(hints.ratelimit_wait),
            status: status.max(effective_status),
        };
    }
    MondayError::Permanent {
        code: if code.is_empty() {
            format!("HTTP_{status}")
        } else {
            code
        },
        message: describe(e),
        request_id: e.request_id.clone().or_else(|| hints.request_id.clone()),
    }
}

/// "create_item: invalid value - label does not exist" — the path tells the
/// reader which field (or batched alias) failed.
fn describe(e: &ApiError) -> String {
    if e.path.is_empty() {
        e.message.clone()
    } else {
        format!("{}: {}", e.path.join("."), e.message)
    }
}

fn body_snippet(body: &[u8], status: u16) -> String {
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    if text.is_empty() {
        return format!("HTTP {status} with an empty body");
    }
    let cut: String = text.chars().take(200).collect();
    if cut.len() < text.len() {
        format!("{cut}…")
    } else {
        cut
    }
}

/// The next 00:00 UTC strictly after `now`, when monday resets daily limits.
pub fn next_utc_midnight(now: DateTime<Utc>) -> DateTime<Utc> {
    now.date_naive()
        .succ_opt()
        .map(|d| d.and_time(NaiveTime::MIN).and_utc())
        .unwrap_or(now + chrono::Duration::days(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wait_from_complexity_message() {
        assert_eq!(
            wait_from_message("ComplexityException: budget exhausted, reset in 23 seconds"),
            Some(Duration::from_secs(23))
        );
        assert_eq!(wait_from_message("no hint"), None);
    }

    #[test]
    fn retry_after_http_date() {
        let now = DateTime::parse_from_rfc3339("2026-11-25T10:00:00Z")
            .map(|d| d.with_timezone(&Utc))
            .unwrap_or_default();
        assert_eq!(
            parse_retry_after("Wed, 25 Nov 2026 10:00:30 GMT", now),
            Some(Duration::from_secs(30))
        );
        assert_eq!(parse_retry_after("7", now), Some(Duration::from_secs(7)));
        assert_eq!(parse_retry_after("-1", now), None);
    }
}
