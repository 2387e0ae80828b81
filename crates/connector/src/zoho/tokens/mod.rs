//! Access tokens per connection: cached, refreshed once less than five minutes of life remain
//! (the 55-minute mark of a one-hour token), by one caller at a time — across processes too.
//!
//! Zoho allows ten token requests per ten minutes and ten live access tokens per refresh token
//! (reference §2), and keeps a throttled client blocked while it keeps asking. So:
//! - the access token lives in the store (sealed like the refresh token), and a process that
//!   finds a fresh one there uses it instead of asking Zoho;
//! - a process asks Zoho only while holding the connection's refresh lock in the store (a
//!   conditional UPDATE; a crashed holder's lock lapses after [`LOCK_TTL`]); the others wait for
//!   its result, in this process behind one mutex, in other processes by polling the store;
//! - a failed request (throttled, 5xx, network) leaves a backoff in the store
//!   ([`backoff`]): every caller in every process gets the same error without a request until
//!   it ends;
//! - `invalid_code` re-reads the stored grant first: another process may just have saved a new
//!   one, which is then tried; only the same grant refused again means "reconnect".

mod backoff;
mod error;
mod shared;

pub use backoff::FailureKind;
pub use error::TokenError;
pub use shared::{SharedTokens, ACCESS_TOKEN_FIELD};

use crate::clock::SharedClock;
use crate::store::TokenFailure;
use secrecy::{ExposeSecret, SecretString};
use sha2::Digest as _;
use shared::{backoff_error, Cached};
use std::time::Duration;
use tokio::sync::Mutex;
use zoho_books::{DataCentre, Endpoints, OAuthClient, OAuthError};

/// Refresh when less than this much life remains.
pub const REFRESH_MARGIN: Duration = Duration::from_secs(5 * 60);
/// How long a refresh lock lasts unless its holder releases it (a crashed holder's lapses).
pub const LOCK_TTL: Duration = Duration::from_secs(60);
/// How long a caller waits for another process's refresh before giving up for now.
pub const LOCK_WAIT: Duration = Duration::from_secs(65);
/// How often a caller waiting for another process looks at the store.
const LOCK_POLL: Duration = Duration::from_millis(50);

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

/// What this process remembers; the store is the truth it is checked against.
#[derive(Default)]
struct Local {
    cached: Option<Cached>,
    /// A backoff this process recorded (also kept here in case the store could not be
    /// written): `(retry_at_ms, kind, message)`.
    backoff: Option<(i64, FailureKind, String)>,
}

/// How one token request ended.
enum Outcome {
    Token(Cached),
    /// Retryable: every caller backs off.
    BackOff(FailureKind, String),
    /// Needs a person (or the request was never sent): no backoff.
    Fail(TokenError),
}

pub struct TokenCache {
    connection: String,
    dc: DataCentre,
    oauth: Option<OAuthClient>,
    endpoints: Endpoints,
    source: Box<dyn RefreshTokenSource>,
    clock: SharedClock,
    shared: SharedTokens,
    state: Mutex<Local>,
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

fn digest(t: &SecretString) -> [u8; 32] {
    sha2::Sha256::digest(t.expose_secret().as_bytes()).into()
}

impl TokenCache {
    pub fn new(
        connection: impl Into<String>,
        dc: DataCentre,
        oauth: Option<OAuthClient>,
        endpoints: Endpoints,
        source: Box<dyn RefreshTokenSource>,
        clock: SharedClock,
        shared: SharedTokens,
    ) -> Self {
        Self {
            connection: connection.into(),
            dc,
            oauth,
            endpoints,
            source,
            clock,
            shared,
            state: Mutex::new(Local::default()),
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

    /// A valid access token: this process's, else one another process stored, else a new one
    /// (see the module comment). Concurrent callers share one request and its result, failure
    /// included.
    pub async fn access_token(&self) -> Result<SecretString, TokenError> {
        let mut local = self.state.lock().await;
        if let Some(c) = local.cached.as_ref().filter(|c| self.fresh(c)) {
            return Ok(c.token.clone());
        }
        if let Some(e) = self.local_backoff(&local) {
            return Err(e);
        }
        let give_up = std::time::Instant::now() + LOCK_WAIT;
        let failures = loop {
            let now = self.clock.now_ms();
            if let Some(row) = self.shared.row(&self.connection).await? {
                if let Some(c) = self.shared.open(&row).filter(|c| self.fresh(c)) {
                    let token = c.token.clone();
                    local.cached = Some(c);
                    return Ok(token);
                }
                if let Some(e) = backoff_error(&row, now) {
                    return Err(e);
                }
            }
            let until = now + LOCK_TTL.as_millis() as i64;
            let taken = self
                .shared
                .store
                .try_lock_token_refresh(&self.connection, &self.shared.holder, now, until)
                .await
                .map_err(|e| {
                    TokenError::transient(format!("could not take the token refresh lock: {e:#}"))
                })?;
            if taken {
                // Re-check under the lock: a holder may have saved a token (or a failure)
                // between the read above and taking the lock.
                match self.shared.row(&self.connection).await {
                    Ok(Some(row)) => {
                        if let Some(c) = self.shared.open(&row).filter(|c| self.fresh(c)) {
                            self.release().await;
                            let token = c.token.clone();
                            local.cached = Some(c);
                            return Ok(token);
                        }
                        break row.failures;
                    }
                    Ok(None) => break 0,
                    Err(e) => {
                        self.release().await;
                        return Err(e);
                    }
                }
            }
            if std::time::Instant::now() >= give_up {
                return Err(TokenError::transient(format!(
                    "another process has been refreshing the Zoho access token of connection {} for over {}s; trying again later",
                    self.connection,
                    LOCK_WAIT.as_secs()
                )));
            }
            tokio::time::sleep(LOCK_POLL).await;
        };
        match self.request().await {
            Outcome::Token(mut fresh) => {
                let now = self.clock.now_ms();
                let sealed = self.shared.seal(&self.connection, &fresh.token);
                fresh.ct = sealed.as_ref().map(|s| s.ciphertext.clone());
                if let Err(e) = self
                    .shared
                    .store
                    .save_access_token(
                        &self.connection,
                        &self.shared.holder,
                        sealed
                            .as_ref()
                            .map(|s| (s.ciphertext.as_slice(), s.key_version)),
                        fresh.expires_at.timestamp_millis(),
                        now,
                    )
                    .await
                {
                    tracing::warn!(connection = %self.connection, error = %format!("{e:#}"), "could not store the new access token; other processes will fetch their own");
                }
                let token = fresh.token.clone();
                local.cached = Some(fresh);
                local.backoff = None;
                Ok(token)
            }
            Outcome::BackOff(kind, message) => {
                let failures = u32::try_from(failures.max(0))
                    .unwrap_or(u32::MAX)
                    .saturating_add(1);
                let wait = backoff::jittered(kind, failures);
                let now = self.clock.now_ms();
                let retry_at = now + wait.as_millis() as i64;
                tracing::warn!(
                    connection = %self.connection, kind = kind.as_str(), failures, retry_in_s = wait.as_secs(),
                    "Zoho token request failed: {message}; no token request before the backoff ends"
                );
                let failure = TokenFailure {
                    failures: failures as i64,
                    retry_at_ms: retry_at,
                    kind: kind.as_str(),
                    message: &message,
                };
                if let Err(e) = self
                    .shared
                    .store
                    .record_token_failure(&self.connection, &self.shared.holder, &failure, now)
                    .await
                {
                    tracing::warn!(connection = %self.connection, error = %format!("{e:#}"), "could not record the token backoff for other processes");
                }
                local.backoff = Some((retry_at, kind, message));
                Err(self
                    .local_backoff(&local)
                    .unwrap_or(TokenError::Throttled { retry_in: wait }))
            }
            Outcome::Fail(e) => {
                self.release().await;
                Err(e)
            }
        }
    }

    fn local_backoff(&self, local: &Local) -> Option<TokenError> {
        let (retry_at, kind, message) = local.backoff.as_ref()?;
        let now = self.clock.now_ms();
        if *retry_at <= now {
            return None;
        }
        let retry_in = Duration::from_millis((*retry_at - now) as u64);
        Some(match kind {
            FailureKind::Throttled => TokenError::Throttled { retry_in },
            FailureKind::Transient => TokenError::Transient {
                message: message.clone(),
                retry_in: Some(retry_in),
            },
        })
    }

    async fn release(&self) {
        if let Err(e) = self
            .shared
            .store
            .release_token_lock(&self.connection, &self.shared.holder)
            .await
        {
            tracing::warn!(connection = %self.connection, error = %format!("{e:#}"), "could not release the token refresh lock; it lapses in {}s", LOCK_TTL.as_secs());
        }
    }

    /// True when the background refresher should refresh now.
    pub async fn due_for_refresh(&self) -> bool {
        match self.state.lock().await.cached.as_ref() {
            Some(c) => !self.fresh(c),
            None => false,
        }
    }

    /// Drops the cached access token and any remembered rejection or backoff (after a
    /// reconnect; the stored token of the old grant is dropped with it by `save_grant`).
    pub async fn forget(&self) {
        *self.state.lock().await = Local::default();
        *self.rejected.lock().unwrap_or_else(|p| p.into_inner()) = None;
    }

    /// Forget a token Books refused (HTTP 401), here and in the store, unless another caller
    /// or process already replaced it.
    pub async fn invalidate(&self, rejected: &SecretString) {
        let mut local = self.state.lock().await;
        let Some(c) = local
            .cached
            .as_ref()
            .filter(|c| c.token.expose_secret() == rejected.expose_secret())
        else {
            return;
        };
        if let Some(ct) = &c.ct {
            if let Err(e) = self
                .shared
                .store
                .drop_access_token(&self.connection, ct)
                .await
            {
                tracing::warn!(connection = %self.connection, error = %format!("{e:#}"), "could not drop the refused access token from the store");
            }
        }
        local.cached = None;
    }

    async fn read_refresh_token(&self) -> Result<SecretString, TokenError> {
        self.source
            .refresh_token()
            .await
            .map_err(|e| {
                TokenError::transient(format!("could not read the stored refresh token: {e:#}"))
            })?
            .ok_or_else(|| TokenError::Missing(self.connection.clone()))
    }

    /// One token request (two when Zoho refuses a grant that another process has replaced
    /// meanwhile). Called with the refresh lock held.
    async fn request(&self) -> Outcome {
        let Some(oauth) = self.oauth.as_ref() else {
            return Outcome::Fail(TokenError::NoClientSecret(self.dc));
        };
        let mut refresh = match self.read_refresh_token().await {
            Ok(t) => t,
            Err(e) => return Outcome::Fail(e),
        };
        let needs_reconnect = || TokenError::NeedsReconnect {
            connection: self.connection.clone(),
        };
        let mut retried = false;
        loop {
            if *self.rejected.lock().unwrap_or_else(|p| p.into_inner()) == Some(digest(&refresh)) {
                return Outcome::Fail(needs_reconnect());
            }
            let started = self.clock.now();
            let answer = oauth.refresh(self.dc, &refresh).await;
            crate::telemetry::metrics::token_refresh(
                &self.connection,
                if answer.is_ok() { "ok" } else { "failed" },
            );
            let response = match answer {
                Ok(r) => r,
                Err(OAuthError::InvalidCode) => {
                    // Another process (`connect`, the browser flow) may have stored a new grant
                    // while this request used the old one: the store decides, not the answer.
                    match self.read_refresh_token().await {
                        Ok(now_stored) if !retried && digest(&now_stored) != digest(&refresh) => {
                            tracing::info!(connection = %self.connection, "Zoho refused the refresh token, but a new grant was stored meanwhile; using it");
                            refresh = now_stored;
                            retried = true;
                            continue;
                        }
                        Err(e @ TokenError::Transient { .. }) => return Outcome::Fail(e),
                        _ => {}
                    }
                    *self.rejected.lock().unwrap_or_else(|p| p.into_inner()) =
                        Some(digest(&refresh));
                    return Outcome::Fail(needs_reconnect());
                }
                Err(OAuthError::Throttled) => {
                    return Outcome::BackOff(
                        FailureKind::Throttled,
                        OAuthError::Throttled.to_string(),
                    )
                }
                Err(OAuthError::InvalidClient { dc }) => {
                    return Outcome::Fail(TokenError::DataCentreMismatch {
                        dc,
                        code: dc.code(),
                    })
                }
                Err(other) => return Outcome::BackOff(FailureKind::Transient, other.to_string()),
            };
            if let Some(domain) = response.api_domain.as_deref() {
                if self.endpoints.dc_for_api_domain(domain).is_none() {
                    return Outcome::Fail(TokenError::UnknownApiDomain(domain.to_string()));
                }
            }
            self.refreshes
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            tracing::info!(connection = %self.connection, dc = %self.dc, "refreshed Zoho access token");
            let ttl = chrono::Duration::from_std(response.expires_in)
                .unwrap_or(chrono::Duration::hours(1));
            return Outcome::Token(Cached {
                token: response.access_token,
                expires_at: started + ttl,
                ct: None,
            });
        }
    }
}
