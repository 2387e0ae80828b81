//! `trace`: the whole story of one document.

use super::{operator_store, pick_connection, Cli};
use crate::clock::SystemClock;
use crate::queue::Queue;
use std::sync::Arc;
use std::time::Duration;

pub(super) async fn run(
    cli: &Cli,
    kind: &str,
    id: &str,
    connection: Option<&str>,
) -> anyhow::Result<()> {
    let kind: zoho_books::DocumentKind = kind.parse().map_err(|e| anyhow::anyhow!("{e}"))?;
    let (config, store) = operator_store(cli).await?;
    let connection = pick_connection(&config, connection)?;
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
