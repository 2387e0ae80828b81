//! Webhook deliveries refused after the connection was identified: when, why, and what the
//! signature header looked like (never its value, never the body). `check` and the admin page
//! show them, so a signature scheme that differs from the expected one is seen within minutes.

use super::Store;

/// How many rejections are kept per connection; older ones are deleted on insert.
pub const KEPT_REJECTIONS: i64 = 200;

/// One refused delivery.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct RejectionRow {
    pub connection_id: String,
    pub source: String,
    pub at_ms: i64,
    pub reason: String,
    pub header_shape: String,
}

/// Rejections of one connection since some time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RejectionSummary {
    pub count: i64,
    /// The most recent one.
    pub last: RejectionRow,
}

impl Store {
    /// Records a refused delivery and prunes the connection's rows beyond [`KEPT_REJECTIONS`].
    pub async fn record_webhook_rejection(
        &self,
        connection_id: &str,
        source: &str,
        at_ms: i64,
        reason: &str,
        header_shape: &str,
    ) -> anyhow::Result<()> {
        let mut tx = self.pool().begin().await?;
        sqlx::query(
            "INSERT INTO webhook_rejections (connection_id, source, at_ms, reason, header_shape)
             VALUES (?1, ?2, ?3, ?4, ?5)",
        )
        .bind(connection_id)
        .bind(source)
        .bind(at_ms)
        .bind(reason)
        .bind(header_shape)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "DELETE FROM webhook_rejections WHERE connection_id = ?1 AND id <= (
                 SELECT id FROM webhook_rejections WHERE connection_id = ?1
                 ORDER BY id DESC LIMIT 1 OFFSET ?2)",
        )
        .bind(connection_id)
        .bind(KEPT_REJECTIONS)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The latest rejections of a connection, newest first.
    pub async fn webhook_rejections(
        &self,
        connection_id: &str,
        limit: i64,
    ) -> anyhow::Result<Vec<RejectionRow>> {
        Ok(sqlx::query_as(
            "SELECT connection_id, source, at_ms, reason, header_shape FROM webhook_rejections
             WHERE connection_id = ?1 ORDER BY id DESC LIMIT ?2",
        )
        .bind(connection_id)
        .bind(limit)
        .fetch_all(self.pool())
        .await?)
    }

    /// How many deliveries of a connection were refused at or after `since_ms`, with the latest.
    pub async fn webhook_rejections_since(
        &self,
        connection_id: &str,
        since_ms: i64,
    ) -> anyhow::Result<Option<RejectionSummary>> {
        let count: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM webhook_rejections WHERE connection_id = ?1 AND at_ms >= ?2",
        )
        .bind(connection_id)
        .bind(since_ms)
        .fetch_one(self.pool())
        .await?;
        if count == 0 {
            return Ok(None);
        }
        let last = self
            .webhook_rejections(connection_id, 1)
            .await?
            .into_iter()
            .next();
        Ok(last.map(|last| RejectionSummary { count, last }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::DatabaseConfig;

    #[tokio::test]
    async fn records_prunes_and_summarises() {
        let dir = tempfile::tempdir().expect("dir");
        let config = DatabaseConfig {
            url: format!("sqlite://{}", dir.path().join("r.db").display()),
            ..DatabaseConfig::default()
        };
        let store = Store::open(&config).await.expect("open");
        assert_eq!(
            store.webhook_rejections_since("a", 0).await.expect("q"),
            None
        );
        for i in 0..(KEPT_REJECTIONS + 5) {
            store
                .record_webhook_rejection("a", "zoho", i, "signature_mismatch", "hex, 64 chars")
                .await
                .expect("record");
        }
        store
            .record_webhook_rejection("b", "zoho", 7, "missing_signature", "missing")
            .await
            .expect("record");
        let all = store.webhook_rejections("a", 1000).await.expect("list");
        assert_eq!(all.len() as i64, KEPT_REJECTIONS);
        assert_eq!(all[0].at_ms, KEPT_REJECTIONS + 4);
        let summary = store
            .webhook_rejections_since("a", KEPT_REJECTIONS + 2)
            .await
            .expect("q")
            .expect("some");
        assert_eq!(summary.count, 3);
        assert_eq!(summary.last.reason, "signature_mismatch");
        let b = store.webhook_rejections("b", 10).await.expect("list");
        assert_eq!(b.len(), 1);
        assert_eq!(b[0].header_shape, "missing");
    }
}
