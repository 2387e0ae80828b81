//! The HTTP edge: one POST per GraphQL document, with the headers monday
//! requires, and every answer handed to [`crate::classify`]. The typed
//! operations (items, subitems, board structure, webhooks) live in their
//! own files and all go through [`MondayClient::execute`].

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use reqwest::header::{HeaderMap, HeaderValue, CONTENT_TYPE};
use secrecy::{ExposeSecret, SecretString};
use serde_json::{json, Value};
use url::Url;

use crate::classify::{self, Envelope};
use crate::error::MondayError;
use crate::limits::{LimitSnapshot, LimitState};
use crate::API_VERSION;

/// monday ends every call after 60 s server-side; waiting a little longer
/// lets its own timeout error arrive instead of a vaguer transport error.
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(75);

/// The source of "now", injected so daily-limit resets and retry dates are
/// testable without the system clock.
pub type Clock = Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>;

/// Held while one request is in flight; dropping it frees the slot.
pub type GatePermit = Box<dyn Send>;

/// Client-side admission control, asked before every request: the caller's own budget for
/// monday's per-account minute, concurrency and daily limits, so those are kept rather than
/// learnt from 429s. An error (e.g. [`MondayError::DailyLimit`]) is returned as the call's
/// error without sending anything.
pub trait RequestGate: Send + Sync {
    fn admit(&self) -> Pin<Box<dyn Future<Output = Result<GatePermit, MondayError>> + Send + '_>>;
}

/// A monday API client. Cheap to clone; clones share the limit readings and
/// the one-time version warning.
#[derive(Clone)]
pub struct MondayClient {
    http: reqwest::Client,
    api_url: Url,
    token: SecretString,
    timeout: Duration,
    clock: Clock,
    limits: LimitState,
    version_warned: Arc<AtomicBool>,
    gate: Option<Arc<dyn RequestGate>>,
}

impl fmt::Debug for MondayClient {
    // Hand-written so the token can never reach a log line.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MondayClient")
            .field("api_url", &self.api_url.as_str())
            .field("token", &"[redacted]")
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl MondayClient {
    /// A client for `api_url` (normally `https://api.monday.com/v2`) using a
    /// personal or OAuth token. `http` is shared so connection pools are
    /// reused; each request still gets [`DEFAULT_REQUEST_TIMEOUT`].
    pub fn new(http: reqwest::Client, api_url: Url, token: SecretString) -> Self {
        MondayClient {
            http,
            api_url,
            token,
            timeout: DEFAULT_REQUEST_TIMEOUT,
            clock: Arc::new(Utc::now),
            limits: LimitState::default(),
            version_warned: Arc::new(AtomicBool::new(false)),
            gate: None,
        }
    }

    /// Ask `gate` before every request (clones share it).
    pub fn with_gate(mut self, gate: Arc<dyn RequestGate>) -> Self {
        self.gate = Some(gate);
        self
    }

    /// Use a different per-request timeout.
    pub fn with_request_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Use an injected clock (tests, simulations).
    pub fn with_clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
    }

    pub fn api_url(&self) -> &Url {
        &self.api_url
    }

    /// The latest complexity budget and rate-limit readings.
    pub fn limits(&self) -> LimitSnapshot {
        self.limits.snapshot()
    }

    pub(crate) fn now(&self) -> DateTime<Utc> {
        (self.clock)()
    }

    /// Send one document and return its `data`, or the classified error.
    /// Any `errors[]` entry fails the call, even next to partial data.
    pub async fn execute(
        &self,
        query: &str,
        variables: Value,
        idempotency_key: Option<&str>,
    ) -> Result<Value, MondayError> {
        let (status, headers, env) = self.send(query, variables, idempotency_key).await?;
        env.into_data(status, &headers, self.now())
    }

    /// Send a document and return the parsed envelope (possibly with
    /// `errors[]` next to `data`), for callers that attribute errors per
    /// alias. HTTP-level failures are already classified.
    pub(crate) async fn send(
        &self,
        query: &str,
        variables: Value,
        idempotency_key: Option<&str>,
    ) -> Result<(u16, HeaderMap, Envelope), MondayError> {
        let _admitted = match &self.gate {
            Some(gate) => Some(gate.admit().await?),
            None => None,
        };
        let mut auth = HeaderValue::from_str(self.token.expose_secret().trim()).map_err(|_| {
            MondayError::Unauthorized {
                message: "the monday token contains characters that cannot be sent in an HTTP header; paste the token again".to_owned(),
            }
        })?;
        auth.set_sensitive(true);
        // monday wants the raw token, without "Bearer".
        let mut request = self
            .http
            .post(self.api_url.clone())
            .timeout(self.timeout)
            .header(reqwest::header::AUTHORIZATION, auth)
            .header("API-Version", API_VERSION)
            .header(CONTENT_TYPE, "application/json")
            .body(json!({ "query": query, "variables": variables }).to_string());
        if let Some(key) = idempotency_key {
            let value = HeaderValue::from_str(key)
                .ok()
                .filter(|_| !key.is_empty())
                .ok_or_else(|| {
                    MondayError::invalid_input(format!(
                        "idempotency key {key:?} is empty or not a valid header value"
                    ))
                })?;
            request = request.header("Idempotency-Key", value);
        }

        let response = request.send().await.map_err(transport_error)?;
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        self.limits.record_headers(&headers);
        self.check_version(&headers);
        let body = response.bytes().await.map_err(|e| MondayError::Transport {
            message: format!("the connection dropped while reading monday's answer: {e}"),
            // monday answered, so it received and probably processed the request.
            maybe_applied: true,
        })?;

        let env = classify::parse_response(status, &headers, &body, self.now())?;
        if let Some(c) = env.data.as_ref().and_then(|d| d.get("complexity")) {
            self.limits.record_complexity(c);
        }
        Ok((status, headers, env))
    }

    /// monday routes requests for a retired version to an older one, which
    /// silently turns fields into `null`; say so once per client.
    fn check_version(&self, headers: &HeaderMap) {
        let Some(served) = headers.get("api-version").and_then(|v| v.to_str().ok()) else {
            return;
        };
        if served != API_VERSION && !self.version_warned.swap(true, Ordering::Relaxed) {
            tracing::warn!(
                requested = API_VERSION,
                served,
                "monday answered with a different API version than requested; fields may come back null. Update the monday crate to a supported version"
            );
        }
    }
}

/// A request error from reqwest. Failing to connect means monday never saw
/// the request; any later failure (timeout while waiting, connection reset)
/// may come after monday applied it.
fn transport_error(e: reqwest::Error) -> MondayError {
    let maybe_applied = !(e.is_connect() || e.is_builder());
    let what = if e.is_timeout() {
        "monday did not answer in time"
    } else if e.is_connect() {
        "could not connect to monday"
    } else {
        "the request to monday failed"
    };
    MondayError::Transport {
        message: format!("{what}: {}", e.without_url()),
        maybe_applied,
    }
}
