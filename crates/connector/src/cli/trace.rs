//! `trace`: the whole story of one document.

use super::{load, Cli};
use crate::clock::SystemClock;
use crate::queue::Queue;
use crate::store::Store;
use std::sync::Arc;
use std::time::Duration;

pub(super) async fn run(
    cli: &Cli,
    kind: &str,
    id: &str,
    connection: Option<&str>,
) -> anyhow::Result<()> {
    let config = load(cli)?;
    let kind: zoho_books::DocumentKind = kind.parse().map_err(|e| anyhow::anyhow!("{e}"))?;
    let connection = match connection {
        Some(c) => c.to_string(),
        None if config.connections.len() == 1 => config.connections[0].id.clone(),
        None => anyhow::bail!("several connections are configured; pass --connection ID"),
    };
    let store = Store::open(&config.database).await?;
    let queue = Queue::new(
        store,
        Arc::new(SystemClock),
        Duration::from_secs(config.workers.lease_seconds),
    );
    for line in crate::trace::story(&queue, &connection, kind, id).await? {
        println!("{line}");
    }
    Ok(())
}
