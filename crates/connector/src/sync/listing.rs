//! Listing documents newest-changed first, under the quota, for reconciliation and backfill.
//!
//! Zoho's `last_modified_time` filter has been seen to match exactly instead of "since", so
//! both page with `sort_column=last_modified_time&sort_order=D` and stop at the first row
//! older than their threshold (reference §4). List rows carry no line items: each changed
//! document costs one detail GET, made by its sync job.

use crate::queue::JobError;
use crate::runtime::{Connection, Runtime};
use crate::zoho::quota::Priority;
use crate::zoho::Op;
use zoho_books::{BooksClient, DocumentKind, DocumentSummary, ListPage};

/// Zoho's largest page.
pub const PER_PAGE: u32 = 200;

/// One page through the one Zoho call path.
pub(crate) async fn list_page(
    conn: &Connection,
    kind: DocumentKind,
    page: u32,
    priority: Priority,
) -> Result<ListPage<DocumentSummary>, JobError> {
    let books = &conn.zoho.books;
    Ok(conn
        .zoho
        .call(Op::read(kind), priority, |token| async move {
            books.list_documents(&token, kind, page, PER_PAGE).await
        })
        .await?)
}

/// Learns the organization's plan (and so its daily cap) once per process, unless the
/// operator set `zoho.quota.daily_limit`. Failing only leaves the cap unknown: a 429 code 45
/// still parks the organization.
pub(crate) async fn ensure_plan(rt: &Runtime, conn: &Connection, priority: Priority) {
    let org = conn.zoho.organization_id();
    if rt.config.zoho.quota.daily_limit.is_some() || !rt.quota.first_plan_lookup(org) {
        return;
    }
    if matches!(rt.quota.plan(org).await, Ok(Some(_))) {
        return;
    }
    let (http, base) = (&rt.http, conn.zoho.books.books_base());
    let orgs = conn
        .zoho
        .call(Op::SETTINGS, priority, |token| async move {
            BooksClient::list_organizations(http, base, &token).await
        })
        .await;
    match orgs {
        Ok(orgs) => match orgs.iter().find(|o| o.organization_id == org).and_then(|o| o.plan_name.clone()) {
            Some(plan) => {
                tracing::info!(org, %plan, "Zoho plan learned; daily API cap set from it");
                let _ = rt.quota.learn_plan(org, &plan).await;
            }
            None => tracing::warn!(org, "Zoho did not report the organization's plan; set zoho.quota.daily_limit to cap daily calls"),
        },
        Err(e) => tracing::warn!(org, error = %JobError::from(e), "could not read the organization's plan; set zoho.quota.daily_limit to cap daily calls"),
    }
}
