//! `check`: the configuration against the real systems; changes nothing.

use super::{load, Cli};
use crate::clock::SystemClock;
use std::sync::Arc;

pub(super) async fn run(cli: &Cli) -> anyhow::Result<()> {
    crate::telemetry::init("warn");
    let config = load(cli)?;
    let rt = crate::runtime::Runtime::build(config, Arc::new(SystemClock)).await?;
    let findings = crate::check::run(&rt).await;
    for f in &findings {
        println!("{f}");
    }
    let failed = findings.iter().filter(|f| !f.ok).count();
    if failed > 0 {
        anyhow::bail!("{failed} check(s) failed; fix them and run `ml-connector check` again");
    }
    println!("all checks passed");
    Ok(())
}
