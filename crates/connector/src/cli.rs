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
    /// Apply database migrations (they also run on every start).
    Migrate,
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
    let rt = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
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
        Command::Demo { listen, data_dir, interval, duration } => {
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
                anyhow::bail!("{failed} check(s) failed; fix them and run `ml-connector check` again");
            }
            println!("all checks passed");
            Ok(())
        }
        Command::Migrate => {
            let config = load(&cli)?;
            let store = Store::open(&config.database).await?;
            let n = store.migrate().await?;
            println!("database at {} is up to date ({n} migrations)", config.database.url);
            Ok(())
        }
        Command::Jobs { state, limit } => {
            let queue = open_queue(&cli).await?;
            print_jobs(&queue.list(state.as_deref(), *limit).await?);
            let s = queue.stats().await?;
            println!("queued {} · running {} · done {} · dead {}", s.queued, s.running, s.done, s.dead);
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
                DeadAction::Retry { id } => println!("{} job(s) queued again", queue.replay_dead(*id).await?),
                DeadAction::Drop { id } => println!("{} job(s) dropped", queue.drop_dead(*id).await?),
            }
            Ok(())
        }
    }
}

async fn open_queue(cli: &Cli) -> anyhow::Result<Queue> {
    let config = load(cli)?;
    let store = Store::open(&config.database).await?;
    Ok(Queue::new(store, Arc::new(SystemClock), Duration::from_secs(config.workers.lease_seconds)))
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
            let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
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
