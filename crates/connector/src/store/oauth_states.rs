//! The browser connect flow's single-use states (see `http/oauth.rs`).
//!
//! A row moves `started` → `exchanging` (the callback claimed it: a replay finds nothing) →
//! `exchanged` (the organization choice is pending) → `done`. Every transition is one fenced
//! UPDATE, so two requests racing with the same value cannot both succeed.

use super::Store;

/// A callback's claim on a started flow.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ClaimedState {
    pub connection_id: String,
}

/// An exchanged grant waiting for the user to choose an organization.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PendingChoice {
    pub state_hash: String,
    pub connection_id: String,
    pub data_centre: Option<String>,
    pub api_domain: Option<String>,
    pub refresh_token_ct: Option<Vec<u8>>,
    pub key_version: Option<i64>,
    pub organizations: Option<String>,
}

/// What the callback learned, kept until the choice.
#[derive(Debug, Clone)]
pub struct Exchange<'a> {
    pub choice_hash: &'a str,
    pub data_centre: &'a str,
    pub api_domain: &'a str,
    pub refresh_token_ct: &'a [u8],
    pub key_version: u32,
    pub organizations_json: &'a str,
}

impl Store {
    pub async fn insert_oauth_state(
        &self,
        state_hash: &str,
        browser_hash: &str,
        connection_id: &str,
        now_ms: i64,
        expires_at_ms: i64,
    ) -> anyhow::Result<()> {
        // Old flows are useless after they expire; keep the table small.
        sqlx::query("DELETE FROM oauth_states WHERE expires_at < ?1")
            .bind(now_ms - 86_400_000)
            .execute(self.pool())
            .await?;
        sqlx::query(
            "INSERT INTO oauth_states (state_hash, browser_hash, connection_id, phase, created_at, expires_at)
             VALUES (?1, ?2, ?3, 'started', ?4, ?5)",
        )
        .bind(state_hash)
        .bind(browser_hash)
        .bind(connection_id)
        .bind(now_ms)
        .bind(expires_at_ms)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Claims a started, unexpired state for the browser that started it; `None` when it is
    /// unknown, expired, already used or bound to another browser.
    pub async fn claim_oauth_state(
        &self,
        state_hash: &str,
        browser_hash: &str,
        now_ms: i64,
    ) -> anyhow::Result<Option<ClaimedState>> {
        Ok(sqlx::query_as(
            "UPDATE oauth_states SET phase = 'exchanging'
             WHERE state_hash = ?1 AND browser_hash = ?2 AND phase = 'started' AND expires_at > ?3
             RETURNING connection_id",
        )
        .bind(state_hash)
        .bind(browser_hash)
        .bind(now_ms)
        .fetch_optional(self.pool())
        .await?)
    }

    pub async fn record_oauth_exchange(
        &self,
        state_hash: &str,
        e: &Exchange<'_>,
    ) -> anyhow::Result<()> {
        sqlx::query(
            "UPDATE oauth_states SET phase = 'exchanged', choice_hash = ?1, data_centre = ?2, api_domain = ?3,
                    refresh_token_ct = ?4, key_version = ?5, organizations = ?6
             WHERE state_hash = ?7 AND phase = 'exchanging'",
        )
        .bind(e.choice_hash)
        .bind(e.data_centre)
        .bind(e.api_domain)
        .bind(e.refresh_token_ct)
        .bind(e.key_version as i64)
        .bind(e.organizations_json)
        .bind(state_hash)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Ends a flow that failed after its claim (nothing of it is kept).
    pub async fn fail_oauth_state(&self, state_hash: &str) -> anyhow::Result<()> {
        sqlx::query("UPDATE oauth_states SET phase = 'failed', refresh_token_ct = NULL WHERE state_hash = ?1")
            .bind(state_hash)
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// The pending choice for this form value and browser, if still open (does not consume it).
    pub async fn pending_choice(
        &self,
        choice_hash: &str,
        browser_hash: &str,
        now_ms: i64,
    ) -> anyhow::Result<Option<PendingChoice>> {
        Ok(sqlx::query_as(
            "SELECT state_hash, connection_id, data_centre, api_domain, refresh_token_ct, key_version, organizations
             FROM oauth_states
             WHERE choice_hash = ?1 AND browser_hash = ?2 AND phase = 'exchanged' AND expires_at > ?3",
        )
        .bind(choice_hash)
        .bind(browser_hash)
        .bind(now_ms)
        .fetch_optional(self.pool())
        .await?)
    }

    /// Consumes a pending choice and drops its sealed token; false when another request did first.
    pub async fn complete_choice(&self, state_hash: &str) -> anyhow::Result<bool> {
        let r = sqlx::query(
            "UPDATE oauth_states SET phase = 'done', refresh_token_ct = NULL WHERE state_hash = ?1 AND phase = 'exchanged'",
        )
        .bind(state_hash)
        .execute(self.pool())
        .await?;
        Ok(r.rows_affected() == 1)
    }
}
