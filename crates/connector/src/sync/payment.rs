//! A payment changes an invoice's or bill's status and balance without firing that document's
//! workflow, so the documents it references are synced again.

use super::document::{access_token, store_err};
use super::{books_error, JobError, JobPayload};
use crate::queue::priority;
use crate::runtime::{Connection, Runtime};
use zoho_books::{BooksError, DocumentKind};

pub(crate) async fn sync_payment(
    rt: &Runtime,
    conn: &Connection,
    vendor: bool,
    payment_id: &str,
    known: Vec<String>,
) -> Result<usize, JobError> {
    let ids = if known.is_empty() {
        let token = access_token(rt, conn).await?;
        let priority = crate::zoho::quota::Priority::current();
        let fetched = if vendor {
            rt.quota
                .call(
                    &conn.books,
                    priority,
                    conn.books.get_vendor_payment(&token, payment_id),
                )
                .await?
                .map(|p| p.bill_ids)
        } else {
            rt.quota
                .call(
                    &conn.books,
                    priority,
                    conn.books.get_customer_payment(&token, payment_id),
                )
                .await?
                .map(|p| p.invoice_ids)
        };
        match fetched {
            Ok(ids) => ids,
            Err(BooksError::NotFound { .. }) => return Ok(0),
            Err(BooksError::Unauthorized { .. }) => {
                conn.tokens.invalidate(&token).await;
                return Err(JobError::retry(
                    "Zoho refused the access token (401); refreshed, will retry",
                ));
            }
            Err(e) => return Err(books_error(e, rt.clock.now_ms())),
        }
    } else {
        known
    };
    let kind = if vendor {
        DocumentKind::Bill
    } else {
        DocumentKind::Invoice
    };
    // The documents queue in the class of the job that found them: a payment found by
    // reconciliation must not jump ahead of webhooks.
    let queue_priority = match crate::zoho::quota::Priority::current() {
        crate::zoho::quota::Priority::Realtime => priority::REALTIME,
        crate::zoho::quota::Priority::Reconcile => priority::RECONCILE,
        crate::zoho::quota::Priority::Backfill => priority::BACKFILL,
    };
    for id in &ids {
        let job = JobPayload::SyncDocument {
            document_kind: kind,
            id: id.clone(),
            snapshot: None,
        }
        .into_new_job(
            &conn.config.id,
            queue_priority,
            rt.config.workers.max_attempts,
        );
        rt.queue.enqueue(&job).await.map_err(store_err)?;
    }
    rt.wake.notify_waiters();
    Ok(ids.len())
}
