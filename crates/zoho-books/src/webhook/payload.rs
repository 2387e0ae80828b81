//! Parsing webhook deliveries into the record they announce.
//!
//! Zoho does not document the envelope of Books' "default payload"; third parties see the
//! record wrapped in its entity key (`{"invoice": {...}}`), sometimes next to an
//! `organization_id`. Pipedream-style webhooks send a form body whose `JSONString` field holds
//! the JSON, and hand-written raw templates send a flat object. All of these are accepted.
//! Treat the result as a hint and re-fetch the record: the payload may be trimmed or stale.

use std::str::FromStr;

use serde_json::{Map, Value};

use super::signature::is_form;
use crate::models::{lenient, CustomerPayment, Document, DocumentKind, VendorPayment};

/// The record a webhook delivery is about.
// One value per delivery, moved once: unboxed `Document` keeps matching simple, and the size
// difference between variants costs nothing here.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq)]
pub enum WebhookPayload {
    /// `{"invoice": {..}}`, `{"bill": {..}}`, `{"purchaseorder": {..}}` (or `purchase_order`).
    Document(Document),
    /// `{"payment": {..}}` or `{"customerpayment": {..}}`, with `invoices[]` or `invoice_id`.
    CustomerPayment(CustomerPayment),
    /// `{"vendorpayment": {..}}`, with `bills[]` or `bill_id`.
    VendorPayment(VendorPayment),
}

/// A parsed delivery plus the envelope's optional `organization_id`, which lets a receiver
/// check the delivery belongs to the connection it arrived on.
#[derive(Debug, Clone, PartialEq)]
pub struct WebhookEnvelope {
    pub payload: WebhookPayload,
    pub organization_id: Option<String>,
}

/// Why a delivery could not be read. Messages say what was wrong and what is accepted; they
/// quote key names, never values.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WebhookError {
    /// Not JSON / not a form, or the entity object is unusable (e.g. no id).
    #[error("malformed Zoho Books webhook body: {0}")]
    Malformed(String),
    /// Valid JSON, but about no entity this crate handles.
    #[error("unrecognised Zoho Books webhook entity: {0}")]
    UnknownEntity(String),
}

/// Wrapper keys, in the order they are tried.
const ENTITY_KEYS: [&str; 9] = [
    "invoice",
    "bill",
    "purchaseorder",
    "purchase_order",
    "payment",
    "customerpayment",
    "customer_payment",
    "vendorpayment",
    "vendor_payment",
];
const ACCEPTED: &str = "a JSON object wrapped in one of invoice, bill, purchaseorder, payment, \
    customerpayment or vendorpayment; a flat object with an `entity` field or an id field \
    (invoice_id, bill_id, purchaseorder_id, payment_id); or a form body with `JSONString`";

impl WebhookPayload {
    /// Parses a JSON body, or an `application/x-www-form-urlencoded` body whose `JSONString`
    /// field (or an entity-named field) holds the JSON.
    pub fn parse(content_type: Option<&str>, body: &[u8]) -> Result<WebhookPayload, WebhookError> {
        WebhookEnvelope::parse(content_type, body).map(|e| e.payload)
    }

    /// The documents whose state this delivery may have changed, to re-fetch: the document
    /// itself, or the invoices/bills a payment settles.
    pub fn affected_documents(&self) -> Vec<(DocumentKind, String)> {
        match self {
            WebhookPayload::Document(d) => vec![(d.kind, d.id.clone())],
            WebhookPayload::CustomerPayment(p) => p
                .invoice_ids
                .iter()
                .map(|id| (DocumentKind::Invoice, id.clone()))
                .collect(),
            WebhookPayload::VendorPayment(p) => p
                .bill_ids
                .iter()
                .map(|id| (DocumentKind::Bill, id.clone()))
                .collect(),
        }
    }
}

impl WebhookEnvelope {
    /// Like [`WebhookPayload::parse`], keeping the top-level `organization_id` too.
    pub fn parse(content_type: Option<&str>, body: &[u8]) -> Result<WebhookEnvelope, WebhookError> {
        let value = if is_form(content_type) || (content_type.is_none() && !looks_like_json(body)) {
            from_form(body)?
        } else {
            serde_json::from_slice::<Value>(body).map_err(|e| {
                WebhookError::Malformed(format!(
                    "body is not valid JSON ({e}); expected {ACCEPTED}"
                ))
            })?
        };
        from_value(value)
    }
}

fn looks_like_json(body: &[u8]) -> bool {
    body.iter()
        .find(|b| !b.is_ascii_whitespace())
        .is_some_and(|b| *b == b'{' || *b == b'[')
}

/// Rebuilds the JSON a form body carries.
fn from_form(body: &[u8]) -> Result<Value, WebhookError> {
    let pairs: Vec<(String, String)> = url::form_urlencoded::parse(body)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    if let Some((_, json)) = pairs
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("JSONString"))
    {
        return serde_json::from_str(json).map_err(|e| {
            WebhookError::Malformed(format!("form field JSONString is not valid JSON ({e})"))
        });
    }
    let mut wrapped = Map::new();
    for (k, v) in &pairs {
        let key = k.to_ascii_lowercase();
        if ENTITY_KEYS.contains(&key.as_str()) {
            let inner: Value = serde_json::from_str(v).map_err(|e| {
                WebhookError::Malformed(format!("form field {k} is not valid JSON ({e})"))
            })?;
            wrapped.insert(key, inner);
        } else if key == "organization_id" {
            wrapped.insert(key, Value::String(v.clone()));
        }
    }
    if wrapped.keys().any(|k| k != "organization_id") {
        Ok(Value::Object(wrapped))
    } else {
        let keys: Vec<&str> = pairs.iter().map(|(k, _)| k.as_str()).take(10).collect();
        Err(WebhookError::Malformed(format!(
            "form body has fields {keys:?} but no JSONString or entity field; expected {ACCEPTED}"
        )))
    }
}

fn from_value(value: Value) -> Result<WebhookEnvelope, WebhookError> {
    let Value::Object(obj) = value else {
        return Err(WebhookError::Malformed(format!(
            "body is not a JSON object; expected {ACCEPTED}"
        )));
    };
    // A JSON body may itself carry the Pipedream-style string field.
    if let Some(Value::String(inner)) = obj.get("JSONString") {
        let inner: Value = serde_json::from_str(inner).map_err(|e| {
            WebhookError::Malformed(format!("field JSONString is not valid JSON ({e})"))
        })?;
        return from_value(inner);
    }
    let organization_id = lenient::id(obj.get("organization_id"));
    let payload = wrapped(&obj).or_else(|| flat(&obj)).unwrap_or_else(|| {
        let keys: Vec<&str> = obj.keys().map(String::as_str).take(10).collect();
        Err(WebhookError::UnknownEntity(format!(
            "found top-level keys {keys:?}; expected {ACCEPTED}"
        )))
    })?;
    Ok(WebhookEnvelope {
        payload,
        organization_id,
    })
}

/// `{"<entity>": {...}}`; `None` when no entity key is present.
fn wrapped(obj: &Map<String, Value>) -> Option<Result<WebhookPayload, WebhookError>> {
    let (key, inner) = ENTITY_KEYS
        .iter()
        .find_map(|k| obj.get(*k).filter(|v| !v.is_null()).map(|v| (*k, v)))?;
    let inner = match inner {
        Value::String(s) => match serde_json::from_str::<Value>(s) {
            Ok(v) => v,
            Err(e) => {
                return Some(Err(WebhookError::Malformed(format!(
                    "`{key}` holds a string that is not JSON ({e})"
                ))))
            }
        },
        other => other.clone(),
    };
    if !inner.is_object() {
        return Some(Err(WebhookError::Malformed(format!(
            "`{key}` must be a JSON object"
        ))));
    }
    Some(match key {
        "invoice" => document(DocumentKind::Invoice, &inner),
        "bill" => document(DocumentKind::Bill, &inner),
        "purchaseorder" | "purchase_order" => document(DocumentKind::PurchaseOrder, &inner),
        "vendorpayment" | "vendor_payment" => vendor_payment(&inner),
        // `payment` is the customer-payment key, but a vendor payment delivered under it is
        // recognised by its bills.
        _ if pays_bills(&inner) => vendor_payment(&inner),
        _ => customer_payment(&inner),
    })
}

/// A flat template object: `{"entity": "invoice", "invoice_id": ...}` or just id fields.
fn flat(obj: &Map<String, Value>) -> Option<Result<WebhookPayload, WebhookError>> {
    let v = Value::Object(obj.clone());
    if let Some(entity) = lenient::text(obj.get("entity")) {
        let norm = entity.to_ascii_lowercase().replace(['_', '-', ' '], "");
        return Some(match norm.as_str() {
            "payment" | "customerpayment" | "customerpayments" => customer_payment(&v),
            "vendorpayment" | "vendorpayments" => vendor_payment(&v),
            _ => match DocumentKind::from_str(&entity) {
                Ok(kind) => document(kind, &v),
                Err(_) => Err(WebhookError::UnknownEntity(format!(
                    "entity {entity:?} is not handled; expected {ACCEPTED}"
                ))),
            },
        });
    }
    if obj.contains_key("payment_id") {
        return Some(if pays_bills(&v) {
            vendor_payment(&v)
        } else {
            customer_payment(&v)
        });
    }
    DocumentKind::ALL
        .into_iter()
        .find(|k| obj.contains_key(k.id_field()))
        .map(|kind| document(kind, &v))
}

fn pays_bills(v: &Value) -> bool {
    let has = |k: &str| v.get(k).is_some_and(|x| !x.is_null());
    (has("bills") || has("bill_id")) && !(has("invoices") || has("invoice_id"))
}

fn document(kind: DocumentKind, v: &Value) -> Result<WebhookPayload, WebhookError> {
    Document::from_json(kind, v)
        .map(WebhookPayload::Document)
        .map_err(|e| WebhookError::Malformed(e.to_string()))
}

fn customer_payment(v: &Value) -> Result<WebhookPayload, WebhookError> {
    CustomerPayment::from_json(v)
        .map(WebhookPayload::CustomerPayment)
        .map_err(|e| WebhookError::Malformed(e.to_string()))
}

fn vendor_payment(v: &Value) -> Result<WebhookPayload, WebhookError> {
    VendorPayment::from_json(v)
        .map(WebhookPayload::VendorPayment)
        .map_err(|e| WebhookError::Malformed(e.to_string()))
}

#[cfg(test)]
#[path = "payload_tests.rs"]
mod tests;
