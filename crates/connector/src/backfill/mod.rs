//! `ml-connector backfill`: the initial (or a repair) sync of documents changed since a date.
//!
//! It lists each document type newest-changed first (list rows have no line items, so this is
//! one call per 200 documents), stops at the first row older than `--since`, and records the
//! documents; they are fed to the queue as `SyncDocument` jobs at BACKFILL priority, a couple
//! of windows' worth at a time, and each job makes the one detail GET and the monday write. The command runs its own workers until every job of the run is done.
//! Started while `serve` runs on the same database, both processes work the same queue and
//! share the same per-organization quotas (they live in the database), and real-time sync
//! keeps its reserved share of each window.
//!
//! Resuming: the run, a cursor per document type (next page) and the ids already enqueued are
//! stored, each page's jobs in the same transaction as the cursor's advance. Running the same
//! command again (same connection, types and date) after a kill or Ctrl-C continues where it
//! stopped, with no gap and no document enqueued twice.
//!
//! Known limit: Zoho pages by offset. A document deleted during the run shifts later rows one
//! place up, so one row can slip past a page boundary unseen; documents changed during the run
//! are caught by reconciliation, which continues from the run's start.

mod dry_run;
mod pages;

pub use dry_run::{Forecast, Forecasted};

use crate::config::Config;
use crate::queue::BackfillProgress;
use crate::runtime::Runtime;
use crate::store::backfill::Run;
use crate::sync::listing::ensure_plan;
use crate::zoho::quota::Priority;
use chrono::NaiveDate;
use indicatif::{ProgressBar, ProgressStyle};
use pages::{human, Status};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;
use zoho_books::DocumentKind;

#[derive(Debug, Clone)]
pub struct BackfillOptions {
    /// Documents created or changed on or after this day (00:00 UTC).
    pub since: NaiveDate,
    /// Document types; empty means every type the connection maps to a board.
    pub kinds: Vec<DocumentKind>,
    /// One connection; `None` means all of them.
    pub connection: Option<String>,
    pub dry_run: bool,
}

/// One connection and the document types to backfill for it.
#[derive(Debug, Clone)]
pub struct Target {
    pub connection_id: String,
    pub kinds: Vec<DocumentKind>,
}

/// How a run ended.
#[derive(Debug, Clone, Default)]
pub struct Summary {
    pub documents: i64,
    pub failed: i64,
    pub zoho_calls: i64,
    pub elapsed: Duration,
    pub forecast: Option<Vec<Forecasted>>,
    pub interrupted: bool,
}

/// Which connections and types a backfill covers; errors say what to change.
pub fn targets(config: &Config, opts: &BackfillOptions) -> anyhow::Result<Vec<Target>> {
    let connections: Vec<_> = match &opts.connection {
        Some(id) => vec![config.connection(id).ok_or_else(|| {
            anyhow::anyhow!(
                "no connection `{id}` in the configuration; known connections: {}",
                config
                    .connections
                    .iter()
                    .map(|c| c.id.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        })?],
        None => config.connections.iter().collect(),
    };
    if connections.is_empty() {
        anyhow::bail!(
            "the configuration declares no [[connections]]; add one (see config.example.toml)"
        );
    }
    let mut out = Vec::new();
    for c in connections {
        let kinds: Vec<DocumentKind> = if opts.kinds.is_empty() {
            DocumentKind::ALL
                .into_iter()
                .filter(|k| c.board(*k).is_some())
                .collect()
        } else {
            for k in &opts.kinds {
                if c.board(*k).is_none() {
                    anyhow::bail!(
                        "connection {} has no board for {kind}s; add [connections.boards.{kind}] or leave {kind} out of --types",
                        c.id,
                        kind = k.as_str()
                    );
                }
            }
            opts.kinds.clone()
        };
        if !kinds.is_empty() {
            out.push(Target {
                connection_id: c.id.clone(),
                kinds,
            });
        }
    }
    Ok(out)
}

/// Logs go to stderr, beside the progress bar; stdout carries the report only.
pub fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        .with_writer(std::io::stderr)
        .try_init();
}

/// The command: builds the runtime, runs, prints the summary.
pub async fn run(config: Config, opts: BackfillOptions) -> anyhow::Result<()> {
    let rt = Runtime::build(config, Arc::new(crate::clock::SystemClock)).await?;
    let cancel = CancellationToken::new();
    let on_signal = cancel.clone();
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            on_signal.cancel();
        }
    });
    let summary = run_with(rt.clone(), &opts, cancel).await?;
    if let Some(forecast) = &summary.forecast {
        print!(
            "{}",
            dry_run::render(forecast, rt.quota.background_rate_per_second())
        );
        return Ok(());
    }
    let minutes = summary.elapsed.as_secs_f64() / 60.0;
    let rate = if minutes > 0.0 {
        summary.zoho_calls as f64 / minutes
    } else {
        0.0
    };
    println!(
        "{}: {} documents synced, {} failed, in {}; {} Zoho calls ({rate:.0} per minute; background budget {:.0} per minute per organization)",
        if summary.interrupted { "backfill interrupted" } else { "backfill done" },
        summary.documents,
        summary.failed,
        human(summary.elapsed),
        summary.zoho_calls,
        rt.quota.background_rate_per_second() * 60.0,
    );
    if summary.interrupted {
        println!("run the same command again to resume where it stopped");
    }
    if summary.failed > 0 {
        anyhow::bail!(
            "{} documents could not be synced; `ml-connector dead` shows why. Fix the cause, then `ml-connector dead retry`",
            summary.failed
        );
    }
    Ok(())
}

/// Runs (or resumes) the backfill with workers in this process until it is done or `cancel`
/// fires. Usable in-process by tests and by other commands.
pub async fn run_with(
    rt: Arc<Runtime>,
    opts: &BackfillOptions,
    cancel: CancellationToken,
) -> anyhow::Result<Summary> {
    let targets = targets(&rt.config, opts)?;
    let since_ms = opts
        .since
        .and_hms_opt(0, 0, 0)
        .map(|t| t.and_utc().timestamp_millis())
        .unwrap_or(0);
    for t in &targets {
        if let Some(conn) = rt.connection(&t.connection_id) {
            ensure_plan(&rt, conn, Priority::Backfill).await;
        }
    }
    if opts.dry_run {
        let forecast = dry_run::forecast(&rt, &targets, since_ms).await?;
        return Ok(Summary {
            forecast: Some(forecast),
            ..Summary::default()
        });
    }
    let mut runs = Vec::new();
    for t in &targets {
        let run = rt
            .store
            .backfill_run(rt.clock.now_ms(), &t.connection_id, &t.kinds, since_ms)
            .await?;
        let verb = if run.resumed { "resuming" } else { "starting" };
        eprintln!(
            "{verb} backfill run #{} of connection {} ({}) since {}",
            run.id,
            run.connection_id,
            kinds_list(&run.kinds),
            opts.since
        );
        runs.push(run);
    }
    let started = Instant::now();
    let started_ms = rt.clock.now_ms();
    let workers_cancel = cancel.child_token();
    let workers = crate::sync::spawn_workers(rt.clone(), workers_cancel.clone());
    let status: Status = Arc::default();
    let mut listers = JoinSet::new();
    for run in &runs {
        for &kind in &run.kinds {
            let (rt, run, status) = (rt.clone(), run.clone(), status.clone());
            listers.spawn(async move { list_kind(&rt, &run, kind, &status).await });
        }
    }
    let result = watch(&rt, &runs, &mut listers, &status, &cancel, started).await;
    listers.abort_all();
    workers_cancel.cancel();
    for w in workers {
        let _ = w.await;
    }
    let progress = result?;
    let interrupted = !progress.done();
    if !interrupted {
        for run in &runs {
            rt.store.finish_backfill(run, rt.clock.now_ms()).await?;
        }
    }
    let mut zoho_calls = 0;
    for run in &runs {
        if let Some(conn) = rt.connection(&run.connection_id) {
            zoho_calls += rt
                .quota
                .calls_since(conn.zoho.organization_id(), started_ms)
                .await
                .unwrap_or(0);
        }
    }
    Ok(Summary {
        documents: progress.finished,
        failed: progress.failed,
        zoho_calls,
        elapsed: started.elapsed(),
        forecast: None,
        interrupted,
    })
}

fn kinds_list(kinds: &[DocumentKind]) -> String {
    kinds
        .iter()
        .map(|k| k.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Lists one document type page by page from its cursor, recording the documents; the watch
/// loop feeds them to the queue.
async fn list_kind(
    rt: &Runtime,
    run: &Run,
    kind: DocumentKind,
    status: &Status,
) -> anyhow::Result<()> {
    let conn = rt.connection(&run.connection_id).ok_or_else(|| {
        anyhow::anyhow!("connection {} is no longer configured", run.connection_id)
    })?;
    loop {
        let c = rt.store.backfill_cursor(run.id, kind).await?;
        if c.complete {
            return Ok(());
        }
        let (rows, last) =
            pages::fetch(rt, conn, kind, c.next_page, run.since_ms, Some(status)).await?;
        let ids: Vec<String> = rows.into_iter().map(|(id, _)| id).collect();
        rt.store
            .commit_backfill_page(run, kind, c.next_page, &ids, last)
            .await?;
    }
}

/// Shows progress until the runs are done, a lister fails, or `cancel` fires.
async fn watch(
    rt: &Runtime,
    runs: &[Run],
    listers: &mut JoinSet<anyhow::Result<()>>,
    status: &Status,
    cancel: &CancellationToken,
    started: Instant,
) -> anyhow::Result<BackfillProgress> {
    let run_ids: Vec<i64> = runs.iter().map(|r| r.id).collect();
    let orgs = runs.len().max(1) as f64;
    let per_second = rt.quota.background_rate_per_second() * orgs;
    let bar = ProgressBar::new(0);
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] {wide_bar} {pos}/{len} documents {msg}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let config = rt.quota.config();
    // Jobs kept waiting per run: two windows' worth of background calls.
    let target = (i64::from(config.per_minute - config.realtime_reserve) * 2).clamp(50, 500);
    let mut last_line = Instant::now();
    let mut last_progress: Option<(Instant, BackfillProgress)> = None;
    loop {
        while let Some(joined) = listers.try_join_next() {
            match joined {
                Ok(Ok(())) => {}
                Ok(Err(e)) => {
                    bar.abandon();
                    return Err(e);
                }
                Err(e) => anyhow::bail!("a backfill lister stopped unexpectedly: {e}"),
            }
        }
        let mut fed = 0;
        for run in runs {
            fed += rt
                .queue
                .feed_backfill(run, target, rt.config.workers.max_attempts)
                .await?;
        }
        if fed > 0 {
            rt.wake.notify_waiters();
        }
        // Feeding is cheap and runs every tick; counting progress scans the run, so less often.
        let p = match last_progress {
            Some((at, p)) if at.elapsed() < Duration::from_millis(500) => p,
            _ => {
                let p = rt.queue.backfill_progress(&run_ids).await?;
                last_progress = Some((Instant::now(), p));
                p
            }
        };
        let remaining = (p.listed - p.finished - p.failed).max(0);
        // One detail GET per document; list pages are a rounding error (1 per 200).
        let eta = Duration::from_secs_f64(remaining as f64 / per_second.max(0.001));
        let listing = if p.kinds_listed < p.kinds {
            " (still listing; more to come)"
        } else {
            ""
        };
        let note = status
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
            .map(|s| format!(" · {s}"))
            .unwrap_or_default();
        bar.set_length(p.listed.max(0) as u64);
        bar.set_position((p.finished + p.failed).max(0) as u64);
        bar.set_message(format!(
            "· {} failed · ETA {}{listing}{note}",
            p.failed,
            human(eta)
        ));
        if bar.is_hidden() && last_line.elapsed() >= Duration::from_secs(10) {
            eprintln!(
                "backfill: {}/{} documents, {} failed, {} elapsed, ETA {}{listing}{note}",
                p.finished + p.failed,
                p.listed,
                p.failed,
                human(started.elapsed()),
                human(eta)
            );
            last_line = Instant::now();
        }
        if p.done() {
            bar.finish();
            return Ok(p);
        }
        if p.finished + p.failed + target >= p.listed {
            last_progress = None; // near the end: look every tick
        }
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_millis(100)) => {}
            _ = cancel.cancelled() => {
                bar.abandon();
                return Ok(p);
            }
        }
    }
}
