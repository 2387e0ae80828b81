//! Deletion sweep: finds documents deleted in Zoho while no webhook could reach us.
//!
//! Zoho lists no deleted documents, so reconciliation (which only sees listed rows) never
//! notices one deleted while the connector was down, and its monday item would stay forever.
//! Every `zoho.deletion_sweep_interval_seconds` a reconciliation also pages through the full
//! list, and each document on the board that was not listed becomes a `SyncDocument` job. The
//! job's detail GET decides: code 1002 ("does not exist") is handled per `on_delete`, and a
//! document that does exist (created, or shifted between pages, during the listing) is simply
//! synced again. So a sweep can cost a few extra GETs but never removes a live item.
//!
//! Only a listing that completed compares: a failed page fails the reconciliation job (which
//! retries) before anything is enqueued. The last sweep's time is the `watermarks` row
//! `sweep:<kind>`, moved in the transaction that commits the sweep's jobs.

use super::listing::list_page;
use crate::queue::{priority, JobError, JobPayload};
use crate::runtime::{Connection, Runtime};
use crate::store::Write;
use crate::zoho::quota::Priority;
use std::collections::HashSet;
use zoho_books::DocumentKind;

/// What one sweep did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct SweepReport {
    pub pages: u32,
    pub listed: usize,
    /// Documents on the board that Zoho did not list, queued for a confirming GET.
    pub enqueued: usize,
}

/// The `watermarks.kind` holding the last sweep's time (ms) for a document kind.
fn sweep_mark(kind: DocumentKind) -> String {
    format!("sweep:{}", kind.as_str())
}

/// Sweeps when the interval has passed since the last sweep. The first call for a connection
/// and kind only starts the clock, so the first sweep runs one interval after the connector
/// first reconciles (and a restart does not add a full listing on top of its backlog).
pub(crate) async fn sweep_if_due(
    rt: &Runtime,
    conn: &Connection,
    kind: DocumentKind,
) -> Result<Option<SweepReport>, JobError> {
    let Some(interval) = rt.config.zoho.deletion_sweep_interval() else {
        return Ok(None);
    };
    let cid = conn.config.id.as_str();
    let name = sweep_mark(kind);
    let now = rt.clock.now_ms();
    match rt
        .store
        .watermark(cid, &name)
        .await
        .map_err(JobError::store)?
    {
        None => {
            let mark = Write::RaiseWatermark {
                connection_id: cid,
                name: &name,
                mark_ms: now,
            };
            rt.queue
                .enqueue_all(&[], &[mark])
                .await
                .map_err(JobError::store)?;
            Ok(None)
        }
        Some(last) if now - last < interval.as_millis() as i64 => Ok(None),
        Some(_) => sweep(rt, conn, kind).await.map(Some),
    }
}

/// Lists every document of `kind` and queues a `SyncDocument` job (reconcile priority, no
/// snapshot) for each one on the board that Zoho did not list and that has no job waiting.
pub async fn sweep(
    rt: &Runtime,
    conn: &Connection,
    kind: DocumentKind,
) -> Result<SweepReport, JobError> {
    let cid = conn.config.id.as_str();
    let mut report = SweepReport::default();
    if conn.config.board(kind).is_none() {
        return Ok(report);
    }
    let mut listed = HashSet::new();
    let mut page = 1;
    loop {
        let rows = list_page(conn, kind, page, Priority::Reconcile).await?;
        report.pages += 1;
        listed.extend(rows.items.into_iter().map(|r| r.id));
        if !rows.has_more_page {
            break;
        }
        page += 1;
    }
    report.listed = listed.len();
    let missing = unlisted(rt, cid, kind, &listed)
        .await
        .map_err(JobError::store)?;
    report.enqueued = missing.len();
    commit(rt, cid, kind, &missing)
        .await
        .map_err(JobError::store)?;
    if !missing.is_empty() {
        rt.wake.notify_waiters();
    }
    tracing::info!(
        connection = cid,
        kind = kind.as_str(),
        ?report,
        "deletion sweep done"
    );
    Ok(report)
}

/// Documents with an item on the board, not known deleted, absent from the listing, and with
/// no sync job already waiting (it will do the confirming GET anyway).
async fn unlisted(
    rt: &Runtime,
    cid: &str,
    kind: DocumentKind,
    listed: &HashSet<String>,
) -> anyhow::Result<Vec<String>> {
    Ok(rt
        .queue
        .synced_documents_without_waiting_job(cid, kind)
        .await?
        .into_iter()
        .filter(|id| !listed.contains(id))
        .collect())
}

/// The sweep's jobs and its time, in one transaction.
async fn commit(rt: &Runtime, cid: &str, kind: DocumentKind, ids: &[String]) -> anyhow::Result<()> {
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
    let name = sweep_mark(kind);
    let mark = Write::RaiseWatermark {
        connection_id: cid,
        name: &name,
        mark_ms: rt.clock.now_ms(),
    };
    rt.queue.enqueue_all(&jobs, &[mark]).await
}
