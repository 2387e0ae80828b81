//! Inbound webhooks. The raw body is kept as received, so signatures are checked on exactly
//! the bytes that were signed.

pub mod monday;
pub mod zoho;

use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};

/// What a webhook handler sees: raw bytes plus the parts of the request that are signed.
pub(crate) struct WebhookRequest {
    pub headers: HeaderMap,
    pub content_type: Option<String>,
    pub query_pairs: Vec<(String, String)>,
    pub body: axum::body::Bytes,
}

impl WebhookRequest {
    pub fn new(headers: HeaderMap, raw_query: Option<String>, body: axum::body::Bytes) -> Self {
        let content_type = headers
            .get(axum::http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let query_pairs = raw_query
            .map(|q| {
                url::form_urlencoded::parse(q.as_bytes())
                    .into_owned()
                    .collect()
            })
            .unwrap_or_default();
        Self {
            headers,
            content_type,
            query_pairs,
            body,
        }
    }

    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    }
}

pub(crate) fn json(status: StatusCode, body: serde_json::Value) -> Response {
    (status, axum::Json(body)).into_response()
}

/// A short JSON error: what happened, in words a sender's operator can act on.
pub(crate) fn reply(status: StatusCode, message: &str) -> Response {
    json(status, serde_json::json!({ "error": message }))
}

/// Records a verified event with its job in one transaction and answers: 200 only after the
/// commit (`accepted`, or `duplicate` when the event was seen before, storing nothing); 503
/// when nothing could be stored, so the sender delivers again.
pub(crate) async fn record_and_answer(
    rt: &crate::runtime::Runtime,
    event: crate::queue::EventInsert<'_>,
    job: &crate::queue::NewJob,
) -> Response {
    let (source, cid) = (event.source, event.connection_id);
    match rt
        .queue
        .record_event(event, std::slice::from_ref(job))
        .await
    {
        Ok(crate::queue::Inserted::New { event_id }) => {
            rt.wake.notify_waiters();
            tracing::info!(connection = cid, source, event_id, "webhook accepted");
            json(
                StatusCode::OK,
                serde_json::json!({"status": "accepted", "event_id": event_id}),
            )
        }
        Ok(crate::queue::Inserted::Duplicate) => {
            json(StatusCode::OK, serde_json::json!({"status": "duplicate"}))
        }
        Err(e) => {
            tracing::error!(connection = cid, source, error = %format!("{e:#}"), "could not record webhook");
            reply(
                StatusCode::SERVICE_UNAVAILABLE,
                "could not store the event; please retry",
            )
        }
    }
}
