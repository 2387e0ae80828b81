//! What can go wrong when calling the Books API, in the terms a caller has to react to.

use std::time::Duration;

/// Which of Zoho's per-organization limits was hit (the body `code` of an HTTP 429).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RateLimitKind {
    /// Code 44: more than 100 requests in a minute. Waiting about a minute is enough.
    PerMinute,
    /// Code 45: the plan's daily quota is spent. Nothing succeeds until the daily reset.
    Daily,
    /// Code 1070: too many requests in flight at once. Retry shortly, with less concurrency.
    Concurrency,
}

impl RateLimitKind {
    /// Maps Zoho's body code. Unknown codes count as per-minute, the mildest assumption that
    /// still backs off.
    pub fn from_code(code: Option<i64>) -> Self {
        match code {
            Some(45) => RateLimitKind::Daily,
            Some(1070) => RateLimitKind::Concurrency,
            _ => RateLimitKind::PerMinute,
        }
    }
}

/// A failed Books API call.
///
/// Messages carry Zoho's own message and what to do about it; they never contain the access
/// token (it only travels in a header) nor the request URL.
#[derive(Debug, thiserror::Error)]
pub enum BooksError {
    /// HTTP 429 (or a rate-limit body code on another status). `retry_after` is this crate's
    /// suggested wait: a `Retry-After` header when Zoho sends one, otherwise 60 s for
    /// per-minute, a few seconds for concurrency, and the `X-Rate-Limit-Reset` seconds (when
    /// present) for the daily quota.
    #[error("Zoho Books rate limit hit ({kind:?}); {}", rate_limit_advice(*kind, *retry_after))]
    RateLimited {
        kind: RateLimitKind,
        retry_after: Option<Duration>,
    },
    /// HTTP 401 or an authentication/permission code (14, 57): the token is expired, revoked
    /// or lacks a scope.
    #[error("Zoho Books rejected the access token (code {}): {message}; refresh the token, and if \
             that does not help, reconnect Zoho Books (a scope may be missing)", opt_code(*code))]
    Unauthorized { code: Option<i64>, message: String },
    /// HTTP 404 or a "does not exist" code such as 1002: the record is gone (deleted in Zoho).
    #[error("Zoho Books record not found: {message}")]
    NotFound { message: String },
    /// The `organization_id` was rejected (codes 2 / 6041 about the organization).
    #[error(
        "Zoho Books rejected the organization id: {message}; pick the organization again \
             (the user may have lost access to it)"
    )]
    InvalidOrganization { message: String },
    /// Any other non-zero body code, including on HTTP 200. Status 0 means the request was
    /// refused by this crate before sending (e.g. an invalid webhook spec); code -1 means the
    /// response carried no code.
    #[error("Zoho Books API error (HTTP {status}, code {code}): {message}")]
    Api {
        status: u16,
        code: i64,
        message: String,
    },
    /// HTTP 5xx: Zoho's side failed; retry later.
    #[error("Zoho Books server error (HTTP {status}); retry later")]
    Server { status: u16 },
    /// The request did not complete (connect, TLS, timeout, body read).
    #[error("could not reach Zoho Books: {0}")]
    Transport(String),
    /// The response was not the JSON this crate expects.
    #[error("unexpected Zoho Books response: {0}")]
    Decode(String),
}

impl BooksError {
    /// Whether the same call may succeed later without anyone changing anything: rate limits
    /// (respect `retry_after`), 5xx and transport failures. Unauthorized is *not* retryable
    /// as-is: the caller must refresh the token first.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            BooksError::RateLimited { .. } | BooksError::Server { .. } | BooksError::Transport(_)
        )
    }

    /// The suggested wait before retrying, when there is one.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            BooksError::RateLimited { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    /// Describes a reqwest failure without its URL (which carries the organization id) and
    /// without headers (which carry the token).
    pub(crate) fn transport(e: reqwest::Error) -> Self {
        BooksError::Transport(describe_transport(e))
    }
}

/// A reqwest error as text, minus the URL; shared with the OAuth client.
pub(crate) fn describe_transport(e: reqwest::Error) -> String {
    let what = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "connection failed"
    } else if e.is_body() || e.is_decode() {
        "reading the response failed"
    } else if e.is_redirect() {
        "too many redirects"
    } else {
        "request failed"
    };
    format!("{what}: {}", e.without_url())
}

fn opt_code(code: Option<i64>) -> String {
    code.map_or_else(|| "none".to_owned(), |c| c.to_string())
}

fn rate_limit_advice(kind: RateLimitKind, retry_after: Option<Duration>) -> String {
    let wait = retry_after.map_or_else(String::new, |d| format!(" (about {} s)", d.as_secs()));
    match kind {
        RateLimitKind::PerMinute => {
            format!("the organization made over 100 requests this minute; wait{wait} and retry")
        }
        RateLimitKind::Daily => format!(
            "the organization's daily API quota is used up; pause until it resets{wait} \
             or ask Zoho to raise the limit"
        ),
        RateLimitKind::Concurrency => format!(
            "too many requests were in flight at once; retry shortly{wait} with less concurrency"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_map_to_kinds() {
        assert_eq!(RateLimitKind::from_code(Some(44)), RateLimitKind::PerMinute);
        assert_eq!(RateLimitKind::from_code(Some(45)), RateLimitKind::Daily);
        assert_eq!(
            RateLimitKind::from_code(Some(1070)),
            RateLimitKind::Concurrency
        );
        assert_eq!(
            RateLimitKind::from_code(Some(9999)),
            RateLimitKind::PerMinute
        );
        assert_eq!(RateLimitKind::from_code(None), RateLimitKind::PerMinute);
    }

    #[test]
    fn retryability() {
        let rl = BooksError::RateLimited {
            kind: RateLimitKind::Daily,
            retry_after: None,
        };
        assert!(rl.is_retryable());
        assert!(BooksError::Server { status: 503 }.is_retryable());
        assert!(BooksError::Transport("x".into()).is_retryable());
        assert!(!BooksError::NotFound {
            message: "x".into()
        }
        .is_retryable());
        assert!(!BooksError::Unauthorized {
            code: Some(57),
            message: "x".into()
        }
        .is_retryable());
        assert!(!BooksError::Api {
            status: 200,
            code: 1,
            message: "x".into()
        }
        .is_retryable());
        assert!(!BooksError::Decode("x".into()).is_retryable());
    }

    #[test]
    fn messages_say_what_to_do() {
        let e = BooksError::RateLimited {
            kind: RateLimitKind::PerMinute,
            retry_after: Some(Duration::from_secs(60)),
        };
        assert!(e.to_string().contains("about 60 s"), "{e}");
        let e = BooksError::Unauthorized {
            code: Some(57),
            message: "You are not authorized".into(),
        };
        assert!(e.to_string().contains("reconnect"), "{e}");
    }
}
