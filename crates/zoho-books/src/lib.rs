//! A client for the Zoho Books API v3: data-centre routing, OAuth2, invoices, bills, purchase
//! orders, payments and webhooks.
//!
//! The crate does single requests and parsing; policy stays with the caller:
//!
//! - **Tokens.** [`OAuthClient`] exchanges and refreshes; the caller caches the access token
//!   (it lives an hour) and refreshes single-flight, since Zoho allows 10 token requests per
//!   10 minutes.
//! - **Routing.** [`Endpoints`] is both the host table and the allow-list: check a redirect's
//!   `accounts-server` and a token's `api_domain` against it before sending any secret.
//! - **Pacing.** [`BooksClient`] classifies every response (including HTTP 200 with a non-zero
//!   `code`) into [`BooksError`], with a suggested wait for rate limits; retrying and
//!   throttling are the caller's.
//! - **Timeouts.** Both clients take a caller-built `reqwest::Client`. Set `connect_timeout`
//!   and `timeout` on it; this crate adds none.
//! - **Webhooks.** [`verify_signature`] checks the raw body, [`WebhookPayload::parse`] names
//!   the record; re-fetch it rather than trusting the payload.
//!
//! Secrets are [`secrecy::SecretString`] and never appear in `Debug`, `Display` or errors.
//! Money is [`rust_decimal::Decimal`].

pub mod client;
pub mod datacentre;
pub mod endpoints;
pub mod models;
pub mod oauth;
mod url_path;
pub mod webhook;
pub mod webhooks_api;

#[cfg(test)]
mod openapi_tests;
#[cfg(test)]
mod test_support;

pub use client::{BooksClient, BooksError, ListPage, RateLimitAdvice, RateLimitKind};
pub use datacentre::DataCentre;
pub use endpoints::Endpoints;
pub use models::{
    parse_zoho_time, CustomField, CustomerPayment, Document, DocumentKind, DocumentSummary, Field,
    LineItem, Organization, VendorPayment,
};
pub use oauth::{OAuthClient, OAuthError, TokenResponse, DEFAULT_SCOPES};
pub use webhook::{
    sign, signing_string, verify_signature, SignatureShape, WebhookEnvelope, WebhookError,
    WebhookPayload,
};
pub use webhooks_api::{Webhook, WebhookSpec, WEBHOOK_ENTITIES};

/// Re-exported so callers can name the secret type without a direct dependency.
pub use secrecy::SecretString;
