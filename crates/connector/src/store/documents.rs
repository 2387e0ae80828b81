//! The document ↔ item map.

use super::Store;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DocumentRow {
    pub connection_id: String,
    pub kind: String,
    pub zoho_id: String,
    pub board_id: String,
    pub item_id: Option<String>,
    pub last_modified_ms: Option<i64>,
    pub content_hash: Option<String>,
    pub subitems: Option<String>,
    pub deleted: i64,
    pub synced_at: i64,
}

impl Store {
    pub async fn document(
        &self,
        connection_id: &str,
        kind: &str,
        zoho_id: &str,
    ) -> anyhow::Result<Option<DocumentRow>> {
        Ok(sqlx::query_as(
            "SELECT * FROM documents WHERE connection_id = ?1 AND kind = ?2 AND zoho_id = ?3",
        )
        .bind(connection_id)
        .bind(kind)
        .bind(zoho_id)
        .fetch_optional(self.pool())
        .await?)
    }

    pub async fn document_by_item(&self, item_id: &str) -> anyhow::Result<Option<DocumentRow>> {
        Ok(sqlx::query_as("SELECT * FROM documents WHERE item_id = ?1")
            .bind(item_id)
            .fetch_optional(self.pool())
            .await?)
    }

    /// Notes that a create is about to be sent, so a crash after monday applied it is detected
    /// (item_id stays NULL) and the next attempt looks the item up instead of creating again.
    pub async fn mark_create_pending(
        &self,
        connection_id: &str,
        kind: &str,
        zoho_id: &str,
        board_id: &str,
        now_ms: i64,
    ) -> anyhow::Result<()> {
        sqlx::query(
            "INSERT INTO documents (connection_id, kind, zoho_id, board_id, item_id, synced_at)
             VALUES (?1, ?2, ?3, ?4, NULL, ?5)
             ON CONFLICT (connection_id, kind, zoho_id) DO NOTHING",
        )
        .bind(connection_id)
        .bind(kind)
        .bind(zoho_id)
        .bind(board_id)
        .bind(now_ms)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Records the version now on the board.
    #[allow(clippy::too_many_arguments)]
    pub async fn save_document(
        &self,
        connection_id: &str,
        kind: &str,
        zoho_id: &str,
        board_id: &str,
        item_id: &str,
        last_modified_ms: Option<i64>,
        content_hash: &str,
        subitems: Option<&str>,
        now_ms: i64,
    ) -> anyhow::Result<()> {
        sqlx::query(
            "INSERT INTO documents (connection_id, kind, zoho_id, board_id, item_id, last_modified_ms, content_hash, subitems, deleted, synced_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 0, ?9)
             ON CONFLICT (connection_id, kind, zoho_id) DO UPDATE SET
                board_id = excluded.board_id, item_id = excluded.item_id,
                last_modified_ms = MAX(COALESCE(excluded.last_modified_ms, 0), COALESCE(documents.last_modified_ms, 0)),
                content_hash = excluded.content_hash,
                subitems = COALESCE(excluded.subitems, documents.subitems), deleted = 0, synced_at = excluded.synced_at",
        )
        .bind(connection_id)
        .bind(kind)
        .bind(zoho_id)
        .bind(board_id)
        .bind(item_id)
        .bind(last_modified_ms)
        .bind(content_hash)
        .bind(subitems)
        .bind(now_ms)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Moves the recorded version forward without a monday write (content unchanged).
    pub async fn touch_document(
        &self,
        connection_id: &str,
        kind: &str,
        zoho_id: &str,
        last_modified_ms: Option<i64>,
        now_ms: i64,
    ) -> anyhow::Result<()> {
        sqlx::query(
            "UPDATE documents SET last_modified_ms = MAX(COALESCE(last_modified_ms, 0), COALESCE(?4, 0)), synced_at = ?5
             WHERE connection_id = ?1 AND kind = ?2 AND zoho_id = ?3",
        )
        .bind(connection_id)
        .bind(kind)
        .bind(zoho_id)
        .bind(last_modified_ms)
        .bind(now_ms)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    pub async fn mark_deleted(
        &self,
        connection_id: &str,
        kind: &str,
        zoho_id: &str,
        now_ms: i64,
    ) -> anyhow::Result<()> {
        sqlx::query("UPDATE documents SET deleted = 1, synced_at = ?4 WHERE connection_id = ?1 AND kind = ?2 AND zoho_id = ?3")
            .bind(connection_id)
            .bind(kind)
            .bind(zoho_id)
            .bind(now_ms)
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// Drops the item of a document whose item was archived, so the next sync creates a new one.
    pub async fn forget_item(
        &self,
        connection_id: &str,
        kind: &str,
        zoho_id: &str,
    ) -> anyhow::Result<()> {
        sqlx::query(
            "UPDATE documents SET item_id = NULL, content_hash = NULL, subitems = NULL, deleted = 0
             WHERE connection_id = ?1 AND kind = ?2 AND zoho_id = ?3",
        )
        .bind(connection_id)
        .bind(kind)
        .bind(zoho_id)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Forces the next sync to write (the item was marked deleted and must be restored).
    pub async fn clear_content_hash(
        &self,
        connection_id: &str,
        kind: &str,
        zoho_id: &str,
    ) -> anyhow::Result<()> {
        sqlx::query("UPDATE documents SET content_hash = NULL, deleted = 0 WHERE connection_id = ?1 AND kind = ?2 AND zoho_id = ?3")
            .bind(connection_id)
            .bind(kind)
            .bind(zoho_id)
            .execute(self.pool())
            .await?;
        Ok(())
    }

    pub async fn count_documents(&self, connection_id: &str) -> anyhow::Result<i64> {
        let (n,): (i64,) = sqlx::query_as(
            "SELECT COUNT(*) FROM documents WHERE connection_id = ?1 AND item_id IS NOT NULL",
        )
        .bind(connection_id)
        .fetch_one(self.pool())
        .await?;
        Ok(n)
    }
}
