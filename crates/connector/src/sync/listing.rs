//! Listing documents newest-changed first, under the quota, for reconciliation and backfill.
//!
//! Zoho's `last_modified_time` filter has been seen to match exactly instead of "since", so
//! both page with `sort_column=last_modified_time&sort_order=D` and stop at the first row
//! older than their threshold (reference §4). List rows carry no line items: each changed
//! document costs one detail GET, made by its sync job.

use super::document::access_token;
use super::{books_error, JobError};
use crate::runtime::{Connection, Runtime};
use crate::zoho::quota::Priority;
use zoho_books::{BooksClient, BooksError, DocumentKind, DocumentSummary, ListPage};

/// Zoho's largest page.
pub const PER_PAGE: u32 = 200;

/// One page, refreshing the token once on a 401.
pub(crate) async fn list_page(
    rt: &Runtime,
    conn: &Connection,
    kind: DocumentKind,
    page: u32,
    priority: Priority,
) -> Result<ListPage<DocumentSummary>, JobError> {
    let mut token = access_token(rt, conn).await?;
    for attempt in 0..2 {
        let call = conn.books.list_documents(&token, kind, page, PER_PAGE);
        match rt.quota.call(&conn.books, priority, call).await? {
            Ok(page) => return Ok(page),
            Err(BooksError::Unauthorized { .. }) if attempt == 0 => {
                conn.tokens.invalidate(&token).await;
                token = access_token(rt, conn).await?;
            }
            Err(e) => return Err(books_error(e, rt.clock.now_ms())),
        }
    }
    Err(JobError::retry(
        "Zoho refused a freshly refreshed token (401) while listing; will retry",
    ))
}

/// Learns the organization's plan (and so its daily cap) once per process, unless the
/// operator set `zoho.quota.daily_limit`. Failing only leaves the cap unknown: a 429 code 45
/// still parks the organization.
pub(crate) async fn ensure_plan(rt: &Runtime, conn: &Connection, priority: Priority) {
    let org = conn.books.organization_id();
    if rt.config.zoho.quota.daily_limit.is_some() || !rt.quota.first_plan_lookup(org) {
        return;
    }
    if matches!(rt.quota.plan(org).await, Ok(Some(_))) {
        return;
    }
    let Ok(token) = access_token(rt, conn).await else {
        return;
    };
    let call = BooksClient::list_organizations(&rt.http, conn.books.books_base(), &token);
    match rt.quota.call(&conn.books, priority, call).await {
        Ok(Ok(orgs)) => match orgs.iter().find(|o| o.organization_id == org).and_then(|o| o.plan_name.clone()) {
            Some(plan) => {
                tracing::info!(org, %plan, "Zoho plan learned; daily API cap set from it");
                let _ = rt.quota.learn_plan(org, &plan).await;
            }
            None => tracing::warn!(org, "Zoho did not report the organization's plan; set zoho.quota.daily_limit to cap daily calls"),
        },
        Ok(Err(e)) => tracing::warn!(org, error = %e, "could not read the organization's plan; set zoho.quota.daily_limit to cap daily calls"),
        Err(e) => tracing::warn!(org, error = %e, "could not read the organization's plan"),
    }
}
