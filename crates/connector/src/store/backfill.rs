//! A backfill's durable state: the run, one cursor per document kind (next page to list) and
//! the documents listed, each with its job once enqueued. A page's documents and the cursor's
//! advance commit together, and so do a job and its item's `job_id`: a kill at any point
//! resumes with no gap (an unfinished page is listed again, an item without a job gets one)
//! and no duplicate (a document is listed once per run and gets one job).

use super::Store;
use zoho_books::DocumentKind;

#[derive(Debug, Clone)]
pub struct Run {
    pub id: i64,
    pub connection_id: String,
    pub kinds: Vec<DocumentKind>,
    pub since_ms: i64,
    pub resumed: bool,
}

#[derive(Debug, Clone, Copy)]
pub struct Cursor {
    pub next_page: i64,
    pub complete: bool,
}

fn kinds_key(kinds: &[DocumentKind]) -> String {
    let mut names: Vec<&str> = kinds.iter().map(|k| k.as_str()).collect();
    names.sort_unstable();
    names.join(",")
}

impl Store {
    /// The unfinished run with the same connection, kinds and start date, or a new one.
    pub async fn backfill_run(
        &self,
        now: i64,
        connection_id: &str,
        kinds: &[DocumentKind],
        since_ms: i64,
    ) -> anyhow::Result<Run> {
        let key = kinds_key(kinds);
        let existing: Option<(i64,)> = sqlx::query_as(
        "SELECT id FROM backfill_runs WHERE connection_id = ?1 AND kinds = ?2 AND since_ms = ?3 AND state = 'running'
         ORDER BY id DESC LIMIT 1",
    )
    .bind(connection_id)
    .bind(&key)
    .bind(since_ms)
    .fetch_optional(self.pool())
    .await?;
        let run = |id, resumed| Run {
            id,
            connection_id: connection_id.to_string(),
            kinds: kinds.to_vec(),
            since_ms,
            resumed,
        };
        if let Some((id,)) = existing {
            return Ok(run(id, true));
        }
        let mut tx = self.pool().begin().await?;
        let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO backfill_runs (connection_id, kinds, since_ms, state, started_at) VALUES (?1, ?2, ?3, 'running', ?4) RETURNING id",
    )
    .bind(connection_id)
    .bind(&key)
    .bind(since_ms)
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
        for kind in kinds {
            sqlx::query("INSERT INTO backfill_cursors (run_id, kind) VALUES (?1, ?2)")
                .bind(id)
                .bind(kind.as_str())
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(run(id, false))
    }

    pub async fn backfill_cursor(&self, run_id: i64, kind: DocumentKind) -> anyhow::Result<Cursor> {
        let (next_page, complete): (i64, i64) = sqlx::query_as(
            "SELECT next_page, complete FROM backfill_cursors WHERE run_id = ?1 AND kind = ?2",
        )
        .bind(run_id)
        .bind(kind.as_str())
        .fetch_one(self.pool())
        .await?;
        Ok(Cursor {
            next_page,
            complete: complete != 0,
        })
    }

    /// Records the page's documents (those this run has not seen yet) and moves the cursor past
    /// the page, in one transaction. Fenced on the page number: when another process on the same
    /// run committed this page first, nothing changes. Returns how many documents were new.
    pub async fn commit_backfill_page(
        &self,
        run: &Run,
        kind: DocumentKind,
        page: i64,
        ids: &[String],
        last: bool,
    ) -> anyhow::Result<usize> {
        let mut tx = self.pool().begin().await?;
        let moved = sqlx::query(
        "UPDATE backfill_cursors SET next_page = next_page + 1, complete = ?4 WHERE run_id = ?1 AND kind = ?2 AND next_page = ?3",
    )
    .bind(run.id)
    .bind(kind.as_str())
    .bind(page)
    .bind(last)
    .execute(&mut *tx)
    .await?;
        if moved.rows_affected() == 0 {
            return Ok(0); // dropping the transaction rolls it back
        }
        let mut added = 0;
        for id in ids {
            // A document seen on an earlier page (rows shift while paging) is kept once.
            let new = sqlx::query(
                "INSERT OR IGNORE INTO backfill_items (run_id, kind, zoho_id) VALUES (?1, ?2, ?3)",
            )
            .bind(run.id)
            .bind(kind.as_str())
            .bind(id)
            .execute(&mut *tx)
            .await?;
            added += new.rows_affected() as usize;
        }
        sqlx::query(
            "UPDATE backfill_cursors SET listed = listed + ?3 WHERE run_id = ?1 AND kind = ?2",
        )
        .bind(run.id)
        .bind(kind.as_str())
        .bind(added as i64)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(added)
    }

    /// Marks the run done and, so reconciliation carries on from here, moves the watermark of each
    /// kind to at least the run's start (changes made during the run are newer than that).
    pub async fn finish_backfill(&self, run: &Run, now: i64) -> anyhow::Result<()> {
        let mut tx = self.pool().begin().await?;
        let (started_at,): (i64,) =
        sqlx::query_as("UPDATE backfill_runs SET state = 'done', finished_at = ?2 WHERE id = ?1 RETURNING started_at")
            .bind(run.id)
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
        for kind in &run.kinds {
            super::writes::raise_watermark(
                &mut tx,
                &run.connection_id,
                kind.as_str(),
                started_at,
                now,
            )
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }
}

/// Backfill items still without a job, in listing order.
impl Store {
    pub async fn backfill_pending(
        &self,
        run_id: i64,
        limit: i64,
    ) -> anyhow::Result<Vec<(String, String)>> {
        Ok(sqlx::query_as(
            "SELECT kind, zoho_id FROM backfill_items WHERE run_id = ?1 AND job_id IS NULL ORDER BY rowid LIMIT ?2",
        )
        .bind(run_id)
        .bind(limit)
        .fetch_all(self.pool())
        .await?)
    }
}

/// Takes an item for enqueueing inside the caller's transaction; `false` when another process
/// feeding the same run took it first.
pub(crate) async fn claim_item(
    tx: &mut sqlx::SqliteConnection,
    run_id: i64,
    kind: &str,
    id: &str,
) -> anyhow::Result<bool> {
    let claimed = sqlx::query(
        "UPDATE backfill_items SET job_id = -1 WHERE run_id = ?1 AND kind = ?2 AND zoho_id = ?3 AND job_id IS NULL",
    )
    .bind(run_id)
    .bind(kind)
    .bind(id)
    .execute(tx)
    .await?;
    Ok(claimed.rows_affected() == 1)
}

/// Records the job an item got, inside the transaction that enqueued it.
pub(crate) async fn set_item_job(
    tx: &mut sqlx::SqliteConnection,
    run_id: i64,
    kind: &str,
    id: &str,
    job_id: i64,
) -> anyhow::Result<()> {
    sqlx::query(
        "UPDATE backfill_items SET job_id = ?4 WHERE run_id = ?1 AND kind = ?2 AND zoho_id = ?3",
    )
    .bind(run_id)
    .bind(kind)
    .bind(id)
    .bind(job_id)
    .execute(tx)
    .await?;
    Ok(())
}
