//! A stand-in for Zoho's web UI: `GET /portal/{org_id}/{invoices|bills|purchaseorders}/{id}`,
//! the target of seeded `invoice_url`s, so links a demo writes into monday.com open something.

use std::sync::Arc;

use axum::extract::{Path, State as AxumState};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use maud::{html, DOCTYPE};
use serde_json::Value;

use super::state::{DocumentKind, State};

pub fn routes() -> Router<Arc<State>> {
    Router::new().route("/portal/{org_id}/{kind}/{id}", get(document_page))
}

async fn document_page(
    AxumState(state): AxumState<Arc<State>>,
    Path((org_id, kind, id)): Path<(String, String, String)>,
) -> Response {
    let Some(kind) = DocumentKind::parse(&kind) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let doc = state
        .lock()
        .orgs
        .get(&org_id)
        .and_then(|o| o.docs(kind).get(&id).cloned());
    let Some(doc) = doc else {
        return (StatusCode::NOT_FOUND, kind.not_found_message()).into_response();
    };
    let text = |field: &str| match doc.get(field) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Null) | None => String::new(),
        Some(other) => other.to_string(),
    };
    let number_field = match kind {
        DocumentKind::Invoice => "invoice_number",
        DocumentKind::Bill => "bill_number",
        DocumentKind::PurchaseOrder => "purchaseorder_number",
    };
    let party = if kind == DocumentKind::Invoice {
        text("customer_name")
    } else {
        text("vendor_name")
    };
    let items = doc
        .get("line_items")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let page = html! {
        (DOCTYPE)
        html {
            head { meta charset="utf-8"; title { (text(number_field)) " — Zoho Books (sandbox)" } }
            body style="font-family: sans-serif; max-width: 48rem; margin: 2rem auto" {
                h1 { (text(number_field)) }
                p { (party) " · " (text("status")) " · " (text("date")) }
                table border="1" cellpadding="4" style="border-collapse: collapse; width: 100%" {
                    tr { th { "Item" } th { "Qty" } th { "Rate" } th { "Amount" } }
                    @for item in &items {
                        tr {
                            td { (item["name"].as_str().unwrap_or_default()) }
                            td { (item["quantity"]) }
                            td { (item["rate"]) }
                            td { (item["item_total"]) }
                        }
                    }
                }
                p { strong { "Total: " (text("total")) " " (text("currency_code")) } }
                @if doc.get("balance").is_some() { p { "Balance due: " (text("balance")) } }
            }
        }
    };
    page.into_response()
}
