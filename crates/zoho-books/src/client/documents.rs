//! Invoices, bills and purchase orders: fetch one, list newest-changed first, comment.

use chrono::NaiveDate;
use reqwest::Method;
use secrecy::SecretString;
use serde_json::{json, Value};

use super::{BooksClient, BooksError, ListPage};
use crate::models::{Document, DocumentKind, DocumentSummary};

/// Zoho's documented page-size maximum.
pub(crate) const MAX_PER_PAGE: u32 = 200;

impl BooksClient {
    /// `GET /{invoices|bills|purchaseorders}/{id}`: the full record, with line items.
    ///
    /// A deleted record gives [`BooksError::NotFound`].
    #[tracing::instrument(level = "debug", skip(self, token), fields(org = %self.organization_id))]
    pub async fn get_document(
        &self,
        token: &SecretString,
        kind: DocumentKind,
        id: &str,
    ) -> Result<Document, BooksError> {
        let path = format!("{}/{}", kind.path(), path_segment(id)?);
        let envelope = self.call(Method::GET, &path, &[], token, None).await?;
        let inner = envelope_object(&envelope, &payload_keys(kind))?;
        Document::from_json(kind, inner)
    }

    /// One page of a module, newest `last_modified_time` first
    /// (`sort_column=last_modified_time&sort_order=D`), which is how incremental sync works:
    /// Zoho's `last_modified_time` filter has been seen to match exactly rather than "since",
    /// so callers page until rows are older than their watermark.
    ///
    /// `page` starts at 1; `per_page` is clamped to 1..=200. Rows have no line items.
    #[tracing::instrument(level = "debug", skip(self, token), fields(org = %self.organization_id))]
    pub async fn list_documents(
        &self,
        token: &SecretString,
        kind: DocumentKind,
        page: u32,
        per_page: u32,
    ) -> Result<ListPage<DocumentSummary>, BooksError> {
        let (page, per_page) = paging(page, per_page);
        let query = [
            ("sort_column", "last_modified_time".to_owned()),
            ("sort_order", "D".to_owned()),
            ("per_page", per_page.to_string()),
            ("page", page.to_string()),
        ];
        let envelope = self
            .call(Method::GET, kind.path(), &query, token, None)
            .await?;
        ListPage::from_envelope(&envelope, &[kind.path()], page, per_page, |row| {
            Document::from_json(kind, row)
        })
    }

    /// `POST /{invoices|bills|purchaseorders}/{id}/comments` with `{"description": text}`.
    ///
    /// Comments appear in the record's history in Zoho, which makes them a cheap audit trail
    /// and a place for a link back to the synced board item.
    #[tracing::instrument(level = "debug", skip(self, token, text), fields(org = %self.organization_id))]
    pub async fn add_comment(
        &self,
        token: &SecretString,
        kind: DocumentKind,
        id: &str,
        text: &str,
    ) -> Result<(), BooksError> {
        self.post_comment(token, kind, id, text, None).await
    }

    /// Like [`add_comment`](Self::add_comment) for a purchase order, also sending
    /// `expected_delivery_date` when given. Zoho's OpenAPI marks that field required for PO
    /// comments (probably a spec error); use this if Zoho rejects a plain comment.
    #[tracing::instrument(level = "debug", skip(self, token, text), fields(org = %self.organization_id))]
    pub async fn add_purchase_order_comment(
        &self,
        token: &SecretString,
        id: &str,
        text: &str,
        expected_delivery_date: Option<NaiveDate>,
    ) -> Result<(), BooksError> {
        self.post_comment(
            token,
            DocumentKind::PurchaseOrder,
            id,
            text,
            expected_delivery_date,
        )
        .await
    }

    async fn post_comment(
        &self,
        token: &SecretString,
        kind: DocumentKind,
        id: &str,
        text: &str,
        expected_delivery_date: Option<NaiveDate>,
    ) -> Result<(), BooksError> {
        let path = format!("{}/{}/comments", kind.path(), path_segment(id)?);
        let mut body = json!({ "description": text });
        if let (DocumentKind::PurchaseOrder, Some(date)) = (kind, expected_delivery_date) {
            body["expected_delivery_date"] = json!(date.format("%Y-%m-%d").to_string());
        }
        self.call(Method::POST, &path, &[], token, Some(&body))
            .await?;
        Ok(())
    }
}

/// The keys a detail response may wrap the record in.
fn payload_keys(kind: DocumentKind) -> Vec<&'static str> {
    match kind {
        DocumentKind::PurchaseOrder => vec!["purchaseorder", "purchase_order"],
        other => vec![other.payload_key()],
    }
}

/// The object under the first present key of `keys`.
pub(crate) fn envelope_object<'a>(
    envelope: &'a Value,
    keys: &[&str],
) -> Result<&'a Value, BooksError> {
    keys.iter()
        .filter_map(|k| envelope.get(*k))
        .find(|v| v.is_object())
        .ok_or_else(|| BooksError::Decode(format!("response has no object under {keys:?}")))
}

/// An id placed in a URL path. Zoho ids are digits; anything that could change the path
/// (`/`, `?`, `..`) is refused instead of being sent.
pub(crate) fn path_segment(id: &str) -> Result<&str, BooksError> {
    let id = id.trim();
    if !id.is_empty()
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        Ok(id)
    } else {
        Err(BooksError::Api {
            status: 0,
            code: -1,
            message: format!("refused to request id {id:?}: Zoho ids are alphanumeric"),
        })
    }
}

/// Page at least 1, page size within Zoho's 1..=200.
pub(crate) fn paging(page: u32, per_page: u32) -> (u32, u32) {
    (page.max(1), per_page.clamp(1, MAX_PER_PAGE))
}
