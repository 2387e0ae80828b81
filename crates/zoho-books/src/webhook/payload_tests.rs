//! Webhook payload shapes: wrapped, flat, form-encoded, and the errors for everything else.

use super::*;
use serde_json::json;

fn parse_json(v: Value) -> Result<WebhookPayload, WebhookError> {
    WebhookPayload::parse(Some("application/json"), v.to_string().as_bytes())
}

#[test]
fn wrapped_invoice_with_organization_id() {
    let body = json!({"organization_id": "10234695", "invoice": {"invoice_id": "982000000567114",
        "invoice_number": "INV-00003", "status": "paid", "total": 135.0, "balance": 0,
        "last_modified_time": "2013-11-20T10:00:00-0800"}});
    let env = WebhookEnvelope::parse(
        Some("application/json; charset=utf-8"),
        body.to_string().as_bytes(),
    )
    .unwrap();
    assert_eq!(env.organization_id.as_deref(), Some("10234695"));
    match env.payload {
        WebhookPayload::Document(d) => {
            assert_eq!(
                (d.kind, d.id.as_str(), d.status.as_deref()),
                (DocumentKind::Invoice, "982000000567114", Some("paid"))
            );
            assert_eq!(d.line_items, None);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn bill_and_both_purchase_order_spellings() {
    for (body, kind) in [
        (json!({"bill": {"bill_id": 1}}), DocumentKind::Bill),
        (
            json!({"purchaseorder": {"purchaseorder_id": "2"}}),
            DocumentKind::PurchaseOrder,
        ),
        (
            json!({"purchase_order": {"purchaseorder_id": "3"}}),
            DocumentKind::PurchaseOrder,
        ),
    ] {
        match parse_json(body).unwrap() {
            WebhookPayload::Document(d) => assert_eq!(d.kind, kind),
            other => panic!("{other:?}"),
        }
    }
}

#[test]
fn payments() {
    let p = parse_json(json!({"payment": {"payment_id": "9", "invoice_id": "77", "amount": 450}}))
        .unwrap();
    assert_eq!(
        p.affected_documents(),
        vec![(DocumentKind::Invoice, "77".to_owned())]
    );
    let p = parse_json(json!({"customerpayment": {"payment_id": "9", "invoices": [{"invoice_id": "1"}, {"invoice_id": "2"}]}})).unwrap();
    assert!(matches!(&p, WebhookPayload::CustomerPayment(c) if c.invoice_ids == ["1", "2"]));
    let p = parse_json(json!({"vendorpayment": {"payment_id": "5", "bills": [{"bill_id": "8"}]}}))
        .unwrap();
    assert_eq!(
        p.affected_documents(),
        vec![(DocumentKind::Bill, "8".to_owned())]
    );
    let p = parse_json(json!({"payment": {"payment_id": "5", "bill_id": "8"}})).unwrap();
    assert!(matches!(p, WebhookPayload::VendorPayment(_)));
}

#[test]
fn flat_templates() {
    let p = parse_json(json!({"event": "invoice.changed", "entity": "invoice", "invoice_id": "982000000567114", "status": "sent"})).unwrap();
    assert_eq!(
        p.affected_documents(),
        vec![(DocumentKind::Invoice, "982000000567114".to_owned())]
    );
    let p = parse_json(json!({"entity": "purchase_order", "purchaseorder_id": 4})).unwrap();
    assert!(matches!(p, WebhookPayload::Document(ref d) if d.kind == DocumentKind::PurchaseOrder));
    let p = parse_json(json!({"bill_id": "12"})).unwrap();
    assert!(matches!(p, WebhookPayload::Document(ref d) if d.kind == DocumentKind::Bill));
    let p = parse_json(json!({"payment_id": "1", "invoice_id": "2"})).unwrap();
    assert!(matches!(p, WebhookPayload::CustomerPayment(_)));
    assert!(matches!(
        parse_json(json!({"entity": "contact", "contact_id": "1"})),
        Err(WebhookError::UnknownEntity(_))
    ));
}

#[test]
fn form_bodies() {
    let inner = json!({"bill": {"bill_id": "460000000098765", "status": "open"}}).to_string();
    let body = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("JSONString", &inner)
        .finish();
    let p =
        WebhookPayload::parse(Some("application/x-www-form-urlencoded"), body.as_bytes()).unwrap();
    assert!(matches!(p, WebhookPayload::Document(ref d) if d.id == "460000000098765"));
    // Without a content type, a form body is still recognised.
    assert!(WebhookPayload::parse(None, body.as_bytes()).is_ok());

    let inner = json!({"invoice_id": "5", "status": "sent"}).to_string();
    let body = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("invoice", &inner)
        .append_pair("organization_id", "42")
        .finish();
    let env =
        WebhookEnvelope::parse(Some("application/x-www-form-urlencoded"), body.as_bytes()).unwrap();
    assert_eq!(env.organization_id.as_deref(), Some("42"));
    assert_eq!(
        env.payload.affected_documents(),
        vec![(DocumentKind::Invoice, "5".to_owned())]
    );
}

#[test]
fn errors_say_what_is_wrong_and_what_is_accepted() {
    let e = WebhookPayload::parse(Some("application/json"), b"{not json").unwrap_err();
    assert!(
        matches!(&e, WebhookError::Malformed(m) if m.contains("not valid JSON") && m.contains("JSONString")),
        "{e}"
    );
    let e =
        parse_json(json!({"contact": {"contact_id": "1"}, "secret_value": "s3cr3t"})).unwrap_err();
    match &e {
        WebhookError::UnknownEntity(m) => {
            assert!(
                m.contains("\"contact\"") && m.contains("invoice, bill"),
                "{m}"
            );
            assert!(!m.contains("s3cr3t"), "values must not be echoed: {m}");
        }
        other => panic!("{other:?}"),
    }
    assert!(
        matches!(parse_json(json!({"invoice": {"status": "sent"}})), Err(WebhookError::Malformed(m)) if m.contains("invoice_id"))
    );
    assert!(matches!(
        parse_json(json!({"invoice": 5})),
        Err(WebhookError::Malformed(_))
    ));
    assert!(matches!(
        parse_json(json!([1, 2])),
        Err(WebhookError::Malformed(_))
    ));
    assert!(matches!(
        parse_json(json!({"payload": ""})),
        Err(WebhookError::UnknownEntity(_))
    ));
    let e =
        WebhookPayload::parse(Some("application/x-www-form-urlencoded"), b"a=1&b=2").unwrap_err();
    assert!(
        matches!(&e, WebhookError::Malformed(m) if m.contains("JSONString")),
        "{e}"
    );
}
