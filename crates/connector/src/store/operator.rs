//! The operator password created at first start (only its salted hash).

use super::Store;

/// A stored operator password: hex salt and hex SHA-256 of salt + password.
#[derive(Clone, PartialEq, Eq)]
pub struct OperatorHash {
    pub salt: String,
    pub hash: String,
}

impl std::fmt::Debug for OperatorHash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("OperatorHash(..)")
    }
}

impl Store {
    pub async fn operator_hash(&self) -> anyhow::Result<Option<OperatorHash>> {
        let row: Option<(String, String)> =
            sqlx::query_as("SELECT salt, hash FROM operator_credentials WHERE id = 1")
                .fetch_optional(self.pool())
                .await?;
        Ok(row.map(|(salt, hash)| OperatorHash { salt, hash }))
    }

    /// Saves the hash unless one exists (two first starts at once: the first one wins);
    /// returns whether this one was saved.
    pub async fn create_operator_hash(
        &self,
        h: &OperatorHash,
        now_ms: i64,
    ) -> anyhow::Result<bool> {
        let r = sqlx::query(
            "INSERT INTO operator_credentials (id, salt, hash, created_at) VALUES (1, ?1, ?2, ?3)
             ON CONFLICT (id) DO NOTHING",
        )
        .bind(&h.salt)
        .bind(&h.hash)
        .bind(now_ms)
        .execute(self.pool())
        .await?;
        Ok(r.rows_affected() == 1)
    }

    /// Replaces the hash (`admin-password --reset`).
    pub async fn replace_operator_hash(&self, h: &OperatorHash, now_ms: i64) -> anyhow::Result<()> {
        sqlx::query(
            "INSERT INTO operator_credentials (id, salt, hash, created_at) VALUES (1, ?1, ?2, ?3)
             ON CONFLICT (id) DO UPDATE SET salt = excluded.salt, hash = excluded.hash,
                                            created_at = excluded.created_at",
        )
        .bind(&h.salt)
        .bind(&h.hash)
        .bind(now_ms)
        .execute(self.pool())
        .await?;
        Ok(())
    }
}
