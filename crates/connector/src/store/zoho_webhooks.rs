//! Zoho webhooks `setup` created, remembered for organizations where Zoho does not list them.

use super::Store;

impl Store {
    /// Records a created webhook (the URL only as a digest: it carries the webhook token).
    pub async fn remember_zoho_webhook(
        &self,
        connection_id: &str,
        organization_id: &str,
        entity: &str,
        url_hash: &str,
        webhook_id: &str,
        now_ms: i64,
    ) -> anyhow::Result<()> {
        sqlx::query(
            "INSERT INTO zoho_webhooks (connection_id, organization_id, entity, url_hash, webhook_id, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT (connection_id, organization_id, entity, url_hash) DO UPDATE SET webhook_id = excluded.webhook_id",
        )
        .bind(connection_id)
        .bind(organization_id)
        .bind(entity)
        .bind(url_hash)
        .bind(webhook_id)
        .bind(now_ms)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// The id of the webhook created for this entity and URL, if setup made one.
    pub async fn remembered_zoho_webhook(
        &self,
        connection_id: &str,
        organization_id: &str,
        entity: &str,
        url_hash: &str,
    ) -> anyhow::Result<Option<String>> {
        Ok(sqlx::query_scalar(
            "SELECT webhook_id FROM zoho_webhooks
             WHERE connection_id = ?1 AND organization_id = ?2 AND entity = ?3 AND url_hash = ?4",
        )
        .bind(connection_id)
        .bind(organization_id)
        .bind(entity)
        .bind(url_hash)
        .fetch_optional(self.pool())
        .await?)
    }
}
