//! Zoho Books API quotas per organization, shared by every worker and instance.
//!
//! Every Books call is preceded by [`Quotas::acquire`] (or wrapped in [`Quotas::call`]) and
//! holds the returned [`Permit`] for its whole duration. A call is admitted when:
//! - fewer than `per_minute` calls counted in the last window (a sliding window, the stricter
//!   reading of Zoho's "100 per minute", and the one the sandbox enforces); a call counts from
//!   its start until its end plus the window, so the server, which counts it on arrival,
//!   never sees more than we do;
//! - fewer than the plan's concurrent calls are in flight;
//! - the day's calls are under the plan's cap;
//! - Zoho has not blocked the organization (429 code 44, for a window) or declared its daily
//!   quota spent (code 45, until the next UTC day).
//!
//! Reconciliation and backfill leave `realtime_reserve` calls of each window, one concurrent
//! slot and `realtime_daily_reserve_percent` of the day to real-time sync.
//!
//! The ledger lives in the database (see `store/quota_ledger.rs`), so the budget holds across workers,
//! restarts and processes sharing the file. Zoho's `X-Rate-Limit-*` headers are advice: when
//! they say fewer calls remain than our own count, the difference (calls of other integrations
//! on the same organization) is charged as "phantom" calls until it ages out.

mod learn;
use crate::store::quota_ledger as ledger;
mod liveness;
mod permit;
mod priority;
#[cfg(test)]
mod tests;

use crate::clock::SharedClock;
use crate::config::{plan_concurrency, plan_daily_limit, QuotaConfig};
use crate::store::Store;
pub use permit::Permit;
pub use priority::Priority;
use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::AtomicI64;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::Notify;
use zoho_books::{BooksClient, BooksError};

/// Longest a real-time caller outside a job (a command) waits in line for a slot.
const MAX_INLINE_WAIT: Duration = Duration::from_secs(5);
/// Background callers wait in line only briefly: a worker waiting for a backfill slot is a
/// worker real-time jobs cannot use, so longer waits park the job (back to the queue, due
/// when the slot frees) and free the worker.
const MAX_BACKGROUND_INLINE_WAIT: Duration = Duration::from_millis(250);
/// Longest a queued job's call waits in line for a slot, whatever its class.
const JOB_INLINE_WAIT: Duration = Duration::from_millis(250);
/// When only the end of calls in flight can free a slot, a parked job looks again after this.
const BUSY_RETRY: Duration = Duration::from_millis(250);
/// How often a waiter looks again when only another process's call can free its slot.
const POLL: Duration = Duration::from_millis(20);
/// Cached plan information is read again after this long (another instance may learn it).
const ORG_CACHE_MS: i64 = 60_000;

/// Why no permit was given.
#[derive(Debug, thiserror::Error)]
pub enum QuotaError {
    /// Nothing can be sent before `until_ms` (daily cap, a block by Zoho, or a long wait).
    #[error("{reason}")]
    Wait { until_ms: i64, reason: String },
    #[error("could not read or record the Zoho API budget: {0:#}")]
    Store(anyhow::Error),
}

impl From<QuotaError> for crate::queue::JobError {
    fn from(e: QuotaError) -> Self {
        match e {
            QuotaError::Wait { until_ms, reason } => {
                crate::queue::JobError::Park { until_ms, reason }
            }
            e @ QuotaError::Store(_) => crate::queue::JobError::retry(e.to_string()),
        }
    }
}

pub use crate::store::quota_ledger::Limits;

/// What to do when a slot is not free.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// Look again at this time.
    Until(i64),
    /// Only the end of a call in flight frees the slot.
    Release,
    /// Nothing before `until_ms`.
    Stop { until_ms: i64, reason: String },
}

#[derive(Debug, Clone, Default)]
struct OrgInfo {
    plan: Option<String>,
    advised_daily: Option<u32>,
    loaded_ms: i64,
    /// Last phantom values written, to skip rewriting unchanged ones.
    phantom_window: i64,
    phantom_daily: i64,
}

/// A place in line for one organization's slots (see `Inner::turns`).
type Turn = Arc<tokio::sync::Mutex<()>>;

struct Inner {
    store: Store,
    clock: SharedClock,
    config: QuotaConfig,
    released: Notify,
    /// One waiter per organization and class at a time asks the database; the others queue
    /// here in order, instead of all polling at once.
    turns: Mutex<HashMap<(String, bool), Turn>>,
    orgs: Mutex<HashMap<String, OrgInfo>>,
    last_prune_ms: AtomicI64,
    /// Organizations whose plan this process already asked Zoho for.
    plan_lookups: Mutex<std::collections::HashSet<String>>,
    /// This process in `zoho_calls.instance`; it beats while the quotas are in use.
    instance: String,
    beating: std::sync::atomic::AtomicBool,
}

/// The quotas of every organization; cheap to clone.
#[derive(Clone)]
pub struct Quotas {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Quotas {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Quotas")
            .field("config", &self.inner.config)
            .finish_non_exhaustive()
    }
}

impl Quotas {
    pub fn new(store: Store, clock: SharedClock, config: QuotaConfig) -> Quotas {
        Quotas {
            inner: Arc::new(Inner {
                store,
                clock,
                config,
                released: Notify::new(),
                turns: Mutex::default(),
                orgs: Mutex::default(),
                last_prune_ms: AtomicI64::new(0),
                plan_lookups: Mutex::default(),
                instance: uuid::Uuid::new_v4().to_string(),
                beating: std::sync::atomic::AtomicBool::new(false),
            }),
        }
    }

    pub fn config(&self) -> &QuotaConfig {
        &self.inner.config
    }

    fn window_ms(&self) -> i64 {
        self.inner.config.window().as_millis() as i64
    }

    /// Calls per second background work may make (for progress estimates).
    pub fn background_rate_per_second(&self) -> f64 {
        let c = &self.inner.config;
        f64::from(c.per_minute - c.realtime_reserve) / c.window().as_secs_f64()
    }

    /// Runs one Books call under a permit and learns from its answer. The future is only
    /// polled once the permit is held, so `call` may be built before (`books.get_document(…)`).
    pub async fn call<T, F>(
        &self,
        books: &BooksClient,
        priority: Priority,
        call: F,
    ) -> Result<Result<T, BooksError>, QuotaError>
    where
        F: Future<Output = Result<T, BooksError>>,
    {
        let permit = self.acquire(books.organization_id(), priority).await?;
        let result = call.await;
        permit.finish(&result, books.last_rate_limit_advice()).await;
        Ok(result)
    }

    /// Waits for a slot for one call. Hold the permit for the call's duration, then
    /// [`Permit::finish`] it with the answer.
    ///
    /// Inside a queued job the wait is short ([`JOB_INLINE_WAIT`]): a worker waiting on one
    /// organization's budget is a worker no other organization can use, so past it the job
    /// is parked (back to the queue, due when the slot frees) and the worker moves on.
    pub async fn acquire(&self, org: &str, priority: Priority) -> Result<Permit, QuotaError> {
        let in_job = crate::queue::JobLease::current().is_some();
        let max_inline = match (in_job, priority.is_background()) {
            (true, _) => JOB_INLINE_WAIT,
            (false, true) => MAX_BACKGROUND_INLINE_WAIT,
            (false, false) => MAX_INLINE_WAIT,
        };
        let deadline = tokio::time::Instant::now() + max_inline;
        let busy = |until_ms: i64| {
            QuotaError::Wait {
            until_ms,
            reason: format!("Zoho API budget of organization {org} is in use; waiting for the window to move on"),
        }
        };
        let turn = self.turn(org, priority.is_background());
        let Ok(_turn) = tokio::time::timeout_at(deadline, turn.lock()).await else {
            return Err(busy(
                self.inner.clock.now_ms() + BUSY_RETRY.as_millis() as i64,
            ));
        };
        loop {
            let released = self.inner.released.notified();
            let refusal = match self.try_acquire(org, priority).await? {
                Ok(permit) => return Ok(permit),
                Err(r) => r,
            };
            let now = self.inner.clock.now_ms();
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            match refusal {
                Refusal::Stop { until_ms, reason } => {
                    return Err(QuotaError::Wait { until_ms, reason })
                }
                Refusal::Until(t) if t - now > left.as_millis() as i64 => return Err(busy(t)),
                Refusal::Until(t) => {
                    // The slot frees at `t` at the latest; a call of ours ending may free one sooner.
                    let wait = Duration::from_millis((t - now).max(1) as u64);
                    tokio::select! {
                        _ = tokio::time::sleep(wait) => {}
                        _ = released => {}
                    }
                }
                Refusal::Release if left.is_zero() => {
                    return Err(busy(now + BUSY_RETRY.as_millis() as i64))
                }
                Refusal::Release => {
                    tokio::select! {
                        _ = tokio::time::sleep(POLL.min(left)) => {}
                        _ = released => {}
                    }
                }
            }
        }
    }

    /// One attempt at a slot, without waiting.
    pub(crate) async fn try_acquire(
        &self,
        org: &str,
        priority: Priority,
    ) -> Result<Result<Permit, Refusal>, QuotaError> {
        let now = self.inner.clock.now_ms();
        self.start_beating(now).await?;
        self.maybe_prune(now).await;
        let limits = self.limits(org, priority).await?;
        let store = &self.inner.store;
        let instance = &self.inner.instance;
        if let Some(id) = ledger::try_admit(
            store,
            instance,
            org,
            priority.as_str(),
            now,
            self.window_ms(),
            limits,
        )
        .await
        .map_err(QuotaError::Store)?
        {
            return Ok(Ok(Permit {
                quotas: self.clone(),
                id,
                org: org.to_string(),
                started_ms: now,
                finished: false,
            }));
        }
        self.refusal(org, now, limits, priority.is_background())
            .await
            .map(Err)
    }

    async fn refusal(
        &self,
        org: &str,
        now: i64,
        limits: Limits,
        background: bool,
    ) -> Result<Refusal, QuotaError> {
        let store = &self.inner.store;
        let row = ledger::org_row(store, org)
            .await
            .map_err(QuotaError::Store)?
            .unwrap_or_default();
        if row.exhausted_until_ms > now {
            let reason = row
                .reason
                .unwrap_or_else(|| "Zoho daily API limit reached".into());
            return Ok(Refusal::Stop {
                until_ms: row.exhausted_until_ms,
                reason,
            });
        }
        let usage = ledger::usage(store, org, now, self.window_ms())
            .await
            .map_err(QuotaError::Store)?;
        if let Some(daily) = limits.daily {
            let phantom = if row.phantom_daily_until_ms > now {
                row.phantom_daily
            } else {
                0
            };
            if usage.today + phantom >= i64::from(daily) {
                let until_ms = ledger::day_start(now) + ledger::DAY_MS;
                return Ok(Refusal::Stop {
                    until_ms,
                    reason: format!(
                        "the day's Zoho API budget of organization {org} is used ({} of {daily} calls{}); waiting for the reset at 00:00 UTC. \
                         Raise zoho.quota.daily_limit if Zoho raised your limit",
                        usage.today + phantom,
                        if background { ", the rest is kept for real-time sync" } else { "" }
                    ),
                });
            }
        }
        if row.blocked_until_ms > now {
            return Ok(Refusal::Until(row.blocked_until_ms));
        }
        if usage.in_flight >= i64::from(limits.concurrent) {
            return Ok(Refusal::Release);
        }
        let phantom = if row.phantom_window_until_ms > now {
            row.phantom_window
        } else {
            0
        };
        let counted = usage.in_flight + usage.finished_in_window + phantom;
        if counted >= i64::from(limits.window) {
            let window_ms = self.window_ms();
            let frees = usage.oldest_finished_ms.map(|t| t + window_ms + 1);
            let phantom_ends = (phantom > 0).then_some(row.phantom_window_until_ms);
            return Ok(match (frees, phantom_ends) {
                (Some(a), Some(b)) => Refusal::Until(a.min(b)),
                (Some(t), None) | (None, Some(t)) => Refusal::Until(t),
                (None, None) => Refusal::Release,
            });
        }
        // Another caller took the slot between our two statements: look again at once.
        Ok(Refusal::Until(now))
    }

    fn turn(&self, org: &str, background: bool) -> Turn {
        let mut turns = self.inner.turns.lock().unwrap_or_else(|p| p.into_inner());
        turns
            .entry((org.to_string(), background))
            .or_default()
            .clone()
    }

    /// The limits a caller of `priority` has for `org`.
    pub async fn limits(&self, org: &str, priority: Priority) -> Result<Limits, QuotaError> {
        let info = self.org_info(org).await?;
        Ok(self.limits_for(
            info.plan.as_deref(),
            info.advised_daily,
            priority.is_background(),
        ))
    }

    fn limits_for(
        &self,
        plan: Option<&str>,
        advised_daily: Option<u32>,
        background: bool,
    ) -> Limits {
        let c = &self.inner.config;
        let daily = c
            .daily_limit
            .or_else(|| plan.and_then(plan_daily_limit))
            .or(advised_daily);
        let concurrent = c.concurrent.unwrap_or_else(|| plan_concurrency(plan));
        if background {
            Limits {
                window: (c.per_minute - c.realtime_reserve).max(1),
                concurrent: if concurrent > 1 { concurrent - 1 } else { 1 },
                daily: daily.map(|d| (d - d * c.realtime_daily_reserve_percent / 100).max(1)),
            }
        } else {
            Limits {
                window: c.per_minute,
                concurrent,
                daily,
            }
        }
    }

    async fn org_info(&self, org: &str) -> Result<OrgInfo, QuotaError> {
        let now = self.inner.clock.now_ms();
        {
            let orgs = self.inner.orgs.lock().unwrap_or_else(|p| p.into_inner());
            if let Some(info) = orgs.get(org) {
                if now - info.loaded_ms < ORG_CACHE_MS {
                    return Ok(info.clone());
                }
            }
        }
        let row = ledger::org_row(&self.inner.store, org)
            .await
            .map_err(QuotaError::Store)?
            .unwrap_or_default();
        let mut orgs = self.inner.orgs.lock().unwrap_or_else(|p| p.into_inner());
        let info = orgs.entry(org.to_string()).or_default();
        info.plan = row.plan;
        info.advised_daily = row.advised_daily_limit.and_then(|n| u32::try_from(n).ok());
        info.loaded_ms = now;
        Ok(info.clone())
    }
}
