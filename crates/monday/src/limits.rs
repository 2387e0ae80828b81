//! What monday tells us about its limits, so callers can pace themselves
//! instead of discovering limits through 429s.
//!
//! Two sources: the IETF-draft `RateLimit` / `RateLimit-Policy` headers on
//! every response, and the `complexity { before after query reset_in_x_seconds }`
//! field that every document in [`crate::queries`] asks for.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use reqwest::header::HeaderMap;
use serde_json::Value;

/// The most recent limit readings of one client (shared by its clones).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LimitSnapshot {
    /// Complexity points left in the current minute after the last query.
    pub complexity_after: Option<i64>,
    /// When the complexity budget refills.
    pub complexity_reset_in: Option<Duration>,
    /// `minuteRate` requests left in the current window.
    pub minute_remaining: Option<i64>,
    /// `concurrency` slots left.
    pub concurrency_remaining: Option<i64>,
    /// How long until an exhausted limit (one with `r=0`) resets, from `t=`;
    /// `None` when nothing is exhausted. A scheduler should not send before it passes.
    pub wait_hint: Option<Duration>,
}

/// One entry of a `RateLimit` header: `"minuteRate";r=4999;t=38`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RateLimitEntry {
    pub name: String,
    /// `r`: remaining quota.
    pub remaining: Option<i64>,
    /// `t`: seconds until the quota resets.
    pub reset_in: Option<Duration>,
}

/// One entry of a `RateLimit-Policy` header: `"minuteRate";q=5000;w=60`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RateLimitPolicy {
    pub name: String,
    /// `q`: the quota.
    pub quota: Option<i64>,
    /// `w`: the window.
    pub window: Option<Duration>,
    /// `qu`: the quota unit, e.g. `concurrent-requests`.
    pub unit: Option<String>,
}

/// Split a structured-field list into `(name, params)` items. Names and
/// string values are quoted and never contain commas or semicolons in
/// monday's headers; anything unparseable is skipped rather than failing
/// the call that carried it.
fn items(header: &str) -> Vec<(String, Vec<(String, String)>)> {
    header
        .split(',')
        .filter_map(|item| {
            let mut parts = item.split(';').map(str::trim);
            let name = unquote(parts.next()?);
            if name.is_empty() {
                return None;
            }
            let params = parts
                .filter_map(|p| {
                    let (k, v) = p.split_once('=')?;
                    Some((k.trim().to_owned(), unquote(v)))
                })
                .collect();
            Some((name, params))
        })
        .collect()
}

fn unquote(s: &str) -> String {
    s.trim().trim_matches('"').to_owned()
}

fn param<'a>(params: &'a [(String, String)], key: &str) -> Option<&'a str> {
    params
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

fn seconds(v: Option<&str>) -> Option<Duration> {
    let secs: f64 = v?.parse().ok()?;
    (secs.is_finite() && secs >= 0.0).then(|| Duration::from_secs_f64(secs))
}

/// Parse a `RateLimit` header value.
pub fn parse_rate_limit(header: &str) -> Vec<RateLimitEntry> {
    items(header)
        .into_iter()
        .map(|(name, params)| RateLimitEntry {
            remaining: param(&params, "r").and_then(|v| v.parse().ok()),
            reset_in: seconds(param(&params, "t")),
            name,
        })
        .collect()
}

/// Parse a `RateLimit-Policy` header value.
pub fn parse_rate_limit_policy(header: &str) -> Vec<RateLimitPolicy> {
    items(header)
        .into_iter()
        .map(|(name, params)| RateLimitPolicy {
            quota: param(&params, "q").and_then(|v| v.parse().ok()),
            window: seconds(param(&params, "w")),
            unit: param(&params, "qu").map(str::to_owned),
            name,
        })
        .collect()
}

/// All `RateLimit` header values of a response joined into one list (a
/// proxy may split them over several header lines).
fn rate_limit_entries(headers: &HeaderMap) -> Vec<RateLimitEntry> {
    let joined: Vec<&str> = headers
        .get_all("ratelimit")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect();
    parse_rate_limit(&joined.join(", "))
}

/// The wait the `RateLimit` header implies: the longest `t` among exhausted
/// entries (`r<=0`), else the longest `t` given at all. Used as the last
/// resort for a retryable error's wait, after `Retry-After` and `retry_in_seconds`.
pub fn wait_hint_from_headers(headers: &HeaderMap) -> Option<Duration> {
    let entries = rate_limit_entries(headers);
    entries
        .iter()
        .filter(|e| e.remaining.is_some_and(|r| r <= 0))
        .filter_map(|e| e.reset_in)
        .max()
        .or_else(|| entries.iter().filter_map(|e| e.reset_in).max())
}

/// Shared, updatable limit readings of a client and its clones.
#[derive(Debug, Clone, Default)]
pub(crate) struct LimitState(Arc<Mutex<LimitSnapshot>>);

impl LimitState {
    pub(crate) fn snapshot(&self) -> LimitSnapshot {
        match self.0.lock() {
            Ok(s) => s.clone(),
            // A panic elsewhere while holding the lock leaves plain numbers;
            // they are still the best readings we have.
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    fn update(&self, f: impl FnOnce(&mut LimitSnapshot)) {
        let mut guard = match self.0.lock() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        };
        f(&mut guard);
    }

    /// Record the `RateLimit` header of a response, if it has one.
    pub(crate) fn record_headers(&self, headers: &HeaderMap) {
        let entries = rate_limit_entries(headers);
        if entries.is_empty() {
            return;
        }
        let exhausted_wait = entries
            .iter()
            .filter(|e| e.remaining.is_some_and(|r| r <= 0))
            .filter_map(|e| e.reset_in)
            .max();
        self.update(|s| {
            for e in &entries {
                match e.name.as_str() {
                    "minuteRate" => s.minute_remaining = e.remaining,
                    "concurrency" => s.concurrency_remaining = e.remaining,
                    "complexityMinute" if e.reset_in.is_some() => {
                        s.complexity_reset_in = e.reset_in;
                    }
                    _ => {}
                }
            }
            s.wait_hint = exhausted_wait;
        });
    }

    /// Record a `complexity { before after query reset_in_x_seconds }` object.
    pub(crate) fn record_complexity(&self, complexity: &Value) {
        let after = complexity.get("after").and_then(Value::as_i64);
        let reset = complexity
            .get("reset_in_x_seconds")
            .and_then(Value::as_u64)
            .map(Duration::from_secs);
        if after.is_none() && reset.is_none() {
            return;
        }
        self.update(|s| {
            if after.is_some() {
                s.complexity_after = after;
            }
            if reset.is_some() {
                s.complexity_reset_in = reset;
            }
        });
    }
}
