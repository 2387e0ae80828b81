//! `POST /webhooks/zoho/{token}`: Zoho Books workflow webhooks.
//!
//! Order matters: find the connection by its URL token, check the content type, verify the
//! signature over the exact bytes received, and only then parse. The event and its job are
//! committed in one transaction before the 2xx; anything refused stores nothing.

use super::{reply, WebhookRequest};
use crate::queue::priority;
use crate::queue::EventInsert;
use crate::queue::JobPayload;
use crate::runtime::Runtime;
use crate::zoho::rejections::Rejection;
use axum::http::StatusCode;
use axum::response::Response;
use sha2::{Digest, Sha256};
use std::sync::Arc;
use zoho_books::{DocumentKind, WebhookEnvelope, WebhookPayload};

pub const SIGNATURE_HEADER: &str = "x-zoho-webhook-signature";

pub(crate) async fn receive(rt: Arc<Runtime>, token: String, req: WebhookRequest) -> Response {
    let Some(conn) = rt.connection_by_webhook_token(&token) else {
        return reply(
            StatusCode::NOT_FOUND,
            "no connection has this webhook URL; copy the URL from `ml-connector setup`",
        );
    };
    let header = req.header(SIGNATURE_HEADER);
    let shape = zoho_books::SignatureShape::of(header.as_deref());
    let cid = conn.config.id.as_str();
    let refuse = |why: Rejection, status: StatusCode, message: &str| {
        let rt = rt.clone();
        let message = message.to_owned();
        async move {
            tracing::warn!(connection = cid, reason = why.code(), signature_header = %shape, "webhook refused");
            if let Err(e) = rt
                .store
                .record_webhook_rejection(
                    cid,
                    "zoho",
                    rt.clock.now_ms(),
                    why.code(),
                    &shape.describe(),
                )
                .await
            {
                tracing::error!(connection = cid, error = %format!("{e:#}"), "could not record a refused webhook");
            }
            reply(status, &message)
        }
    };
    let content_type = req.content_type.as_deref();
    let ct_main = content_type.map(|c| {
        c.split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase()
    });
    if !matches!(
        ct_main.as_deref(),
        Some("application/json") | Some("application/x-www-form-urlencoded")
    ) {
        return refuse(
            Rejection::ContentType,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "send the Default Payload as application/json (or x-www-form-urlencoded)",
        )
        .await;
    }
    if let Some(secret) = &conn.config.zoho.webhook_secret {
        let Some(sig) = header.as_deref() else {
            return refuse(
                Rejection::MissingSignature,
                StatusCode::UNAUTHORIZED,
                "missing X-Zoho-Webhook-Signature",
            )
            .await;
        };
        if !zoho_books::verify_signature(secret, &req.query_pairs, content_type, &req.body, sig) {
            return refuse(
                Rejection::SignatureMismatch,
                StatusCode::UNAUTHORIZED,
                "signature does not match",
            )
            .await;
        }
    }
    let envelope = match WebhookEnvelope::parse(content_type, &req.body) {
        Ok(p) => p,
        Err(e) => {
            return refuse(
                Rejection::Payload,
                StatusCode::UNPROCESSABLE_ENTITY,
                &e.to_string(),
            )
            .await
        }
    };
    // A workflow of another organization pointed at this URL must not write into this
    // connection's boards.
    if let Some(org) = envelope.organization_id.as_deref() {
        if org != conn.config.zoho.organization_id {
            return refuse(
                Rejection::Organization,
                StatusCode::UNPROCESSABLE_ENTITY,
                "organization_id does not match this connection; each organization has its own webhook URL",
            )
            .await;
        }
    }
    let payload = envelope.payload;
    // Kinds without a board are acknowledged and dropped: nothing would sync them.
    let mapped_kind = match &payload {
        WebhookPayload::Document(doc) => doc.kind,
        WebhookPayload::CustomerPayment(_) => DocumentKind::Invoice,
        WebhookPayload::VendorPayment(_) => DocumentKind::Bill,
    };
    if conn.config.board(mapped_kind).is_none() {
        return super::json(
            StatusCode::OK,
            serde_json::json!({"status": "ignored", "reason": format!("no board is mapped for {}s", mapped_kind.as_str())}),
        );
    }
    let body_hash = hex::encode(Sha256::digest(&req.body));
    let (dedup_key, job) = match payload {
        WebhookPayload::Document(doc) => {
            // Zoho's times have one-second precision: two edits within a second differ only in
            // content, so the body is part of the key. Exact repeats still collapse.
            let version = doc
                .last_modified_time
                .map(|t| t.timestamp_millis().to_string())
                .unwrap_or_default();
            (
                format!("{}:{}:{version}:{body_hash}", doc.kind.as_str(), doc.id),
                JobPayload::SyncDocument {
                    document_kind: doc.kind,
                    id: doc.id.clone(),
                    snapshot: Some(Box::new(doc)),
                },
            )
        }
        WebhookPayload::CustomerPayment(p) => (
            format!("customerpayment:{}:{body_hash}", p.payment_id),
            JobPayload::SyncPayment {
                vendor: false,
                payment_id: p.payment_id.clone(),
                document_ids: p.invoice_ids.clone(),
            },
        ),
        WebhookPayload::VendorPayment(p) => (
            format!("vendorpayment:{}:{body_hash}", p.payment_id),
            JobPayload::SyncPayment {
                vendor: true,
                payment_id: p.payment_id.clone(),
                document_ids: p.bill_ids.clone(),
            },
        ),
    };
    let new_job = job.into_new_job(cid, priority::REALTIME, rt.config.workers.max_attempts);
    let event = EventInsert {
        source: "zoho",
        connection_id: cid,
        dedup_key: &dedup_key,
        received_at_ms: rt.clock.now_ms(),
        content_type,
        body: &req.body,
    };
    super::record_and_answer(&rt, event, &new_job).await
}
