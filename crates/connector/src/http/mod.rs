//! The HTTP edge: webhooks, health, admin pages. Built so a test can start the whole
//! application on port 0 (zero2prod's `Application::build`).

pub mod admin;
pub mod oauth;
mod operator;
pub mod webhooks;

use crate::clock::SharedClock;
use crate::config::Config;
use crate::runtime::Runtime;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use std::sync::Arc;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

pub struct Application {
    listener: TcpListener,
    port: u16,
    runtime: Arc<Runtime>,
}

impl Application {
    /// Opens the store, builds the clients and binds the listener (port 0 picks a free port).
    pub async fn build(config: Config, clock: SharedClock) -> anyhow::Result<Application> {
        let listen = config.server.listen;
        let runtime = Runtime::build(config, clock).await?;
        let listener = TcpListener::bind(listen)
            .await
            .map_err(|e| anyhow::anyhow!("could not listen on {listen}: {e}; choose another address with server.listen (MLC_SERVER__LISTEN), or `demo --listen 127.0.0.1:PORT`"))?;
        let port = listener.local_addr()?.port();
        Ok(Application {
            listener,
            port,
            runtime,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn runtime(&self) -> Arc<Runtime> {
        self.runtime.clone()
    }

    /// Serves HTTP and runs the workers until `cancel` fires, then shuts down gracefully.
    pub async fn run_until_stopped(self, cancel: CancellationToken) -> anyhow::Result<()> {
        let workers = crate::sync::spawn_workers(self.runtime.clone(), cancel.clone());
        let refresher = crate::zoho::refresher::spawn(self.runtime.clone(), cancel.clone());
        let reconciler =
            crate::sync::reconcile::spawn_scheduler(self.runtime.clone(), cancel.clone());
        let app = router(self.runtime.clone());
        let shutdown = cancel.clone();
        axum::serve(self.listener, app)
            .with_graceful_shutdown(async move { shutdown.cancelled().await })
            .await?;
        cancel.cancel();
        for w in workers {
            let _ = w.await;
        }
        let _ = refresher.await;
        if let Some(r) = reconciler {
            let _ = r.await;
        }
        Ok(())
    }
}

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
    match sqlx::query("SELECT 1").execute(rt.store.pool()).await {
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
