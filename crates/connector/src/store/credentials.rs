//! Stored Zoho grants (encrypted refresh token, organization, data centre) and the connection
//! status that a revoked grant sets.

use super::{ConnectionRow, Store};

/// What `connect` learned and stores for one connection.
#[derive(Debug, Clone)]
pub struct GrantRow<'a> {
    pub connection_id: &'a str,
    pub organization_id: &'a str,
    pub data_centre: &'a str,
    pub api_domain: &'a str,
    pub refresh_token_ct: &'a [u8],
    pub key_version: u32,
}

/// Prefix of the reason jobs carry while parked for a reconnect (see `TokenError::NeedsReconnect`).
pub const RECONNECT_REASON_PREFIX: &str = "the Zoho refresh token was rejected";
/// Prefix of the reason jobs carry while parked for a data-centre mismatch (`invalid_client`).
pub const DC_MISMATCH_REASON_PREFIX: &str = "Zoho rejected the client";

impl Store {
    /// Stores a new grant, replacing any earlier refresh token of the connection. The status is
    /// left to [`reactivate_connection`](Self::reactivate_connection), which also wakes the jobs
    /// parked under it.
    pub async fn save_grant(&self, grant: &GrantRow<'_>, now_ms: i64) -> anyhow::Result<()> {
        sqlx::query(
            "INSERT INTO connections (id, status, status_reason, organization_id, data_centre, api_domain,
                                      refresh_token_ct, key_version, updated_at)
             VALUES (?1, 'active', NULL, ?2, ?3, ?4, ?5, ?6, ?7)
             ON CONFLICT (id) DO UPDATE SET organization_id = excluded.organization_id, data_centre = excluded.data_centre,
                 api_domain = excluded.api_domain, refresh_token_ct = excluded.refresh_token_ct,
                 key_version = excluded.key_version, updated_at = excluded.updated_at",
        )
        .bind(grant.connection_id)
        .bind(grant.organization_id)
        .bind(grant.data_centre)
        .bind(grant.api_domain)
        .bind(grant.refresh_token_ct)
        .bind(grant.key_version as i64)
        .bind(now_ms)
        .execute(self.pool())
        .await?;
        // The access token stored for the old grant, and any backoff its failures left, no
        // longer apply: every process fetches a token from the new grant when it needs one.
        self.reset_access_token(grant.connection_id, now_ms).await?;
        Ok(())
    }

    /// Every connection row (configured or not), by id.
    pub async fn connection_rows(&self) -> anyhow::Result<Vec<ConnectionRow>> {
        Ok(sqlx::query_as("SELECT * FROM connections ORDER BY id")
            .fetch_all(self.pool())
            .await?)
    }

    /// Replaces one sealed token with its re-encryption, only if the row still holds exactly the
    /// ciphertext that was read (a concurrent `connect` wins over a rotation).
    pub async fn reseal_refresh_token(
        &self,
        connection_id: &str,
        old_ct: &[u8],
        new_ct: &[u8],
        new_version: u32,
        now_ms: i64,
    ) -> anyhow::Result<bool> {
        let r = sqlx::query(
            "UPDATE connections SET refresh_token_ct = ?1, key_version = ?2, updated_at = ?3
             WHERE id = ?4 AND refresh_token_ct = ?5",
        )
        .bind(new_ct)
        .bind(new_version as i64)
        .bind(now_ms)
        .bind(connection_id)
        .bind(old_ct)
        .execute(self.pool())
        .await?;
        Ok(r.rows_affected() == 1)
    }

    /// Marks a connection active again (after a reconnect, and on start: the configuration may
    /// have been fixed); a problem that persists marks it again on the first job. Wake its
    /// parked jobs first ([`crate::queue::Queue::wake_parked`]): they are recognised by the
    /// reason this clears.
    pub async fn set_connection_active(
        &self,
        connection_id: &str,
        now_ms: i64,
    ) -> anyhow::Result<()> {
        sqlx::query(
            "UPDATE connections SET status = 'active', status_reason = NULL, updated_at = ?1
             WHERE id = ?2 AND status <> 'active'",
        )
        .bind(now_ms)
        .bind(connection_id)
        .execute(self.pool())
        .await?;
        Ok(())
    }
}
