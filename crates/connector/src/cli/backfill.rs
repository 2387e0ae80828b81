//! `backfill`: existing documents since a date, within the quotas, resumable.

use super::{load, Cli};

pub(super) async fn run(
    cli: &Cli,
    since: chrono::NaiveDate,
    types: &[zoho_books::DocumentKind],
    connection: &Option<String>,
    dry_run: bool,
) -> anyhow::Result<()> {
    crate::backfill::init_logging();
    let config = load(cli)?;
    let opts = crate::backfill::BackfillOptions {
        since,
        kinds: types.to_vec(),
        connection: connection.clone(),
        dry_run,
    };
    crate::backfill::run(config, opts).await
}
