//! Payments whose webhooks were lost. Recording a payment does not fire the invoice's or bill's
//! own workflow, and Zoho may not move the document's `last_modified_time`, so the document poll
//! alone can miss a new balance (reference §5). Each invoice reconciliation therefore also lists
//! `/customerpayments`, and each bill reconciliation `/vendorpayments`, newest first.
//!
//! The documented list rows name no invoice or bill ids and, for customer payments, carry no
//! time but the payment's date. So a new payment becomes a `SyncPayment` job, which GETs the
//! payment for its `invoices[].invoice_id` / `bills[].bill_id` and re-syncs those; a row that
//! does name its documents becomes `SyncDocument` jobs directly. Every poll lists a window of at
//! least [`MIN_LOOKBACK_MS`] behind the watermark again, and `seen_payments` remembers what was
//! already queued, so an unchanged ledger costs one list call and no detail GET.
//!
//! Like the document poll, each page's jobs commit together with their `seen_payments` rows,
//! and the watermark moves only with the last page: an error half-way lists the same rows again.
//!
//! Known gap: a payment dated more than the window before the day it is recorded falls outside
//! the window when its row carries only the date; its webhook (or the document's own
//! `last_modified_time`, if Zoho moves it) still brings it.

use super::listing::PER_PAGE;
use crate::queue::{priority, JobError, JobPayload};
use crate::runtime::{Connection, Runtime};
use crate::store::Write;
use crate::zoho::quota::Priority;
use crate::zoho::Op;
use chrono::NaiveDate;
use zoho_books::{CustomerPayment, DocumentKind, VendorPayment};

/// The least look-back behind the watermark. Rows may carry only the payment date (a calendar
/// day of the organization, up to 14 hours off UTC), and payments are often entered a day or
/// so after the date they bear; re-listing two days costs no extra call below 200 payments.
pub const MIN_LOOKBACK_MS: i64 = 2 * 86_400_000;

/// A payment list, named by the documents its payments settle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Ledger {
    /// Customer payments, which settle invoices.
    Customer,
    /// Vendor payments, which settle bills.
    Vendor,
}

impl Ledger {
    /// The ledger whose payments change documents of `kind`, if any.
    pub(crate) fn settling(kind: DocumentKind) -> Option<Ledger> {
        match kind {
            DocumentKind::Invoice => Some(Ledger::Customer),
            DocumentKind::Bill => Some(Ledger::Vendor),
            _ => None,
        }
    }

    /// Its `watermarks.kind` and `seen_payments.ledger`.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Ledger::Customer => "customer_payment",
            Ledger::Vendor => "vendor_payment",
        }
    }

    fn settles(self) -> DocumentKind {
        match self {
            Ledger::Customer => DocumentKind::Invoice,
            Ledger::Vendor => DocumentKind::Bill,
        }
    }
}

/// One list row, reduced to what the poll needs.
#[derive(Debug)]
struct Listed {
    payment_id: String,
    /// The documents it settles, when the row names them (documented rows do not).
    documents: Vec<String>,
    /// The time the list is sorted by: `created_time` for customer payments, `date` for vendor
    /// payments (`BooksClient::list_*_payments`), or the other when the row lacks it.
    order_ms: Option<i64>,
    /// Which version of the payment this is: `last_modified_time`, else the creation time,
    /// else the date. A higher one than recorded means the payment was edited.
    version_ms: Option<i64>,
}

impl Listed {
    fn customer(p: CustomerPayment) -> Listed {
        let created = p.created_time.map(|t| t.timestamp_millis());
        let date = p.date.and_then(day_ms);
        Listed {
            payment_id: p.payment_id,
            documents: p.invoice_ids,
            order_ms: created.or(date),
            version_ms: p
                .last_modified_time
                .map(|t| t.timestamp_millis())
                .or(created)
                .or(date),
        }
    }

    fn vendor(p: VendorPayment) -> Listed {
        let created = p.created_time.map(|t| t.timestamp_millis());
        let date = p.date.and_then(day_ms);
        Listed {
            payment_id: p.payment_id,
            documents: p.bill_ids,
            order_ms: date.or(created),
            version_ms: p
                .last_modified_time
                .map(|t| t.timestamp_millis())
                .or(created)
                .or(date),
        }
    }

    /// The latest time the row carries: it is inside the window when this is.
    fn listed_ms(&self) -> Option<i64> {
        self.order_ms.max(self.version_ms)
    }
}

fn day_ms(date: NaiveDate) -> Option<i64> {
    date.and_hms_opt(0, 0, 0)
        .map(|t| t.and_utc().timestamp_millis())
}

/// Lists the ledger back to its watermark minus the look-back and queues work for each payment
/// not seen before (or edited since). Returns how many jobs it queued.
pub(crate) async fn poll(
    rt: &Runtime,
    conn: &Connection,
    ledger: Ledger,
) -> Result<usize, JobError> {
    let cid = conn.config.id.as_str();
    let now = rt.clock.now_ms();
    let lookback = (rt.config.zoho.reconcile_overlap().as_millis() as i64).max(MIN_LOOKBACK_MS);
    let watermark = rt
        .store
        .watermark(cid, ledger.as_str())
        .await
        .map_err(JobError::store)?;
    let threshold = watermark.unwrap_or(now) - lookback;
    let mut newest = watermark.unwrap_or(threshold);
    let (mut page, mut enqueued, mut rows_seen) = (1, 0, 0);
    loop {
        let (rows, has_more_page) = list_page(conn, ledger, page).await?;
        // Newest first by `order_ms`: once a page ends before the window, so does the rest.
        let last = !has_more_page
            || rows
                .last()
                .is_none_or(|r| r.order_ms.is_none_or(|t| t < threshold));
        let mut work = Vec::new();
        for row in rows {
            if row.listed_ms().is_some_and(|t| t < threshold) {
                continue;
            }
            rows_seen += 1;
            // A payment dated ahead must not carry the watermark past today's payments.
            newest = newest.max(row.listed_ms().unwrap_or(now).min(now));
            if is_new(rt, cid, ledger, &row)
                .await
                .map_err(JobError::store)?
            {
                work.push(row);
            }
        }
        let end = last.then_some((newest, newest - lookback));
        let queued = commit(rt, cid, ledger, &work, end, now)
            .await
            .map_err(JobError::store)?;
        if queued > 0 {
            rt.wake.notify_waiters();
        }
        enqueued += queued;
        if last {
            break;
        }
        page += 1;
    }
    tracing::info!(
        connection = cid,
        ledger = ledger.as_str(),
        pages = page,
        rows_seen,
        enqueued,
        watermark_ms = newest,
        "payments reconciled"
    );
    Ok(enqueued)
}

/// One page of the ledger through the one Zoho call path.
async fn list_page(
    conn: &Connection,
    ledger: Ledger,
    page: u32,
) -> Result<(Vec<Listed>, bool), JobError> {
    let books = &conn.zoho.books;
    Ok(match ledger {
        Ledger::Customer => conn
            .zoho
            .call(Op::PAYMENTS, Priority::Reconcile, |token| async move {
                books.list_customer_payments(&token, page, PER_PAGE).await
            })
            .await
            .map(|p| {
                (
                    p.items.into_iter().map(Listed::customer).collect(),
                    p.has_more_page,
                )
            })?,
        Ledger::Vendor => conn
            .zoho
            .call(Op::PAYMENTS, Priority::Reconcile, |token| async move {
                books.list_vendor_payments(&token, page, PER_PAGE).await
            })
            .await
            .map(|p| {
                (
                    p.items.into_iter().map(Listed::vendor).collect(),
                    p.has_more_page,
                )
            })?,
    })
}

/// True unless this payment was already queued at this version.
async fn is_new(rt: &Runtime, cid: &str, ledger: Ledger, row: &Listed) -> anyhow::Result<bool> {
    let seen = rt
        .store
        .seen_payment_version(cid, ledger.as_str(), &row.payment_id)
        .await?;
    Ok(match seen {
        None => true,
        Some(version) => row.version_ms.is_some_and(|v| v > version),
    })
}

/// One page's jobs and `seen_payments` rows, and on the last page the new watermark (and the
/// pruning of rows that fell out of the window), in one transaction.
async fn commit(
    rt: &Runtime,
    cid: &str,
    ledger: Ledger,
    work: &[Listed],
    end: Option<(i64, i64)>,
    now: i64,
) -> anyhow::Result<usize> {
    if work.is_empty() && end.is_none() {
        return Ok(0);
    }
    let max_attempts = rt.config.workers.max_attempts;
    let mut jobs = Vec::new();
    let mut writes = Vec::new();
    for row in work {
        let payloads = if row.documents.is_empty() {
            vec![JobPayload::SyncPayment {
                vendor: ledger == Ledger::Vendor,
                payment_id: row.payment_id.clone(),
                document_ids: Vec::new(),
            }]
        } else {
            row.documents
                .iter()
                .map(|id| JobPayload::sync(ledger.settles(), id.clone()))
                .collect()
        };
        for payload in payloads {
            jobs.push(payload.into_new_job(cid, priority::RECONCILE, max_attempts));
        }
        writes.push(Write::SeenPayment {
            connection_id: cid,
            ledger: ledger.as_str(),
            payment_id: &row.payment_id,
            version_ms: row.version_ms.unwrap_or(0),
            listed_ms: row.listed_ms().unwrap_or(now),
        });
    }
    if let Some((mark, prune_before)) = end {
        writes.push(Write::RaiseWatermark {
            connection_id: cid,
            name: ledger.as_str(),
            mark_ms: mark,
        });
        writes.push(Write::PruneSeenPayments {
            connection_id: cid,
            ledger: ledger.as_str(),
            before_ms: prune_before,
        });
    }
    rt.queue.enqueue_all(&jobs, &writes).await?;
    Ok(jobs.len())
}
