//! Token-endpoint failures, named by what the user or caller must do about them.

use crate::datacentre::DataCentre;

/// A failed authorization-code exchange or refresh. No variant ever carries a secret.
#[derive(Debug, thiserror::Error)]
pub enum OAuthError {
    /// `invalid_code`: the authorization code expired (it lives 1–2 minutes) or was used
    /// already, or the refresh token was revoked. Either way the user must reconnect.
    #[error(
        "Zoho rejected the code or refresh token (invalid_code): it has expired, was already \
             used, or was revoked; reconnect Zoho Books"
    )]
    InvalidCode,
    /// `invalid_client`: wrong client id or secret for this data centre.
    #[error(
        "Zoho rejected the client credentials for data centre {dc} (invalid_client): the \
             client secret may differ per data centre, or the request went to the wrong data \
             centre; check the client secret or reconnect"
    )]
    InvalidClient { dc: DataCentre },
    /// `Access Denied`, usually with HTTP 200: more than 10 token requests in 10 minutes.
    #[error("Zoho is throttling token requests (Access Denied: at most 10 per 10 minutes); back \
             off for a few minutes and reuse cached access tokens instead of refreshing per request")]
    Throttled,
    /// Any other `error` from the token endpoint (`invalid_redirect_uri`, …) or an HTTP
    /// failure status without one.
    #[error("Zoho token endpoint error: {error}{}", description.as_deref().map(|d| format!(" ({d})")).unwrap_or_default())]
    Other {
        error: String,
        description: Option<String>,
    },
    /// The request did not complete (connect, TLS, timeout).
    #[error("could not reach the Zoho accounts server: {0}")]
    Transport(String),
    /// A success-looking response this crate cannot use (no `access_token`, not JSON).
    #[error("unexpected response from the Zoho token endpoint: {0}")]
    Malformed(String),
}

impl OAuthError {
    /// Whether retrying later, unchanged, may succeed (throttling, network, Zoho 5xx).
    pub fn is_retryable(&self) -> bool {
        match self {
            OAuthError::Throttled | OAuthError::Transport(_) => true,
            OAuthError::Other { error, .. } => error.starts_with("HTTP 5"),
            _ => false,
        }
    }

    /// Whether the stored grant is dead and the user has to go through consent again.
    pub fn needs_reconnect(&self) -> bool {
        matches!(self, OAuthError::InvalidCode)
    }
}
