//! Zoho's advisory `X-Rate-Limit-*` headers.

use std::time::Duration;

use reqwest::header::HeaderMap;

/// What Zoho said about the organization's remaining quota on the latest response.
///
/// These headers are undocumented: observed values describe the *daily* quota, `reset` looks
/// like seconds until it resets, and they are sometimes `0` or missing. Use them to slow down
/// early, never as a guarantee. Read the latest value with
/// [`BooksClient::last_rate_limit_advice`](crate::BooksClient::last_rate_limit_advice).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RateLimitAdvice {
    /// `X-Rate-Limit-Limit`: the quota size.
    pub limit: Option<u64>,
    /// `X-Rate-Limit-Remaining`: calls left in the window.
    pub remaining: Option<u64>,
    /// `X-Rate-Limit-Reset`: time until the window resets.
    pub reset_after: Option<Duration>,
}

impl RateLimitAdvice {
    /// Reads the three headers; `None` when none of them is present and numeric.
    pub fn from_headers(headers: &HeaderMap) -> Option<RateLimitAdvice> {
        let num = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .and_then(|s| s.trim().parse::<u64>().ok())
        };
        let advice = RateLimitAdvice {
            limit: num("x-rate-limit-limit"),
            remaining: num("x-rate-limit-remaining"),
            reset_after: num("x-rate-limit-reset").map(Duration::from_secs),
        };
        (advice.limit.is_some() || advice.remaining.is_some() || advice.reset_after.is_some())
            .then_some(advice)
    }
}

/// A `Retry-After` given in seconds. Zoho has not been seen sending one, but if it does it wins
/// over this crate's guesses; the HTTP-date form is ignored.
pub(crate) fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    headers
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|s| s.trim().parse::<u64>().ok())
        .map(Duration::from_secs)
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    #[test]
    fn reads_present_headers_only() {
        let mut h = HeaderMap::new();
        assert_eq!(RateLimitAdvice::from_headers(&h), None);
        h.insert("X-Rate-Limit-Limit", HeaderValue::from_static("7500"));
        h.insert("X-Rate-Limit-Remaining", HeaderValue::from_static("6775"));
        h.insert("X-Rate-Limit-Reset", HeaderValue::from_static("34881"));
        assert_eq!(
            RateLimitAdvice::from_headers(&h),
            Some(RateLimitAdvice {
                limit: Some(7500),
                remaining: Some(6775),
                reset_after: Some(Duration::from_secs(34881)),
            })
        );
        let mut h = HeaderMap::new();
        h.insert("x-rate-limit-remaining", HeaderValue::from_static("junk"));
        assert_eq!(RateLimitAdvice::from_headers(&h), None);
        h.insert("retry-after", HeaderValue::from_static("30"));
        assert_eq!(retry_after(&h), Some(Duration::from_secs(30)));
    }
}
