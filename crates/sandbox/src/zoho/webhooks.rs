//! Webhooks (reference §9): registration through `/settings/webhooks`, and deliveries shaped
//! like Zoho's Default Payload with the Zoho Billing signature scheme, which the reference marks
//! UNCONFIRMED for Books but is the best-known one:
//! `X-Zoho-Webhook-Signature = hex(HMAC-SHA256(secret, sorted query key+value pairs ++ raw body))`.
//! Because it is unconfirmed, [`SignatureEncoding`] makes the sandbox sign in hex, in base64 or
//! not at all, and [`WebhookPayloadShape`] sends the whole record or only a few fields.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use axum::body::Bytes;
use axum::extract::{Extension, Path, State as AxumState};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use chrono::Utc;
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;
use url::Url;

use super::books::{json_body, v3};
use super::config::{SignatureEncoding, WebhookPayloadShape};
use super::gate::{error, invalid_org, reply, success, ApiContext};
use super::payments::PaymentKind;
use super::state::{format_time, DocumentKind, Inner, State};

/// The signature header (Zoho Billing's name for it).
pub const SIGNATURE_HEADER: &str = "X-Zoho-Webhook-Signature";

/// How long a delivery waits for the receiver.
const DELIVERY_TIMEOUT: Duration = Duration::from_secs(10);

/// The string Zoho signs: query pairs sorted by key (then value), each as `key` + `value` with no
/// separators, followed by the raw body.
pub fn signing_string(query_pairs: &[(String, String)], raw_body: &[u8]) -> Vec<u8> {
    let mut pairs = query_pairs.to_vec();
    pairs.sort();
    let mut out = Vec::new();
    for (k, v) in pairs {
        out.extend_from_slice(k.as_bytes());
        out.extend_from_slice(v.as_bytes());
    }
    out.extend_from_slice(raw_body);
    out
}

/// Lowercase hex HMAC-SHA256 of the signing string, keyed with the webhook secret.
pub fn signature(secret: &str, query_pairs: &[(String, String)], raw_body: &[u8]) -> String {
    // HMAC accepts keys of any length, so this cannot fail.
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes())
        .expect("HMAC takes any key length");
    mac.update(&signing_string(query_pairs, raw_body));
    hex::encode(mac.finalize().into_bytes())
}

/// The signature header value for `encoding`; `None` means no header is sent.
pub fn encoded_signature(
    encoding: SignatureEncoding,
    secret: &str,
    query_pairs: &[(String, String)],
    raw_body: &[u8],
) -> Option<String> {
    use base64::Engine as _;
    let hex_sig = signature(secret, query_pairs, raw_body);
    match encoding {
        SignatureEncoding::Hex => Some(hex_sig),
        SignatureEncoding::Base64 => {
            let raw = hex::decode(hex_sig).unwrap_or_default();
            Some(base64::engine::general_purpose::STANDARD.encode(raw))
        }
        SignatureEncoding::None => None,
    }
}

/// One delivery: where, how, and with what.
pub struct Delivery {
    pub method: String,
    pub url: String,
    pub secret: Option<String>,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// How the signature is encoded when `secret` is set.
    pub encoding: SignatureEncoding,
}

/// Sends a delivery and returns the receiver's HTTP status.
pub async fn deliver(delivery: Delivery) -> anyhow::Result<u16> {
    let url = Url::parse(&delivery.url)
        .with_context(|| format!("webhook URL {:?} is not a URL", delivery.url))?;
    let query: Vec<(String, String)> = url
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let client = reqwest::Client::builder()
        .timeout(DELIVERY_TIMEOUT)
        .build()
        .context("building the webhook HTTP client")?;
    let method =
        reqwest::Method::from_bytes(delivery.method.as_bytes()).unwrap_or(reqwest::Method::POST);
    let mut request = client
        .request(method, url.clone())
        .header(reqwest::header::CONTENT_TYPE, "application/json");
    for (name, value) in &delivery.headers {
        request = request.header(name.as_str(), value.as_str());
    }
    if let Some(secret) = &delivery.secret {
        if let Some(sig) = encoded_signature(delivery.encoding, secret, &query, &delivery.body) {
            request = request.header(SIGNATURE_HEADER, sig);
        }
    }
    let response = request
        .body(delivery.body)
        .send()
        .await
        .with_context(|| format!("delivering a webhook to {url}"))?;
    Ok(response.status().as_u16())
}

/// What a webhook for `kind` carries: `{"invoice": {...}}`, `{"bill": ...}`,
/// `{"purchaseorder": ...}`, `{"payment": ...}` (customer) or `{"vendorpayment": ...}`.
/// `kind` is a document kind or `customer_payment` / `vendor_payment`.
pub fn webhook_body(inner: &Inner, org_id: &str, kind: &str, id: &str) -> Option<Value> {
    let org = inner.orgs.get(org_id)?;
    let (key, record) = if let Some(doc_kind) = DocumentKind::parse(kind) {
        let record = org.docs(doc_kind).get(id)?;
        let id_key = format!("{}_id", doc_kind.singular_key());
        let record = match &inner.webhook_fields {
            None => record.clone(),
            Some(fields) => Value::Object(
                record
                    .as_object()?
                    .iter()
                    .filter(|(k, _)| **k == id_key || fields.contains(k))
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect(),
            ),
        };
        (doc_kind.singular_key(), record)
    } else {
        let payment_kind = payment_kind(kind)?;
        let ledger = match payment_kind {
            PaymentKind::Customer => &org.customer_payments,
            PaymentKind::Vendor => &org.vendor_payments,
        };
        (payment_kind.singular_key(), ledger.get(id)?.clone())
    };
    Some(json!({ key: record }))
}

fn normalize_entity(entity: &str) -> String {
    entity.to_ascii_lowercase().replace(['_', ' '], "")
}

fn payment_kind(kind: &str) -> Option<PaymentKind> {
    match normalize_entity(kind).as_str() {
        "payment" | "customerpayment" | "customerpayments" => Some(PaymentKind::Customer),
        "vendorpayment" | "vendorpayments" => Some(PaymentKind::Vendor),
        _ => None,
    }
}

/// The deliveries the org's registered webhooks for this record's entity would make.
pub fn deliveries_for(inner: &Inner, org_id: &str, kind: &str, id: &str) -> Vec<Delivery> {
    let Some(body) = webhook_body(inner, org_id, kind, id) else {
        return Vec::new();
    };
    let Some((key, record)) = body.as_object().and_then(|o| o.iter().next()) else {
        return Vec::new();
    };
    let (encoding, shape) = (
        inner.config.signature_encoding,
        inner.config.webhook_payload,
    );
    let body = match (shape, DocumentKind::parse(kind)) {
        (WebhookPayloadShape::Partial, Some(_)) => json!({ key: partial(record) }),
        _ => body.clone(),
    };
    let entity = normalize_entity(key);
    let entity = if entity == "payment" {
        "customerpayment".to_owned()
    } else {
        entity
    };
    let Some(org) = inner.orgs.get(org_id) else {
        return Vec::new();
    };
    org.webhooks
        .iter()
        .filter(|w| {
            let registered = normalize_entity(w["entity"].as_str().unwrap_or_default());
            registered == entity || (registered == "payment" && entity == "customerpayment")
        })
        .map(|w| {
            let raw = w["raw_data"].as_str().unwrap_or_default();
            let body = if raw.trim().is_empty() {
                serde_json::to_vec(&body).unwrap_or_default()
            } else {
                fill_template(raw, record).into_bytes()
            };
            let mut url = Url::parse(w["url"].as_str().unwrap_or_default()).ok();
            if let Some(url) = url.as_mut() {
                for (k, v) in param_list(&w["query_parameters"]) {
                    url.query_pairs_mut().append_pair(&k, &v);
                }
            }
            Delivery {
                method: w["method"].as_str().unwrap_or("POST").to_owned(),
                url: url.map(String::from).unwrap_or_default(),
                secret: w["secret"]
                    .as_str()
                    .filter(|s| !s.is_empty())
                    .map(str::to_owned),
                headers: param_list(&w["headers"]),
                body,
                encoding,
            }
        })
        .collect()
}

/// A record cut down to what a partial payload carries: ids, number, status and times; no
/// amounts, no line items.
fn partial(record: &Value) -> Value {
    const KEPT: &[&str] = &[
        "invoice_id",
        "bill_id",
        "purchaseorder_id",
        "invoice_number",
        "bill_number",
        "purchaseorder_number",
        "status",
        "created_time",
        "last_modified_time",
    ];
    let kept = record
        .as_object()
        .map(|o| {
            o.iter()
                .filter(|(k, _)| KEPT.contains(&k.as_str()))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect::<serde_json::Map<String, Value>>()
        })
        .unwrap_or_default();
    Value::Object(kept)
}

/// `[{param_name, param_value}]` as pairs.
fn param_list(v: &Value) -> Vec<(String, String)> {
    v.as_array()
        .into_iter()
        .flatten()
        .filter_map(|p| {
            Some((
                p["param_name"].as_str()?.to_owned(),
                p["param_value"].as_str()?.to_owned(),
            ))
        })
        .collect()
}

/// Fills a raw body template: `${JSONString}` is the whole record, `${ENTITY.FIELD}` a field.
fn fill_template(template: &str, record: &Value) -> String {
    let mut out = String::new();
    let mut rest = template;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let Some(len) = rest[start..].find('}') else {
            out.push_str(&rest[start..]);
            return out;
        };
        let name = &rest[start + 2..start + len];
        let field = name.rsplit('.').next().unwrap_or(name).to_ascii_lowercase();
        match record.get(&field) {
            _ if name == "JSONString" => out.push_str(&record.to_string()),
            Some(Value::String(s)) => out.push_str(s),
            Some(other) => out.push_str(&other.to_string()),
            None => {}
        }
        rest = &rest[start + len + 1..];
    }
    out.push_str(rest);
    out
}

pub fn routes() -> Router<Arc<State>> {
    Router::new()
        .route(
            &v3("/settings/webhooks"),
            get(list_webhooks).post(create_webhook),
        )
        .route(
            &v3("/settings/webhooks/{id}"),
            get(get_webhook).delete(delete_webhook),
        )
}

/// A registered webhook as the API shows it: everything but the secret.
fn public_view(w: &Value) -> Value {
    let mut w = w.clone();
    if let Some(obj) = w.as_object_mut() {
        obj.remove("secret");
    }
    w
}

async fn list_webhooks(
    AxumState(state): AxumState<Arc<State>>,
    Extension(ctx): Extension<ApiContext>,
) -> Response {
    let inner = state.lock();
    let Some(org) = inner.orgs.get(ctx.org()) else {
        return invalid_org();
    };
    success(
        "webhooks",
        Value::Array(org.webhooks.iter().map(public_view).collect()),
    )
}

async fn get_webhook(
    AxumState(state): AxumState<Arc<State>>,
    Extension(ctx): Extension<ApiContext>,
    Path((_dc, id)): Path<(String, String)>,
) -> Response {
    let inner = state.lock();
    let Some(org) = inner.orgs.get(ctx.org()) else {
        return invalid_org();
    };
    match org.webhooks.iter().find(|w| w["webhook_id"] == json!(id)) {
        Some(w) => success("webhook", public_view(w)),
        None => error(StatusCode::NOT_FOUND, 1002, "Webhook does not exist."),
    }
}

async fn delete_webhook(
    AxumState(state): AxumState<Arc<State>>,
    Extension(ctx): Extension<ApiContext>,
    Path((_dc, id)): Path<(String, String)>,
) -> Response {
    let mut inner = state.lock();
    let Some(org) = inner.orgs.get_mut(ctx.org()) else {
        return invalid_org();
    };
    let before = org.webhooks.len();
    org.webhooks.retain(|w| w["webhook_id"] != json!(id));
    if org.webhooks.len() == before {
        return error(StatusCode::NOT_FOUND, 1002, "Webhook does not exist.");
    }
    reply(
        StatusCode::OK,
        json!({ "code": 0, "message": "The webhook has been deleted." }),
    )
}

fn invalid(field: &str, why: &str) -> String {
    format!("Invalid value passed for {field}. {why}")
}

/// Checks a create request against the documented field rules.
fn validate(body: &HashMap<String, Value>) -> Result<(), String> {
    let text = |field: &str| {
        body.get(field)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .trim()
            .to_owned()
    };
    let name = text("webhook_name");
    if name.is_empty() || name.chars().count() > 50 {
        return Err(invalid(
            "webhook_name",
            "It is required and at most 50 characters.",
        ));
    }
    if text("entity").is_empty() {
        return Err(invalid(
            "entity",
            "Name the module, e.g. invoice, bill or purchaseorder.",
        ));
    }
    let url = text("url");
    let url_ok =
        url.len() <= 5000 && Url::parse(&url).is_ok_and(|u| matches!(u.scheme(), "http" | "https"));
    if !url_ok {
        return Err(invalid(
            "url",
            "It must be an http(s) URL of at most 5000 characters.",
        ));
    }
    let method = text("method");
    if !method.is_empty()
        && !matches!(
            method.to_ascii_uppercase().as_str(),
            "POST" | "PUT" | "DELETE"
        )
    {
        return Err(invalid("method", "It must be POST, PUT or DELETE."));
    }
    let secret = text("secret");
    let secret_ok = secret.is_empty()
        || ((12..=50).contains(&secret.len()) && secret.chars().all(|c| c.is_ascii_alphanumeric()));
    if !secret_ok {
        return Err(invalid(
            "secret",
            "The secret must be 12 to 50 alphanumeric characters.",
        ));
    }
    Ok(())
}

/// `POST /settings/webhooks`.
async fn create_webhook(
    AxumState(state): AxumState<Arc<State>>,
    Extension(ctx): Extension<ApiContext>,
    body: Bytes,
) -> Response {
    let Some(Value::Object(fields)) = json_body(&body) else {
        return error(
            StatusCode::BAD_REQUEST,
            2,
            "The request body is not a JSON object.",
        );
    };
    let fields: HashMap<String, Value> = fields.into_iter().collect();
    if let Err(message) = validate(&fields) {
        return error(StatusCode::BAD_REQUEST, 2, message);
    }
    let mut inner = state.lock();
    let webhook_id = inner.next_id();
    let Some(org) = inner.orgs.get_mut(ctx.org()) else {
        return invalid_org();
    };
    let name = fields.get("webhook_name").cloned().unwrap_or_default();
    if org.webhooks.iter().any(|w| w["webhook_name"] == name) {
        return error(
            StatusCode::BAD_REQUEST,
            107051,
            "A webhook with this name already exists.",
        );
    }
    let mut webhook = json!({
        "webhook_id": webhook_id,
        "method": "POST",
        "body_type": "application/json",
        "created_time": format_time(Utc::now()),
    });
    for (k, v) in fields {
        if k != "webhook_id" {
            webhook[k] = v;
        }
    }
    if let Some(m) = webhook["method"].as_str().map(str::to_ascii_uppercase) {
        webhook["method"] = json!(m);
    }
    org.webhooks.push(webhook.clone());
    reply(
        StatusCode::CREATED,
        json!({ "code": 0, "message": "Webhook has been added.", "webhook": public_view(&webhook) }),
    )
}
