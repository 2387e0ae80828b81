//! `ml-connector trace KIND ID`: the whole story of one document — the webhooks that announced
//! it, every job that touched it and how each ended, and where it lives on monday.

use crate::domain::DocumentKey;
use crate::queue::{HistoryLine, Queue};
use chrono::{TimeZone, Utc};
use zoho_books::DocumentKind;

fn time(ms: i64) -> String {
    Utc.timestamp_millis_opt(ms)
        .single()
        .map(|t| t.format("%Y-%m-%d %H:%M:%S%.3f UTC").to_string())
        .unwrap_or_default()
}

/// Lines describing the document, oldest first.
pub async fn story(
    queue: &Queue,
    connection: &str,
    kind: DocumentKind,
    id: &str,
) -> anyhow::Result<Vec<String>> {
    let mut out = Vec::new();
    let kind_s = kind.as_str();
    match queue.store().document(connection, kind_s, id).await? {
        Some(d) => out.push(format!(
            "{kind_s} {id} of {connection}: board {} item {}{}; version on the board modified {}; last synced {}",
            d.board_id,
            d.item_id.as_deref().unwrap_or("(create in flight)"),
            if d.deleted != 0 { " (deleted in Zoho)" } else { "" },
            d.last_modified_ms.map(time).unwrap_or_else(|| "unknown".into()),
            time(d.synced_at),
        )),
        None => out.push(format!("{kind_s} {id} of {connection} has never been written to monday")),
    }
    let rows = queue
        .history(&DocumentKey::new(connection, kind, id))
        .await?;
    if rows.is_empty() {
        out.push("no jobs touched it".into());
    }
    for HistoryLine {
        job,
        jkind,
        state,
        attempts,
        max,
        error,
        created,
        updated,
        event,
        received,
        dedup,
    } in rows
    {
        if let (Some(event), Some(received)) = (event, received) {
            out.push(format!(
                "{}  webhook event #{event} received (key {})",
                time(received),
                dedup.unwrap_or_default()
            ));
        }
        out.push(format!("{}  job #{job} {jkind} queued", time(created)));
        out.push(format!(
            "{}  job #{job} {state} after {attempts}/{max} attempt(s){}",
            time(updated),
            error.map(|e| format!(": {e}")).unwrap_or_default()
        ));
    }
    Ok(out)
}
