//! Connection health as the operator sees it: a connection whose Zoho grant is revoked or whose
//! data centre is wrong is marked in the store (admin page, `jobs`), and its jobs wait for the
//! fix instead of failing one by one into the dead state.

use crate::store::Store;

pub use super::api::PARK_FOR;
pub use crate::queue::connection_status::{MISCONFIGURED, NEEDS_RECONNECT};

/// Marks a connection active again and lets its parked jobs run now: after a reconnect, and on
/// start (the configuration may have been fixed). A problem that persists marks it again on
/// the first job. Returns how many jobs woke.
pub async fn reactivate(store: &Store, connection_id: &str, now_ms: i64) -> anyhow::Result<u64> {
    // Wake the jobs first: they are recognised by the reason the connection was marked with.
    let woken = crate::queue::wake_parked(store, connection_id, now_ms).await?;
    store.set_connection_active(connection_id, now_ms).await?;
    Ok(woken)
}

/// One line per connection that is not active, for `jobs` and `check`; empty when all are.
pub async fn status_lines(store: &Store) -> anyhow::Result<Vec<String>> {
    let mut lines = Vec::new();
    for row in store.connection_rows().await? {
        if row.status == "active" {
            continue;
        }
        let parked = crate::queue::queued_jobs(store, &row.id).await?;
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
