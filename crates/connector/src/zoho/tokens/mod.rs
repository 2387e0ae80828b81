//! Access tokens per connection: cached, refreshed once less than five minutes of life remain
//! (the 55-minute mark of a one-hour token), by one caller at a time.
//!
//! Zoho allows ten token requests per ten minutes and ten live access tokens per refresh token
//! (reference §2), so a refresh per request or per worker would lock the connection out.

use crate::clock::SharedClock;
use chrono::{DateTime, Utc};
use secrecy::{ExposeSecret, SecretString};
use sha2::Digest as _;
use std::time::Duration;
use tokio::sync::Mutex;
use zoho_books::{DataCentre, Endpoints, OAuthClient, OAuthError};

/// Refresh when less than this much life remains.
pub const REFRESH_MARGIN: Duration = Duration::from_secs(5 * 60);

#[derive(Clone)]
struct Cached {
    token: SecretString,
    expires_at: DateTime<Utc>,
}

/// Why no access token could be had.
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error("the Zoho refresh token was rejected (invalid_code): it was revoked or replaced. Run `ml-connector connect --connection {connection}` to reconnect")]
    NeedsReconnect { connection: String },
    #[error("Zoho is throttling token requests for this client (\"Access Denied\": at most 10 per 10 minutes); retrying later")]
    Throttled,
    #[error("Zoho rejected the client for data centre {dc} (invalid_client): the client secret may differ per data centre, or the organization lives in another data centre; check zoho.client_secret / zoho.client_secrets.{code} and the connection's data_centre, or reconnect")]
    DataCentreMismatch { dc: DataCentre, code: &'static str },
    #[error("Zoho answered api_domain `{0}`, which is not one of the eight Zoho data centres (or a configured override); refusing to send credentials there")]
    UnknownApiDomain(String),
    #[error("no refresh token for connection {0}: run `ml-connector connect --connection {0}` or set connections.zoho.refresh_token")]
    Missing(String),
    #[error("no client secret for data centre {0}: set zoho.client_secret (or zoho.client_secrets.<dc>)")]
    NoClientSecret(DataCentre),
    #[error("token request failed: {0}")]
    Transient(String),
}

impl TokenError {
    pub fn is_retryable(&self) -> bool {
        matches!(self, TokenError::Throttled | TokenError::Transient(_))
    }
}

/// Where the refresh token of a connection comes from.
#[async_trait::async_trait]
pub trait RefreshTokenSource: Send + Sync {
    async fn refresh_token(&self) -> anyhow::Result<Option<SecretString>>;
}

/// A refresh token written in the configuration file.
pub struct StaticRefreshToken(pub Option<SecretString>);

#[async_trait::async_trait]
impl RefreshTokenSource for StaticRefreshToken {
    async fn refresh_token(&self) -> anyhow::Result<Option<SecretString>> {
        Ok(self.0.clone())
    }
}

pub struct TokenCache {
    connection: String,
    dc: DataCentre,
    oauth: Option<OAuthClient>,
    endpoints: Endpoints,
    source: Box<dyn RefreshTokenSource>,
    clock: SharedClock,
    state: Mutex<Option<Cached>>,
    refreshes: std::sync::atomic::AtomicU64,
    /// Digest of the refresh token Zoho last answered `invalid_code` for: asking again with the
    /// same token only burns the 10-per-10-minutes token quota. A reconnect stores a new token,
    /// which is tried at once.
    rejected: std::sync::Mutex<Option<[u8; 32]>>,
}

impl std::fmt::Debug for TokenCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenCache")
            .field("connection", &self.connection)
            .field("dc", &self.dc)
            .finish_non_exhaustive()
    }
}

impl TokenCache {
    pub fn new(
        connection: impl Into<String>,
        dc: DataCentre,
        oauth: Option<OAuthClient>,
        endpoints: Endpoints,
        source: Box<dyn RefreshTokenSource>,
        clock: SharedClock,
    ) -> Self {
        Self {
            connection: connection.into(),
            dc,
            oauth,
            endpoints,
            source,
            clock,
            state: Mutex::new(None),
            refreshes: Default::default(),
            rejected: Default::default(),
        }
    }

    /// How many refreshes this cache performed (for tests and metrics).
    pub fn refresh_count(&self) -> u64 {
        self.refreshes.load(std::sync::atomic::Ordering::Relaxed)
    }

    fn fresh(&self, c: &Cached) -> bool {
        let left = c.expires_at - self.clock.now();
        left > chrono::Duration::from_std(REFRESH_MARGIN).unwrap_or_default()
    }

    /// A valid access token, refreshing first when less than five minutes remain. Concurrent
    /// callers wait for the one refresh in progress and share its result.
    pub async fn access_token(&self) -> Result<SecretString, TokenError> {
        let mut guard = self.state.lock().await;
        if let Some(c) = guard.as_ref() {
            if self.fresh(c) {
                return Ok(c.token.clone());
            }
        }
        let fresh = self.refresh_locked().await?;
        let token = fresh.token.clone();
        *guard = Some(fresh);
        Ok(token)
    }

    /// True when the background refresher should refresh now.
    pub async fn due_for_refresh(&self) -> bool {
        match self.state.lock().await.as_ref() {
            Some(c) => !self.fresh(c),
            None => false,
        }
    }

    /// Drops the cached access token and any remembered rejection (after a reconnect).
    pub async fn forget(&self) {
        *self.state.lock().await = None;
        *self.rejected.lock().unwrap_or_else(|p| p.into_inner()) = None;
    }

    /// Forget a token Books refused (HTTP 401), unless another caller already replaced it.
    pub async fn invalidate(&self, rejected: &SecretString) {
        let mut guard = self.state.lock().await;
        if guard
            .as_ref()
            .is_some_and(|c| c.token.expose_secret() == rejected.expose_secret())
        {
            *guard = None;
        }
    }

    async fn refresh_locked(&self) -> Result<Cached, TokenError> {
        let oauth = self
            .oauth
            .as_ref()
            .ok_or(TokenError::NoClientSecret(self.dc))?;
        let refresh = self
            .source
            .refresh_token()
            .await
            .map_err(|e| {
                TokenError::Transient(format!("could not read the stored refresh token: {e:#}"))
            })?
            .ok_or_else(|| TokenError::Missing(self.connection.clone()))?;
        let digest = |t: &SecretString| -> [u8; 32] {
            sha2::Sha256::digest(t.expose_secret().as_bytes()).into()
        };
        let needs_reconnect = || TokenError::NeedsReconnect {
            connection: self.connection.clone(),
        };
        if *self.rejected.lock().unwrap_or_else(|p| p.into_inner()) == Some(digest(&refresh)) {
            return Err(needs_reconnect());
        }
        let started = self.clock.now();
        let response = oauth
            .refresh(self.dc, &refresh)
            .await
            .map_err(|e| match e {
                OAuthError::InvalidCode => {
                    *self.rejected.lock().unwrap_or_else(|p| p.into_inner()) =
                        Some(digest(&refresh));
                    needs_reconnect()
                }
                OAuthError::Throttled => TokenError::Throttled,
                OAuthError::InvalidClient { dc } => TokenError::DataCentreMismatch {
                    dc,
                    code: dc.code(),
                },
                other => TokenError::Transient(other.to_string()),
            })?;
        if let Some(domain) = response.api_domain.as_deref() {
            if self.endpoints.dc_for_api_domain(domain).is_none() {
                return Err(TokenError::UnknownApiDomain(domain.to_string()));
            }
        }
        self.refreshes
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        tracing::info!(connection = %self.connection, dc = %self.dc, "refreshed Zoho access token");
        let ttl =
            chrono::Duration::from_std(response.expires_in).unwrap_or(chrono::Duration::hours(1));
        Ok(Cached {
            token: response.access_token,
            expires_at: started + ttl,
        })
    }
}

impl From<TokenError> for crate::queue::JobError {
    fn from(e: TokenError) -> Self {
        use crate::queue::JobError;
        match e {
            TokenError::Throttled => JobError::Retry {
                reason: e.to_string(),
                after: Some(Duration::from_secs(60)),
                pause: None,
            },
            TokenError::Transient(_) => JobError::retry(e.to_string()),
            other => JobError::Permanent(other.to_string()),
        }
    }
}
