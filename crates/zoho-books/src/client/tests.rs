//! Books client behaviour over real HTTP on loopback.

use secrecy::SecretString;
use serde_json::{json, Value};

use super::*;
use crate::models::DocumentKind;
use crate::test_support::{closed_port, http, serve_once};
use crate::webhooks_api::WebhookSpec;

const TOKEN: &str = "1000.AccessTokenSecret.xyz";

fn token() -> SecretString {
    SecretString::from(TOKEN.to_owned())
}

fn client(base: &Url) -> BooksClient {
    BooksClient::new(http(), append_path(base, "books/v3"), "10234695")
}

#[tokio::test]
async fn list_documents_sends_org_auth_and_newest_first_paging() {
    let body = json!({"code": 0, "message": "success",
        "purchaseorders": [{"purchaseorder_id": 460000000062001u64, "purchaseorder_number": "PO-00001", "status": "partially_billed"}]});
    let (base, req) = serve_once(
        200,
        &[("X-Rate-Limit-Remaining", "6775")],
        &body.to_string(),
    )
    .await;
    let c = client(&base);
    let page = c
        .list_documents(&token(), DocumentKind::PurchaseOrder, 0, 500)
        .await
        .unwrap();
    assert_eq!(page.items[0].id, "460000000062001");
    assert_eq!(page.items[0].status.as_deref(), Some("partially_billed"));
    assert_eq!((page.page, page.has_more_page), (1, false));
    assert_eq!(
        c.last_rate_limit_advice().and_then(|a| a.remaining),
        Some(6775)
    );

    let req = req.await.unwrap();
    assert_eq!(req.method, "GET");
    assert!(
        req.target.starts_with("/books/v3/purchaseorders?"),
        "{}",
        req.target
    );
    let q = req.query_pairs();
    for (k, v) in [
        ("organization_id", "10234695"),
        ("sort_column", "last_modified_time"),
        ("sort_order", "D"),
        ("per_page", "200"),
        ("page", "1"),
    ] {
        assert!(
            q.contains(&(k.to_owned(), v.to_owned())),
            "{k}={v} missing in {q:?}"
        );
    }
    assert_eq!(
        req.header("authorization"),
        Some(format!("Zoho-oauthtoken {TOKEN}").as_str())
    );
}

#[tokio::test]
async fn get_document_unwraps_the_entity() {
    let body = include_str!("../../tests/fixtures/bill_detail.json");
    let (base, req) = serve_once(200, &[], body).await;
    let d = client(&base)
        .get_document(&token(), DocumentKind::Bill, "460000000098765")
        .await
        .unwrap();
    assert_eq!(d.number.as_deref(), Some("00454"));
    assert!(d.line_items.is_some());
    assert!(req
        .await
        .unwrap()
        .target
        .starts_with("/books/v3/bills/460000000098765?organization_id=10234695"));
}

#[tokio::test]
async fn deleted_record_is_not_found() {
    let (base, _req) = serve_once(
        404,
        &[],
        r#"{"code":1002,"message":"Invoice does not exist."}"#,
    )
    .await;
    let err = client(&base)
        .get_document(&token(), DocumentKind::Invoice, "1")
        .await
        .unwrap_err();
    assert!(matches!(err, BooksError::NotFound { .. }), "{err:?}");
}

#[tokio::test]
async fn rate_limit_429_is_classified_and_advice_kept() {
    let headers = [
        ("X-Rate-Limit-Limit", "1000"),
        ("X-Rate-Limit-Remaining", "0"),
        ("X-Rate-Limit-Reset", "3600"),
    ];
    let (base, _req) = serve_once(429, &headers, r#"{"code":45,"message":"The API call for this organization has exceeded the maximum call rate limit of 1000."}"#).await;
    let c = client(&base);
    let err = c.get_customer_payment(&token(), "9").await.unwrap_err();
    match err {
        BooksError::RateLimited { kind, retry_after } => {
            assert_eq!(kind, RateLimitKind::Daily);
            assert_eq!(retry_after, Some(std::time::Duration::from_secs(3600)));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        c.last_rate_limit_advice().and_then(|a| a.remaining),
        Some(0)
    );
}

#[tokio::test]
async fn non_zero_code_with_http_200_fails() {
    let (base, _req) = serve_once(
        200,
        &[],
        r#"{"code":4,"message":"Invalid value passed for JSONString"}"#,
    )
    .await;
    let err = client(&base)
        .add_comment(&token(), DocumentKind::Invoice, "5", "hi")
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            BooksError::Api {
                status: 200,
                code: 4,
                ..
            }
        ),
        "{err:?}"
    );
}

#[tokio::test]
async fn add_comment_posts_description_only() {
    let (base, req) = serve_once(201, &[], r#"{"code":0,"message":"Comments added."}"#).await;
    client(&base)
        .add_comment(
            &token(),
            DocumentKind::PurchaseOrder,
            "77",
            "Synced to monday",
        )
        .await
        .unwrap();
    let req = req.await.unwrap();
    assert_eq!(req.method, "POST");
    assert!(
        req.target
            .starts_with("/books/v3/purchaseorders/77/comments?"),
        "{}",
        req.target
    );
    let sent: Value = serde_json::from_slice(&req.body).unwrap();
    assert_eq!(sent, json!({"description": "Synced to monday"}));
}

#[tokio::test]
async fn ids_that_would_change_the_path_are_refused() {
    let c = client(&closed_port().await);
    for bad in ["../settings", "1/2", "1?x=2", ""] {
        assert!(
            matches!(
                c.get_document(&token(), DocumentKind::Invoice, bad).await,
                Err(BooksError::Api { status: 0, .. })
            ),
            "{bad}"
        );
    }
}

#[tokio::test]
async fn payments_lists_and_details() {
    let body = include_str!("../../tests/fixtures/vendor_payment_detail.json");
    let (base, _req) = serve_once(200, &[], body).await;
    let p = client(&base)
        .get_vendor_payment(&token(), "460000000053219")
        .await
        .unwrap();
    assert_eq!(p.bill_ids, ["460000000053199"]);

    let body = json!({"code": 0, "message": "success", "customer_payments": [{"payment_id": "1", "invoice_number": "INV-1", "amount": "5.00"}]});
    let (base, req) = serve_once(200, &[], &body.to_string()).await;
    let page = client(&base)
        .list_customer_payments(&token(), 2, 1)
        .await
        .unwrap();
    assert_eq!(
        (page.items.len(), page.has_more_page, page.page),
        (1, true, 2)
    );
    assert!(page.items[0].invoice_ids.is_empty());
    assert!(req
        .await
        .unwrap()
        .target
        .starts_with("/books/v3/customerpayments?organization_id="));
}

#[tokio::test]
async fn list_organizations_omits_organization_id() {
    let body = json!({"code": 0, "message": "success", "organizations": [
        {"organization_id": "10234695", "name": "Zillium Inc", "is_default_org": true, "plan_name": "PROFESSIONAL"},
        {"organization_id": 20, "name": "Demo", "is_default_org": false}]});
    let (base, req) = serve_once(200, &[], &body.to_string()).await;
    let orgs = BooksClient::list_organizations(&http(), &append_path(&base, "books/v3"), &token())
        .await
        .unwrap();
    assert_eq!(orgs.len(), 2);
    assert_eq!(orgs[1].organization_id, "20");
    assert_eq!(req.await.unwrap().target, "/books/v3/organizations");
}

#[tokio::test]
async fn list_webhooks_unsupported_is_none() {
    let (base, _req) = serve_once(404, &[], r#"{"code":5,"message":"Invalid URL Passed"}"#).await;
    assert_eq!(client(&base).list_webhooks(&token()).await.unwrap(), None);
    let (base, _req) = serve_once(
        200,
        &[],
        r#"{"code":0,"webhooks":[{"webhook_id":"9","webhook_name":"a","entity":"bill"}]}"#,
    )
    .await;
    let hooks = client(&base)
        .list_webhooks(&token())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(hooks[0].webhook_id, "9");
}

#[tokio::test]
async fn create_webhook_sends_spec_and_returns_id() {
    let (base, req) = serve_once(
        201,
        &[],
        r#"{"code":0,"message":"Webhook created","webhook":{"webhook_id":4600000012345}}"#,
    )
    .await;
    let spec = WebhookSpec {
        entity: "invoice".into(),
        name: "ml-connector invoices".into(),
        url: "https://connector.example.com/hooks/zoho-books/tok".into(),
        secret: SecretString::from("abcDEF123456".to_owned()),
    };
    let id = client(&base).create_webhook(&token(), &spec).await.unwrap();
    assert_eq!(id, "4600000012345");
    let sent: Value = serde_json::from_slice(&req.await.unwrap().body).unwrap();
    assert_eq!(
        sent,
        json!({"entity": "invoice", "webhook_name": "ml-connector invoices",
        "url": "https://connector.example.com/hooks/zoho-books/tok", "method": "POST",
        "body_type": "application/json", "secret": "abcDEF123456"})
    );
}

#[tokio::test]
async fn transport_errors_carry_no_token_or_url() {
    let c = client(&closed_port().await);
    let err = c
        .get_document(&token(), DocumentKind::Invoice, "5")
        .await
        .unwrap_err();
    assert!(matches!(err, BooksError::Transport(_)), "{err:?}");
    assert!(err.is_retryable());
    let text = format!("{err} {err:?}");
    assert!(
        !text.contains(TOKEN) && !text.contains("10234695"),
        "{text}"
    );
    assert!(!format!("{c:?}").contains(TOKEN));
}
