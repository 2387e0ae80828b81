//! Webhook signatures, deliveries and registration through `/settings/webhooks`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::Router;
use serde_json::{json, Value};

use super::*;
use crate::zoho::{webhook_signature, webhook_signing_string};

const SECRET: &str = "sandboxsecret123";

#[test]
fn the_signed_string_matches_zohos_documented_example() {
    let query = [
        ("subscription_id".to_owned(), "90343".to_owned()),
        ("name".to_owned(), "basic".to_owned()),
    ];
    let body = br#"{"created_date":"2019-03-06","event_id":"5675"}"#;
    assert_eq!(
        String::from_utf8(webhook_signing_string(&query, body)).expect("UTF-8"),
        r#"namebasicsubscription_id90343{"created_date":"2019-03-06","event_id":"5675"}"#
    );
    // Computed independently: printf '%s' '<signed string>' | openssl dgst -sha256 -hmac sandboxsecret123
    assert_eq!(
        webhook_signature(SECRET, &query, body),
        "cbd4698f4240bb587d9866aba025e0ff4a7bde105d09705414eb8359881d4f12"
    );
}

#[derive(Clone, Default)]
struct Received(Arc<Mutex<Vec<Delivered>>>);

/// One delivery as received: query, headers and raw body.
type Delivered = (HashMap<String, String>, HeaderMap, Bytes);

/// A receiver on port 0 that records each delivery and answers 202.
async fn receiver() -> (String, Received) {
    let received = Received::default();
    let app = Router::new()
        .route(
            "/hooks",
            post(
                |State(r): State<Received>,
                 Query(q): Query<HashMap<String, String>>,
                 headers: HeaderMap,
                 body: Bytes| async move {
                    r.0.lock().expect("lock").push((q, headers, body));
                    StatusCode::ACCEPTED
                },
            ),
        )
        .with_state(received.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("address");
    tokio::spawn(async move { axum::serve(listener, app).await.expect("receiver serves") });
    (format!("http://{addr}/hooks"), received)
}

/// Checks the delivery's signature the way a receiver must: over the received raw bytes.
fn verify(query: &HashMap<String, String>, headers: &HeaderMap, body: &[u8]) {
    let pairs: Vec<(String, String)> = query.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
    let signature = headers["x-zoho-webhook-signature"].to_str().expect("text");
    assert_eq!(signature, webhook_signature(SECRET, &pairs, body));
    assert_eq!(headers["content-type"], "application/json");
}

#[tokio::test]
async fn send_webhook_signs_query_and_raw_body() {
    let sandbox = start(ZohoSandboxConfig::default()).await;
    sandbox.seed(EU_ORG, 1, 0, 0, 1);
    let id = sandbox.documents(EU_ORG, "invoice")[0]["invoice_id"]
        .as_str()
        .expect("id")
        .to_owned();
    let body = sandbox
        .webhook_body(EU_ORG, "invoice", &id)
        .expect("a body");
    assert_eq!(body["invoice"]["invoice_id"], json!(id));
    let (url, received) = receiver().await;
    let status = sandbox
        .send_webhook(
            &format!("{url}?subscription_id=90343&name=basic"),
            Some(SECRET),
            &body,
        )
        .await
        .expect("delivered");
    assert_eq!(status, 202);
    let got = received.0.lock().expect("lock").remove(0);
    verify(&got.0, &got.1, &got.2);
    assert_eq!(serde_json::from_slice::<Value>(&got.2).expect("JSON"), body);
    // Without a secret there is no signature.
    sandbox
        .send_webhook(&url, None, &body)
        .await
        .expect("delivered");
    assert!(received.0.lock().expect("lock")[0]
        .1
        .get("x-zoho-webhook-signature")
        .is_none());
}

async fn create(sandbox: &ZohoSandbox, token: &str, body: Value) -> (u16, Value) {
    let response = http()
        .post(books_url(
            sandbox,
            "eu",
            &format!("/settings/webhooks?organization_id={EU_ORG}"),
        ))
        .header("Authorization", format!("Zoho-oauthtoken {token}"))
        .json(&body)
        .send()
        .await
        .expect("answer");
    (
        response.status().as_u16(),
        response.json().await.expect("JSON"),
    )
}

#[tokio::test]
async fn registered_webhooks_validate_list_and_fire() {
    let sandbox = start(ZohoSandboxConfig::default()).await;
    let token = access_token(&sandbox, "eu", &[EU_ORG]).await;
    let (url, received) = receiver().await;
    let webhook = |name: &str, secret: &str| {
        json!({"webhook_name": name, "entity": "invoice", "url": format!("{url}?source=zoho"), "method": "POST",
               "body_type": "application/json", "secret": secret,
               "headers": [{"param_name": "x-connector-token", "param_value": "tok123"}]})
    };
    for bad in ["short", "has spaces in it!", &"a".repeat(51)] {
        let (status, body) = create(&sandbox, &token, webhook("bad", bad)).await;
        assert_eq!(
            (status, body["code"].clone()),
            (400, json!(2)),
            "secret {bad:?}"
        );
    }
    let (status, body) = create(&sandbox, &token, webhook("ml-connector invoices", SECRET)).await;
    assert_eq!((status, body["code"].clone()), (201, json!(0)));
    let id = body["webhook"]["webhook_id"]
        .as_str()
        .expect("an id")
        .to_owned();
    let (status, body) = create(&sandbox, &token, webhook("ml-connector invoices", SECRET)).await;
    assert_eq!((status, body["code"].clone()), (400, json!(107051)));

    let (_, _, listed) = get(
        &books_url(
            &sandbox,
            "eu",
            &format!("/settings/webhooks?organization_id={EU_ORG}"),
        ),
        &token,
    )
    .await;
    assert_eq!(listed["webhooks"][0]["webhook_id"], json!(id));
    assert!(
        listed["webhooks"][0].get("secret").is_none(),
        "the API does not show secrets"
    );
    assert_eq!(sandbox.registered_webhooks(EU_ORG)[0]["secret"], SECRET);

    sandbox.seed(EU_ORG, 1, 1, 0, 5);
    let invoice = sandbox.documents(EU_ORG, "invoice")[0]["invoice_id"]
        .as_str()
        .expect("id")
        .to_owned();
    assert_eq!(
        sandbox
            .fire_webhooks(EU_ORG, "invoice", &invoice)
            .await
            .expect("fired"),
        [202]
    );
    let bill = sandbox.documents(EU_ORG, "bill")[0]["bill_id"]
        .as_str()
        .expect("id")
        .to_owned();
    assert!(
        sandbox
            .fire_webhooks(EU_ORG, "bill", &bill)
            .await
            .expect("fired")
            .is_empty(),
        "no bill webhook"
    );
    let (query, headers, body) = received.0.lock().expect("lock").remove(0);
    verify(&query, &headers, &body);
    assert_eq!(headers["x-connector-token"], "tok123");
    assert_eq!(
        serde_json::from_slice::<Value>(&body).expect("JSON")["invoice"]["invoice_id"],
        json!(invoice)
    );

    let response = http()
        .delete(books_url(
            &sandbox,
            "eu",
            &format!("/settings/webhooks/{id}?organization_id={EU_ORG}"),
        ))
        .header("Authorization", format!("Zoho-oauthtoken {token}"))
        .send()
        .await
        .expect("answer");
    assert_eq!(response.status().as_u16(), 200);
    assert!(sandbox.registered_webhooks(EU_ORG).is_empty());
}

#[tokio::test]
async fn document_webhooks_can_be_trimmed_to_chosen_fields_and_back() {
    let sandbox = start(ZohoSandboxConfig::default()).await;
    sandbox.seed(EU_ORG, 1, 0, 0, 1);
    let id = sandbox.documents(EU_ORG, "invoice")[0]["invoice_id"]
        .as_str()
        .expect("id")
        .to_owned();
    let full = sandbox.webhook_body(EU_ORG, "invoice", &id).expect("body");
    assert!(full["invoice"].get("total").is_some());
    assert!(full["invoice"].get("customer_name").is_some());

    sandbox.set_webhook_fields(Some(&["status"]));
    let trimmed = sandbox.webhook_body(EU_ORG, "invoice", &id).expect("body");
    let keys: Vec<&String> = trimmed["invoice"]
        .as_object()
        .expect("object")
        .keys()
        .collect();
    assert_eq!(keys, ["invoice_id", "status"]);

    sandbox.set_webhook_fields(None);
    assert_eq!(sandbox.webhook_body(EU_ORG, "invoice", &id), Some(full));
}
