//! `connect` (Zoho OAuth from the terminal) and `rotate-key`.

use super::{load, Cli};
use crate::clock::{SharedClock, SystemClock};
use std::sync::Arc;

pub(super) async fn run(
    cli: &Cli,
    connection: &str,
    grant_code: &Option<String>,
    data_centre: Option<zoho_books::DataCentre>,
    organization: &Option<String>,
) -> anyhow::Result<()> {
    crate::telemetry::init("warn");
    let config = load(cli)?;
    let opts = crate::zoho::connect_terminal::ConnectOptions {
        connection: connection.to_string(),
        grant_code: grant_code.clone(),
        data_centre,
        organization: organization.clone(),
    };
    let clock: SharedClock = Arc::new(SystemClock);
    let (mut stdin, mut stdout) = (std::io::stdin().lock(), std::io::stdout());
    crate::zoho::connect_terminal::run(&config, &clock, &opts, &mut stdin, &mut stdout)
        .await
        .map(|_| ())
}

pub(super) async fn rotate_key(cli: &Cli) -> anyhow::Result<()> {
    let config = load(cli)?;
    let clock: SharedClock = Arc::new(SystemClock);
    crate::zoho::connect_terminal::rotate_key(&config, &clock, &mut std::io::stdout()).await
}
