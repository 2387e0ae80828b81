//! `ml-connector trace KIND ID`: the whole story of one document — the webhooks that announced
//! it, every job that touched it and how each ended, and where it lives on monday.

use crate::store::Store;
use chrono::{TimeZone, Utc};

fn time(ms: i64) -> String {
    Utc.timestamp_millis_opt(ms)
        .single()
        .map(|t| t.format("%Y-%m-%d %H:%M:%S%.3f UTC").to_string())
        .unwrap_or_default()
}

/// One job of the document, with the webhook event that created it (if any).
#[derive(sqlx::FromRow)]
struct JobLine {
    job: i64,
    jkind: String,
    state: String,
    attempts: i64,
    max: i64,
    error: Option<String>,
    created: i64,
    updated: i64,
    event: Option<i64>,
    received: Option<i64>,
    dedup: Option<String>,
}

/// Lines describing the document, oldest first.
pub async fn story(
    store: &Store,
    connection: &str,
    kind: &str,
    id: &str,
) -> anyhow::Result<Vec<String>> {
    let mut out = Vec::new();
    match store.document(connection, kind, id).await? {
        Some(d) => out.push(format!(
            "{kind} {id} of {connection}: board {} item {}{}; version on the board modified {}; last synced {}",
            d.board_id,
            d.item_id.as_deref().unwrap_or("(create in flight)"),
            if d.deleted != 0 { " (deleted in Zoho)" } else { "" },
            d.last_modified_ms.map(time).unwrap_or_else(|| "unknown".into()),
            time(d.synced_at),
        )),
        None => out.push(format!("{kind} {id} of {connection} has never been written to monday")),
    }
    let key = format!("{connection}:{kind}:{id}");
    let rows: Vec<JobLine> = sqlx::query_as(
        "SELECT j.id AS job, j.kind AS jkind, j.state, j.attempts, j.max_attempts AS max, j.last_error AS error,
                j.created_at AS created, j.updated_at AS updated, j.event_id AS event, e.received_at AS received, e.dedup_key AS dedup
         FROM jobs j LEFT JOIN events e ON e.id = j.event_id
         WHERE j.document_key = ?1 ORDER BY j.id",
    )
    .bind(&key)
    .fetch_all(store.pool())
    .await?;
    if rows.is_empty() {
        out.push("no jobs touched it".into());
    }
    for JobLine {
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
