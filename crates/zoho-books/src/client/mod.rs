//! The Books REST v3 client.
//!
//! Every call sends `organization_id` as a query parameter and
//! `Authorization: Zoho-oauthtoken <token>` (not `Bearer`, whatever the token response says).
//! The access token is passed per call: the caller owns caching and single-flight refresh,
//! because Zoho allows only 10 token requests per 10 minutes.
//!
//! The `reqwest::Client` is the caller's, and so are its timeouts. Build it with
//! `connect_timeout` and `timeout` set: this crate adds none, and a hung call would otherwise
//! hold a concurrency slot forever.

pub(crate) mod classify;
mod documents;
mod error;
mod list_page;
mod organizations;
mod payments;
mod rate_limit;

use std::sync::{Arc, Mutex};

use reqwest::header::{HeaderValue, ACCEPT, AUTHORIZATION};
use reqwest::Method;
use secrecy::{ExposeSecret, SecretString};
use serde_json::Value;
use url::Url;

pub(crate) use error::describe_transport;
pub use error::{BooksError, RateLimitKind};
pub use list_page::ListPage;
pub use rate_limit::RateLimitAdvice;

use crate::url_path::append_path;

/// A client for one organization's Books data.
///
/// Cheap to clone; clones share the HTTP client and the latest [`RateLimitAdvice`].
#[derive(Clone)]
pub struct BooksClient {
    http: reqwest::Client,
    /// `{api_domain}/books/v3`, see [`Endpoints::books_base`](crate::Endpoints::books_base).
    books_base: Url,
    organization_id: String,
    /// The advice from the most recent response that carried rate-limit headers.
    advice: Arc<Mutex<Option<RateLimitAdvice>>>,
}

impl std::fmt::Debug for BooksClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BooksClient")
            .field("books_base", &self.books_base.as_str())
            .field("organization_id", &self.organization_id)
            .finish_non_exhaustive()
    }
}

impl BooksClient {
    /// `books_base` is `{api_domain}/books/v3` for the organization's data centre; take it from
    /// [`Endpoints::books_base`](crate::Endpoints::books_base) after checking the token's
    /// `api_domain` against the allow-list.
    pub fn new(http: reqwest::Client, books_base: Url, organization_id: impl Into<String>) -> Self {
        Self {
            http,
            books_base,
            organization_id: organization_id.into(),
            advice: Arc::new(Mutex::new(None)),
        }
    }

    /// The organization every call is scoped to.
    pub fn organization_id(&self) -> &str {
        &self.organization_id
    }

    /// The base URL calls are made against.
    pub fn books_base(&self) -> &Url {
        &self.books_base
    }

    /// Zoho's `X-Rate-Limit-*` headers from the most recent response (of this client or a
    /// clone) that had them; `None` until one did. Advisory only, see [`RateLimitAdvice`].
    pub fn last_rate_limit_advice(&self) -> Option<RateLimitAdvice> {
        match self.advice.lock() {
            Ok(guard) => *guard,
            Err(poisoned) => *poisoned.into_inner(),
        }
    }

    /// Calls `{books_base}/{path}?organization_id=..&{query}` and classifies the response.
    pub(crate) async fn call(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        token: &SecretString,
        body: Option<&Value>,
    ) -> Result<Value, BooksError> {
        let mut url = append_path(&self.books_base, path);
        {
            let mut pairs = url.query_pairs_mut();
            pairs.append_pair("organization_id", &self.organization_id);
            for (k, v) in query {
                pairs.append_pair(k, v);
            }
        }
        let (result, advice) = execute(&self.http, method, url, token, body).await;
        if let Some(advice) = advice {
            match self.advice.lock() {
                Ok(mut guard) => *guard = Some(advice),
                Err(poisoned) => *poisoned.into_inner() = Some(advice),
            }
        }
        result
    }
}

/// Sends one request and classifies the answer; also returns the rate-limit advice, which is
/// worth keeping even when the call failed.
pub(crate) async fn execute(
    http: &reqwest::Client,
    method: Method,
    url: Url,
    token: &SecretString,
    body: Option<&Value>,
) -> (Result<Value, BooksError>, Option<RateLimitAdvice>) {
    let auth = match auth_header(token) {
        Ok(v) => v,
        Err(e) => return (Err(e), None),
    };
    let path = url.path().to_owned();
    let mut request = http
        .request(method.clone(), url)
        .header(AUTHORIZATION, auth)
        .header(ACCEPT, "application/json");
    if let Some(body) = body {
        request = request.json(body);
    }
    let response = match request.send().await {
        Ok(r) => r,
        Err(e) => return (Err(BooksError::transport(e)), None),
    };
    let status = response.status().as_u16();
    let advice = RateLimitAdvice::from_headers(response.headers());
    let retry_after = rate_limit::retry_after(response.headers());
    let bytes = match response.bytes().await {
        Ok(b) => b,
        Err(e) => return (Err(BooksError::transport(e)), advice),
    };
    let result = classify::classify(status, retry_after, advice.as_ref(), &bytes);
    tracing::debug!(%method, %path, status, ok = result.is_ok(), "zoho books call");
    (result, advice)
}

/// `Zoho-oauthtoken <token>`, marked sensitive so reqwest and hyper never print it.
fn auth_header(token: &SecretString) -> Result<HeaderValue, BooksError> {
    let mut value = HeaderValue::from_str(&format!("Zoho-oauthtoken {}", token.expose_secret()))
        .map_err(|_| BooksError::Unauthorized {
            code: None,
            message: "the access token contains characters that cannot be sent in an HTTP header"
                .to_owned(),
        })?;
    value.set_sensitive(true);
    Ok(value)
}

#[cfg(test)]
mod tests;
