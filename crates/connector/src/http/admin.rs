//! Read-only admin pages: connections, queue, dead jobs.

use crate::runtime::Runtime;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use maud::{html, DOCTYPE};
use std::sync::Arc;

pub fn routes() -> Router<Arc<Runtime>> {
    Router::new().route("/admin", get(index)).route(
        "/",
        get(|| async { axum::response::Redirect::to("/admin") }),
    )
}

async fn index(State(rt): State<Arc<Runtime>>) -> Response {
    let stats = rt.queue.stats().await.unwrap_or_default();
    let dead = rt
        .queue
        .list(Some(crate::queue::JobState::Dead), 50)
        .await
        .unwrap_or_default();
    let mut conns: Vec<_> = rt.connections.values().collect();
    conns.sort_by(|a, b| a.config.id.cmp(&b.config.id));
    let mut rows = Vec::new();
    for c in conns {
        let status = rt
            .store
            .connection_row(&c.config.id)
            .await
            .ok()
            .flatten()
            .map(|r| (r.status, r.status_reason))
            .unwrap_or(("active".into(), None));
        let synced = rt.store.count_documents(&c.config.id).await.unwrap_or(0);
        rows.push((
            c.config.id.clone(),
            c.dc.to_string(),
            c.config.zoho.organization_id.clone(),
            status,
            synced,
        ));
    }
    let mut audit = Vec::new();
    for c in rt.connections.values() {
        audit.extend(
            rt.store
                .audit_log(&c.config.id, 20)
                .await
                .unwrap_or_default(),
        );
    }
    audit.sort_by_key(|a| std::cmp::Reverse(a.at));
    audit.truncate(20);
    let since = rt.clock.now_ms() - crate::check::REJECTION_WINDOW_MS;
    let mut rejections = Vec::new();
    for (id, ..) in &rows {
        if let Ok(Some(summary)) = rt.store.webhook_rejections_since(id, since).await {
            let last = &summary.last;
            rejections.push((
                id.clone(),
                summary.count,
                format_ms(last.at_ms),
                last.reason.clone(),
                last.header_shape.clone(),
                crate::zoho::rejections::Rejection::fix(&last.reason, &last.header_shape),
            ));
        }
    }
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta http-equiv="refresh" content="5";
                title { "ml-connector" }
                style { "body{font-family:system-ui,sans-serif;margin:2rem;color:#222}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.3rem .6rem;text-align:left}.bad{color:#b00}" }
            }
            body {
                h1 { "ml-connector" }
                h2 { "Connections" }
                table id="connections" {
                    tr { th { "Connection" } th { "Data centre" } th { "Organization" } th { "Status" } th { "Documents synced" } }
                    @for (id, dc, org, (status, reason), synced) in &rows {
                        tr {
                            td { (id) } td { (dc) } td { (org) }
                            td class=(if status == "active" { "" } else { "bad" }) {
                                (status) @if let Some(r) = reason { br; small { (r) } }
                                @if status == "needs_reconnect" { br; a href={ "/oauth/zoho/start?connection=" (id) } { "Reconnect Zoho" } }
                            }
                            td { (synced) }
                        }
                    }
                }
                h2 { "Refused Zoho webhooks (last 24 h)" }
                @if rejections.is_empty() { p id="webhook-rejections" { "None." } } @else {
                    p { "Reconciliation keeps documents flowing; fix the cause so webhooks count again." }
                    table id="webhook-rejections" {
                        tr { th { "Connection" } th { "Refused" } th { "Last (UTC)" } th { "Reason" } th { "Signature header" } th { "Fix" } }
                        @for (id, count, last, reason, shape, fix) in &rejections {
                            tr class="bad" { td { (id) } td { (count) } td { (last) } td { (reason) } td { (shape) } td { (fix) } }
                        }
                    }
                }
                h2 { "Queue" }
                p id="queue" { "queued " (stats.queued) " · running " (stats.running) " · done " (stats.done) " · dead " (stats.dead) }
                h2 { "Status changes made on monday" }
                @if audit.is_empty() { p { "None recorded." } } @else {
                    table id="audit" {
                        tr { th { "When (UTC)" } th { "Connection" } th { "Document" } th { "Item" } th { "Change" } th { "By user" } th { "Zoho comment" } }
                        @for a in &audit {
                            tr {
                                td { (chrono::DateTime::from_timestamp_millis(a.at).map(|t| t.format("%Y-%m-%d %H:%M:%S").to_string()).unwrap_or_default()) }
                                td { (a.connection_id) }
                                td { (a.kind.as_deref().unwrap_or("")) " " (a.zoho_id.as_deref().unwrap_or("")) }
                                td { (a.item_id) }
                                td { (a.old_value.as_deref().unwrap_or("(empty)")) " → " (a.new_value.as_deref().unwrap_or("(empty)")) }
                                td { (a.who.as_deref().unwrap_or("")) }
                                td { @if a.commented_at.is_some() { "posted" } @else { "—" } }
                            }
                        }
                    }
                }
                h2 { "Dead jobs" }
                @if dead.is_empty() { p { "None." } } @else {
                    p { "Fix the cause, then replay with " code { "ml-connector dead retry" } "." }
                    table id="dead" {
                        tr { th { "Job" } th { "Connection" } th { "Kind" } th { "Attempts" } th { "Reason" } }
                        @for j in &dead {
                            tr { td { (j.id) } td { (j.connection_id) } td { (j.kind) } td { (j.attempts) } td { (j.last_error.as_deref().unwrap_or("")) } }
                        }
                    }
                }
            }
        }
    }
    .into_response()
}

fn format_ms(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|t| t.format("%Y-%m-%d %H:%M:%S").to_string())
        .unwrap_or_default()
}
