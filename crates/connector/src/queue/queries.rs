//! Every question other modules ask about jobs, by name: reconciliation and sweeps ("is a sync
//! already waiting for this document?"), backfill feeding and progress, a document's history for
//! `trace`, parking and waking a connection's jobs.

use super::{insert_job, JobState, NewJob, Queue};
use crate::domain::DocumentKey;
use crate::store::backfill::Run;
use crate::store::Write;
use zoho_books::DocumentKind;

/// One job of a document's history, with the webhook event that created it, if any.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct HistoryLine {
    pub job: i64,
    pub jkind: String,
    pub state: String,
    pub attempts: i64,
    pub max: i64,
    pub error: Option<String>,
    pub created: i64,
    pub updated: i64,
    pub event: Option<i64>,
    pub received: Option<i64>,
    pub dedup: Option<String>,
}

/// Progress of a set of backfill runs.
#[derive(Debug, Default, Clone, Copy, sqlx::FromRow)]
pub struct BackfillProgress {
    pub listed: i64,
    pub finished: i64,
    pub failed: i64,
    pub kinds: i64,
    pub kinds_listed: i64,
}

impl BackfillProgress {
    pub fn done(&self) -> bool {
        self.kinds_listed == self.kinds && self.finished + self.failed >= self.listed
    }
}

impl Queue {
    /// Enqueues `jobs` and applies the store `writes` that go with them (a watermark, the
    /// payments seen) in one transaction, so a cursor never passes work that was not queued.
    pub async fn enqueue_all(&self, jobs: &[NewJob], writes: &[Write<'_>]) -> anyhow::Result<()> {
        if jobs.is_empty() && writes.is_empty() {
            return Ok(());
        }
        let now = self.clock.now_ms();
        let mut tx = self.store.pool().begin().await?;
        for job in jobs {
            insert_job(&mut *tx, job, None, now).await?;
        }
        for w in writes {
            w.apply(&mut tx, now).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Jobs of `key` in any of `states`.
    pub async fn count_for(&self, key: &DocumentKey, states: &[JobState]) -> anyhow::Result<i64> {
        let states: Vec<&str> = states.iter().map(|s| s.as_str()).collect();
        Ok(sqlx::query_scalar(
            "SELECT COUNT(*) FROM jobs WHERE document_key = ?1
               AND state IN (SELECT value FROM json_each(?2))",
        )
        .bind(key.as_str())
        .bind(serde_json::to_string(&states)?)
        .fetch_one(self.store.pool())
        .await?)
    }

    /// Whether a sync of this document is already waiting (it will read the current version
    /// anyway, so another one adds nothing).
    pub async fn sync_waiting(&self, key: &DocumentKey) -> anyhow::Result<bool> {
        Ok(self.count_for(key, &[JobState::Queued]).await? > 0)
    }

    /// Documents with an item on the board, not known deleted, and no sync job waiting.
    pub async fn synced_documents_without_waiting_job(
        &self,
        connection_id: &str,
        kind: DocumentKind,
    ) -> anyhow::Result<Vec<String>> {
        let rows: Vec<(String, i64)> = sqlx::query_as(
            "SELECT d.zoho_id,
                    (SELECT COUNT(*) FROM jobs j WHERE j.document_key = ?3 || d.zoho_id AND j.state = 'queued')
             FROM documents d
             WHERE d.connection_id = ?1 AND d.kind = ?2 AND d.deleted = 0 AND d.item_id IS NOT NULL",
        )
        .bind(connection_id)
        .bind(kind.as_str())
        .bind(DocumentKey::prefix(connection_id, kind))
        .fetch_all(self.store.pool())
        .await?;
        Ok(rows
            .into_iter()
            .filter(|(_, waiting)| *waiting == 0)
            .map(|(id, _)| id)
            .collect())
    }

    /// The jobs of one document, oldest first, with their webhook events.
    pub async fn history(&self, key: &DocumentKey) -> anyhow::Result<Vec<HistoryLine>> {
        Ok(sqlx::query_as(
            "SELECT j.id AS job, j.kind AS jkind, j.state, j.attempts, j.max_attempts AS max, j.last_error AS error,
                    j.created_at AS created, j.updated_at AS updated, j.event_id AS event, e.received_at AS received, e.dedup_key AS dedup
             FROM jobs j LEFT JOIN events e ON e.id = j.event_id
             WHERE j.document_key = ?1 ORDER BY j.id",
        )
        .bind(key.as_str())
        .fetch_all(self.store.pool())
        .await?)
    }

    /// Jobs of a connection waiting in the queue (parked ones included).
    pub async fn queued_jobs(&self, connection_id: &str) -> anyhow::Result<i64> {
        queued_jobs(&self.store, connection_id).await
    }

    /// Lets a connection's parked jobs run now (after a reconnect or a restart). They are
    /// recognised by the reason the connection was marked with.
    pub async fn wake_parked(&self, connection_id: &str) -> anyhow::Result<u64> {
        wake_parked(&self.store, connection_id, self.clock.now_ms()).await
    }

    /// Keeps about `target` of the run's jobs waiting or running: enqueues listed documents that
    /// have no job yet, each job and its item's `job_id` in one transaction. Feeding the queue
    /// gradually keeps it short (claiming stays cheap, and real-time jobs do not queue behind
    /// thousands of backfill jobs). Returns how many jobs it added.
    pub async fn feed_backfill(
        &self,
        run: &Run,
        target: i64,
        max_attempts: u32,
    ) -> anyhow::Result<usize> {
        use super::{priority, JobPayload};
        let open: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM jobs WHERE state IN ('queued', 'running') AND connection_id = ?1 AND priority = ?2 AND kind = 'sync_document'",
        )
        .bind(&run.connection_id)
        .bind(priority::BACKFILL)
        .fetch_one(self.store.pool())
        .await?;
        if open * 2 > target {
            return Ok(0);
        }
        let pending = self.store.backfill_pending(run.id, target - open).await?;
        if pending.is_empty() {
            return Ok(0);
        }
        let now = self.clock.now_ms();
        let mut tx = self.store.pool().begin().await?;
        let mut added = 0;
        for (kind, id) in &pending {
            let Ok(document_kind) = kind.parse::<DocumentKind>() else {
                continue;
            };
            // Fenced: another process feeding the same run skips this item.
            if !crate::store::backfill::claim_item(&mut tx, run.id, kind, id).await? {
                continue;
            }
            let job = JobPayload::sync(document_kind, id.clone()).into_new_job(
                &run.connection_id,
                priority::BACKFILL,
                max_attempts,
            );
            let job_id = insert_job(&mut *tx, &job, None, now).await?;
            crate::store::backfill::set_item_job(&mut tx, run.id, kind, id, job_id).await?;
            added += 1;
        }
        tx.commit().await?;
        Ok(added)
    }

    /// Documents listed, synced (job done, or its record already pruned) and failed (dead).
    pub async fn backfill_progress(&self, run_ids: &[i64]) -> anyhow::Result<BackfillProgress> {
        let ids = serde_json::to_string(run_ids)?;
        Ok(sqlx::query_as(
            "SELECT
                (SELECT COUNT(*) FROM backfill_items WHERE run_id IN (SELECT value FROM json_each(?1))) AS listed,
                (SELECT COUNT(*) FROM backfill_items b LEFT JOIN jobs j ON j.id = b.job_id
                  WHERE b.run_id IN (SELECT value FROM json_each(?1)) AND b.job_id IS NOT NULL
                    AND (j.id IS NULL OR j.state = 'done')) AS finished,
                (SELECT COUNT(*) FROM backfill_items b JOIN jobs j ON j.id = b.job_id
                  WHERE b.run_id IN (SELECT value FROM json_each(?1)) AND j.state = 'dead') AS failed,
                (SELECT COUNT(*) FROM backfill_cursors WHERE run_id IN (SELECT value FROM json_each(?1))) AS kinds,
                (SELECT COUNT(*) FROM backfill_cursors WHERE run_id IN (SELECT value FROM json_each(?1)) AND complete = 1) AS kinds_listed",
        )
        .bind(ids)
        .fetch_one(self.store.pool())
        .await?)
    }
}

/// Jobs of a connection waiting in the queue, for callers that hold only the store.
pub async fn queued_jobs(store: &crate::store::Store, connection_id: &str) -> anyhow::Result<i64> {
    Ok(sqlx::query_scalar(
        "SELECT COUNT(*) FROM jobs WHERE connection_id = ?1 AND state = 'queued'",
    )
    .bind(connection_id)
    .fetch_one(store.pool())
    .await?)
}

/// See [`Queue::wake_parked`]; for callers that hold only the store (saving a new grant).
pub async fn wake_parked(
    store: &crate::store::Store,
    connection_id: &str,
    now_ms: i64,
) -> anyhow::Result<u64> {
    use crate::store::{DC_MISMATCH_REASON_PREFIX, RECONNECT_REASON_PREFIX};
    let r = sqlx::query(
        "UPDATE jobs SET run_at = ?1, updated_at = ?1
         WHERE connection_id = ?2 AND state = 'queued' AND run_at > ?1
           AND (last_error = (SELECT status_reason FROM connections WHERE id = ?2)
                OR last_error LIKE ?3 || '%' OR last_error LIKE ?4 || '%')",
    )
    .bind(now_ms)
    .bind(connection_id)
    .bind(RECONNECT_REASON_PREFIX)
    .bind(DC_MISMATCH_REASON_PREFIX)
    .execute(store.pool())
    .await?;
    Ok(r.rows_affected())
}
