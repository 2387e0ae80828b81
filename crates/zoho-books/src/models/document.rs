//! One invoice, bill or purchase order, normalised across the three modules.
//!
//! The connector treats the three kinds alike (one board row per document), so their differing
//! field names (`customer_id` vs `vendor_id`, `due_date` vs `delivery_date`) are mapped here once.

use std::collections::BTreeSet;

use chrono::{DateTime, FixedOffset, NaiveDate};
use rust_decimal::Decimal;
use serde_json::Value;

use super::custom_field::CustomField;
use super::kind::DocumentKind;
use super::lenient;
use super::line_item::LineItem;
use crate::client::BooksError;

/// One normalised document of any kind. Fields not present in a payload are `None`/empty, so
/// the same type serves detail responses, list rows and webhook bodies.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Document {
    pub kind: DocumentKind,
    /// `invoice_id` / `bill_id` / `purchaseorder_id`, string or number in JSON.
    pub id: String,
    /// `invoice_number` / `bill_number` / `purchaseorder_number`.
    pub number: Option<String>,
    /// `customer_id` for invoices, `vendor_id` for bills and POs.
    pub party_id: Option<String>,
    /// `customer_name` for invoices, `vendor_name` for bills and POs.
    pub party_name: Option<String>,
    /// Kept verbatim: Zoho adds statuses (approval states, `partially_billed`) without notice.
    pub status: Option<String>,
    pub date: Option<NaiveDate>,
    /// `due_date` for invoices and bills; `delivery_date` (or `expected_delivery_date`) for POs.
    pub due_date: Option<NaiveDate>,
    pub currency_code: Option<String>,
    pub total: Option<Decimal>,
    /// Amount still unpaid (invoices, bills); POs have none.
    pub balance: Option<Decimal>,
    pub reference_number: Option<String>,
    /// `email`, or for invoices the first associated contact person's email.
    pub email: Option<String>,
    pub created_time: Option<DateTime<FixedOffset>>,
    /// The polling watermark; Zoho's format is `%Y-%m-%dT%H:%M:%S%z`.
    pub last_modified_time: Option<DateTime<FixedOffset>>,
    /// `None` when the payload had no `line_items` key (list rows, trimmed webhooks), so
    /// callers can tell "no lines" from "lines not fetched".
    pub line_items: Option<Vec<LineItem>>,
    pub custom_fields: Vec<CustomField>,
    /// `invoice_url` (the customer-facing link) or the kind's equivalent, when present.
    pub url: Option<String>,
    /// The fields whose key the payload carried (even with an empty or null value). A trimmed
    /// webhook copy carries only some; see [`Document::carries`]. Empty for a document stored
    /// before this was recorded, which then carries nothing.
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub present: BTreeSet<Field>,
}

/// A field of a document, as far as a payload can carry it or not.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    Number,
    PartyId,
    PartyName,
    Status,
    Date,
    DueDate,
    Currency,
    Total,
    Balance,
    Reference,
    Email,
    CreatedTime,
    LastModifiedTime,
    LineItems,
    CustomFields,
    Url,
}

impl Field {
    pub const ALL: [Field; 16] = [
        Field::Number,
        Field::PartyId,
        Field::PartyName,
        Field::Status,
        Field::Date,
        Field::DueDate,
        Field::Currency,
        Field::Total,
        Field::Balance,
        Field::Reference,
        Field::Email,
        Field::CreatedTime,
        Field::LastModifiedTime,
        Field::LineItems,
        Field::CustomFields,
        Field::Url,
    ];

    /// The payload keys that carry this field for a kind (any one of them is enough).
    fn keys(self, kind: DocumentKind) -> &'static [&'static str] {
        let customer = kind.party_is_customer();
        match self {
            Field::Number => match kind {
                DocumentKind::Invoice => &["invoice_number"],
                DocumentKind::Bill => &["bill_number"],
                DocumentKind::PurchaseOrder => &["purchaseorder_number", "purchase_order_number"],
            },
            Field::PartyId if customer => &["customer_id"],
            Field::PartyId => &["vendor_id"],
            Field::PartyName if customer => &["customer_name"],
            Field::PartyName => &["vendor_name"],
            Field::Status => &["status"],
            Field::Date => &["date"],
            Field::DueDate => match kind {
                DocumentKind::PurchaseOrder => &["delivery_date", "expected_delivery_date"],
                _ => &["due_date"],
            },
            Field::Currency => &["currency_code"],
            Field::Total => &["total"],
            Field::Balance => &["balance"],
            Field::Reference => &["reference_number"],
            Field::Email => &[
                "email",
                "contact_persons_associated",
                "contact_persons_details",
            ],
            Field::CreatedTime => &["created_time"],
            Field::LastModifiedTime => &["last_modified_time"],
            Field::LineItems => &["line_items"],
            Field::CustomFields => &["custom_fields"],
            Field::Url => match kind {
                DocumentKind::Invoice => &["invoice_url", "url"],
                DocumentKind::Bill => &["bill_url", "url"],
                DocumentKind::PurchaseOrder => &["purchaseorder_url", "url"],
            },
        }
    }
}

/// A list row. List responses omit `line_items`, so a row is a [`Document`] whose
/// `line_items` is `None`; fetch the detail record to get them.
pub type DocumentSummary = Document;

impl Document {
    /// Parses one JSON object of the given kind: the inner object of a detail response, a list
    /// row, or a webhook's inner object.
    ///
    /// Only a missing id is an error; every other field degrades to `None` when absent or
    /// malformed, because one odd field must not stop a sync.
    pub fn from_json(kind: DocumentKind, v: &Value) -> Result<Document, BooksError> {
        if !v.is_object() {
            return Err(BooksError::Decode(format!(
                "expected a JSON object for {}, got {}",
                kind.payload_key(),
                json_type(v)
            )));
        }
        let id = lenient::id(id_value(kind, v)).ok_or_else(|| {
            BooksError::Decode(format!(
                "{} object has no usable {} (string or number expected)",
                kind.payload_key(),
                kind.id_field()
            ))
        })?;
        let (party_id, party_name) = if kind.party_is_customer() {
            ("customer_id", "customer_name")
        } else {
            ("vendor_id", "vendor_name")
        };
        let due_keys: &[&str] = match kind {
            DocumentKind::PurchaseOrder => &["delivery_date", "expected_delivery_date"],
            _ => &["due_date"],
        };
        Ok(Document {
            kind,
            id,
            number: lenient::text(number_value(kind, v)),
            party_id: lenient::id(v.get(party_id)),
            party_name: lenient::text(v.get(party_name)),
            status: lenient::text(v.get("status")),
            date: lenient::date(v.get("date")),
            due_date: due_keys.iter().find_map(|k| lenient::date(v.get(*k))),
            currency_code: lenient::text(v.get("currency_code")),
            total: lenient::decimal(v.get("total")),
            balance: lenient::decimal(v.get("balance")),
            reference_number: lenient::text(v.get("reference_number")),
            email: lenient::text(v.get("email")).or_else(|| first_contact_email(v)),
            created_time: lenient::time(v.get("created_time")),
            last_modified_time: lenient::time(v.get("last_modified_time")),
            line_items: v
                .get("line_items")
                .and_then(Value::as_array)
                .map(|items| items.iter().filter_map(LineItem::from_json).collect()),
            custom_fields: lenient::array(v, "custom_fields")
                .iter()
                .filter_map(CustomField::from_json)
                .collect(),
            url: lenient::text(url_value(kind, v)),
            present: Field::ALL
                .into_iter()
                .filter(|f| f.keys(kind).iter().any(|k| v.get(*k).is_some()))
                .collect(),
        })
    }

    /// Whether the payload this document came from carried `field`. A field it did not carry
    /// reads as `None`/empty here, but that says nothing about Zoho's record.
    pub fn carries(&self, field: Field) -> bool {
        self.present.contains(&field)
    }
}

/// The id, also under the underscored spelling some payloads use for POs.
fn id_value(kind: DocumentKind, v: &Value) -> Option<&Value> {
    match kind {
        DocumentKind::PurchaseOrder => {
            lenient::first(v, &["purchaseorder_id", "purchase_order_id"])
        }
        _ => v.get(kind.id_field()),
    }
}

fn number_value(kind: DocumentKind, v: &Value) -> Option<&Value> {
    match kind {
        DocumentKind::PurchaseOrder => {
            lenient::first(v, &["purchaseorder_number", "purchase_order_number"])
        }
        _ => v.get(kind.number_field()),
    }
}

fn url_value(kind: DocumentKind, v: &Value) -> Option<&Value> {
    let own = format!("{}_url", kind.payload_key());
    v.get(&own)
        .filter(|u| !u.is_null())
        .or_else(|| v.get("url"))
}

fn first_contact_email(v: &Value) -> Option<String> {
    lenient::array(v, "contact_persons_associated")
        .iter()
        .chain(lenient::array(v, "contact_persons_details"))
        .find_map(|p| lenient::text(lenient::first(p, &["contact_person_email", "email"])))
}

pub(crate) fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}
