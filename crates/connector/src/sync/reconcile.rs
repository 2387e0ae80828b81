//! Reconciliation: a periodic poll per connection and document type that catches what
//! webhooks missed (downtime, lost deliveries, workflows that were switched off).
//!
//! It lists newest `last_modified_time` first and stops at the first row older than the
//! stored watermark minus an overlap (Zoho may list a change late, or stamp it a little
//! earlier than a change we already saw). Rows newer than the version on the board become
//! `SyncDocument` jobs at reconcile priority; each does one detail GET (list rows have no line
//! items), and a document Books no longer has is handled as a deletion by the sync job.
//!
//! The watermark moves only in the transaction that commits the last page's jobs, so it never
//! passes a change whose job was not committed: a crash or an error half-way leaves it where
//! it was, and the next poll lists the same rows again (sync is idempotent).
//!
//! A payment changes an invoice's or bill's balance without a webhook for the document and
//! maybe without moving its `last_modified_time`, so polling invoices also polls customer
//! payments, and polling bills vendor payments (`payment_poll.rs`).
//!
//! Sorting by `last_modified_time` is undocumented (field reports say it works). Every page is
//! checked: rows must come newest first and `page_context.sort_column`, when echoed, must say
//! `last_modified_time`. If not, stopping at the first old row could skip a recent change
//! listed later, so the poll falls back to reading every page (at most
//! [`UNSORTED_MAX_PAGES`]), logging the fallback once per connection and type.
//!
//! Deleted documents are never listed; once per `zoho.deletion_sweep_interval_seconds` a
//! reconciliation also runs a full-listing deletion sweep (`sweep.rs`).

use super::listing::{ensure_plan, list_page};
use super::payment_poll::Ledger;
use crate::domain::DocumentKey;
use crate::queue::{priority, JobError, JobPayload, JobState};
use crate::runtime::{Connection, Runtime};
use crate::store::Write;
use crate::zoho::quota::Priority;
use std::sync::Arc;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use zoho_books::DocumentKind;

/// What one poll did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ReconcileReport {
    pub pages: u32,
    pub rows_seen: usize,
    pub enqueued: usize,
    pub watermark_ms: Option<i64>,
    /// Jobs queued for payments recorded against this kind (see `payment_poll.rs`).
    pub payments_enqueued: usize,
    /// The deletion sweep, when one was due (see `sweep.rs`).
    pub sweep: Option<super::sweep::SweepReport>,
    /// Zoho did not list newest-modified first, so every page was read (bounded).
    pub unsorted: bool,
}

/// Pages an unsorted listing reads at most: 50 pages of 200 rows = 10,000 documents per type
/// and poll (one list call per page against the quota). Documents beyond that are still
/// caught by webhooks and by the deletion sweep's full listing.
pub const UNSORTED_MAX_PAGES: u32 = 50;

/// Whether a page is in the order asked for: `sort_column` echoed as `last_modified_time` (or
/// not echoed at all) and times non-increasing, also across the previous page's last row.
fn sorted_as_asked(
    page: &zoho_books::ListPage<zoho_books::DocumentSummary>,
    previous: Option<i64>,
) -> bool {
    let echo_ok = page
        .sort_column
        .as_deref()
        .is_none_or(|c| c.eq_ignore_ascii_case("last_modified_time"));
    let mut last = previous;
    for lmt in page
        .items
        .iter()
        .filter_map(|r| r.last_modified_time.map(|t| t.timestamp_millis()))
    {
        if last.is_some_and(|l| lmt > l) {
            return false;
        }
        last = Some(lmt);
    }
    echo_ok
}

/// Logs the unsorted fallback once per process, connection and type.
fn warn_unsorted_once(cid: &str, kind: DocumentKind, echoed: Option<&str>) {
    use std::collections::HashSet;
    use std::sync::{Mutex, OnceLock};
    static WARNED: OnceLock<Mutex<HashSet<(String, &'static str)>>> = OnceLock::new();
    let first = WARNED
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .insert((cid.to_owned(), kind.as_str()));
    if first {
        tracing::warn!(
            connection = cid,
            kind = kind.as_str(),
            sort_column = echoed.unwrap_or("(not echoed)"),
            max_pages = UNSORTED_MAX_PAGES,
            "Zoho did not list documents newest-modified first (sort_column=last_modified_time is undocumented); reconciliation now reads every page instead of stopping at the watermark"
        );
    }
}

pub(crate) async fn reconcile(
    rt: &Runtime,
    conn: &Connection,
    kind: DocumentKind,
) -> Result<ReconcileReport, JobError> {
    let cid = conn.config.id.as_str();
    let mut report = ReconcileReport::default();
    if conn.config.board(kind).is_none() {
        return Ok(report);
    }
    ensure_plan(rt, conn, Priority::Reconcile).await;
    let now = rt.clock.now_ms();
    let overlap = rt.config.zoho.reconcile_overlap().as_millis() as i64;
    let watermark = watermark(rt, cid, kind).await.map_err(JobError::store)?;
    // Without a watermark, history is backfill's job: look back one overlap only.
    let threshold = watermark.unwrap_or(now) - overlap;
    let mut newest = watermark.unwrap_or(threshold);
    let mut page = 1;
    let mut previous_lmt = None;
    loop {
        let listed = list_page(conn, kind, page, Priority::Reconcile).await?;
        report.pages += 1;
        if !report.unsorted && !sorted_as_asked(&listed, previous_lmt) {
            report.unsorted = true;
            warn_unsorted_once(cid, kind, listed.sort_column.as_deref());
        }
        let mut last = !listed.has_more_page;
        let mut ids = Vec::new();
        for row in &listed.items {
            let lmt = row.last_modified_time.map(|t| t.timestamp_millis());
            if let Some(lmt) = lmt {
                previous_lmt = Some(lmt);
                if lmt < threshold {
                    if report.unsorted {
                        // Older than the watermark, but a newer row may still follow.
                        continue;
                    }
                    last = true;
                    break;
                }
                newest = newest.max(lmt);
            }
            report.rows_seen += 1;
            if needs_sync(rt, cid, kind, &row.id, lmt)
                .await
                .map_err(JobError::store)?
            {
                ids.push(row.id.clone());
            }
        }
        if report.unsorted && !last && report.pages >= UNSORTED_MAX_PAGES {
            tracing::warn!(
                connection = cid,
                kind = kind.as_str(),
                pages = report.pages,
                "unsorted listing stopped at its page cap; later pages wait for webhooks or the deletion sweep"
            );
            last = true;
        }
        commit(rt, cid, kind, &ids, last.then_some(newest))
            .await
            .map_err(JobError::store)?;
        report.enqueued += ids.len();
        if !ids.is_empty() {
            rt.wake.notify_waiters();
        }
        if last {
            report.watermark_ms = Some(newest);
            break;
        }
        page += 1;
    }
    if let Some(ledger) = Ledger::settling(kind) {
        report.payments_enqueued = super::payment_poll::poll(rt, conn, ledger).await?;
    }
    report.sweep = super::sweep::sweep_if_due(rt, conn, kind).await?;
    tracing::info!(
        connection = cid,
        kind = kind.as_str(),
        ?report,
        "reconciled"
    );
    Ok(report)
}

/// True when the listed version is newer than the one on the board (or unknown) and no job
/// for the document is already waiting (it will fetch the newest version anyway).
async fn needs_sync(
    rt: &Runtime,
    cid: &str,
    kind: DocumentKind,
    id: &str,
    lmt: Option<i64>,
) -> anyhow::Result<bool> {
    let row = rt.store.document(cid, kind.as_str(), id).await?;
    let newer = match (row.and_then(|r| r.last_modified_ms), lmt) {
        (Some(seen), Some(listed)) => listed > seen,
        _ => true,
    };
    if !newer {
        return Ok(false);
    }
    Ok(!rt
        .queue
        .sync_waiting(&DocumentKey::new(cid, kind, id))
        .await?)
}

/// One page's jobs, and on the last page the new watermark, in one transaction.
async fn commit(
    rt: &Runtime,
    cid: &str,
    kind: DocumentKind,
    ids: &[String],
    new_watermark: Option<i64>,
) -> anyhow::Result<()> {
    let jobs: Vec<_> = ids
        .iter()
        .map(|id| {
            JobPayload::sync(kind, id.clone()).into_new_job(
                cid,
                priority::RECONCILE,
                rt.config.workers.max_attempts,
            )
        })
        .collect();
    let writes: Vec<_> = new_watermark
        .map(|mark_ms| Write::RaiseWatermark {
            connection_id: cid,
            name: kind.as_str(),
            mark_ms,
        })
        .into_iter()
        .collect();
    rt.queue.enqueue_all(&jobs, &writes).await
}

/// The newest `last_modified_time` (ms) reconciliation has fully enqueued for.
pub async fn watermark(rt: &Runtime, cid: &str, kind: DocumentKind) -> anyhow::Result<Option<i64>> {
    rt.store.watermark(cid, kind.as_str()).await
}

/// Queues a reconciliation of one connection and kind unless one is already waiting or
/// running. Returns whether it queued one.
pub async fn schedule(rt: &Runtime, cid: &str, kind: DocumentKind) -> anyhow::Result<bool> {
    let payload = JobPayload::Reconcile {
        document_kind: kind,
    };
    let job = payload.into_new_job(cid, priority::RECONCILE, rt.config.workers.max_attempts);
    let open = rt
        .queue
        .count_for(
            &DocumentKey::reconcile(cid, kind),
            &[JobState::Queued, JobState::Running],
        )
        .await?;
    if open > 0 {
        return Ok(false);
    }
    rt.queue.enqueue(&job).await?;
    rt.wake.notify_waiters();
    Ok(true)
}

/// Every `zoho.reconcile_interval_seconds`, queues a reconciliation per connection and mapped
/// document type. The first round runs one interval after start, so a restart does not add a
/// burst of list calls on top of the backlog it finds.
pub fn spawn_scheduler(rt: Arc<Runtime>, cancel: CancellationToken) -> Option<JoinHandle<()>> {
    let interval = rt.config.zoho.reconcile_interval()?;
    Some(tokio::spawn(async move {
        loop {
            tokio::select! {
                _ = tokio::time::sleep(interval) => {}
                _ = cancel.cancelled() => return,
            }
            for conn in rt.connections.values() {
                for kind in DocumentKind::ALL {
                    if conn.config.board(kind).is_none() {
                        continue;
                    }
                    if let Err(e) = schedule(&rt, &conn.config.id, kind).await {
                        tracing::error!(connection = %conn.config.id, kind = kind.as_str(), error = %format!("{e:#}"), "could not queue a reconciliation");
                    }
                }
            }
        }
    }))
}
