//! The operator pages (admin, OAuth connect) sit behind `server.admin_password`, asked with
//! HTTP Basic authentication so a browser prompts for it natively. Webhooks never are: they
//! carry their own per-connection secrets.

use crate::runtime::Runtime;
use axum::extract::{Request, State};
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use base64::Engine;
use secrecy::ExposeSecret;
use std::sync::Arc;
use subtle::ConstantTimeEq;

pub async fn require_operator(
    State(rt): State<Arc<Runtime>>,
    request: Request,
    next: Next,
) -> Response {
    let Some(password) = rt.config.server.admin_password.as_ref() else {
        return next.run(request).await;
    };
    let given = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
        .and_then(|b| {
            base64::engine::general_purpose::STANDARD
                .decode(b.trim())
                .ok()
        })
        .and_then(|raw| String::from_utf8(raw).ok())
        .and_then(|pair| pair.split_once(':').map(|(_, p)| p.to_string()));
    let expected = password.expose_secret().as_bytes();
    let ok = given
        .is_some_and(|g| g.len() == expected.len() && bool::from(g.as_bytes().ct_eq(expected)));
    if ok {
        next.run(request).await
    } else {
        (
            StatusCode::UNAUTHORIZED,
            [(
                header::WWW_AUTHENTICATE,
                "Basic realm=\"ml-connector\", charset=\"UTF-8\"",
            )],
            "the operator pages need server.admin_password (any user name)",
        )
            .into_response()
    }
}
