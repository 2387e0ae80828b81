//! `POST /webhooks/monday/{token}`: monday board webhooks (status-column changes).
//!
//! Webhooks created with a personal token carry no signature, so the URL itself is the secret:
//! `{token}` must equal a connection's `monday.webhook_token` (compared in constant time). A
//! connection with a monday app `signing_secret` may instead use its id as `{token}`; then the
//! HS256 JWT monday puts in `Authorization` must verify, with `aud` = this URL.
//!
//! The URL-verification challenge is echoed (HTTP 200). An event is recorded together with its
//! audit job in one transaction, deduplicated on `triggerUuid`, and answered only after commit.

use super::{reply, WebhookRequest};
use crate::queue::priority;
use crate::queue::EventInsert;
use crate::queue::JobPayload;
use crate::runtime::{Connection, Runtime};
use crate::sync::audit::status_change_from_event;
use axum::http::StatusCode;
use axum::response::Response;
use secrecy::ExposeSecret;
use std::sync::Arc;
use subtle::ConstantTimeEq;

/// How the request proved where it came from.
enum Caller<'a> {
    /// The URL token matched this connection's `monday.webhook_token`.
    Token(&'a Arc<Connection>),
    /// The URL names a connection that accepts app-signed webhooks; the JWT is still to be checked.
    NeedsJwt(&'a Arc<Connection>),
}

/// The connection this URL belongs to. Every connection's token is compared (in constant time)
/// so the timing does not reveal which one, or which prefix, matched.
fn resolve<'a>(rt: &'a Runtime, token: &str) -> Option<Caller<'a>> {
    let mut found = None;
    for c in rt.connections.values() {
        if let Some(expected) = &c.config.monday.webhook_token {
            let expected = expected.expose_secret().as_bytes();
            if expected.len() == token.len() && bool::from(expected.ct_eq(token.as_bytes())) {
                found = Some(c);
            }
        }
    }
    if let Some(c) = found {
        return Some(Caller::Token(c));
    }
    rt.connections
        .values()
        .find(|c| c.config.id == token && c.config.monday.signing_secret.is_some())
        .map(Caller::NeedsJwt)
}

/// The URL monday was given for this webhook, which an app's JWT names as its audience.
pub fn webhook_url(public_url: &url::Url, token: &str) -> String {
    let base = public_url.as_str().trim_end_matches('/');
    format!("{base}/webhooks/monday/{token}")
}

pub(crate) async fn receive(rt: Arc<Runtime>, token: String, req: WebhookRequest) -> Response {
    let Some(caller) = resolve(&rt, &token) else {
        return reply(
            StatusCode::UNAUTHORIZED,
            "no connection has this monday webhook URL; set connections.monday.webhook_token and run `ml-connector setup` to register it",
        );
    };
    // Answered before the JWT check: monday's verification POST is not an event and a reflected
    // challenge reveals nothing.
    if let Some(answer) = monday::challenge_response(&req.body) {
        return super::json(StatusCode::OK, answer);
    }
    let conn = match caller {
        Caller::Token(c) => c,
        Caller::NeedsJwt(c) => {
            let Some(secret) = &c.config.monday.signing_secret else {
                return reply(
                    StatusCode::UNAUTHORIZED,
                    "this connection accepts no signed monday webhooks",
                );
            };
            let Some(auth) = req.header("authorization") else {
                return reply(
                    StatusCode::UNAUTHORIZED,
                    "missing the monday JWT in Authorization",
                );
            };
            let aud = webhook_url(&rt.config.server.public_url, &token);
            if let Err(why) = monday::verify_jwt(&auth, secret, &aud, rt.clock.now()) {
                tracing::warn!(connection = %c.config.id, reason = %why, "monday webhook refused");
                return reply(
                    StatusCode::UNAUTHORIZED,
                    &format!(
                        "{why}; check connections.monday.signing_secret and server.public_url"
                    ),
                );
            }
            c
        }
    };
    let event = match monday::parse_event(&req.body) {
        Ok(e) => e,
        Err(why) => return reply(StatusCode::UNPROCESSABLE_ENTITY, &why),
    };
    let cid = conn.config.id.as_str();
    let ignored = |why: &str| {
        super::json(
            StatusCode::OK,
            serde_json::json!({"status": "ignored", "reason": why}),
        )
    };
    let Some(change) = status_change_from_event(&event) else {
        return ignored("only status-column changes of items are used");
    };
    if !conn
        .config
        .boards
        .values()
        .any(|b| b.board_id == change.board_id)
    {
        tracing::warn!(connection = cid, board = %change.board_id, "monday webhook for a board this connection does not map");
        return ignored("board is not mapped for this connection");
    }
    // The connector's own writes come back as events from the token's user; when that user is
    // already known, skip them here instead of queueing a job that would ignore them.
    if change.user_id.is_some() && change.user_id == rt.monday_me.cached(cid) {
        return ignored("change made by the connector itself");
    }
    let job = JobPayload::AuditStatusChange {
        change: change.clone(),
    }
    .into_new_job(cid, priority::REALTIME, rt.config.workers.max_attempts);
    let insert = EventInsert {
        source: "monday",
        connection_id: cid,
        dedup_key: &change.trigger_uuid,
        received_at_ms: rt.clock.now_ms(),
        content_type: req.content_type.as_deref(),
        body: &req.body,
    };
    super::record_and_answer(&rt, insert, &job).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn webhook_urls_join_without_double_slashes() {
        let base = url::Url::parse("https://sync.example.com/").expect("url");
        assert_eq!(
            webhook_url(&base, "abc"),
            "https://sync.example.com/webhooks/monday/abc"
        );
        let nested = url::Url::parse("https://example.com/connector/").expect("url");
        assert_eq!(
            webhook_url(&nested, "abc"),
            "https://example.com/connector/webhooks/monday/abc"
        );
    }
}
