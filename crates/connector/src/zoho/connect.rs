//! Connecting a Zoho account (OAuth2 authorization code): the consent URL, the redirect Zoho
//! sends back, the code exchange, and the organization choice. Shared by
//! `ml-connector connect` (terminal) and the browser flow (`http/oauth.rs`).
//!
//! Two hosts come from outside and decide where secrets go: the redirect's `accounts-server`
//! (receives the client secret and the code) and the token response's `api_domain` (receives
//! the access token). Both are checked against the data-centre allow-list before anything is
//! sent to them.

use crate::config::Config;
use rand::Rng;
use secrecy::SecretString;
use std::time::Duration;
use url::Url;
use zoho_books::{
    BooksClient, BooksError, DataCentre, OAuthClient, OAuthError, Organization, DEFAULT_SCOPES,
};

/// How long a consent may take before its `state` is refused.
pub const STATE_TTL: Duration = Duration::from_secs(10 * 60);

/// Why connecting failed. No variant carries a token, code or secret.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error("Zoho answered `{0}` instead of a code (access_denied: consent was refused); start again and approve access")]
    Denied(String),
    #[error("the redirect has no `code` parameter: paste the whole address of the page Zoho sent you to")]
    NoCode,
    #[error("the redirect's `state` does not match this connect attempt: paste the address from this attempt, or start again")]
    StateMismatch,
    #[error("the redirect names accounts server `{0}`, which is not an accepted Zoho accounts server (accepted: {1}); refusing to send the client secret there. If Zoho added a data centre or you route through a proxy, set zoho.endpoints")]
    UnknownAccountsServer(String, String),
    #[error("the redirect says location `{location}` but accounts server {dc}; refusing the inconsistent redirect")]
    LocationMismatch { location: String, dc: DataCentre },
    #[error("`{0}` is not a Zoho data centre; use one of us, eu, in, au, jp, ca, cn, sa")]
    UnknownLocation(String),
    #[error("zoho.client_id is not set: copy the client id of your Zoho API client (https://api-console.zoho.com) into the configuration")]
    NoClientId,
    #[error("no client secret for data centre {0}: set zoho.client_secret, or zoho.client_secrets.{code} when this data centre has its own", code = .0.code())]
    NoClientSecret(DataCentre),
    #[error("Zoho did not accept the code at the {dc} accounts server: {source}")]
    Exchange { dc: DataCentre, source: OAuthError },
    #[error("Zoho issued no refresh token: the consent URL must ask for access_type=offline and prompt=consent; start again")]
    NoRefreshToken,
    #[error("Zoho answered api_domain `{0}`, which is not an accepted Zoho API domain (accepted: {1}); refusing to send the access token there. If you route through a proxy, set zoho.endpoints")]
    UnknownApiDomain(String, String),
    #[error("the account consented at the {accounts} accounts server but Zoho answered the {api} api_domain; refusing the inconsistent answer")]
    ApiDomainMismatch {
        accounts: DataCentre,
        api: DataCentre,
    },
    #[error("could not list the organizations of this Zoho account: {0}")]
    Organizations(BooksError),
    #[error("this Zoho account has no Books organization in data centre {0}: create one in Zoho Books, or sign in with another account")]
    NoOrganizations(DataCentre),
    #[error(
        "organization {wanted} is not one this Zoho account can reach; choose one of: {available}"
    )]
    UnknownOrganization { wanted: String, available: String },
}

/// The parameters of Zoho's redirect to `redirect_uri`. `Debug` hides the code.
#[derive(Default, Clone)]
pub struct Redirect {
    pub code: Option<String>,
    pub state: Option<String>,
    pub location: Option<String>,
    pub accounts_server: Option<String>,
    pub error: Option<String>,
}

impl std::fmt::Debug for Redirect {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Redirect")
            .field("code", &self.code.as_ref().map(|_| "[REDACTED]"))
            .field("location", &self.location)
            .field("accounts_server", &self.accounts_server)
            .field("error", &self.error)
            .finish_non_exhaustive()
    }
}

impl Redirect {
    /// From a query string (`code=..&location=eu&accounts-server=https%3A%2F%2F..`).
    pub fn from_query(query: &str) -> Redirect {
        let mut r = Redirect::default();
        for (k, v) in url::form_urlencoded::parse(query.trim_start_matches('?').as_bytes()) {
            let v = Some(v.trim().to_string()).filter(|v| !v.is_empty());
            match k.as_ref() {
                "code" => r.code = v,
                "state" => r.state = v,
                "location" => r.location = v,
                "accounts-server" => r.accounts_server = v,
                "error" => r.error = v,
                _ => {}
            }
        }
        r
    }

    /// From the whole address a user pastes (or just its query string).
    pub fn from_pasted(text: &str) -> Redirect {
        let text = text.trim();
        match Url::parse(text) {
            Ok(url) => Redirect::from_query(url.query().unwrap_or_default()),
            Err(_) => Redirect::from_query(text.split_once('?').map(|(_, q)| q).unwrap_or(text)),
        }
    }

    /// The code, once the redirect is known to answer `expected_state` and not an error.
    pub fn code_for(&self, expected_state: &str) -> Result<&str, ConnectError> {
        if let Some(e) = &self.error {
            return Err(ConnectError::Denied(e.clone()));
        }
        let same = self
            .state
            .as_deref()
            .is_some_and(|s| constant_time_eq(s.as_bytes(), expected_state.as_bytes()));
        if !same {
            return Err(ConnectError::StateMismatch);
        }
        self.code.as_deref().ok_or(ConnectError::NoCode)
    }

    /// The data centre whose accounts server must receive the code: the `accounts-server`
    /// parameter checked against the allow-list (and against `location` when both are given),
    /// else `location`, else `started_at` (a single-DC client's redirect carries neither).
    pub fn data_centre(
        &self,
        config: &Config,
        started_at: DataCentre,
    ) -> Result<DataCentre, ConnectError> {
        let from_location = self
            .location
            .as_deref()
            .map(|l| {
                l.parse::<DataCentre>()
                    .map_err(|_| ConnectError::UnknownLocation(l.to_string()))
            })
            .transpose()?;
        match self.accounts_server.as_deref() {
            Some(server) => {
                let endpoints = config.zoho_endpoints();
                let dc = endpoints.dc_for_accounts_server(server).ok_or_else(|| {
                    ConnectError::UnknownAccountsServer(
                        server.to_string(),
                        endpoints.describe_accepted_accounts_servers(),
                    )
                })?;
                match (from_location, self.location.as_ref()) {
                    (Some(l), Some(location)) if l != dc => Err(ConnectError::LocationMismatch {
                        location: location.clone(),
                        dc,
                    }),
                    _ => Ok(dc),
                }
            }
            None => Ok(from_location.unwrap_or(started_at)),
        }
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    use subtle::ConstantTimeEq;
    a.len() == b.len() && bool::from(a.ct_eq(b))
}

/// A random, URL-safe value for `state`, cookies and one-time form fields.
pub fn random_token() -> String {
    rand::thread_rng()
        .sample_iter(&rand::distributions::Alphanumeric)
        .take(43)
        .map(char::from)
        .collect()
}

/// `{server.public_url}oauth/zoho/callback`: register exactly this as the redirect URI of the
/// Zoho API client. The terminal flow uses it too (the user pastes where it led).
pub fn redirect_uri(config: &Config) -> String {
    match config.server.public_url.join("oauth/zoho/callback") {
        Ok(u) => u.to_string(),
        Err(_) => format!(
            "{}/oauth/zoho/callback",
            config.server.public_url.as_str().trim_end_matches('/')
        ),
    }
}

fn oauth_client(
    config: &Config,
    http: &reqwest::Client,
    dc: DataCentre,
) -> Result<OAuthClient, ConnectError> {
    if config.zoho.client_id.trim().is_empty() {
        return Err(ConnectError::NoClientId);
    }
    let secret = config
        .client_secret(dc)
        .ok_or(ConnectError::NoClientSecret(dc))?;
    Ok(OAuthClient::new(
        http.clone(),
        config.zoho_endpoints(),
        config.zoho.client_id.clone(),
        secret,
    ))
}

/// The consent URL at `dc`'s accounts server, asking for a refresh token (`access_type=offline`,
/// `prompt=consent`, so a reconnect gets a new one too). With a multi-DC client, Zoho sends the
/// user on to their own data centre and says which in the redirect.
pub fn consent_url(
    config: &Config,
    http: &reqwest::Client,
    dc: DataCentre,
    state: &str,
) -> Result<Url, ConnectError> {
    if config.zoho.client_id.trim().is_empty() {
        return Err(ConnectError::NoClientId);
    }
    // The consent URL carries no secret; any one builds the client.
    let secret = config
        .client_secret(dc)
        .unwrap_or_else(|| SecretString::from(String::new()));
    let oauth = OAuthClient::new(
        http.clone(),
        config.zoho_endpoints(),
        config.zoho.client_id.clone(),
        secret,
    );
    Ok(oauth.authorize_url(dc, DEFAULT_SCOPES, &redirect_uri(config), state))
}

/// What a successful exchange yields: the refresh token to store and the organizations to
/// choose from. The access token is only used to list them.
pub struct Grant {
    pub dc: DataCentre,
    /// The checked `api_domain`, without a trailing slash.
    pub api_domain: String,
    pub refresh_token: SecretString,
    pub organizations: Vec<Organization>,
}

impl std::fmt::Debug for Grant {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Grant")
            .field("dc", &self.dc)
            .field("api_domain", &self.api_domain)
            .field("organizations", &self.organizations.len())
            .finish_non_exhaustive()
    }
}

/// Exchanges `code` at `dc`'s accounts server (which the caller has checked), checks the
/// answered `api_domain` against the allow-list, then lists the account's organizations there.
#[tracing::instrument(skip(config, http, code, redirect_uri))]
pub async fn exchange(
    config: &Config,
    http: &reqwest::Client,
    dc: DataCentre,
    code: &str,
    redirect_uri: &str,
) -> Result<Grant, ConnectError> {
    let oauth = oauth_client(config, http, dc)?;
    let response = oauth
        .exchange_code(dc, code, redirect_uri)
        .await
        .map_err(|source| ConnectError::Exchange { dc, source })?;
    let endpoints = config.zoho_endpoints();
    let api_dc = match response.api_domain.as_deref() {
        Some(domain) => endpoints.dc_for_api_domain(domain).ok_or_else(|| {
            ConnectError::UnknownApiDomain(
                domain.to_string(),
                endpoints.describe_accepted_api_domains(),
            )
        })?,
        None => dc,
    };
    if api_dc != dc {
        return Err(ConnectError::ApiDomainMismatch {
            accounts: dc,
            api: api_dc,
        });
    }
    let refresh_token = response.refresh_token.ok_or(ConnectError::NoRefreshToken)?;
    let organizations =
        BooksClient::list_organizations(http, &endpoints.books_base(dc), &response.access_token)
            .await
            .map_err(ConnectError::Organizations)?;
    if organizations.is_empty() {
        return Err(ConnectError::NoOrganizations(dc));
    }
    let api_domain = endpoints
        .api_domain(dc)
        .as_str()
        .trim_end_matches('/')
        .to_string();
    tracing::info!(%dc, organizations = organizations.len(), "Zoho code exchanged");
    Ok(Grant {
        dc,
        api_domain,
        refresh_token,
        organizations,
    })
}

/// The organization to use: the one asked for (which must exist), or the only one. `Ok(None)`
/// means the user must choose: there are several and none was named. Never silently the first.
pub fn choose<'a>(
    organizations: &'a [Organization],
    wanted: Option<&str>,
) -> Result<Option<&'a Organization>, ConnectError> {
    match wanted {
        Some(w) => organizations
            .iter()
            .find(|o| o.organization_id == w.trim())
            .map(Some)
            .ok_or_else(|| ConnectError::UnknownOrganization {
                wanted: w.to_string(),
                available: describe(organizations),
            }),
        None if organizations.len() == 1 => Ok(organizations.first()),
        None => Ok(None),
    }
}

/// `"Acme Ltd" (10234695), "Acme Demo" (10234696)`.
pub fn describe(organizations: &[Organization]) -> String {
    organizations
        .iter()
        .map(|o| format!("\"{}\" ({})", o.name, o.organization_id))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The configuration lines to change when what was connected differs from what the file says
/// (or the connection is not in the file yet); `None` when it already matches.
pub fn config_hint(
    config: &Config,
    connection_id: &str,
    dc: DataCentre,
    organization_id: &str,
) -> Option<String> {
    match config.connection(connection_id) {
        Some(c) if c.zoho.organization_id == organization_id && c.data_centre() == dc => None,
        Some(_) => Some(format!(
            "Update connection {connection_id} in your configuration, then restart:\n\n  [connections.zoho]   # of id = \"{connection_id}\"\n  organization_id = \"{organization_id}\"\n  data_centre = \"{code}\"\n",
            code = dc.code()
        )),
        None => Some(format!(
            "Connection {connection_id} is not in your configuration yet. Add it (the refresh token is stored encrypted in the database):\n\n  [[connections]]\n  id = \"{connection_id}\"\n  webhook_token = \"<at least 24 random characters, e.g. openssl rand -hex 24>\"\n  [connections.zoho]\n  organization_id = \"{organization_id}\"\n  data_centre = \"{code}\"\n  [connections.monday]\n  token = \"<monday API token>\"\n",
            code = dc.code()
        )),
    }
}

#[cfg(test)]
mod tests;
