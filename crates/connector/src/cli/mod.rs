//! The command line: the clap definitions here, one file per command beside this one.

mod admin_password;
mod audit;
mod backfill;
mod check;
mod connect;
mod demo;
mod jobs;
mod migrate;
mod serve;
mod setup;
mod trace;

use crate::config::Config;
use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

/// Keeps Zoho Books invoices, bills and purchase orders in step with monday.com boards.
#[derive(Debug, Parser)]
#[command(name = "ml-connector", version, about, long_about = None)]
pub struct Cli {
    /// Configuration file (TOML). Environment variables prefixed MLC_ override it
    /// (nested keys with `__`, e.g. MLC_DATABASE__URL).
    #[arg(long, short, global = true, env = "MLC_CONFIG")]
    pub config: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Command,
}

/// In the order a user needs them: try it, connect, set up, check, load, run, then operate.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run everything against the built-in sandbox: an embedded SQLite file, simulated Zoho
    /// Books and monday, sample documents and steady activity. Nothing leaves this machine.
    Demo {
        /// Address for the connector's HTTP server.
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: std::net::SocketAddr,
        /// Folder for the demo's SQLite file (recreated on every run).
        #[arg(long, default_value = "demo-data")]
        data_dir: PathBuf,
        /// Seconds between simulated changes in Zoho.
        #[arg(long, default_value_t = 3.0)]
        interval: f64,
        /// Stop after this many seconds (default: run until Ctrl-C).
        #[arg(long)]
        duration: Option<f64>,
    },
    /// Connect a Zoho Books account: prints the consent URL and reads back the address Zoho
    /// redirected to (or exchanges a Self Client grant code), lets you choose the organization,
    /// and stores the refresh token encrypted (needs secrets.keys). Reconnecting replaces it.
    Connect {
        /// The connection id (as in the configuration).
        #[arg(long)]
        connection: String,
        /// A grant code from a Zoho Self Client (api-console.zoho.com), instead of the browser.
        #[arg(long)]
        grant_code: Option<String>,
        /// Data centre of the account (us, eu, in, au, jp, ca, cn, sa): required with
        /// --grant-code; otherwise where the consent starts (Zoho redirects to the right one).
        #[arg(long)]
        data_centre: Option<zoho_books::DataCentre>,
        /// Organization id to use, instead of choosing from a list.
        #[arg(long)]
        organization: Option<String>,
    },
    /// Create or complete the monday boards the mapping needs (columns, status labels, subitem
    /// columns for line items) and register the status-change webhook, then print the
    /// `[connections.boards.*]` mapping or write it with --write-config. Safe to run again:
    /// what exists is left alone. The webhook needs `serve` reachable at server.public_url.
    Setup {
        /// Only this connection (default: every configured connection).
        #[arg(long)]
        connection: Option<String>,
        /// Write the resulting mapping: an existing configuration file is updated in place
        /// (only that connection's boards; comments kept), a new path gets the mapping alone.
        #[arg(long, value_name = "PATH")]
        write_config: Option<PathBuf>,
    },
    /// Verify the configuration against the real systems: Zoho credentials, data centre,
    /// organization and scopes; monday token, boards, columns and labels. Changes nothing.
    Check,
    /// Sync existing documents changed since a date (initial load or repair), paced within the
    /// organization's Zoho quotas (real-time sync keeps its reserve), with a progress bar and
    /// ETA. Runs its own workers until done; can run beside `serve` on the same database. After
    /// a kill or Ctrl-C, the same command resumes where it stopped.
    Backfill {
        /// First day (YYYY-MM-DD, UTC): documents created or changed on or after it.
        #[arg(long, value_name = "YYYY-MM-DD")]
        since: chrono::NaiveDate,
        /// Document types, comma-separated: invoice, bill, purchase_order (default: every
        /// type the connection maps to a board).
        #[arg(long, value_delimiter = ',')]
        types: Vec<zoho_books::DocumentKind>,
        /// Only this connection (default: every configured connection).
        #[arg(long)]
        connection: Option<String>,
        /// List only and report how many items would be created, updated or left unchanged
        /// per type; writes nothing (costs one Zoho list call per 200 documents).
        #[arg(long)]
        dry_run: bool,
    },
    /// Run the HTTP server (webhooks, admin page) and the sync workers.
    Serve,
    /// List jobs (newest first).
    Jobs {
        /// Only jobs in this state: queued, running, done, dead.
        #[arg(long)]
        state: Option<crate::queue::JobState>,
        #[arg(long, default_value_t = 50)]
        limit: i64,
    },
    /// Inspect, replay or drop jobs that failed permanently.
    Dead {
        #[command(subcommand)]
        action: Option<DeadAction>,
    },
    /// The whole story of one document: webhooks, jobs and outcomes, where it is on monday.
    Trace {
        /// invoice, bill or purchase_order
        kind: String,
        /// The Zoho document id.
        id: String,
        /// The connection (defaults to the only one configured).
        #[arg(long)]
        connection: Option<String>,
    },
    /// The audit log: status changes people made on monday (newest first).
    Audit {
        /// Only this connection.
        #[arg(long)]
        connection: Option<String>,
        #[arg(long, default_value_t = 50)]
        limit: i64,
    },
    /// A new password for the admin page (when server.admin_password is not set), shown once.
    AdminPassword,
    /// Re-encrypt every stored refresh token with secrets.current_key (after adding a new key).
    RotateKey,
    /// Apply database migrations (they also run on every start).
    Migrate,
}

#[derive(Debug, Subcommand)]
pub enum DeadAction {
    /// List dead jobs with their reasons (the default).
    List,
    /// Queue dead jobs again (all, or one by id) after fixing the cause.
    Retry { id: Option<i64> },
    /// Delete dead jobs (all, or one by id).
    Drop { id: Option<i64> },
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: could not start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match rt.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

pub(crate) fn load(cli: &Cli) -> anyhow::Result<Config> {
    let path = cli.config.clone().or_else(|| {
        let p = Config::default_path();
        p.exists().then_some(p)
    });
    Ok(Config::load(path.as_deref())?)
}

/// The configuration and the existing database, for the operator commands; says on stderr
/// which database it opened (a wrong working folder is then obvious).
pub(crate) async fn operator_store(cli: &Cli) -> anyhow::Result<(Config, crate::store::Store)> {
    let config = load(cli)?;
    let store = crate::store::Store::open_existing(&config.database).await?;
    match crate::store::Store::file_of(&config.database) {
        Some(path) => eprintln!("database: {}", path.display()),
        None => eprintln!("database: {}", config.database.url),
    }
    Ok((config, store))
}

/// The connection a command is about: the one named (which must be configured), or the only
/// one configured.
pub(crate) fn pick_connection(config: &Config, named: Option<&str>) -> anyhow::Result<String> {
    let known: Vec<&str> = config.connections.iter().map(|c| c.id.as_str()).collect();
    match named {
        Some(c) if known.contains(&c) => Ok(c.to_string()),
        Some(c) => anyhow::bail!(
            "unknown connection `{c}`; configured: {}",
            if known.is_empty() {
                "none".to_string()
            } else {
                known.join(", ")
            }
        ),
        None if known.len() == 1 => Ok(known[0].to_string()),
        None if known.is_empty() => {
            anyhow::bail!("no connection is configured; add a [[connections]] entry")
        }
        None => anyhow::bail!(
            "several connections are configured ({}); pass --connection ID",
            known.join(", ")
        ),
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    match &cli.command {
        Command::Serve => serve::run(&cli).await,
        Command::Demo {
            listen,
            data_dir,
            interval,
            duration,
        } => demo::run(*listen, data_dir, *interval, *duration).await,
        Command::Check => check::run(&cli).await,
        Command::Connect {
            connection,
            grant_code,
            data_centre,
            organization,
        } => connect::run(&cli, connection, grant_code, *data_centre, organization).await,
        Command::AdminPassword => admin_password::run(&cli).await,
        Command::RotateKey => connect::rotate_key(&cli).await,
        Command::Trace {
            kind,
            id,
            connection,
        } => trace::run(&cli, kind, id, connection.as_deref()).await,
        Command::Setup {
            connection,
            write_config,
        } => setup::run(&cli, connection, write_config).await,
        Command::Backfill {
            since,
            types,
            connection,
            dry_run,
        } => backfill::run(&cli, *since, types, connection, *dry_run).await,
        Command::Audit { connection, limit } => {
            audit::run(&cli, connection.as_deref(), *limit).await
        }
        Command::Migrate => migrate::run(&cli).await,
        Command::Jobs { state, limit } => jobs::list(&cli, *state, *limit).await,
        Command::Dead { action } => jobs::dead(&cli, action.as_ref()).await,
    }
}
