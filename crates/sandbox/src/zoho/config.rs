//! The sandbox's knobs and counters.

use std::collections::BTreeMap;
use std::time::Duration;

/// Behaviour of the simulated Zoho; every limit is per organization unless said otherwise.
#[derive(Clone, Debug)]
pub struct ZohoSandboxConfig {
    /// Calls admitted per `window` (Zoho: 100 per minute); beyond → HTTP 429 code 44.
    pub requests_per_window: u32,
    /// The sliding window of `requests_per_window` (Zoho: 60 s); tests shrink it.
    pub window: Duration,
    /// Calls in flight at once (Zoho: 10 on paid plans, 5 on Free); beyond → HTTP 429 code 1070.
    pub concurrent_limit: u32,
    /// Calls admitted per UTC day (Zoho: 1000–10000 by plan); beyond → HTTP 429 code 45.
    /// `None` means unlimited.
    pub daily_limit: Option<u32>,
    /// Token-endpoint calls per client per `token_window` (Zoho: 10 per 10 minutes); beyond →
    /// HTTP 200 `{"error":"Access Denied",…}`.
    pub token_requests_per_window: u32,
    pub token_window: Duration,
    /// Lifetime of an access token (Zoho: 3600 s).
    pub access_token_ttl: Duration,
    /// Added to every token and API call (while an API call holds its concurrency slot).
    pub latency: Duration,
}

impl Default for ZohoSandboxConfig {
    fn default() -> Self {
        Self {
            requests_per_window: 100,
            window: Duration::from_secs(60),
            concurrent_limit: 10,
            daily_limit: None,
            token_requests_per_window: 10,
            token_window: Duration::from_secs(600),
            access_token_ttl: Duration::from_secs(3600),
            latency: Duration::ZERO,
        }
    }
}

/// A failure the token endpoint answers with, to every request, while it is set
/// ([`ZohoSandbox::set_token_fault`](super::ZohoSandbox::set_token_fault)). Every such request
/// still counts in [`token_requests`](super::ZohoSandbox::token_requests).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TokenFault {
    /// Zoho's throttle answer, `{"error":"Access Denied",…}`. Zoho is reported (forum post) to
    /// send it with HTTP 200; the status is a setting so clients are tested against both.
    AccessDenied { http_status: u16 },
    /// An accounts-server outage: this HTTP status (5xx) with an HTML body.
    ServerError { http_status: u16 },
    /// `{"error":"invalid_code"}`, as for a revoked refresh token, whatever token is sent.
    InvalidCode,
}

/// Counters for one organization.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ZohoStats {
    /// Every Books API call naming this organization, refused ones included.
    pub api_requests: u64,
    /// Calls answered with HTTP 429 (codes 44, 45, 1070 and injected 429s).
    pub rate_limited_429: u64,
    /// Answers by body `code` (0 = success).
    pub per_code: BTreeMap<i64, u64>,
    /// The most calls that were in flight at once.
    pub max_concurrent_seen: u32,
    /// `GET /{invoices|bills|purchaseorders}/{id}` calls that reached the handler.
    pub detail_gets: u64,
    /// `GET /{invoices|bills|purchaseorders}` calls (one per page) that reached the handler.
    pub list_calls: u64,
    /// `GET /customerpayments` and `GET /vendorpayments` calls.
    pub payment_list_calls: u64,
    /// `GET /customerpayments/{id}` and `GET /vendorpayments/{id}` calls.
    pub payment_detail_gets: u64,
    /// Comments added through the API.
    pub comments_added: u64,
}
