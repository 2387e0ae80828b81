//! Command line: `serve`, `demo`, `migrate`, `jobs`, `dead`.

use crate::clock::SystemClock;
use crate::config::Config;
use crate::http::Application;
use crate::queue::Queue;
use crate::store::Store;
use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

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

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the HTTP server (webhooks, admin page) and the sync workers.
    Serve,
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
    /// Verify the configuration against the real systems: Zoho credentials, data centre,
    /// organization and scopes; monday token, boards, columns and labels. Changes nothing.
    Check,
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
    /// The audit log: status changes people made on monday (newest first).
    Audit {
        /// Only this connection.
        #[arg(long)]
        connection: Option<String>,
        #[arg(long, default_value_t = 50)]
        limit: i64,
    },
    /// Apply database migrations (they also run on every start).
    Migrate,
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
    /// Re-encrypt every stored refresh token with secrets.current_key (after adding a new key).
    RotateKey,
    /// List jobs (newest first).
    Jobs {
        /// Only jobs in this state: queued, running, done, dead.
        #[arg(long)]
        state: Option<String>,
        #[arg(long, default_value_t = 50)]
        limit: i64,
    },
    /// Inspect, replay or drop jobs that failed permanently.
    Dead {
        #[command(subcommand)]
        action: Option<DeadAction>,
    },
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

fn load(cli: &Cli) -> anyhow::Result<Config> {
    let path = cli.config.clone().or_else(|| {
        let p = Config::default_path();
        p.exists().then_some(p)
    });
    Ok(Config::load(path.as_deref())?)
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    match &cli.command {
        Command::Serve => {
            crate::telemetry::init("info");
            let config = load(&cli)?;
            let app = Application::build(config, Arc::new(SystemClock)).await?;
            tracing::info!(port = app.port(), "ml-connector listening");
            let cancel = CancellationToken::new();
            shutdown_on_signal(cancel.clone());
            app.run_until_stopped(cancel).await
        }
        Command::Demo {
            listen,
            data_dir,
            interval,
            duration,
        } => {
            // The demo narrates itself; RUST_LOG=info shows every sync as well.
            crate::telemetry::init("warn");
            crate::demo::run(crate::demo::DemoOptions {
                listen: *listen,
                data_dir: data_dir.clone(),
                interval: Duration::from_secs_f64(interval.max(0.2)),
                duration: duration.map(Duration::from_secs_f64),
            })
            .await
        }
        Command::Check => {
            crate::telemetry::init("warn");
            let config = load(&cli)?;
            let rt = crate::runtime::Runtime::build(config, Arc::new(SystemClock)).await?;
            let findings = crate::check::run(&rt).await;
            for f in &findings {
                println!("{f}");
            }
            let failed = findings.iter().filter(|f| !f.ok).count();
            if failed > 0 {
                anyhow::bail!(
                    "{failed} check(s) failed; fix them and run `ml-connector check` again"
                );
            }
            println!("all checks passed");
            Ok(())
        }
        Command::Connect {
            connection,
            grant_code,
            data_centre,
            organization,
        } => {
            crate::telemetry::init("warn");
            let config = load(&cli)?;
            let opts = crate::zoho::connect_terminal::ConnectOptions {
                connection: connection.clone(),
                grant_code: grant_code.clone(),
                data_centre: *data_centre,
                organization: organization.clone(),
            };
            let clock: crate::clock::SharedClock = Arc::new(SystemClock);
            let (mut stdin, mut stdout) = (std::io::stdin().lock(), std::io::stdout());
            crate::zoho::connect_terminal::run(&config, &clock, &opts, &mut stdin, &mut stdout)
                .await
                .map(|_| ())
        }
        Command::RotateKey => {
            let config = load(&cli)?;
            let clock: crate::clock::SharedClock = Arc::new(SystemClock);
            crate::zoho::connect_terminal::rotate_key(&config, &clock, &mut std::io::stdout()).await
        }
        Command::Trace {
            kind,
            id,
            connection,
        } => {
            let config = load(&cli)?;
            let kind: zoho_books::DocumentKind =
                kind.parse().map_err(|e| anyhow::anyhow!("{e}"))?;
            let connection = match connection {
                Some(c) => c.clone(),
                None if config.connections.len() == 1 => config.connections[0].id.clone(),
                None => anyhow::bail!("several connections are configured; pass --connection ID"),
            };
            let store = Store::open(&config.database).await?;
            for line in crate::trace::story(&store, &connection, kind.as_str(), id).await? {
                println!("{line}");
            }
            Ok(())
        }
        Command::Setup {
            connection,
            write_config,
        } => {
            crate::telemetry::init("warn");
            let config = load(&cli)?;
            let opts = crate::setup::SetupOptions {
                connection: connection.clone(),
                write_config: write_config.clone(),
                public_url: config.server.public_url.clone(),
            };
            let rt = crate::runtime::Runtime::build(config, Arc::new(SystemClock)).await?;
            crate::setup::run(&rt, &opts).await.map(|_| ())
        }
        Command::Backfill {
            since,
            types,
            connection,
            dry_run,
        } => {
            crate::backfill::init_logging();
            let config = load(&cli)?;
            let opts = crate::backfill::BackfillOptions {
                since: *since,
                kinds: types.clone(),
                connection: connection.clone(),
                dry_run: *dry_run,
            };
            crate::backfill::run(config, opts).await
        }
        Command::Audit { connection, limit } => {
            let config = load(&cli)?;
            let store = Store::open(&config.database).await?;
            let ids: Vec<String> = match connection {
                Some(c) => vec![c.clone()],
                None => config.connections.iter().map(|c| c.id.clone()).collect(),
            };
            let mut rows = Vec::new();
            for id in ids {
                rows.extend(store.audit_log(&id, *limit).await?);
            }
            rows.sort_by_key(|a| std::cmp::Reverse(a.at));
            if rows.is_empty() {
                println!("no status changes recorded");
            }
            for a in rows.iter().take(*limit as usize) {
                println!(
                    "{}  {}  {} {}  item {}: {} → {} by monday user {}{}",
                    chrono::DateTime::from_timestamp_millis(a.at)
                        .map(|t| t.format("%Y-%m-%d %H:%M:%S UTC").to_string())
                        .unwrap_or_default(),
                    a.connection_id,
                    a.kind.as_deref().unwrap_or(""),
                    a.zoho_id.as_deref().unwrap_or(""),
                    a.item_id,
                    a.old_value.as_deref().unwrap_or("(empty)"),
                    a.new_value.as_deref().unwrap_or("(empty)"),
                    a.who.as_deref().unwrap_or("?"),
                    if a.commented_at.is_some() {
                        " (comment posted in Zoho)"
                    } else {
                        ""
                    }
                );
            }
            Ok(())
        }
        Command::Migrate => {
            let config = load(&cli)?;
            let store = Store::open(&config.database).await?;
            let n = store.migrate().await?;
            println!(
                "database at {} is up to date ({n} migrations)",
                config.database.url
            );
            Ok(())
        }
        Command::Jobs { state, limit } => {
            let queue = open_queue(&cli).await?;
            print_jobs(&queue.list(state.as_deref(), *limit).await?);
            let s = queue.stats().await?;
            println!(
                "queued {} · running {} · done {} · dead {}",
                s.queued, s.running, s.done, s.dead
            );
            let store = Store::open(&load(&cli)?.database).await?;
            for line in crate::zoho::status::status_lines(&store).await? {
                println!("{line}");
            }
            Ok(())
        }
        Command::Dead { action } => {
            let queue = open_queue(&cli).await?;
            match action.as_ref().unwrap_or(&DeadAction::List) {
                DeadAction::List => {
                    let jobs = queue.list(Some("dead"), 500).await?;
                    if jobs.is_empty() {
                        println!("no dead jobs");
                    }
                    print_jobs(&jobs);
                }
                DeadAction::Retry { id } => {
                    println!("{} job(s) queued again", queue.replay_dead(*id).await?)
                }
                DeadAction::Drop { id } => {
                    println!("{} job(s) dropped", queue.drop_dead(*id).await?)
                }
            }
            Ok(())
        }
    }
}

async fn open_queue(cli: &Cli) -> anyhow::Result<Queue> {
    let config = load(cli)?;
    let store = Store::open(&config.database).await?;
    Ok(Queue::new(
        store,
        Arc::new(SystemClock),
        Duration::from_secs(config.workers.lease_seconds),
    ))
}

fn print_jobs(jobs: &[crate::queue::Job]) {
    for j in jobs {
        println!(
            "#{:<6} {:<8} {:<14} {:<10} attempts {}/{}  {}",
            j.id,
            j.state,
            j.kind,
            j.connection_id,
            j.attempts,
            j.max_attempts,
            j.last_error.as_deref().unwrap_or("")
        );
    }
}

fn shutdown_on_signal(cancel: CancellationToken) {
    tokio::spawn(async move {
        let ctrl_c = tokio::signal::ctrl_c();
        #[cfg(unix)]
        {
            let mut term =
                match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                    Ok(s) => s,
                    Err(_) => {
                        let _ = ctrl_c.await;
                        cancel.cancel();
                        return;
                    }
                };
            tokio::select! { _ = ctrl_c => {}, _ = term.recv() => {} }
        }
        #[cfg(not(unix))]
        let _ = ctrl_c.await;
        tracing::info!("shutting down: finishing jobs in hand");
        cancel.cancel();
    });
}
