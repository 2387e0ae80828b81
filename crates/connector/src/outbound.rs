//! The one way the connector builds an HTTP client for calls to Zoho and monday.

use anyhow::Context;
use std::time::Duration;

/// The outbound HTTP client: timeouts always, redirects never (a redirect could carry a token
/// to a host outside the allow-list).
pub fn http_client(timeout: Duration) -> anyhow::Result<reqwest::Client> {
    reqwest::Client::builder()
        .timeout(timeout)
        .connect_timeout(Duration::from_secs(10))
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("ml-connector/", env!("CARGO_PKG_VERSION")))
        .build()
        .context("could not build the HTTP client")
}
