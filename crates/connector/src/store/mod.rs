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
pub mod operator;
pub mod quota_ledger;
mod tokens;
mod webhook_rejections;
mod writes;
mod zoho_webhooks;

pub use audit::{AuditRow, NewAuditEntry};
pub use connections::ConnectionRow;
pub use credentials::{GrantRow, DC_MISMATCH_REASON_PREFIX, RECONNECT_REASON_PREFIX};
pub use documents::DocumentRow;
pub use oauth_states::{ClaimedState, Exchange, PendingChoice};
pub use tokens::{TokenFailure, TokenRow};
pub use webhook_rejections::{RejectionRow, RejectionSummary, KEPT_REJECTIONS};
pub use writes::Write;

use crate::config::DatabaseConfig;
use anyhow::Context;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::SqlitePool;
use std::str::FromStr;
use std::time::Duration;

/// The file behind `sqlite://path`, `sqlite:path` or `sqlite:///abs/path` (query string
/// dropped); `None` for `sqlite::memory:`.
fn sqlite_file(url: &str) -> Option<std::path::PathBuf> {
    let rest = url.strip_prefix("sqlite:")?;
    let rest = rest.strip_prefix("//").unwrap_or(rest);
    let path = rest.split('?').next().unwrap_or(rest);
    (!path.is_empty() && !path.starts_with(":memory:")).then(|| path.into())
}

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// Handle to the database; cheap to clone.
#[derive(Clone, Debug)]
pub struct Store {
    pool: SqlitePool,
}

/// Two processes started at once on a new database (`serve` beside `backfill`) both apply the
/// migrations; the loser of that race sees "database is locked" or a migration the other just
/// recorded. Applied migrations are skipped on the next run, so trying again settles it.
async fn migrate_retrying(pool: &SqlitePool) -> anyhow::Result<()> {
    let mut attempt = 0;
    loop {
        match MIGRATOR.run(pool).await {
            Ok(()) => return Ok(()),
            Err(e) if attempt < 20 => {
                attempt += 1;
                tracing::debug!(error = %e, attempt, "applying migrations raced another process; trying again");
                tokio::time::sleep(Duration::from_millis(100 + 50 * attempt)).await;
            }
            Err(e) => return Err(e).context("could not apply database migrations"),
        }
    }
}

impl Store {
    /// Opens the database, creating the file when it is missing (`serve`, `demo`, `setup`...).
    pub async fn open(config: &DatabaseConfig) -> anyhow::Result<Store> {
        Self::open_with(config, true).await
    }

    /// Opens a database that must exist already: what the operator commands (`jobs`, `dead`,
    /// `trace`, `audit`) use, so pointing them at the wrong place is an error that says where
    /// they looked, never a silently created empty file.
    pub async fn open_existing(config: &DatabaseConfig) -> anyhow::Result<Store> {
        if let Some(path) = sqlite_file(&config.url) {
            if !path.exists() {
                anyhow::bail!(
                    "no database at {} (database.url = {:?}); nothing has run against it yet. Run \
                     the command from the folder `serve` runs in, or set database.url \
                     (MLC_DATABASE__URL) to the database `serve` uses",
                    path.display(),
                    config.url
                );
            }
        }
        Self::open_with(config, false).await
    }

    /// Where an SQLite URL's file is (`None` for an in-memory database).
    pub fn file_of(config: &DatabaseConfig) -> Option<std::path::PathBuf> {
        sqlite_file(&config.url)
    }

    async fn open_with(config: &DatabaseConfig, create: bool) -> anyhow::Result<Store> {
        let url = config.url.as_str();
        if !url.starts_with("sqlite:") {
            anyhow::bail!(
                "database.url `{}` is not supported: use sqlite://path/to/file.db",
                url.split('@').next_back().unwrap_or("")
            );
        }
        let options = SqliteConnectOptions::from_str(url)
            .with_context(|| format!("database.url `{url}` is not a valid SQLite URL"))?
            .create_if_missing(create)
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
        migrate_retrying(&pool).await?;
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

#[cfg(test)]
mod file_tests {
    use super::sqlite_file;

    #[test]
    fn sqlite_urls_name_their_file() {
        assert_eq!(
            sqlite_file("sqlite://ml-connector.db"),
            Some("ml-connector.db".into())
        );
        assert_eq!(
            sqlite_file("sqlite:///var/lib/mlc.db?mode=rwc"),
            Some("/var/lib/mlc.db".into())
        );
        assert_eq!(sqlite_file("sqlite:data/x.db"), Some("data/x.db".into()));
        assert_eq!(sqlite_file("sqlite::memory:"), None);
        assert_eq!(sqlite_file("postgres://h/db"), None);
    }
}
