//! Document parsing against the reference's sample payloads (kept in `tests/fixtures/`).

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde_json::{json, Value};

use super::{Document, DocumentKind};
use crate::client::BooksError;

fn fixture(name: &str) -> Value {
    let text = match name {
        "invoice_detail" => include_str!("../../tests/fixtures/invoice_detail.json"),
        "invoice_list" => include_str!("../../tests/fixtures/invoice_list.json"),
        "bill_detail" => include_str!("../../tests/fixtures/bill_detail.json"),
        "purchaseorder_detail" => include_str!("../../tests/fixtures/purchaseorder_detail.json"),
        other => panic!("no fixture {other}"),
    };
    serde_json::from_str(text).expect("fixture is JSON")
}

#[test]
fn invoice_detail() {
    let v = fixture("invoice_detail");
    let d = Document::from_json(DocumentKind::Invoice, &v["invoice"]).unwrap();
    assert_eq!(d.kind, DocumentKind::Invoice);
    assert_eq!(d.id, "982000000567114");
    assert_eq!(d.number.as_deref(), Some("INV-00003"));
    assert_eq!(d.party_id.as_deref(), Some("982000000567001"));
    assert_eq!(d.party_name.as_deref(), Some("Bowman & Co"));
    assert_eq!(d.status.as_deref(), Some("sent"));
    assert_eq!(d.date, NaiveDate::from_ymd_opt(2013, 11, 17));
    assert_eq!(d.due_date, NaiveDate::from_ymd_opt(2013, 12, 3));
    assert_eq!(d.currency_code.as_deref(), Some("USD"));
    assert_eq!(d.total, Some(Decimal::new(135, 0)));
    assert_eq!(d.balance, Some(Decimal::new(406, 1)));
    assert_eq!(d.reference_number.as_deref(), Some("PO-4711"));
    assert_eq!(d.email.as_deref(), Some("willsmith@bowmanfurniture.com"));
    assert_eq!(
        d.last_modified_time.map(|t| t.to_rfc3339()).as_deref(),
        Some("2013-11-18T02:02:51-08:00")
    );
    assert!(d.created_time.is_some());
    let lines = d.line_items.as_ref().expect("detail has line items");
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0].line_item_id, "982000000567021");
    assert_eq!(lines[0].item_total, Some(Decimal::new(120, 0)));
    assert_eq!(d.custom_fields.len(), 1);
    assert_eq!(d.custom_fields[0].value, json!("Normal"));
    assert!(d
        .url
        .as_deref()
        .unwrap_or("")
        .starts_with("https://books.zoho.com/SecurePayment"));
}

#[test]
fn invoice_list_row_has_no_line_items() {
    let v = fixture("invoice_list");
    let d = Document::from_json(DocumentKind::Invoice, &v["invoices"][0]).unwrap();
    assert_eq!(d.id, "982000000567114");
    assert_eq!(d.line_items, None);
    assert!(d.custom_fields.is_empty());
    assert_eq!(d.balance, Some(Decimal::new(406, 1)));
}

#[test]
fn bill_detail() {
    let v = fixture("bill_detail");
    let d = Document::from_json(DocumentKind::Bill, &v["bill"]).unwrap();
    assert_eq!(d.id, "460000000098765");
    assert_eq!(d.number.as_deref(), Some("00454"));
    assert_eq!(d.party_id.as_deref(), Some("460000000038029"));
    assert_eq!(d.party_name.as_deref(), Some("Bowman Furniture"));
    assert_eq!(d.status.as_deref(), Some("open"));
    assert_eq!(d.due_date, NaiveDate::from_ymd_opt(2013, 9, 26));
    assert_eq!(d.total, Some(Decimal::new(40, 0)));
    assert_eq!(d.custom_fields[0].label, "Cost centre");
    assert_eq!(d.custom_fields[0].value, json!("Ops"));
    assert_eq!(
        d.last_modified_time.map(|t| t.offset().local_minus_utc()),
        Some(5 * 3600 + 1800)
    );
    assert_eq!(d.line_items.map(|l| l.len()), Some(1));
    assert_eq!(d.email, None);
}

#[test]
fn purchase_order_detail_uses_delivery_date() {
    let v = fixture("purchaseorder_detail");
    let d = Document::from_json(DocumentKind::PurchaseOrder, &v["purchaseorder"]).unwrap();
    assert_eq!(d.id, "460000000062001");
    assert_eq!(d.number.as_deref(), Some("PO-00001"));
    assert_eq!(d.party_name.as_deref(), Some("Bowman Furniture"));
    assert_eq!(d.due_date, NaiveDate::from_ymd_opt(2014, 2, 17));
    assert_eq!(d.balance, None);
    assert_eq!(
        d.line_items.as_ref().map(|l| l[0].item_order),
        Some(Some(0))
    );
}

#[test]
fn ids_and_amounts_as_numbers_or_strings_and_unknown_status() {
    let mut v = fixture("invoice_detail")["invoice"].clone();
    v["invoice_id"] = json!(982000000567114u64);
    v["customer_id"] = json!(982000000567001u64);
    v["total"] = json!("135.00");
    v["balance"] = json!("40.60");
    v["status"] = json!("pending_approval");
    v["line_items"][0]["rate"] = json!("120.50");
    let d = Document::from_json(DocumentKind::Invoice, &v).unwrap();
    assert_eq!(d.id, "982000000567114");
    assert_eq!(d.party_id.as_deref(), Some("982000000567001"));
    assert_eq!(d.total, Some(Decimal::new(13500, 2)));
    assert_eq!(d.balance, Some(Decimal::new(4060, 2)));
    assert_eq!(d.status.as_deref(), Some("pending_approval"));
    assert_eq!(d.line_items.unwrap()[0].rate, Some(Decimal::new(12050, 2)));
}

#[test]
fn odd_fields_degrade_to_none() {
    let d = Document::from_json(
        DocumentKind::Bill,
        &json!({"bill_id": "1", "date": "", "total": "", "status": "", "custom_fields": "x",
                "line_items": null, "last_modified_time": "yesterday"}),
    )
    .unwrap();
    assert_eq!(
        (d.date, d.total, d.status, d.last_modified_time),
        (None, None, None, None)
    );
    assert!(d.custom_fields.is_empty());
    assert_eq!(d.line_items, None);
}

#[test]
fn missing_id_is_a_decode_error() {
    let err =
        Document::from_json(DocumentKind::PurchaseOrder, &json!({"status": "open"})).unwrap_err();
    assert!(
        matches!(&err, BooksError::Decode(m) if m.contains("purchaseorder_id")),
        "{err}"
    );
    assert!(Document::from_json(DocumentKind::Invoice, &json!([1])).is_err());
    let d = Document::from_json(
        DocumentKind::PurchaseOrder,
        &json!({"purchase_order_id": 5}),
    )
    .unwrap();
    assert_eq!(d.id, "5");
}

#[test]
fn serde_round_trip() {
    let v = fixture("bill_detail");
    let d = Document::from_json(DocumentKind::Bill, &v["bill"]).unwrap();
    let back: Document = serde_json::from_str(&serde_json::to_string(&d).unwrap()).unwrap();
    assert_eq!(back, d);
}

#[test]
fn a_document_knows_which_fields_its_payload_carried() {
    let trimmed = Document::from_json(
        DocumentKind::Invoice,
        &json!({"invoice_id": "1", "status": "paid", "due_date": "", "last_modified_time": null}),
    )
    .unwrap();
    assert!(trimmed.carries(crate::Field::Status));
    // An empty or null value is still carried: Zoho says the field is blank.
    assert!(trimmed.carries(crate::Field::DueDate));
    assert!(trimmed.carries(crate::Field::LastModifiedTime));
    assert!(!trimmed.carries(crate::Field::Balance));
    assert!(!trimmed.carries(crate::Field::LineItems));
    assert!(!trimmed.carries(crate::Field::CustomFields));

    let po = Document::from_json(
        DocumentKind::PurchaseOrder,
        &json!({"purchaseorder_id": "2", "expected_delivery_date": "2026-01-01", "vendor_name": "V"}),
    )
    .unwrap();
    assert!(po.carries(crate::Field::DueDate));
    assert!(po.carries(crate::Field::PartyName));
    assert!(!po.carries(crate::Field::Number));

    let full = fixture("bill_detail");
    let d = Document::from_json(DocumentKind::Bill, &full["bill"]).unwrap();
    assert!(d.carries(crate::Field::Total) && d.carries(crate::Field::LineItems));
    // A copy stored before fields were recorded carries nothing, so it is never trusted.
    let mut old = serde_json::to_value(&d).unwrap();
    old.as_object_mut().unwrap().remove("present");
    let old: Document = serde_json::from_value(old).unwrap();
    assert!(!old.carries(crate::Field::Total));
}
