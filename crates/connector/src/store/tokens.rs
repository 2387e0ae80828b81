//! Zoho access tokens shared across processes (`zoho_tokens`): the sealed token, the refresh
//! lock one process takes before asking Zoho, and the backoff a failed request leaves for every
//! process. Each method is one short statement; the lock is a conditional UPDATE, so two
//! processes never both believe they hold it.

use super::Store;

/// One connection's shared token state. `Debug` leaves the ciphertext out.
#[derive(Clone, sqlx::FromRow)]
pub struct TokenRow {
    pub connection_id: String,
    pub access_token_ct: Option<Vec<u8>>,
    pub key_version: Option<i64>,
    pub expires_at: i64,
    pub lock_holder: Option<String>,
    pub lock_until: i64,
    pub failures: i64,
    pub retry_at: i64,
    pub error_kind: Option<String>,
    pub error_message: Option<String>,
    pub updated_at: i64,
}

impl std::fmt::Debug for TokenRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenRow")
            .field("connection_id", &self.connection_id)
            .field("has_token", &self.access_token_ct.is_some())
            .field("key_version", &self.key_version)
            .field("expires_at", &self.expires_at)
            .field("lock_holder", &self.lock_holder)
            .field("lock_until", &self.lock_until)
            .field("failures", &self.failures)
            .field("retry_at", &self.retry_at)
            .field("error_kind", &self.error_kind)
            .finish_non_exhaustive()
    }
}

/// A failed token request, as every process will see it until `retry_at`.
#[derive(Debug, Clone, Copy)]
pub struct TokenFailure<'a> {
    pub failures: i64,
    pub retry_at_ms: i64,
    pub kind: &'a str,
    pub message: &'a str,
}

impl Store {
    /// The shared token state of a connection, if any process has stored one.
    pub async fn token_row(&self, connection_id: &str) -> anyhow::Result<Option<TokenRow>> {
        Ok(
            sqlx::query_as("SELECT * FROM zoho_tokens WHERE connection_id = ?1")
                .bind(connection_id)
                .fetch_optional(self.pool())
                .await?,
        )
    }

    /// Every stored token state (for `rotate-key`).
    pub async fn token_rows(&self) -> anyhow::Result<Vec<TokenRow>> {
        Ok(
            sqlx::query_as("SELECT * FROM zoho_tokens ORDER BY connection_id")
                .fetch_all(self.pool())
                .await?,
        )
    }

    /// Takes the refresh lock for `holder` until `until_ms`, unless another holder's lock is
    /// still live or a failure's backoff runs until after `now_ms`. True when taken.
    pub async fn try_lock_token_refresh(
        &self,
        connection_id: &str,
        holder: &str,
        now_ms: i64,
        until_ms: i64,
    ) -> anyhow::Result<bool> {
        sqlx::query(
            "INSERT INTO zoho_tokens (connection_id, updated_at) VALUES (?1, ?2)
             ON CONFLICT (connection_id) DO NOTHING",
        )
        .bind(connection_id)
        .bind(now_ms)
        .execute(self.pool())
        .await?;
        let r = sqlx::query(
            "UPDATE zoho_tokens SET lock_holder = ?2, lock_until = ?4, updated_at = ?3
             WHERE connection_id = ?1 AND retry_at <= ?3
               AND (lock_holder IS NULL OR lock_holder = ?2 OR lock_until <= ?3)",
        )
        .bind(connection_id)
        .bind(holder)
        .bind(now_ms)
        .bind(until_ms)
        .execute(self.pool())
        .await?;
        Ok(r.rows_affected() == 1)
    }

    /// Stores a new access token (sealed, or `None` when no key is configured: then only its
    /// expiry is shared, as 0), clears the failure backoff and releases `holder`'s lock.
    pub async fn save_access_token(
        &self,
        connection_id: &str,
        holder: &str,
        sealed: Option<(&[u8], u32)>,
        expires_at_ms: i64,
        now_ms: i64,
    ) -> anyhow::Result<()> {
        let (ct, version, expires) = match sealed {
            Some((ct, v)) => (Some(ct), Some(v as i64), expires_at_ms),
            None => (None, None, 0),
        };
        sqlx::query(
            "INSERT INTO zoho_tokens (connection_id, access_token_ct, key_version, expires_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (connection_id) DO UPDATE SET
                 access_token_ct = excluded.access_token_ct, key_version = excluded.key_version,
                 expires_at = excluded.expires_at, failures = 0, retry_at = 0,
                 error_kind = NULL, error_message = NULL,
                 lock_holder = CASE WHEN lock_holder = ?6 THEN NULL ELSE lock_holder END,
                 lock_until = CASE WHEN lock_holder = ?6 THEN 0 ELSE lock_until END,
                 updated_at = excluded.updated_at",
        )
        .bind(connection_id)
        .bind(ct)
        .bind(version)
        .bind(expires)
        .bind(now_ms)
        .bind(holder)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Records a failed token request: no process asks again before `failure.retry_at_ms`.
    /// Releases `holder`'s lock.
    pub async fn record_token_failure(
        &self,
        connection_id: &str,
        holder: &str,
        failure: &TokenFailure<'_>,
        now_ms: i64,
    ) -> anyhow::Result<()> {
        sqlx::query(
            "UPDATE zoho_tokens SET failures = ?3, retry_at = ?4, error_kind = ?5, error_message = ?6,
                 lock_holder = CASE WHEN lock_holder = ?2 THEN NULL ELSE lock_holder END,
                 lock_until = CASE WHEN lock_holder = ?2 THEN 0 ELSE lock_until END,
                 updated_at = ?7
             WHERE connection_id = ?1",
        )
        .bind(connection_id)
        .bind(holder)
        .bind(failure.failures)
        .bind(failure.retry_at_ms)
        .bind(failure.kind)
        .bind(failure.message)
        .bind(now_ms)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Releases `holder`'s lock without a result (the request was not sent, or its error needs
    /// a person rather than a backoff).
    pub async fn release_token_lock(
        &self,
        connection_id: &str,
        holder: &str,
    ) -> anyhow::Result<()> {
        sqlx::query(
            "UPDATE zoho_tokens SET lock_holder = NULL, lock_until = 0
             WHERE connection_id = ?1 AND lock_holder = ?2",
        )
        .bind(connection_id)
        .bind(holder)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Drops the stored access token if it is still exactly `ct` (Books refused it); a token
    /// another process saved meanwhile is kept. True when dropped.
    pub async fn drop_access_token(&self, connection_id: &str, ct: &[u8]) -> anyhow::Result<bool> {
        let r = sqlx::query(
            "UPDATE zoho_tokens SET access_token_ct = NULL, key_version = NULL, expires_at = 0
             WHERE connection_id = ?1 AND access_token_ct = ?2",
        )
        .bind(connection_id)
        .bind(ct)
        .execute(self.pool())
        .await?;
        Ok(r.rows_affected() == 1)
    }

    /// Replaces a sealed access token with its re-encryption if the row still holds `old_ct`
    /// (`rotate-key`); `new` = `None` drops it instead (it could not be opened; a new one is
    /// fetched when needed). True when the row was changed.
    pub async fn reseal_access_token(
        &self,
        connection_id: &str,
        old_ct: &[u8],
        new: Option<(&[u8], u32)>,
    ) -> anyhow::Result<bool> {
        let (ct, version) = match new {
            Some((ct, v)) => (Some(ct), Some(v as i64)),
            None => (None, None),
        };
        let r = sqlx::query(
            "UPDATE zoho_tokens SET access_token_ct = ?3, key_version = ?4,
                 expires_at = CASE WHEN ?3 IS NULL THEN 0 ELSE expires_at END
             WHERE connection_id = ?1 AND access_token_ct = ?2",
        )
        .bind(connection_id)
        .bind(old_ct)
        .bind(ct)
        .bind(version)
        .execute(self.pool())
        .await?;
        Ok(r.rows_affected() == 1)
    }

    /// After a new grant: the stored access token (of the old grant) and any failure backoff
    /// no longer apply. The lock is left to its holder.
    pub async fn reset_access_token(&self, connection_id: &str, now_ms: i64) -> anyhow::Result<()> {
        sqlx::query(
            "UPDATE zoho_tokens SET access_token_ct = NULL, key_version = NULL, expires_at = 0,
                 failures = 0, retry_at = 0, error_kind = NULL, error_message = NULL, updated_at = ?2
             WHERE connection_id = ?1",
        )
        .bind(connection_id)
        .bind(now_ms)
        .execute(self.pool())
        .await?;
        Ok(())
    }
}
