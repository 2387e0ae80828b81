//! A backfill's durable state: the run, one cursor per document kind (next page to list) and
//! the documents listed, each with its job once enqueued. A page's documents and the cursor's
//! advance commit together, and so do a job and its item's `job_id`: a kill at any point
//! resumes with no gap (an unfinished page is listed again, an item without a job gets one)
//! and no duplicate (a document is listed once per run and gets one job).

use crate::queue::{insert_job, priority};
use crate::runtime::Runtime;
use crate::sync::JobPayload;
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

/// Progress of a set of runs.
#[derive(Debug, Default, Clone, Copy, sqlx::FromRow)]
pub struct Progress {
    pub listed: i64,
    pub finished: i64,
    pub failed: i64,
    pub kinds: i64,
    pub kinds_listed: i64,
}

impl Progress {
    pub fn done(&self) -> bool {
        self.kinds_listed == self.kinds && self.finished + self.failed >= self.listed
    }
}

fn kinds_key(kinds: &[DocumentKind]) -> String {
    let mut names: Vec<&str> = kinds.iter().map(|k| k.as_str()).collect();
    names.sort_unstable();
    names.join(",")
}

/// The unfinished run with the same connection, kinds and start date, or a new one.
pub async fn find_or_create(
    rt: &Runtime,
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
    .fetch_optional(rt.store.pool())
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
    let now = rt.clock.now_ms();
    let mut tx = rt.store.pool().begin().await?;
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

pub async fn cursor(rt: &Runtime, run_id: i64, kind: DocumentKind) -> anyhow::Result<Cursor> {
    let (next_page, complete): (i64, i64) = sqlx::query_as(
        "SELECT next_page, complete FROM backfill_cursors WHERE run_id = ?1 AND kind = ?2",
    )
    .bind(run_id)
    .bind(kind.as_str())
    .fetch_one(rt.store.pool())
    .await?;
    Ok(Cursor {
        next_page,
        complete: complete != 0,
    })
}

/// Records the page's documents (those this run has not seen yet) and moves the cursor past
/// the page, in one transaction. Fenced on the page number: when another process on the same
/// run committed this page first, nothing changes. Returns how many documents were new.
pub async fn commit_page(
    rt: &Runtime,
    run: &Run,
    kind: DocumentKind,
    page: i64,
    ids: &[String],
    last: bool,
) -> anyhow::Result<usize> {
    let mut tx = rt.store.pool().begin().await?;
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
    sqlx::query("UPDATE backfill_cursors SET listed = listed + ?3 WHERE run_id = ?1 AND kind = ?2")
        .bind(run.id)
        .bind(kind.as_str())
        .bind(added as i64)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(added)
}

/// Keeps about `target` of the run's jobs waiting or running: enqueues listed documents that
/// have no job yet, each job and its item's `job_id` in one transaction. Feeding the queue
/// gradually keeps it short (claiming stays cheap, and real-time jobs do not queue behind
/// thousands of backfill jobs). Returns how many jobs it added.
pub async fn feed(rt: &Runtime, run: &Run, target: i64) -> anyhow::Result<usize> {
    // Backfill jobs of the connection waiting or running (from the state index, not a scan of
    // the run's items).
    let (open,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM jobs WHERE state IN ('queued', 'running') AND connection_id = ?1 AND priority = ?2 AND kind = 'sync_document'",
    )
    .bind(&run.connection_id)
    .bind(priority::BACKFILL)
    .fetch_one(rt.store.pool())
    .await?;
    if open * 2 > target {
        return Ok(0);
    }
    let pending: Vec<(String, String)> =
        sqlx::query_as("SELECT kind, zoho_id FROM backfill_items WHERE run_id = ?1 AND job_id IS NULL ORDER BY rowid LIMIT ?2")
            .bind(run.id)
            .bind(target - open)
            .fetch_all(rt.store.pool())
            .await?;
    if pending.is_empty() {
        return Ok(0);
    }
    let now = rt.clock.now_ms();
    let mut tx = rt.store.pool().begin().await?;
    let mut added = 0;
    for (kind, id) in &pending {
        let Ok(document_kind) = kind.parse::<DocumentKind>() else {
            continue;
        };
        // Fenced on job_id IS NULL: another process feeding the same run skips this item.
        let claimed = sqlx::query("UPDATE backfill_items SET job_id = -1 WHERE run_id = ?1 AND kind = ?2 AND zoho_id = ?3 AND job_id IS NULL")
            .bind(run.id)
            .bind(kind)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        if claimed.rows_affected() == 0 {
            continue;
        }
        let job = JobPayload::SyncDocument {
            document_kind,
            id: id.clone(),
            snapshot: None,
        }
        .into_new_job(
            &run.connection_id,
            priority::BACKFILL,
            rt.config.workers.max_attempts,
        );
        let job_id = insert_job(&mut *tx, &job, None, now).await?;
        sqlx::query("UPDATE backfill_items SET job_id = ?4 WHERE run_id = ?1 AND kind = ?2 AND zoho_id = ?3")
            .bind(run.id)
            .bind(kind)
            .bind(id)
            .bind(job_id)
            .execute(&mut *tx)
            .await?;
        added += 1;
    }
    tx.commit().await?;
    Ok(added)
}

/// Documents listed, synced (job done, or its record already pruned) and failed (dead).
pub async fn progress(rt: &Runtime, run_ids: &[i64]) -> anyhow::Result<Progress> {
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
    .fetch_one(rt.store.pool())
    .await?)
}

/// Marks the run done and, so reconciliation carries on from here, moves the watermark of each
/// kind to at least the run's start (changes made during the run are newer than that).
pub async fn finish(rt: &Runtime, run: &Run) -> anyhow::Result<()> {
    let now = rt.clock.now_ms();
    let mut tx = rt.store.pool().begin().await?;
    let (started_at,): (i64,) =
        sqlx::query_as("UPDATE backfill_runs SET state = 'done', finished_at = ?2 WHERE id = ?1 RETURNING started_at")
            .bind(run.id)
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
    for kind in &run.kinds {
        sqlx::query(
            "INSERT INTO watermarks (connection_id, kind, last_modified_ms, updated_at) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (connection_id, kind) DO UPDATE SET
                last_modified_ms = MAX(watermarks.last_modified_ms, excluded.last_modified_ms), updated_at = excluded.updated_at",
        )
        .bind(&run.connection_id)
        .bind(kind.as_str())
        .bind(started_at)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(())
}
