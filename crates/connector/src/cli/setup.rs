//! `setup`: create or complete the monday boards and register webhooks.

use super::{load, Cli};
use crate::clock::SystemClock;
use std::path::PathBuf;
use std::sync::Arc;

pub(super) async fn run(
    cli: &Cli,
    connection: &Option<String>,
    write_config: &Option<PathBuf>,
) -> anyhow::Result<()> {
    crate::telemetry::init("warn");
    let config = load(cli)?;
    let opts = crate::setup::SetupOptions {
        connection: connection.clone(),
        write_config: write_config.clone(),
        public_url: config.server.public_url.clone(),
    };
    let rt = crate::runtime::Runtime::build(config, Arc::new(SystemClock)).await?;
    crate::setup::run(&rt, &opts).await.map(|_| ())
}
