//! The operator pages (admin, OAuth connect, metrics) sit behind a password, asked with HTTP
//! Basic authentication so a browser prompts for it natively: `server.admin_password`, or
//! when that is unset the password `serve` created at first start (only its salted hash is
//! stored). Webhooks never are: they carry their own per-connection secrets.

use crate::runtime::Runtime;
use crate::store::operator::OperatorHash;
use axum::extract::{Request, State};
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use base64::Engine;
use secrecy::{ExposeSecret, SecretString};
use std::sync::Arc;
use subtle::ConstantTimeEq;

pub async fn require_operator(
    State(rt): State<Arc<Runtime>>,
    request: Request,
    next: Next,
) -> Response {
    let stored = match rt.config.server.admin_password {
        Some(_) => None,
        None => match rt.store.operator_hash().await {
            Ok(h) => h,
            Err(e) => {
                tracing::error!(error = %format!("{e:#}"), "could not read the operator password");
                return (StatusCode::SERVICE_UNAVAILABLE, "database unavailable").into_response();
            }
        },
    };
    if rt.config.server.admin_password.is_none() && stored.is_none() {
        // Neither configured nor created by `serve` (a library embedding, the test harness).
        return next.run(request).await;
    }
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
    let ok = given.is_some_and(|g| match (&rt.config.server.admin_password, &stored) {
        (Some(password), _) => {
            let expected = password.expose_secret().as_bytes();
            g.len() == expected.len() && bool::from(g.as_bytes().ct_eq(expected))
        }
        (None, Some(h)) => bool::from(hash_with(&h.salt, &g).as_bytes().ct_eq(h.hash.as_bytes())),
        (None, None) => false,
    });
    if ok {
        next.run(request).await
    } else {
        (
            StatusCode::UNAUTHORIZED,
            [(
                header::WWW_AUTHENTICATE,
                "Basic realm=\"ml-connector\", charset=\"UTF-8\"",
            )],
            "the operator pages need the admin password (any user name): server.admin_password, or the one `serve` printed at its first start (`ml-connector admin-password` makes a new one)",
        )
            .into_response()
    }
}

/// Hex SHA-256 of salt and password.
fn hash_with(salt: &str, password: &str) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    h.update(salt.as_bytes());
    h.update([0u8]);
    h.update(password.as_bytes());
    hex::encode(h.finalize())
}

/// A new random operator password (24 letters and digits) and its stored form.
pub fn new_operator_password() -> (SecretString, OperatorHash) {
    use rand::distributions::{Alphanumeric, DistString};
    let mut rng = rand::thread_rng();
    let password = Alphanumeric.sample_string(&mut rng, 24);
    let salt = hex::encode(rand::Rng::gen::<[u8; 16]>(&mut rng));
    let hash = hash_with(&salt, &password);
    (SecretString::from(password), OperatorHash { salt, hash })
}

/// At `serve`'s start: when no `server.admin_password` is set and none was created before,
/// create one and return it, to be shown once. `None` when a password already protects the
/// pages.
pub async fn ensure_operator_password(
    config: &crate::config::Config,
    store: &crate::store::Store,
    now_ms: i64,
) -> anyhow::Result<Option<SecretString>> {
    if config.server.admin_password.is_some() || store.operator_hash().await?.is_some() {
        return Ok(None);
    }
    let (password, hash) = new_operator_password();
    Ok(store
        .create_operator_hash(&hash, now_ms)
        .await?
        .then_some(password))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_created_password_verifies_and_another_does_not() {
        let (password, stored) = new_operator_password();
        assert_eq!(password.expose_secret().len(), 24);
        assert_eq!(
            hash_with(&stored.salt, password.expose_secret()),
            stored.hash
        );
        assert_ne!(hash_with(&stored.salt, "guess"), stored.hash);
        assert!(!format!("{stored:?}").contains(&stored.hash));
    }
}
