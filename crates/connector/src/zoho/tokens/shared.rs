//! The part of the token state that lives in the store, shared by every process on the
//! database: the access token (sealed like the refresh token), the refresh lock and the
//! failure backoff.

use super::backoff::FailureKind;
use super::error::TokenError;
use crate::crypto::{Keyring, Sealed};
use crate::store::{Store, TokenRow};
use chrono::{DateTime, Utc};
use secrecy::SecretString;
use std::sync::Arc;
use std::time::Duration;

/// The field every access-token ciphertext is bound to.
pub const ACCESS_TOKEN_FIELD: &str = "access_token";

/// The store, the keys, and this process's name as a lock holder.
#[derive(Clone)]
pub struct SharedTokens {
    pub(super) store: Store,
    pub(super) keyring: Arc<Keyring>,
    /// Random per process (per token cache): a lock this process holds names it.
    pub(super) holder: String,
}

impl std::fmt::Debug for SharedTokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SharedTokens")
            .field("holder", &self.holder)
            .finish_non_exhaustive()
    }
}

/// An access token and when it expires; `ct` is its stored ciphertext, if it was stored.
#[derive(Clone)]
pub(super) struct Cached {
    pub token: SecretString,
    pub expires_at: DateTime<Utc>,
    pub ct: Option<Vec<u8>>,
}

impl SharedTokens {
    pub fn new(store: Store, keyring: Arc<Keyring>) -> Self {
        Self {
            store,
            keyring,
            holder: uuid::Uuid::new_v4().simple().to_string(),
        }
    }

    pub(super) async fn row(&self, connection: &str) -> Result<Option<TokenRow>, TokenError> {
        self.store.token_row(connection).await.map_err(|e| {
            TokenError::transient(format!("could not read the shared token state: {e:#}"))
        })
    }

    /// The stored access token of `row`, if there is one this process can open. One sealed
    /// under a key no longer configured is ignored (a new one is fetched), not an error.
    pub(super) fn open(&self, row: &TokenRow) -> Option<Cached> {
        let ct = row.access_token_ct.as_ref()?;
        let version = u32::try_from(row.key_version?).ok()?;
        let sealed = Sealed {
            ciphertext: ct.clone(),
            key_version: version,
        };
        match self
            .keyring
            .open(&row.connection_id, ACCESS_TOKEN_FIELD, &sealed)
        {
            Ok(token) => Some(Cached {
                token,
                expires_at: DateTime::from_timestamp_millis(row.expires_at)?,
                ct: Some(ct.clone()),
            }),
            Err(e) => {
                tracing::warn!(connection = %row.connection_id, error = %e, "the stored access token cannot be opened; fetching a new one");
                None
            }
        }
    }

    /// Seals a token for storing; `None` when no key is configured (the token then stays in
    /// this process, and only the lock and backoff are shared).
    pub(super) fn seal(&self, connection: &str, token: &SecretString) -> Option<Sealed> {
        self.keyring.current_version()?;
        self.keyring
            .seal(connection, ACCESS_TOKEN_FIELD, token)
            .ok()
    }
}

/// The error every caller gets while the backoff `row` records is running at `now_ms`.
pub(super) fn backoff_error(row: &TokenRow, now_ms: i64) -> Option<TokenError> {
    if row.retry_at <= now_ms {
        return None;
    }
    let retry_in = Duration::from_millis((row.retry_at - now_ms) as u64);
    Some(
        match FailureKind::parse(row.error_kind.as_deref().unwrap_or_default()) {
            FailureKind::Throttled => TokenError::Throttled { retry_in },
            FailureKind::Transient => TokenError::Transient {
                message: row
                    .error_message
                    .clone()
                    .unwrap_or_else(|| "the last token request failed".into()),
                retry_in: Some(retry_in),
            },
        },
    )
}
