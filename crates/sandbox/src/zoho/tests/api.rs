//! Books API: organization checks, data-centre locality, lists, details, comments, payments.

use std::collections::HashSet;

use chrono::{TimeZone, Utc};
use rust_decimal::Decimal;
use serde_json::{json, Value};

use super::*;
use crate::zoho::state::parse_time;

fn anchor() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 20, 10, 15, 30)
        .single()
        .expect("a valid date")
}

#[tokio::test]
async fn organization_id_is_required_and_must_be_granted() {
    let sandbox = start(ZohoSandboxConfig::default()).await;
    let token = access_token(&sandbox, "eu", &[EU_ORG]).await;
    let invalid_org = json!({"code": 2, "message": "Invalid value passed for organization_id"});
    for query in [
        "",
        "?organization_id=",
        "?organization_id=999",
        &format!("?organization_id={EU_ORG_2}"),
    ] {
        let (status, _, body) = get(
            &books_url(&sandbox, "eu", &format!("/invoices{query}")),
            &token,
        )
        .await;
        assert_eq!((status, &body), (400, &invalid_org), "query {query:?}");
    }
    let (status, _, body) = get(&books_url(&sandbox, "eu", "/organizations"), &token).await;
    assert_eq!((status, body["code"].clone()), (200, json!(0)));
    let (status, _, _) = get(
        &books_url(
            &sandbox,
            "eu",
            &format!("/invoices?organization_id={EU_ORG}"),
        ),
        &token,
    )
    .await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn organizations_and_tokens_stay_in_their_data_centre() {
    let sandbox = start(ZohoSandboxConfig::default()).await;
    let eu_token = access_token(&sandbox, "eu", &[EU_ORG]).await;
    let us_token = access_token(&sandbox, "us", &[US_ORG]).await;
    let invalid_token = json!({"code": 14, "message": "Invalid OAuth token"});
    // An EU organization through the US API domain.
    let (status, _, body) = get(
        &books_url(
            &sandbox,
            "us",
            &format!("/invoices?organization_id={EU_ORG}"),
        ),
        &us_token,
    )
    .await;
    assert_eq!((status, &body), (401, &invalid_token));
    // An EU token at the US API domain.
    let (status, _, body) = get(
        &books_url(
            &sandbox,
            "us",
            &format!("/invoices?organization_id={US_ORG}"),
        ),
        &eu_token,
    )
    .await;
    assert_eq!((status, &body), (401, &invalid_token));
    // `Bearer` is not Books' scheme.
    let response = http()
        .get(books_url(
            &sandbox,
            "eu",
            &format!("/invoices?organization_id={EU_ORG}"),
        ))
        .bearer_auth(&eu_token)
        .send()
        .await
        .expect("answer");
    assert_eq!(response.status().as_u16(), 401);
    assert_eq!(sandbox.stats(EU_ORG).per_code.get(&14), Some(&2));
}

#[tokio::test]
async fn lists_page_sort_and_leave_out_line_items() {
    let sandbox = start(ZohoSandboxConfig::default()).await;
    sandbox.seed_at(EU_ORG, 450, 3, 3, 7, anchor());
    let token = access_token(&sandbox, "eu", &[EU_ORG]).await;
    let mut seen = HashSet::new();
    let mut previous: Option<chrono::DateTime<chrono::FixedOffset>> = None;
    for (page, expected_rows, more) in [(1, 200, true), (2, 200, true), (3, 50, false)] {
        let url = books_url(
            &sandbox,
            "eu",
            &format!("/invoices?organization_id={EU_ORG}&sort_column=last_modified_time&sort_order=D&per_page=200&page={page}"),
        );
        let (status, _, body) = get(&url, &token).await;
        assert_eq!(status, 200);
        let rows = body["invoices"].as_array().expect("rows");
        assert_eq!(rows.len(), expected_rows);
        assert_eq!(body["page_context"]["has_more_page"], more);
        assert_eq!(body["page_context"]["page"], page);
        assert_eq!(body["page_context"]["sort_column"], "last_modified_time");
        for row in rows {
            assert!(
                row.get("line_items").is_none(),
                "list rows have no line_items"
            );
            assert!(
                row["invoice_id"].is_string()
                    && row["total"].is_number()
                    && row["balance"].is_number()
            );
            let modified =
                parse_time(row["last_modified_time"].as_str().expect("time")).expect("Zoho format");
            assert!(previous.is_none_or(|p| p >= modified), "newest first");
            previous = Some(modified);
            seen.insert(row["invoice_id"].as_str().expect("id").to_owned());
        }
    }
    assert_eq!(seen.len(), 450);
    assert_eq!(sandbox.stats(EU_ORG).list_calls, 3);

    let url = books_url(
        &sandbox,
        "eu",
        &format!("/invoices?organization_id={EU_ORG}&sort_column=date&sort_order=A&per_page=500"),
    );
    let (_, _, body) = get(&url, &token).await;
    assert_eq!(body["page_context"]["per_page"], 200);
    let dates: Vec<&str> = body["invoices"]
        .as_array()
        .expect("rows")
        .iter()
        .filter_map(|r| r["date"].as_str())
        .collect();
    assert!(dates.windows(2).all(|w| w[0] <= w[1]), "oldest date first");

    for (path, key) in [("/bills", "bills"), ("/purchaseorders", "purchaseorders")] {
        let (_, _, body) = get(
            &books_url(&sandbox, "eu", &format!("{path}?organization_id={EU_ORG}")),
            &token,
        )
        .await;
        let rows = body[key].as_array().expect("rows");
        assert_eq!(rows.len(), 3);
        assert!(rows.iter().all(|r| r.get("line_items").is_none()));
    }
}

#[tokio::test]
async fn details_carry_line_items_and_unknown_ids_are_1002() {
    let sandbox = start(ZohoSandboxConfig::default()).await;
    sandbox.seed_at(EU_ORG, 5, 5, 5, 11, anchor());
    let token = access_token(&sandbox, "eu", &[EU_ORG]).await;
    for (kind, path, key) in [
        ("invoice", "invoices", "invoice"),
        ("bill", "bills", "bill"),
        ("purchase_order", "purchaseorders", "purchaseorder"),
    ] {
        for doc in sandbox.documents(EU_ORG, kind) {
            let id = doc[format!("{key}_id")].as_str().expect("id").to_owned();
            let (status, _, body) = get(
                &books_url(
                    &sandbox,
                    "eu",
                    &format!("/{path}/{id}?organization_id={EU_ORG}"),
                ),
                &token,
            )
            .await;
            assert_eq!(
                (status, body["code"].clone(), body["message"].clone()),
                (200, json!(0), json!("success"))
            );
            assert_eq!(body[key], doc);
            let items = body[key]["line_items"].as_array().expect("line items");
            assert!((2..=6).contains(&items.len()));
            for item in items {
                for field in [
                    "line_item_id",
                    "item_id",
                    "name",
                    "description",
                    "quantity",
                    "rate",
                    "item_total",
                    "unit",
                ] {
                    assert!(item.get(field).is_some(), "line item lacks {field}");
                }
            }
        }
    }
    let invoice = sandbox.documents(EU_ORG, "invoice")[0]["invoice_id"]
        .as_str()
        .expect("id")
        .to_owned();
    sandbox.delete_document(EU_ORG, "invoice", &invoice);
    let (status, _, body) = get(
        &books_url(
            &sandbox,
            "eu",
            &format!("/invoices/{invoice}?organization_id={EU_ORG}"),
        ),
        &token,
    )
    .await;
    assert_eq!(
        (status, body),
        (
            404,
            json!({"code": 1002, "message": "Invoice does not exist."})
        )
    );
    assert_eq!(sandbox.stats(EU_ORG).detail_gets, 16);
}

#[tokio::test]
async fn seeding_is_deterministic_and_varied() {
    let sandbox = start(ZohoSandboxConfig::default()).await;
    sandbox.seed_at(EU_ORG, 40, 40, 40, 42, anchor());
    sandbox.seed_at(EU_ORG_2, 40, 40, 40, 42, anchor());
    for kind in ["invoice", "bill", "purchase_order"] {
        assert_eq!(
            sandbox.documents(EU_ORG, kind),
            sandbox
                .documents(EU_ORG_2, kind)
                .iter()
                .map(|d| {
                    // invoice_url names the organization; everything else is identical.
                    let mut d = d.clone();
                    if let Some(url) = d.get("invoice_url").and_then(Value::as_str) {
                        d["invoice_url"] = json!(url.replace(EU_ORG_2, EU_ORG));
                    }
                    d
                })
                .collect::<Vec<_>>()
        );
    }
    let invoices = sandbox.documents(EU_ORG, "invoice");
    let distinct = |field: &str| {
        invoices
            .iter()
            .filter_map(|d| d[field].as_str())
            .collect::<HashSet<_>>()
            .len()
    };
    assert!(
        distinct("status") >= 5 && distinct("currency_code") == 3 && distinct("customer_id") >= 5
    );
    assert!(invoices.iter().all(|d| d["invoice_number"]
        .as_str()
        .is_some_and(|n| n.starts_with("INV-"))));
    assert!(invoices
        .iter()
        .all(|d| d["custom_fields"][0]["label"] == "Region"));
    assert!(invoices
        .iter()
        .all(|d| parse_time(d["last_modified_time"].as_str().unwrap_or_default()).is_some()));
    let paid = invoices
        .iter()
        .find(|d| d["status"] == "paid")
        .expect("a paid invoice");
    assert_eq!(paid["balance"], json!(0.0));
}

#[tokio::test]
async fn modify_document_bumps_last_modified_time() {
    let sandbox = start(ZohoSandboxConfig::default()).await;
    sandbox.put_document(
        EU_ORG,
        "invoice",
        json!({"invoice_id": "1", "status": "sent", "total": 10.0, "balance": 10.0}),
    );
    let before = sandbox.document(EU_ORG, "invoice", "1").expect("stored");
    let first =
        parse_time(before["last_modified_time"].as_str().expect("set")).expect("Zoho format");
    let after = sandbox
        .modify_document(EU_ORG, "invoice", "1", json!({"status": "void"}))
        .expect("modified");
    let second =
        parse_time(after["last_modified_time"].as_str().expect("set")).expect("Zoho format");
    assert!(second >= first + chrono::Duration::seconds(1));
    assert_eq!(
        (after["status"].clone(), after["total"].clone()),
        (json!("void"), json!(10.0))
    );
    assert!(sandbox
        .modify_document(EU_ORG, "invoice", "nope", json!({}))
        .is_none());
}

async fn post_json(url: &str, token: &str, body: Value) -> (u16, Value) {
    let response = http()
        .post(url)
        .header("Authorization", format!("Zoho-oauthtoken {token}"))
        .json(&body)
        .send()
        .await
        .expect("answer");
    (
        response.status().as_u16(),
        response.json().await.unwrap_or(Value::Null),
    )
}

#[tokio::test]
async fn comments_are_recorded_without_touching_the_document() {
    let sandbox = start(ZohoSandboxConfig::default()).await;
    sandbox.seed_at(EU_ORG, 1, 1, 1, 3, anchor());
    let token = access_token(&sandbox, "eu", &[EU_ORG]).await;
    for (kind, path, id_field) in [
        ("invoice", "invoices", "invoice_id"),
        ("bill", "bills", "bill_id"),
        ("purchase_order", "purchaseorders", "purchaseorder_id"),
    ] {
        let doc = sandbox.documents(EU_ORG, kind).remove(0);
        let id = doc[id_field].as_str().expect("id");
        let url = books_url(
            &sandbox,
            "eu",
            &format!("/{path}/{id}/comments?organization_id={EU_ORG}"),
        );
        let (status, body) = post_json(
            &url,
            &token,
            json!({"description": "Synced to monday.com item 42"}),
        )
        .await;
        assert_eq!(
            (status, body["code"].clone(), body["message"].clone()),
            (201, json!(0), json!("Comments added."))
        );
        assert_eq!(body["comment"][id_field], json!(id));
        assert_eq!(
            sandbox.comments(EU_ORG, kind, id),
            ["Synced to monday.com item 42"]
        );
        assert_eq!(sandbox.document(EU_ORG, kind, id), Some(doc));
        let (_, _, listed) = get(&url, &token).await;
        assert_eq!(
            listed["comments"][0]["description"],
            "Synced to monday.com item 42"
        );
        let (status, body) = post_json(&url, &token, json!({"description": "  "})).await;
        assert_eq!((status, body["code"].clone()), (400, json!(2)));
    }
    let url = books_url(
        &sandbox,
        "eu",
        &format!("/invoices/404/comments?organization_id={EU_ORG}"),
    );
    assert_eq!(
        post_json(&url, &token, json!({"description": "x"})).await.1["code"],
        1002
    );
    assert_eq!(sandbox.stats(EU_ORG).comments_added, 3);
}

#[tokio::test]
async fn payments_update_documents_and_are_listed() {
    let sandbox = start(ZohoSandboxConfig::default()).await;
    sandbox.put_document(EU_ORG, "invoice", json!({"invoice_id": "11", "invoice_number": "INV-000011", "customer_id": "7", "status": "sent", "total": 135.0, "balance": 135.0, "currency_code": "EUR", "last_modified_time": "2026-01-01T00:00:00+0000"}));
    sandbox.put_document(EU_ORG, "bill", json!({"bill_id": "22", "bill_number": "BILL-00022", "vendor_id": "8", "status": "open", "total": 40.0, "balance": 40.0}));
    let payment = sandbox.record_customer_payment(EU_ORG, "11", Decimal::new(9440, 2));
    let invoice = sandbox.document(EU_ORG, "invoice", "11").expect("stored");
    assert_eq!(
        (invoice["status"].clone(), invoice["balance"].clone()),
        (json!("partially_paid"), json!(40.6))
    );
    assert_ne!(invoice["last_modified_time"], "2026-01-01T00:00:00+0000");
    sandbox.record_customer_payment(EU_ORG, "11", Decimal::new(4060, 2));
    assert_eq!(
        sandbox.document(EU_ORG, "invoice", "11").expect("stored")["status"],
        "paid"
    );
    let vendor_payment = sandbox.record_vendor_payment(EU_ORG, "22", Decimal::from(40));
    assert_eq!(
        sandbox.document(EU_ORG, "bill", "22").expect("stored")["status"],
        "paid"
    );

    let token = access_token(&sandbox, "eu", &[EU_ORG]).await;
    let (_, _, list) = get(
        &books_url(
            &sandbox,
            "eu",
            &format!("/customerpayments?organization_id={EU_ORG}"),
        ),
        &token,
    )
    .await;
    assert_eq!(list["customer_payments"].as_array().map(Vec::len), Some(2));
    let id = payment["payment_id"].as_str().expect("id");
    let (status, _, body) = get(
        &books_url(
            &sandbox,
            "eu",
            &format!("/customerpayments/{id}?organization_id={EU_ORG}"),
        ),
        &token,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(body["payment"]["invoices"][0]["invoice_id"], "11");
    assert_eq!(
        body["payment"]["invoices"][0]["amount_applied"],
        json!(94.4)
    );
    let id = vendor_payment["payment_id"].as_str().expect("id");
    let (_, _, body) = get(
        &books_url(
            &sandbox,
            "eu",
            &format!("/vendorpayments/{id}?organization_id={EU_ORG}"),
        ),
        &token,
    )
    .await;
    assert_eq!(body["vendorpayment"]["bills"][0]["bill_id"], "22");
    let (_, _, list) = get(
        &books_url(
            &sandbox,
            "eu",
            &format!("/vendorpayments?organization_id={EU_ORG}&bill_id=22"),
        ),
        &token,
    )
    .await;
    assert_eq!(list["vendorpayments"].as_array().map(Vec::len), Some(1));
    let (_, _, applied) = get(
        &books_url(
            &sandbox,
            "eu",
            &format!("/invoices/11/payments?organization_id={EU_ORG}"),
        ),
        &token,
    )
    .await;
    assert_eq!(applied["payments"].as_array().map(Vec::len), Some(2));
    let stats = sandbox.stats(EU_ORG);
    assert_eq!(
        (stats.payment_list_calls, stats.payment_detail_gets),
        (2, 2)
    );
}

#[tokio::test]
async fn injected_failures_answer_then_clear() {
    let sandbox = start(ZohoSandboxConfig::default()).await;
    let token = access_token(&sandbox, "eu", &[EU_ORG]).await;
    let url = books_url(
        &sandbox,
        "eu",
        &format!("/invoices?organization_id={EU_ORG}"),
    );
    sandbox.fail_next(EU_ORG, 2, 500);
    sandbox.fail_next_with(EU_ORG, 1, 401, 14, "Invalid OAuth token");
    assert_eq!(get(&url, &token).await.0, 500);
    assert_eq!(
        get(&url, &token).await.2,
        json!({"code": 1000, "message": "Internal error"})
    );
    assert_eq!(get(&url, &token).await.2["code"], 14);
    assert_eq!(get(&url, &token).await.0, 200);
    let stats = sandbox.stats(EU_ORG);
    assert_eq!(stats.api_requests, 4);
    assert_eq!(
        stats.per_code,
        [(0, 1), (14, 1), (1000, 2)].into_iter().collect()
    );
}
