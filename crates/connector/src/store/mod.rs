//! The embedded store: SQLite in WAL mode with a busy timeout, migrations applied on open.
//!
//! Every SQL statement of the connector lives here or in the queue (which owns the jobs and
//! events tables). Every statement is short; nothing holds a transaction across a network
//! call (STYLE.md).

mod audit;
pub mod backfill;
mod connections;
mod credentials;
mod documents;
mod oauth_states;
pub mod quota_ledger;
mod webhook_rejections;
mod writes;
mod zoho_webhooks;

pub use audit::{AuditRow, NewAuditEntry};
pub use connections::ConnectionRow;
pub use credentials::{GrantRow, DC_MISMATCH_REASON_PREFIX, RECONNECT_REASON_PREFIX};
pub use documents::DocumentRow;
pub use oauth_states::{ClaimedState, Exchange, PendingChoice};
pub use webhook_rejections::{RejectionRow, RejectionSummary, KEPT_REJECTIONS};
pub use writes::Write;

use crate::config::DatabaseConfig;
use anyhow::Context;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::SqlitePool;
use std::str::FromStr;
use std::time::Duration;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// Handle to the database; cheap to clone.
#[derive(Clone, Debug)]
pub struct Store {
    pool: SqlitePool,
}

impl Store {
    pub async fn open(config: &DatabaseConfig) -> anyhow::Result<Store> {
        let url = config.url.as_str();
        if !url.starts_with("sqlite:") {
            anyhow::bail!(
                "database.url `{}` is not supported: use sqlite://path/to/file.db",
                url.split('@').next_back().unwrap_or("")
            );
        }
        let options = SqliteConnectOptions::from_str(url)
            .with_context(|| format!("database.url `{url}` is not a valid SQLite URL"))?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // FULL: a webhook answered 2xx must survive a power loss, not only a process crash.
            // FULL (the default) makes a webhook answered 2xx survive a power loss, not only a
            // process crash; NORMAL trades that for fewer fsyncs.
            .synchronous(if config.synchronous_full {
                SqliteSynchronous::Full
            } else {
                SqliteSynchronous::Normal
            })
            .busy_timeout(Duration::from_millis(config.busy_timeout_ms))
            .foreign_keys(true);
        let pool = SqlitePoolOptions::new()
            .max_connections(config.max_connections)
            .connect_with(options)
            .await
            .with_context(|| format!("could not open the database at {url}"))?;
        MIGRATOR
            .run(&pool)
            .await
            .context("could not apply database migrations")?;
        Ok(Store { pool })
    }

    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    /// Applies pending migrations (also done on every open); returns how many exist.
    pub async fn migrate(&self) -> anyhow::Result<usize> {
        MIGRATOR.run(&self.pool).await?;
        Ok(MIGRATOR.iter().count())
    }
}
