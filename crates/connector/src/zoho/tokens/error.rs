//! Why no access token could be had, and what it means for a job.

use std::time::Duration;
use zoho_books::DataCentre;

/// Why no access token could be had. `Clone`: one failed token request is the answer of every
/// caller that waited for it.
#[derive(Debug, Clone, thiserror::Error)]
pub enum TokenError {
    #[error("the Zoho refresh token was rejected (invalid_code): it was revoked or replaced. Run `ml-connector connect --connection {connection}` to reconnect")]
    NeedsReconnect { connection: String },
    #[error("Zoho is throttling token requests for this client (\"Access Denied\": at most 10 per 10 minutes); no token request is sent for the next {}s, by any worker or process on this database", retry_in.as_secs())]
    Throttled { retry_in: Duration },
    #[error("Zoho rejected the client for data centre {dc} (invalid_client): the client secret may differ per data centre, or the organization lives in another data centre; check zoho.client_secret / zoho.client_secrets.{code} and the connection's data_centre, or reconnect")]
    DataCentreMismatch { dc: DataCentre, code: &'static str },
    #[error("Zoho answered api_domain `{0}`, which is not one of the eight Zoho data centres (or a configured override); refusing to send credentials there")]
    UnknownApiDomain(String),
    #[error("no refresh token for connection {0}: run `ml-connector connect --connection {0}` or set connections.zoho.refresh_token")]
    Missing(String),
    #[error("no client secret for data centre {0}: set zoho.client_secret (or zoho.client_secrets.<dc>)")]
    NoClientSecret(DataCentre),
    /// A token request failed in a way a later one may not (5xx, network), or the token state
    /// could not be read. `retry_in`: the shared backoff before the next token request.
    #[error("token request failed: {message}{}", retry_in.map(|d| format!("; no token request is sent for the next {}s, by any worker or process on this database", d.as_secs())).unwrap_or_default())]
    Transient {
        message: String,
        retry_in: Option<Duration>,
    },
}

impl TokenError {
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            TokenError::Throttled { .. } | TokenError::Transient { .. }
        )
    }

    pub(super) fn transient(message: impl Into<String>) -> Self {
        TokenError::Transient {
            message: message.into(),
            retry_in: None,
        }
    }
}

impl From<TokenError> for crate::queue::JobError {
    fn from(e: TokenError) -> Self {
        use crate::queue::JobError;
        // A job waiting for the shared backoff runs again when it ends, not before: asking
        // sooner would only be refused without a request.
        let after = match &e {
            TokenError::Throttled { retry_in } => Some(*retry_in),
            TokenError::Transient { retry_in, .. } => *retry_in,
            _ => None,
        };
        match e {
            TokenError::Throttled { .. } | TokenError::Transient { .. } => JobError::Retry {
                reason: e.to_string(),
                after: after.map(|d| d.max(Duration::from_secs(1))),
                pause: None,
            },
            other => JobError::Permanent(other.to_string()),
        }
    }
}
