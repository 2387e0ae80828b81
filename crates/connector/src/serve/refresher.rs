//! The background token refresher: renews each connection's access token at the 55-minute
//! mark, so no job ever waits for a token request and idle connections notice a revoked grant
//! within the hour rather than at the next webhook.
//!
//! The refresh itself goes through the same single-flight [`TokenCache`](crate::zoho::TokenCache)
//! the workers use, so a worker asking at the same moment shares the one request.

use crate::runtime::Runtime;
use crate::zoho::status::{self, MISCONFIGURED, NEEDS_RECONNECT};
use std::sync::Arc;
use std::time::Duration;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

/// How often the refresher looks. Tokens live an hour and are renewed with five minutes to
/// spare, so half a minute of lateness costs nothing.
pub const TICK: Duration = Duration::from_secs(30);

/// Starts the refresher; it stops when `cancel` fires.
pub fn spawn(rt: Arc<Runtime>, cancel: CancellationToken) -> JoinHandle<()> {
    tokio::spawn(async move {
        reactivate_on_start(&rt).await;
        loop {
            tokio::select! {
                _ = cancel.cancelled() => return,
                _ = tokio::time::sleep(TICK) => {}
            }
            refresh_due(&rt).await;
        }
    })
}

/// A restart is when a fixed configuration (data centre, client secret, refresh token in the
/// file) takes effect, so connections marked by an earlier run get another chance; a problem
/// that persists marks them again on first use, with one token request.
pub async fn reactivate_on_start(rt: &Runtime) {
    for id in rt.connections.keys() {
        let marked = rt
            .store
            .connection_row(id)
            .await
            .ok()
            .flatten()
            .is_some_and(|r| r.status != "active");
        if !marked {
            continue;
        }
        match status::reactivate(&rt.store, id, rt.clock.now_ms()).await {
            Ok(woken) => {
                tracing::info!(connection = %id, woken, "connection marked by an earlier run: trying it again")
            }
            Err(e) => {
                tracing::warn!(connection = %id, error = %format!("{e:#}"), "could not reactivate the connection")
            }
        }
    }
}

/// Refreshes every connection whose cached token has less than five minutes left; returns how
/// many were refreshed. Connections waiting for a reconnect or a configuration fix are skipped:
/// asking again would only spend Zoho's 10-per-10-minutes token quota.
pub async fn refresh_due(rt: &Runtime) -> usize {
    let mut refreshed = 0;
    for conn in rt.connections.values() {
        let id = conn.config.id.as_str();
        let status = rt
            .store
            .connection_row(id)
            .await
            .ok()
            .flatten()
            .map(|r| r.status);
        if matches!(status.as_deref(), Some(NEEDS_RECONNECT | MISCONFIGURED)) {
            continue;
        }
        if !conn.zoho.tokens.due_for_refresh().await {
            continue;
        }
        match conn.zoho.tokens.access_token().await {
            Ok(_) => refreshed += 1,
            Err(e) => {
                if conn.zoho.park_if_unusable(&e).await.is_none() {
                    tracing::warn!(connection = id, error = %e, "token refresh failed; trying again in {}s", TICK.as_secs());
                }
            }
        }
    }
    refreshed
}

#[cfg(test)]
mod tests;
