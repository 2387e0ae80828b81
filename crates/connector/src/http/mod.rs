//! The HTTP edge: webhooks, health, admin pages, the Zoho OAuth callback. The service's
//! lifecycle (binding, workers, shutdown) is in `serve`.

pub mod admin;
pub mod oauth;
pub mod operator;
pub mod webhooks;

use crate::runtime::Runtime;
use crate::telemetry::metrics;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use std::sync::Arc;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;

pub fn router(rt: Arc<Runtime>) -> Router {
    let limit = rt.config.server.max_body_bytes;
    Router::new()
        .route("/healthz", get(health))
        .route("/readyz", get(ready))
        .route("/webhooks/zoho/{token}", post(zoho_webhook))
        .route("/webhooks/monday/{token}", post(monday_webhook))
        .merge(
            admin::routes()
                .merge(oauth::routes())
                .route("/metrics", get(metrics_page))
                .route_layer(axum::middleware::from_fn_with_state(
                    rt.clone(),
                    operator::require_operator,
                )),
        )
        .layer(DefaultBodyLimit::max(limit))
        // Every request gets an id (or keeps the caller's `x-request-id`), logged on its span
        // and echoed in the answer, so a user's report can be matched to the log.
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(TraceLayer::new_for_http().make_span_with(|req: &axum::http::Request<_>| {
            let id = req
                .headers()
                .get("x-request-id")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("-");
            tracing::info_span!("request", method = %req.method(), path = %req.uri().path(), request_id = %id)
        }))
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
        .with_state(rt)
}

/// Ready to do work: the database answers and the jobs table can be read.
async fn ready(State(rt): State<Arc<Runtime>>) -> Response {
    match rt.queue.stats().await {
        Ok(_) => (StatusCode::OK, "ready").into_response(),
        Err(_) => (StatusCode::SERVICE_UNAVAILABLE, "database unavailable").into_response(),
    }
}

/// Prometheus text format: this process's events and this database's queue state.
async fn metrics_page(State(rt): State<Arc<Runtime>>) -> Response {
    let (depth, lag) = match (rt.queue.depth().await, rt.queue.lag().await) {
        (Ok(d), Ok(l)) => (d, l),
        _ => {
            return (StatusCode::SERVICE_UNAVAILABLE, "database unavailable").into_response();
        }
    };
    (
        [(
            axum::http::header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        metrics::render(&depth, &lag, rt.clock.now_ms()),
    )
        .into_response()
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
    let response = match body {
        Ok(body) => {
            webhooks::zoho::receive(
                rt,
                token,
                webhooks::WebhookRequest::new(headers, query, body),
            )
            .await
        }
        Err(rejection) => body_rejection(&rt, rejection),
    };
    metrics::webhook("zoho", response.status().as_u16());
    response
}

async fn monday_webhook(
    State(rt): State<Arc<Runtime>>,
    Path(token): Path<String>,
    headers: HeaderMap,
    body: Result<axum::body::Bytes, BytesRejection>,
) -> Response {
    let response = match body {
        Ok(body) => {
            webhooks::monday::receive(
                rt,
                token,
                webhooks::WebhookRequest::new(headers, None, body),
            )
            .await
        }
        Err(rejection) => body_rejection(&rt, rejection),
    };
    metrics::webhook("monday", response.status().as_u16());
    response
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
