//! One page of history for the backfill, waiting out quotas and transient failures the way a
//! job would (a long-running command has no queue to park in).

use crate::queue::JobError;
use crate::runtime::{Connection, Runtime};
use crate::sync::listing::list_page;
use crate::zoho::quota::Priority;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use zoho_books::DocumentKind;

/// Consecutive transient failures of one page before the backfill gives up (it can resume).
const MAX_ATTEMPTS: u32 = 8;

/// A note for the progress display while the backfill waits ("daily budget used …").
pub type Status = Arc<Mutex<Option<String>>>;

fn set(status: Option<&Status>, message: Option<String>) {
    if let Some(s) = status {
        *s.lock().unwrap_or_else(|p| p.into_inner()) = message;
    }
}

/// The ids and `last_modified_time` (ms) of page `page` that are not older than `since_ms`,
/// and whether this is the last page the backfill needs (no more pages, or a row older than
/// `since_ms` was reached: the list is newest-changed first).
pub async fn fetch(
    rt: &Runtime,
    conn: &Connection,
    kind: DocumentKind,
    page: i64,
    since_ms: i64,
    status: Option<&Status>,
) -> anyhow::Result<(Vec<(String, Option<i64>)>, bool)> {
    let page_no =
        u32::try_from(page).map_err(|_| anyhow::anyhow!("page {page} is out of range"))?;
    let mut rng = <rand::rngs::StdRng as rand::SeedableRng>::from_entropy();
    let mut attempt = 0;
    let listed = loop {
        attempt += 1;
        match list_page(conn, kind, page_no, Priority::Backfill).await {
            Ok(listed) => break listed,
            Err(JobError::Park { until_ms, reason }) => {
                let wait = (until_ms - rt.clock.now_ms()).max(0);
                set(status, Some(format!("waiting {}: {reason}", human(Duration::from_millis(wait as u64)))));
                tokio::time::sleep(Duration::from_millis(wait as u64)).await;
                attempt = 0;
            }
            Err(JobError::Retry { reason, after, .. }) if attempt < MAX_ATTEMPTS => {
                let delay = rt.retry.delay(attempt, after, &mut rng);
                set(status, Some(format!("retrying in {}: {reason}", human(delay))));
                tokio::time::sleep(delay).await;
            }
            Err(e) => anyhow::bail!(
                "could not list {}s of connection {} (page {page}): {e}. Fix the cause and run the same command again to resume",
                kind.as_str(),
                conn.config.id
            ),
        }
    };
    set(status, None);
    let mut rows = Vec::with_capacity(listed.items.len());
    let mut reached_since = false;
    for row in listed.items {
        let lmt = row.last_modified_time.map(|t| t.timestamp_millis());
        if lmt.is_some_and(|t| t < since_ms) {
            reached_since = true;
            break;
        }
        rows.push((row.id, lmt));
    }
    Ok((rows, reached_since || !listed.has_more_page))
}

pub fn human(d: Duration) -> String {
    let s = d.as_secs();
    match s {
        0..=59 => format!("{s}s"),
        60..=3599 => format!("{}m{:02}s", s / 60, s % 60),
        _ => format!("{}h{:02}m", s / 3600, (s % 3600) / 60),
    }
}
