//! The HTTP edge: webhooks, health, admin pages, the Zoho OAuth callback. The service's
//! lifecycle (binding, workers, shutdown) is in `serve`.

pub mod admin;
pub mod oauth;
mod operator;
pub mod webhooks;

use crate::runtime::Runtime;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use std::sync::Arc;

pub fn router(rt: Arc<Runtime>) -> Router {
    let limit = rt.config.server.max_body_bytes;
    Router::new()
        .route("/healthz", get(health))
        .route("/webhooks/zoho/{token}", post(zoho_webhook))
        .route("/webhooks/monday/{token}", post(monday_webhook))
        .merge(admin::routes().merge(oauth::routes()).route_layer(
            axum::middleware::from_fn_with_state(rt.clone(), operator::require_operator),
        ))
        .layer(DefaultBodyLimit::max(limit))
        .with_state(rt)
}

async fn health(State(rt): State<Arc<Runtime>>) -> Response {
    match rt.store.ping().await {
        Ok(_) => (StatusCode::OK, "ok").into_response(),
        Err(_) => (StatusCode::SERVICE_UNAVAILABLE, "database unavailable").into_response(),
    }
}

async fn zoho_webhook(
    State(rt): State<Arc<Runtime>>,
    Path(token): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Result<axum::body::Bytes, BytesRejection>,
) -> Response {
    let body = match body {
        Ok(b) => b,
        Err(rejection) => return body_rejection(&rt, rejection),
    };
    webhooks::zoho::receive(
        rt,
        token,
        webhooks::WebhookRequest::new(headers, query, body),
    )
    .await
}

async fn monday_webhook(
    State(rt): State<Arc<Runtime>>,
    Path(token): Path<String>,
    headers: HeaderMap,
    body: Result<axum::body::Bytes, BytesRejection>,
) -> Response {
    let body = match body {
        Ok(b) => b,
        Err(rejection) => return body_rejection(&rt, rejection),
    };
    webhooks::monday::receive(
        rt,
        token,
        webhooks::WebhookRequest::new(headers, None, body),
    )
    .await
}

fn body_rejection(rt: &Runtime, rejection: BytesRejection) -> Response {
    let status = rejection.status();
    if status == StatusCode::PAYLOAD_TOO_LARGE {
        webhooks::reply(
            status,
            &format!(
                "body larger than {} bytes (server.max_body_bytes)",
                rt.config.server.max_body_bytes
            ),
        )
    } else {
        webhooks::reply(status, &rejection.body_text())
    }
}
