//! `migrate`: apply database migrations (also done on every start).

use super::{load, Cli};
use crate::store::Store;

pub(super) async fn run(cli: &Cli) -> anyhow::Result<()> {
    let config = load(cli)?;
    let store = Store::open(&config.database).await?;
    let n = store.migrate().await?;
    println!(
        "database at {} is up to date ({n} migrations)",
        config.database.url
    );
    Ok(())
}
