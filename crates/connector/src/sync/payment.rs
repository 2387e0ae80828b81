//! A payment changes an invoice's or bill's status and balance without firing that document's
//! workflow, so the documents it references are synced again.

use crate::queue::{priority, JobError, JobPayload};
use crate::runtime::{Connection, Runtime};
use crate::zoho::quota::Priority;
use crate::zoho::{CallError, Op};
use zoho_books::DocumentKind;

pub(crate) async fn sync_payment(
    rt: &Runtime,
    conn: &Connection,
    vendor: bool,
    payment_id: &str,
    known: Vec<String>,
) -> Result<usize, JobError> {
    let ids = if known.is_empty() {
        let books = &conn.zoho.books;
        let fetched = if vendor {
            conn.zoho
                .call(Op::PAYMENTS, Priority::current(), |token| async move {
                    books.get_vendor_payment(&token, payment_id).await
                })
                .await
                .map(|p| p.bill_ids)
        } else {
            conn.zoho
                .call(Op::PAYMENTS, Priority::current(), |token| async move {
                    books.get_customer_payment(&token, payment_id).await
                })
                .await
                .map(|p| p.invoice_ids)
        };
        match fetched {
            Ok(ids) => ids,
            Err(CallError::NotFound(_)) => return Ok(0),
            Err(e) => return Err(e.into()),
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
    let queue_priority = match Priority::current() {
        Priority::Realtime => priority::REALTIME,
        Priority::Reconcile => priority::RECONCILE,
        Priority::Backfill => priority::BACKFILL,
    };
    let jobs: Vec<_> = ids
        .iter()
        .map(|id| {
            JobPayload::sync(kind, id.clone()).into_new_job(
                &conn.config.id,
                queue_priority,
                rt.config.workers.max_attempts,
            )
        })
        .collect();
    rt.queue
        .enqueue_all(&jobs, &[])
        .await
        .map_err(JobError::store)?;
    rt.wake.notify_waiters();
    Ok(ids.len())
}
