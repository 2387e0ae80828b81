//! The monday side of the store: the audit log of status edits made on monday, the label the
//! connector last wrote (to recognise its own changes), and the subitem map of a document.

use super::{DocumentRow, Store};

/// A status change made on monday, as recorded in `audit_log`.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct AuditRow {
    pub id: i64,
    pub connection_id: String,
    /// When monday says the change happened (epoch ms), else when it was received.
    pub at: i64,
    /// monday user id of whoever changed the status.
    pub who: Option<String>,
    pub board_id: String,
    pub item_id: String,
    pub kind: Option<String>,
    pub zoho_id: Option<String>,
    pub old_value: Option<String>,
    pub new_value: Option<String>,
    pub trigger_uuid: String,
    /// When the audit comment was posted on the Zoho document; `None` when not (yet) posted.
    pub commented_at: Option<i64>,
}

/// A new audit entry; `trigger_uuid` makes recording it idempotent.
#[derive(Debug, Clone)]
pub struct NewAuditEntry<'a> {
    pub connection_id: &'a str,
    pub at: i64,
    pub who: Option<&'a str>,
    pub board_id: &'a str,
    pub item_id: &'a str,
    pub kind: &'a str,
    pub zoho_id: &'a str,
    pub old_value: Option<&'a str>,
    pub new_value: Option<&'a str>,
    pub trigger_uuid: &'a str,
}

impl Store {
    /// The synced document shown by `item_id` on a board of this connection. Scoped to the
    /// connection so one tenant's webhook can never reach another tenant's documents.
    pub async fn document_for_item(
        &self,
        connection_id: &str,
        item_id: &str,
    ) -> anyhow::Result<Option<DocumentRow>> {
        Ok(sqlx::query_as(
            "SELECT * FROM documents WHERE connection_id = ?1 AND item_id = ?2 AND deleted = 0",
        )
        .bind(connection_id)
        .bind(item_id)
        .fetch_optional(self.pool())
        .await?)
    }

    /// Remembers the status label the connector just wrote (or `None` when it wrote none).
    pub async fn set_status_label(
        &self,
        connection_id: &str,
        kind: &str,
        zoho_id: &str,
        label: Option<&str>,
    ) -> anyhow::Result<()> {
        sqlx::query(
            "UPDATE documents SET status_label = ?4 WHERE connection_id = ?1 AND kind = ?2 AND zoho_id = ?3",
        )
        .bind(connection_id)
        .bind(kind)
        .bind(zoho_id)
        .bind(label)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// The status label the connector last wrote for the document.
    pub async fn status_label(
        &self,
        connection_id: &str,
        kind: &str,
        zoho_id: &str,
    ) -> anyhow::Result<Option<String>> {
        let row: Option<(Option<String>,)> = sqlx::query_as(
            "SELECT status_label FROM documents WHERE connection_id = ?1 AND kind = ?2 AND zoho_id = ?3",
        )
        .bind(connection_id)
        .bind(kind)
        .bind(zoho_id)
        .fetch_optional(self.pool())
        .await?;
        Ok(row.and_then(|(l,)| l))
    }

    /// Replaces the subitem map, `None` meaning "unknown: read the item's subitems before the
    /// next write" (`save_document` cannot clear it, as it keeps the old map when given none).
    pub async fn set_subitems(
        &self,
        connection_id: &str,
        kind: &str,
        zoho_id: &str,
        subitems: Option<&str>,
    ) -> anyhow::Result<()> {
        sqlx::query(
            "UPDATE documents SET subitems = ?4 WHERE connection_id = ?1 AND kind = ?2 AND zoho_id = ?3",
        )
        .bind(connection_id)
        .bind(kind)
        .bind(zoho_id)
        .bind(subitems)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Records an audit entry; returns the stored row, whether just inserted or recorded
    /// earlier for the same trigger (a redelivery or a retried job).
    pub async fn record_audit(&self, e: &NewAuditEntry<'_>) -> anyhow::Result<AuditRow> {
        sqlx::query(
            "INSERT INTO audit_log (connection_id, at, who, board_id, item_id, kind, zoho_id, old_value, new_value, trigger_uuid)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
             ON CONFLICT (connection_id, trigger_uuid) DO NOTHING",
        )
        .bind(e.connection_id)
        .bind(e.at)
        .bind(e.who)
        .bind(e.board_id)
        .bind(e.item_id)
        .bind(e.kind)
        .bind(e.zoho_id)
        .bind(e.old_value)
        .bind(e.new_value)
        .bind(e.trigger_uuid)
        .execute(self.pool())
        .await?;
        Ok(
            sqlx::query_as(
                "SELECT * FROM audit_log WHERE connection_id = ?1 AND trigger_uuid = ?2",
            )
            .bind(e.connection_id)
            .bind(e.trigger_uuid)
            .fetch_one(self.pool())
            .await?,
        )
    }

    pub async fn mark_audit_commented(&self, id: i64, now_ms: i64) -> anyhow::Result<()> {
        sqlx::query("UPDATE audit_log SET commented_at = ?2 WHERE id = ?1")
            .bind(id)
            .bind(now_ms)
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// The audit log of a connection, newest first.
    pub async fn audit_log(
        &self,
        connection_id: &str,
        limit: i64,
    ) -> anyhow::Result<Vec<AuditRow>> {
        Ok(sqlx::query_as(
            "SELECT * FROM audit_log WHERE connection_id = ?1 ORDER BY at DESC, id DESC LIMIT ?2",
        )
        .bind(connection_id)
        .bind(limit)
        .fetch_all(self.pool())
        .await?)
    }
}
