//! Document → item name and column values, encoded for each column's real monday type.

use crate::config::{BoardMapping, LineItemMode};
use crate::money;
use chrono::NaiveDate;
use monday::{Board, ColumnType, ColumnValue, ColumnValues};
use rust_decimal::Decimal;
use zoho_books::{DataCentre, Document, DocumentKind};

/// A Zoho value before it meets a column type.
#[derive(Debug, Clone, PartialEq)]
pub enum FieldValue {
    Text(String),
    /// An amount and the document's currency (which decides its minor units).
    Money(Decimal, Option<String>),
    /// A plain number (a custom field): written as Zoho sent it.
    Number(Decimal),
    Date(NaiveDate),
    Label(String),
    Url(String),
    Email(String),
    Missing,
}

/// Why a field cannot go into its column; the document goes to the dead state with this.
#[derive(Debug, thiserror::Error)]
#[error("board {board_id}: column `{column_id}` ({column_type}) cannot hold the {field} value `{value}`; map {field} to a column of a fitting type or change the column")]
pub struct EncodeError {
    pub board_id: String,
    pub column_id: String,
    pub column_type: String,
    pub field: String,
    pub value: String,
}

/// The item as it should look on the board.
#[derive(Debug, Clone)]
pub struct ItemContent {
    pub name: String,
    pub values: ColumnValues,
}

/// Built-in Zoho status → monday label table, per document type.
pub fn default_status_label(kind: DocumentKind, status: &str) -> String {
    let s = status.to_ascii_lowercase();
    let label = match (kind, s.as_str()) {
        (_, "draft") => "Draft",
        (_, "void") => "Void",
        (_, "paid") => "Paid",
        (_, "partially_paid") => "Partially paid",
        (_, "overdue") => "Overdue",
        (DocumentKind::Invoice, "sent") | (DocumentKind::Invoice, "viewed") => "Sent",
        (DocumentKind::Invoice, "unpaid") => "Unpaid",
        (_, "open") => "Open",
        (DocumentKind::PurchaseOrder, "billed") => "Billed",
        (DocumentKind::PurchaseOrder, "partially_billed") => "Partially billed",
        (DocumentKind::PurchaseOrder, "cancelled") => "Cancelled",
        (_, "pending_approval") => "Pending approval",
        (_, "approved") => "Approved",
        _ => return title_case(status),
    };
    label.to_string()
}

fn title_case(s: &str) -> String {
    let words: Vec<String> = s
        .split(['_', ' '])
        .filter(|w| !w.is_empty())
        .enumerate()
        .map(|(i, w)| {
            let lower = w.to_lowercase();
            if i == 0 {
                let mut c = lower.chars();
                c.next()
                    .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
                    .unwrap_or_default()
            } else {
                lower
            }
        })
        .collect();
    words.join(" ")
}

/// The monday label for a document's Zoho status: the mapping's table first, then the built-in one.
pub fn status_label(mapping: &BoardMapping, kind: DocumentKind, status: &str) -> String {
    mapping
        .status_labels
        .get(status)
        .or_else(|| mapping.status_labels.get(&status.to_ascii_lowercase()))
        .cloned()
        .unwrap_or_else(|| default_status_label(kind, status))
}

/// Link back to the document in the Zoho Books web app of its data centre.
pub fn zoho_web_url(dc: DataCentre, org: &str, doc: &Document) -> String {
    let host = match dc {
        DataCentre::Us => "books.zoho.com",
        DataCentre::Eu => "books.zoho.eu",
        DataCentre::In => "books.zoho.in",
        DataCentre::Au => "books.zoho.com.au",
        DataCentre::Jp => "books.zoho.jp",
        DataCentre::Ca => "books.zohocloud.ca",
        DataCentre::Cn => "books.zoho.com.cn",
        DataCentre::Sa => "books.zoho.sa",
    };
    format!("https://{host}/app/{org}#/{}/{}", doc.kind.path(), doc.id)
}

/// One line per line item: `2 × Widget @ 10.00 = 20.00`.
pub fn line_items_summary(doc: &Document) -> String {
    let Some(lines) = &doc.line_items else {
        return String::new();
    };
    lines
        .iter()
        .map(|l| {
            let name = l
                .name
                .clone()
                .or_else(|| l.description.clone())
                .unwrap_or_else(|| "(item)".into());
            let qty = l
                .quantity
                .map(money::quantity)
                .unwrap_or_else(|| "1".into());
            let currency = doc.currency_code.as_deref();
            let rate = l.rate.map(|r| rate_text(r, currency)).unwrap_or_default();
            let total = l
                .item_total
                .map(|t| money::amount(t, currency))
                .unwrap_or_default();
            format!("{qty} × {name} @ {rate} = {total}")
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// A unit rate: at least the currency's minor units, more only when Zoho has them (`0.125`).
fn rate_text(rate: Decimal, currency: Option<&str>) -> String {
    let rounded = money::round(rate, currency);
    if rounded == rate {
        money::amount(rate, currency)
    } else {
        rate.normalize().to_string()
    }
}

fn item_name(mapping: &BoardMapping, doc: &Document) -> String {
    let name = mapping
        .item_name
        .replace("{number}", doc.number.as_deref().unwrap_or(&doc.id))
        .replace("{party}", doc.party_name.as_deref().unwrap_or(""))
        .replace("{status}", doc.status.as_deref().unwrap_or(""))
        .replace("{reference}", doc.reference_number.as_deref().unwrap_or(""));
    let trimmed = name.trim().trim_end_matches('·').trim();
    monday::truncate_item_name(trimmed)
}

/// Encodes one field for the column's actual type.
fn encode(
    board: &Board,
    column_id: &str,
    field: &str,
    value: FieldValue,
) -> Result<(String, ColumnValue), EncodeError> {
    let column = board.column(column_id);
    let Some(column) = column else {
        // Let monday::validate name the missing column with the board; pass the value as text.
        return Ok((column_id.to_string(), fallback_text(value)));
    };
    let fail = |v: &FieldValue| EncodeError {
        board_id: board.id.to_string(),
        column_id: column_id.to_string(),
        column_type: column.column_type.to_string(),
        field: field.to_string(),
        value: describe(v),
    };
    let encoded = match (&column.column_type, value) {
        (_, FieldValue::Missing) => ColumnValue::Clear,
        (ColumnType::Text, v) => fallback_text(v),
        (ColumnType::LongText, v) => match fallback_text(v) {
            ColumnValue::Text(t) => ColumnValue::LongText(t),
            other => other,
        },
        (ColumnType::Numbers, FieldValue::Money(d, currency)) => {
            ColumnValue::Number(money::round(d, currency.as_deref()))
        }
        (ColumnType::Numbers, FieldValue::Number(d)) => ColumnValue::Number(d),
        (ColumnType::Numbers, FieldValue::Text(t)) => match t.trim().parse::<Decimal>() {
            Ok(d) => ColumnValue::Number(d),
            Err(_) => return Err(fail(&FieldValue::Text(t))),
        },
        (ColumnType::Date, FieldValue::Date(d)) => ColumnValue::Date(d),
        (ColumnType::Timeline, FieldValue::Date(d)) => ColumnValue::Timeline { from: d, to: d },
        (ColumnType::Status, FieldValue::Label(l) | FieldValue::Text(l)) => {
            ColumnValue::StatusLabel(l)
        }
        (ColumnType::Dropdown, FieldValue::Label(l) | FieldValue::Text(l)) => {
            ColumnValue::DropdownLabels(vec![l])
        }
        (ColumnType::Link, FieldValue::Url(u)) => ColumnValue::Link {
            url: u,
            text: "Open in Zoho Books".into(),
        },
        (ColumnType::Email, FieldValue::Email(e)) => ColumnValue::Email {
            text: e.clone(),
            email: e,
        },
        (_, v) => return Err(fail(&v)),
    };
    Ok((column_id.to_string(), encoded))
}

fn fallback_text(v: FieldValue) -> ColumnValue {
    match v {
        FieldValue::Missing => ColumnValue::Clear,
        other => ColumnValue::Text(describe(&other)),
    }
}

fn describe(v: &FieldValue) -> String {
    match v {
        FieldValue::Text(s) | FieldValue::Label(s) | FieldValue::Url(s) | FieldValue::Email(s) => {
            s.clone()
        }
        FieldValue::Money(d, currency) => money::with_currency(*d, currency.as_deref()),
        FieldValue::Number(d) => d.to_string(),
        FieldValue::Date(d) => d.format("%Y-%m-%d").to_string(),
        FieldValue::Missing => String::new(),
    }
}

fn opt_text(v: Option<&String>) -> FieldValue {
    v.filter(|s| !s.is_empty())
        .map(|s| FieldValue::Text(s.clone()))
        .unwrap_or(FieldValue::Missing)
}

/// Item name and column values for a document on its board.
pub fn build_item(
    mapping: &BoardMapping,
    board: &Board,
    dc: DataCentre,
    org: &str,
    doc: &Document,
    subitems_used: bool,
) -> Result<ItemContent, EncodeError> {
    let cols = &mapping.columns;
    let currency = doc.currency_code.clone();
    let money = |d: Option<Decimal>| {
        d.map(|d| FieldValue::Money(d, currency.clone()))
            .unwrap_or(FieldValue::Missing)
    };
    let date = |d: Option<NaiveDate>| d.map(FieldValue::Date).unwrap_or(FieldValue::Missing);
    let mut fields: Vec<(&str, &Option<String>, FieldValue)> = vec![
        ("number", &cols.number, opt_text(doc.number.as_ref())),
        ("party", &cols.party, opt_text(doc.party_name.as_ref())),
        ("total", &cols.total, money(doc.total)),
        ("balance", &cols.balance, money(doc.balance)),
        (
            "currency",
            &cols.currency,
            opt_text(doc.currency_code.as_ref()),
        ),
        ("date", &cols.date, date(doc.date)),
        ("due_date", &cols.due_date, date(doc.due_date)),
        (
            "status",
            &cols.status,
            doc.status
                .as_deref()
                .map(|s| FieldValue::Label(status_label(mapping, doc.kind, s)))
                .unwrap_or(FieldValue::Missing),
        ),
        (
            "reference",
            &cols.reference,
            opt_text(doc.reference_number.as_ref()),
        ),
        (
            "email",
            &cols.email,
            doc.email
                .clone()
                .map(FieldValue::Email)
                .unwrap_or(FieldValue::Missing),
        ),
        (
            "link",
            &cols.link,
            FieldValue::Url(zoho_web_url(dc, org, doc)),
        ),
    ];
    let summary_wanted = mapping.line_items == LineItemMode::Summary
        || (mapping.line_items == LineItemMode::Subitems && !subitems_used);
    if summary_wanted && doc.line_items.is_some() {
        fields.push((
            "line_items",
            &cols.line_items,
            FieldValue::Text(line_items_summary(doc)),
        ));
    }
    let mut values = ColumnValues::default();
    values.insert(cols.zoho_id.clone(), ColumnValue::Text(doc.id.clone()));
    for (field, column, value) in fields {
        if let Some(column) = column {
            let (id, v) = encode(board, column, field, value)?;
            values.insert(id, v);
        }
    }
    for (label, column) in &cols.custom_fields {
        let value = doc
            .custom_fields
            .iter()
            .find(|f| {
                f.label.eq_ignore_ascii_case(label) || f.api_name.as_deref() == Some(label.as_str())
            })
            .map(|f| custom_value(&f.value))
            .unwrap_or(FieldValue::Missing);
        let (id, v) = encode(board, column, &format!("custom field `{label}`"), value)?;
        values.insert(id, v);
    }
    Ok(ItemContent {
        name: item_name(mapping, doc),
        values,
    })
}

fn custom_value(v: &serde_json::Value) -> FieldValue {
    match v {
        serde_json::Value::Null => FieldValue::Missing,
        serde_json::Value::String(s) if s.is_empty() => FieldValue::Missing,
        serde_json::Value::String(s) => {
            if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
                FieldValue::Date(d)
            } else {
                FieldValue::Text(s.clone())
            }
        }
        serde_json::Value::Number(n) => n
            .to_string()
            .parse::<Decimal>()
            .map(FieldValue::Number)
            .unwrap_or(FieldValue::Text(n.to_string())),
        other => FieldValue::Text(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_map_through_defaults_and_overrides() {
        assert_eq!(
            default_status_label(DocumentKind::Invoice, "partially_paid"),
            "Partially paid"
        );
        assert_eq!(
            default_status_label(DocumentKind::PurchaseOrder, "billed"),
            "Billed"
        );
        assert_eq!(
            default_status_label(DocumentKind::Bill, "awaiting_approval"),
            "Awaiting approval"
        );
    }

    #[test]
    fn web_links_use_the_data_centre_host() {
        let doc = Document::from_json(DocumentKind::Bill, &serde_json::json!({"bill_id": "42"}))
            .expect("doc");
        assert_eq!(
            zoho_web_url(DataCentre::Ca, "7", &doc),
            "https://books.zohocloud.ca/app/7#/bills/42"
        );
    }
}
