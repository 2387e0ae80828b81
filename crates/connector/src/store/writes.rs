//! Writes that ride in the queue's transaction with the jobs they belong to
//! ([`crate::queue::Queue::enqueue_all`]): a poll's watermark moves only together with the jobs
//! for what it listed, and a payment is remembered as seen only together with its job.

/// One write to apply inside an open transaction.
#[derive(Debug, Clone)]
pub enum Write<'a> {
    /// Moves a watermark forward (never back). `name` is a document kind, a payment ledger, or
    /// a sweep's mark.
    RaiseWatermark {
        connection_id: &'a str,
        name: &'a str,
        mark_ms: i64,
    },
    /// Remembers a listed payment at its version.
    SeenPayment {
        connection_id: &'a str,
        ledger: &'a str,
        payment_id: &'a str,
        version_ms: i64,
        listed_ms: i64,
    },
    /// Forgets payments listed before `before_ms` (they fell out of the poll's window).
    PruneSeenPayments {
        connection_id: &'a str,
        ledger: &'a str,
        before_ms: i64,
    },
}

impl Write<'_> {
    pub async fn apply(&self, tx: &mut sqlx::SqliteConnection, now: i64) -> anyhow::Result<()> {
        match self {
            Write::RaiseWatermark {
                connection_id,
                name,
                mark_ms,
            } => {
                raise_watermark(tx, connection_id, name, *mark_ms, now).await?;
            }
            Write::SeenPayment {
                connection_id,
                ledger,
                payment_id,
                version_ms,
                listed_ms,
            } => {
                sqlx::query(
                    "INSERT INTO seen_payments (connection_id, ledger, payment_id, version_ms, listed_ms)
                     VALUES (?1, ?2, ?3, ?4, ?5)
                     ON CONFLICT (connection_id, ledger, payment_id) DO UPDATE SET
                        version_ms = excluded.version_ms, listed_ms = excluded.listed_ms",
                )
                .bind(connection_id)
                .bind(ledger)
                .bind(payment_id)
                .bind(version_ms)
                .bind(listed_ms)
                .execute(&mut *tx)
                .await?;
            }
            Write::PruneSeenPayments {
                connection_id,
                ledger,
                before_ms,
            } => {
                sqlx::query(
                    "DELETE FROM seen_payments WHERE connection_id = ?1 AND ledger = ?2 AND listed_ms < ?3",
                )
                .bind(connection_id)
                .bind(ledger)
                .bind(before_ms)
                .execute(&mut *tx)
                .await?;
            }
        }
        Ok(())
    }
}

/// Moves a watermark forward (never back) inside the caller's transaction.
pub(crate) async fn raise_watermark(
    tx: &mut sqlx::SqliteConnection,
    connection_id: &str,
    name: &str,
    mark: i64,
    now: i64,
) -> anyhow::Result<()> {
    sqlx::query(
        "INSERT INTO watermarks (connection_id, kind, last_modified_ms, updated_at) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (connection_id, kind) DO UPDATE SET
            last_modified_ms = MAX(watermarks.last_modified_ms, excluded.last_modified_ms), updated_at = excluded.updated_at",
    )
    .bind(connection_id)
    .bind(name)
    .bind(mark)
    .bind(now)
    .execute(tx)
    .await?;
    Ok(())
}

impl super::Store {
    /// A watermark by its name (a document kind, a payment ledger, a sweep's mark).
    pub async fn watermark(&self, connection_id: &str, name: &str) -> anyhow::Result<Option<i64>> {
        Ok(sqlx::query_scalar(
            "SELECT last_modified_ms FROM watermarks WHERE connection_id = ?1 AND kind = ?2",
        )
        .bind(connection_id)
        .bind(name)
        .fetch_optional(self.pool())
        .await?)
    }

    /// The version at which a payment was last queued, if it was.
    pub async fn seen_payment_version(
        &self,
        connection_id: &str,
        ledger: &str,
        payment_id: &str,
    ) -> anyhow::Result<Option<i64>> {
        Ok(sqlx::query_scalar(
            "SELECT version_ms FROM seen_payments WHERE connection_id = ?1 AND ledger = ?2 AND payment_id = ?3",
        )
        .bind(connection_id)
        .bind(ledger)
        .bind(payment_id)
        .fetch_optional(self.pool())
        .await?)
    }

    /// Answers when the database does (health checks).
    pub async fn ping(&self) -> anyhow::Result<()> {
        sqlx::query("SELECT 1").execute(self.pool()).await?;
        Ok(())
    }
}
