//! Runtime state of connections (status, stored credentials).

use super::Store;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ConnectionRow {
    pub id: String,
    pub status: String,
    pub status_reason: Option<String>,
    pub organization_id: Option<String>,
    pub data_centre: Option<String>,
    pub api_domain: Option<String>,
    pub refresh_token_ct: Option<Vec<u8>>,
    pub key_version: Option<i64>,
    pub updated_at: i64,
}

impl Store {
    pub async fn set_connection_status(
        &self,
        id: &str,
        status: &str,
        reason: Option<&str>,
        now_ms: i64,
    ) -> anyhow::Result<()> {
        sqlx::query(
            "INSERT INTO connections (id, status, status_reason, updated_at) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (id) DO UPDATE SET status = excluded.status, status_reason = excluded.status_reason, updated_at = excluded.updated_at",
        )
        .bind(id)
        .bind(status)
        .bind(reason)
        .bind(now_ms)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    pub async fn connection_row(&self, id: &str) -> anyhow::Result<Option<ConnectionRow>> {
        Ok(sqlx::query_as("SELECT * FROM connections WHERE id = ?1")
            .bind(id)
            .fetch_optional(self.pool())
            .await?)
    }
}
