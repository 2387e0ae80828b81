//! Zoho OAuth2 for server-side apps: consent URL, code exchange, refresh.
//!
//! Token requests are addressed to the account's own data centre: Zoho's multi-DC redirect says
//! which one (`location`, `accounts-server`), and the client secret may differ per data centre.
//! This client performs single requests only; caching the access token for its hour and
//! refreshing single-flight is the caller's job, because Zoho allows only 10 token requests per
//! 10 minutes and 10 live access tokens per refresh token.

mod error;
mod token;

use reqwest::header::ACCEPT;
use secrecy::{ExposeSecret, SecretString};
use url::Url;

pub use error::OAuthError;
pub use token::TokenResponse;

use crate::client::describe_transport;
use crate::datacentre::DataCentre;
use crate::endpoints::Endpoints;
use crate::url_path::append_path;

/// The narrowest scopes the connector needs: read the three document modules and payments,
/// comment on documents (`CREATE`), list organizations (`settings.READ`) and manage webhooks
/// (`settings.CREATE/UPDATE/DELETE`).
pub const DEFAULT_SCOPES: &[&str] = &[
    "ZohoBooks.invoices.READ",
    "ZohoBooks.invoices.CREATE",
    "ZohoBooks.bills.READ",
    "ZohoBooks.bills.CREATE",
    "ZohoBooks.purchaseorders.READ",
    "ZohoBooks.purchaseorders.CREATE",
    "ZohoBooks.customerpayments.READ",
    "ZohoBooks.vendorpayments.READ",
    "ZohoBooks.settings.READ",
    "ZohoBooks.settings.CREATE",
    "ZohoBooks.settings.UPDATE",
    "ZohoBooks.settings.DELETE",
];

/// Talks to the accounts servers on behalf of one registered Zoho API client.
///
/// The `reqwest::Client` is the caller's: give it `connect_timeout` and `timeout`, as this
/// crate sets none. `Debug` never shows the client secret.
#[derive(Clone)]
pub struct OAuthClient {
    http: reqwest::Client,
    endpoints: Endpoints,
    client_id: String,
    client_secret: SecretString,
}

impl std::fmt::Debug for OAuthClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OAuthClient")
            .field("endpoints", &self.endpoints)
            .field("client_id", &self.client_id)
            .field("client_secret", &"[REDACTED]")
            .finish_non_exhaustive()
    }
}

impl OAuthClient {
    pub fn new(
        http: reqwest::Client,
        endpoints: Endpoints,
        client_id: impl Into<String>,
        client_secret: SecretString,
    ) -> Self {
        Self {
            http,
            endpoints,
            client_id: client_id.into(),
            client_secret,
        }
    }

    /// The endpoint table this client routes by.
    pub fn endpoints(&self) -> &Endpoints {
        &self.endpoints
    }

    /// The consent URL: `{accounts}/oauth/v2/auth?scope=..&client_id=..&response_type=code&
    /// redirect_uri=..&access_type=offline&prompt=consent&state=..`.
    ///
    /// `access_type=offline` is what yields a refresh token, and `prompt=consent` makes Zoho
    /// issue a new one on reconnect instead of returning none. Start at the US server for
    /// multi-DC clients; Zoho redirects the user to their own data centre.
    pub fn authorize_url(
        &self,
        dc: DataCentre,
        scopes: &[&str],
        redirect_uri: &str,
        state: &str,
    ) -> Url {
        let mut url = append_path(&self.endpoints.accounts_url(dc), "oauth/v2/auth");
        url.query_pairs_mut()
            .append_pair("scope", &scopes.join(","))
            .append_pair("client_id", &self.client_id)
            .append_pair("response_type", "code")
            .append_pair("redirect_uri", redirect_uri)
            .append_pair("access_type", "offline")
            .append_pair("prompt", "consent")
            .append_pair("state", state);
        url
    }

    /// Exchanges an authorization code (valid 1–2 minutes, single use) at `dc`'s accounts
    /// server: `grant_type=authorization_code`, sent as a form body so nothing secret is in a URL.
    #[tracing::instrument(level = "debug", skip(self, code, redirect_uri))]
    pub async fn exchange_code(
        &self,
        dc: DataCentre,
        code: &str,
        redirect_uri: &str,
    ) -> Result<TokenResponse, OAuthError> {
        let form = [
            ("grant_type", "authorization_code"),
            ("client_id", self.client_id.as_str()),
            ("client_secret", self.client_secret.expose_secret()),
            ("redirect_uri", redirect_uri),
            ("code", code),
        ];
        self.token_request(dc, &form).await
    }

    /// Gets a new access token: `grant_type=refresh_token`. The response has no refresh token;
    /// keep the stored one.
    #[tracing::instrument(level = "debug", skip(self, refresh_token))]
    pub async fn refresh(
        &self,
        dc: DataCentre,
        refresh_token: &SecretString,
    ) -> Result<TokenResponse, OAuthError> {
        let form = [
            ("grant_type", "refresh_token"),
            ("client_id", self.client_id.as_str()),
            ("client_secret", self.client_secret.expose_secret()),
            ("refresh_token", refresh_token.expose_secret()),
        ];
        self.token_request(dc, &form).await
    }

    async fn token_request(
        &self,
        dc: DataCentre,
        form: &[(&str, &str)],
    ) -> Result<TokenResponse, OAuthError> {
        let url = append_path(&self.endpoints.accounts_url(dc), "oauth/v2/token");
        let response = self
            .http
            .post(url)
            .header(ACCEPT, "application/json")
            .form(form)
            .send()
            .await
            .map_err(|e| OAuthError::Transport(describe_transport(e)))?;
        let status = response.status().as_u16();
        let body = response
            .bytes()
            .await
            .map_err(|e| OAuthError::Transport(describe_transport(e)))?;
        let result = token::parse_token_response(dc, status, &body);
        tracing::debug!(%dc, status, ok = result.is_ok(), "zoho token request");
        result
    }
}

#[cfg(test)]
mod tests;
