//! Connection health as the operator sees it: a connection whose Zoho grant is revoked or whose
//! data centre is wrong is marked in the store (admin page, `jobs`), and its jobs wait for the
//! fix instead of failing one by one into the dead state.

use crate::runtime::{Connection, Runtime};
use crate::store::Store;
use crate::sync::JobError;
use crate::zoho::TokenError;
use std::time::Duration;

/// Statuses a connection can have besides `active`.
pub const NEEDS_RECONNECT: &str = "needs_reconnect";
pub const MISCONFIGURED: &str = "misconfigured";

/// How long parked jobs wait before looking again (a reconnect or restart wakes them sooner).
pub const PARK_FOR: Duration = Duration::from_secs(3600);

/// For token errors that no retry can fix: records the status, parks the connection's queued
/// jobs and returns the job's own `Park`. `None` for errors a retry may fix.
pub async fn park_if_unusable(
    rt: &Runtime,
    conn: &Connection,
    error: &TokenError,
) -> Option<JobError> {
    let status = match error {
        TokenError::NeedsReconnect { .. } => NEEDS_RECONNECT,
        TokenError::DataCentreMismatch { .. }
        | TokenError::Missing(_)
        | TokenError::NoClientSecret(_) => MISCONFIGURED,
        _ => return None,
    };
    Some(park_connection(rt, conn, status, error.to_string()).await)
}

/// Books refused an access token that was issued moments ago (HTTP 401 code 14, "Invalid OAuth
/// token"): the token is valid at the accounts server, so the API host is the wrong one, i.e.
/// the organization lives in another data centre than the configuration says.
pub async fn fresh_token_refused(rt: &Runtime, conn: &Connection) -> JobError {
    let id = &conn.config.id;
    let reason = format!(
        "Zoho rejected the client's fresh access token at the {dc} API host (401 code 14): the organization most likely lives in another \
         data centre than connections.zoho.data_centre = \"{code}\" of connection {id}. Run `ml-connector connect --connection {id}` to see \
         where it lives (or `ml-connector check`), fix data_centre, and restart",
        dc = conn.dc,
        code = conn.dc.code(),
    );
    park_connection(rt, conn, MISCONFIGURED, reason).await
}

/// Marks the connection with `status`, parks its queued jobs and returns this job's `Park`.
pub async fn park_connection(
    rt: &Runtime,
    conn: &Connection,
    status: &str,
    reason: String,
) -> JobError {
    let now = rt.clock.now_ms();
    let until = now + PARK_FOR.as_millis() as i64;
    let id = conn.config.id.as_str();
    let already = rt
        .store
        .connection_row(id)
        .await
        .ok()
        .flatten()
        .is_some_and(|r| r.status == status);
    if !already {
        // One clear event per transition, not one per job.
        tracing::error!(connection = id, status, "{reason}");
    }
    if let Err(e) = rt
        .store
        .set_connection_status(id, status, Some(&reason), now)
        .await
    {
        tracing::warn!(connection = id, error = %format!("{e:#}"), "could not record the connection status");
    }
    if let Err(e) = rt.queue.park_connection(id, until, &reason).await {
        tracing::warn!(connection = id, error = %format!("{e:#}"), "could not park the connection's jobs");
    }
    JobError::Park {
        until_ms: until,
        reason,
    }
}

/// One line per connection that is not active, for `jobs` and `check`; empty when all are.
pub async fn status_lines(store: &Store) -> anyhow::Result<Vec<String>> {
    let mut lines = Vec::new();
    for row in store.connection_rows().await? {
        if row.status == "active" {
            continue;
        }
        let parked = store.queued_jobs(&row.id).await?;
        lines.push(format!(
            "status: connection {} is {} ({parked} job(s) parked until it is fixed): {}",
            row.id,
            row.status,
            row.status_reason.as_deref().unwrap_or("no reason recorded")
        ));
    }
    Ok(lines)
}

#[cfg(test)]
mod tests {
    use crate::store::{DC_MISMATCH_REASON_PREFIX, RECONNECT_REASON_PREFIX};
    use crate::zoho::TokenError;
    use zoho_books::DataCentre;

    /// A reconnect wakes parked jobs by these prefixes; keep them in step with the messages.
    #[test]
    fn park_reasons_match_the_prefixes_reconnect_looks_for() {
        let reconnect = TokenError::NeedsReconnect {
            connection: "a".into(),
        }
        .to_string();
        assert!(
            reconnect.starts_with(RECONNECT_REASON_PREFIX),
            "{reconnect}"
        );
        let dc = TokenError::DataCentreMismatch {
            dc: DataCentre::Eu,
            code: "eu",
        }
        .to_string();
        assert!(dc.starts_with(DC_MISMATCH_REASON_PREFIX), "{dc}");
    }
}
