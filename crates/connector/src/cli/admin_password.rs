//! `admin-password`: a new operator password for the admin page, shown once.

use super::{load, Cli};
use crate::store::Store;

pub(super) async fn run(cli: &Cli) -> anyhow::Result<()> {
    let config = load(cli)?;
    if config.server.admin_password.is_some() {
        anyhow::bail!(
            "server.admin_password is set in the configuration, and it is what the admin page \
             asks for; change it there (or in MLC_SERVER__ADMIN_PASSWORD) instead"
        );
    }
    let store = Store::open(&config.database).await?;
    let (password, hash) = crate::http::operator::new_operator_password();
    store
        .replace_operator_hash(&hash, chrono::Utc::now().timestamp_millis())
        .await?;
    println!(
        "New admin password (any user name), shown only this once:\n\n    {}\n\nThe old one no longer works.",
        secrecy::ExposeSecret::expose_secret(&password)
    );
    Ok(())
}
