//! `audit`: status changes people made on monday, newest first.

use super::{operator_store, pick_connection, Cli};

pub(super) async fn run(cli: &Cli, connection: Option<&str>, limit: i64) -> anyhow::Result<()> {
    let (config, store) = operator_store(cli).await?;
    let ids: Vec<String> = match connection {
        Some(c) => vec![pick_connection(&config, Some(c))?],
        None => config.connections.iter().map(|c| c.id.clone()).collect(),
    };
    let mut rows = Vec::new();
    for id in ids {
        rows.extend(store.audit_log(&id, limit).await?);
    }
    rows.sort_by_key(|a| std::cmp::Reverse(a.at));
    if rows.is_empty() {
        println!("no status changes recorded");
    }
    for a in rows.iter().take(limit as usize) {
        println!(
            "{}  {}  {} {}  item {}: {} → {} by monday user {}{}",
            chrono::DateTime::from_timestamp_millis(a.at)
                .map(|t| t.format("%Y-%m-%d %H:%M:%S UTC").to_string())
                .unwrap_or_default(),
            a.connection_id,
            a.kind.as_deref().unwrap_or(""),
            a.zoho_id.as_deref().unwrap_or(""),
            a.item_id,
            a.old_value.as_deref().unwrap_or("(empty)"),
            a.new_value.as_deref().unwrap_or("(empty)"),
            a.who.as_deref().unwrap_or("?"),
            if a.commented_at.is_some() {
                " (comment posted in Zoho)"
            } else {
                ""
            }
        );
    }
    Ok(())
}
