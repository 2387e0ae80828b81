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
//! The ledger lives in the database (see `ledger.rs`), so the budget holds across workers,
//! restarts and processes sharing the file. Zoho's `X-Rate-Limit-*` headers are advice: when
//! they say fewer calls remain than our own count, the difference (calls of other integrations
//! on the same organization) is charged as "phantom" calls until it ages out.

mod ledger;
#[cfg(test)]
mod tests;

use crate::clock::SharedClock;
use crate::config::{plan_concurrency, plan_daily_limit, QuotaConfig};
use crate::store::Store;
use ledger::OrgUpdate;
use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::Notify;
use zoho_books::{BooksClient, BooksError, RateLimitAdvice, RateLimitKind};

/// Longest a real-time caller waits in line for a slot; beyond it the job is parked instead.
const MAX_INLINE_WAIT: Duration = Duration::from_secs(5);
/// Background callers wait in line only briefly: a worker waiting for a backfill slot is a
/// worker real-time jobs cannot use, so longer waits park the job (back to the queue, due
/// when the slot frees) and free the worker.
const MAX_BACKGROUND_INLINE_WAIT: Duration = Duration::from_millis(250);
/// How often a waiter looks again when only another process's call can free its slot.
const POLL: Duration = Duration::from_millis(20);
/// Cached plan information is read again after this long (another instance may learn it).
const ORG_CACHE_MS: i64 = 60_000;

tokio::task_local! {
    static JOB_PRIORITY: Priority;
}

/// Who is calling: real-time sync goes first, the others use what it leaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Priority {
    Realtime,
    Reconcile,
    Backfill,
}

impl Priority {
    /// The quota class of a queued job, from its queue priority.
    pub fn from_job_priority(priority: i64) -> Priority {
        use crate::queue::priority::{REALTIME, RECONCILE};
        if priority >= REALTIME {
            Priority::Realtime
        } else if priority >= RECONCILE {
            Priority::Reconcile
        } else {
            Priority::Backfill
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Priority::Realtime => "realtime",
            Priority::Reconcile => "reconcile",
            Priority::Backfill => "backfill",
        }
    }

    pub fn is_background(self) -> bool {
        self != Priority::Realtime
    }

    /// The priority of the job this task is running (set by the worker with [`Self::scope`]),
    /// so call sites deep in the sync code need not thread it through; real-time otherwise.
    pub fn current() -> Priority {
        JOB_PRIORITY.try_with(|p| *p).unwrap_or(Priority::Realtime)
    }

    /// Runs `f` with `self` as [`Self::current`].
    pub async fn scope<F: Future>(self, f: F) -> F::Output {
        JOB_PRIORITY.scope(self, f).await
    }
}

/// Why no permit was given.
#[derive(Debug, thiserror::Error)]
pub enum QuotaError {
    /// Nothing can be sent before `until_ms` (daily cap, a block by Zoho, or a long wait).
    #[error("{reason}")]
    Wait { until_ms: i64, reason: String },
    #[error("could not read or record the Zoho API budget: {0:#}")]
    Store(anyhow::Error),
}

impl From<QuotaError> for crate::sync::JobError {
    fn from(e: QuotaError) -> Self {
        match e {
            QuotaError::Wait { until_ms, reason } => {
                crate::sync::JobError::Park { until_ms, reason }
            }
            e @ QuotaError::Store(_) => crate::sync::JobError::retry(e.to_string()),
        }
    }
}

/// The limits that apply to one caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub window: u32,
    pub concurrent: u32,
    pub daily: Option<u32>,
}

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
    pub async fn acquire(&self, org: &str, priority: Priority) -> Result<Permit, QuotaError> {
        let turn = self.turn(org, priority.is_background());
        let _turn = turn.lock().await;
        let max_inline = if priority.is_background() {
            MAX_BACKGROUND_INLINE_WAIT
        } else {
            MAX_INLINE_WAIT
        };
        loop {
            let released = self.inner.released.notified();
            let refusal = match self.try_acquire(org, priority).await? {
                Ok(permit) => return Ok(permit),
                Err(r) => r,
            };
            let now = self.inner.clock.now_ms();
            match refusal {
                Refusal::Stop { until_ms, reason } => return Err(QuotaError::Wait { until_ms, reason }),
                Refusal::Until(t) if t - now > max_inline.as_millis() as i64 => {
                    return Err(QuotaError::Wait {
                        until_ms: t,
                        reason: format!("Zoho API budget of organization {org} is in use; waiting for the window to move on"),
                    })
                }
                Refusal::Until(t) => {
                    // The slot frees at `t` at the latest; a call of ours ending may free one sooner.
                    let wait = Duration::from_millis((t - now).max(1) as u64);
                    tokio::select! {
                        _ = tokio::time::sleep(wait) => {}
                        _ = released => {}
                    }
                }
                Refusal::Release => {
                    tokio::select! {
                        _ = tokio::time::sleep(POLL) => {}
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

    /// The organization's plan name as `GET /organizations` reports it (sets the daily cap).
    pub async fn plan(&self, org: &str) -> Result<Option<String>, QuotaError> {
        Ok(self.org_info(org).await?.plan)
    }

    /// Calls of `org` started since `since_ms` (all callers, all processes sharing the database).
    pub async fn calls_since(&self, org: &str, since_ms: i64) -> Result<i64, QuotaError> {
        ledger::started_since(&self.inner.store, org, since_ms)
            .await
            .map_err(QuotaError::Store)
    }

    /// True the first time it is asked for `org` in this process: the plan is looked up once.
    pub fn first_plan_lookup(&self, org: &str) -> bool {
        self.inner
            .plan_lookups
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(org.to_string())
    }

    /// Records the organization's plan, which decides its daily cap and concurrency.
    pub async fn learn_plan(&self, org: &str, plan: &str) -> Result<(), QuotaError> {
        let now = self.inner.clock.now_ms();
        ledger::update_org(&self.inner.store, org, OrgUpdate::Plan(plan), now)
            .await
            .map_err(QuotaError::Store)?;
        self.forget_cached(org);
        Ok(())
    }

    fn forget_cached(&self, org: &str) {
        let mut orgs = self.inner.orgs.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(info) = orgs.get_mut(org) {
            info.loaded_ms = i64::MIN / 2;
        }
    }

    /// A 429 seen by any caller holds back every caller of the organization: code 44 for one
    /// window, code 45 until the next UTC day. Code 1070 only asks the one call to retry.
    pub async fn note_rate_limited(
        &self,
        org: &str,
        kind: RateLimitKind,
        retry_after: Option<Duration>,
    ) {
        let now = self.inner.clock.now_ms();
        let update = match kind {
            RateLimitKind::PerMinute => {
                let wait = retry_after.unwrap_or_default().max(self.inner.config.window());
                OrgUpdate::Blocked {
                    until_ms: now + wait.as_millis() as i64,
                    reason: "Zoho refused a call with 429 code 44 (too many requests per minute); every caller waits one window",
                }
            }
            RateLimitKind::Daily => OrgUpdate::Exhausted {
                until_ms: ledger::day_start(now) + ledger::DAY_MS,
                reason: "Zoho daily API limit of the organization reached (429 code 45); parked until the daily reset at 00:00 UTC",
            },
            RateLimitKind::Concurrency => return,
        };
        tracing::warn!(
            org,
            ?kind,
            "Zoho rate limit hit; holding back every caller of the organization"
        );
        if let Err(e) = ledger::update_org(&self.inner.store, org, update, now).await {
            tracing::error!(org, error = %format!("{e:#}"), "could not record a Zoho rate limit");
        }
    }

    /// Believes Zoho when its `X-Rate-Limit-*` headers say fewer calls remain than our own
    /// count: the difference is charged until it ages out. Headers whose limit is at most
    /// `per_minute` describe the window (the sandbox); larger ones the day (observed on Zoho).
    pub async fn note_advice(&self, org: &str, call_started_ms: i64, advice: RateLimitAdvice) {
        let (Some(limit), Some(remaining)) = (advice.limit, advice.remaining) else {
            return;
        };
        if limit == 0 {
            return; // Zoho sometimes sends zeros; they carry no information.
        }
        let store = &self.inner.store;
        let now = self.inner.clock.now_ms();
        let server_used = limit.saturating_sub(remaining) as i64;
        let window_scope = limit <= u64::from(self.inner.config.per_minute);
        let ours = if window_scope {
            ledger::counted_since(store, org, call_started_ms - self.window_ms(), now).await
        } else {
            ledger::started_today(store, org, now).await
        };
        let Ok(ours) = ours else { return };
        let phantom = (server_used - ours).max(0);
        let previous = {
            let orgs = self.inner.orgs.lock().unwrap_or_else(|p| p.into_inner());
            orgs.get(org)
                .map(|i| {
                    if window_scope {
                        i.phantom_window
                    } else {
                        i.phantom_daily
                    }
                })
                .unwrap_or(0)
        };
        if phantom == previous && (window_scope || phantom == 0) {
            return;
        }
        let update = if window_scope {
            OrgUpdate::PhantomWindow {
                calls: phantom,
                until_ms: now + self.window_ms(),
            }
        } else {
            let reset = advice
                .reset_after
                .map(|d| d.as_millis() as i64)
                .filter(|ms| *ms > 0);
            OrgUpdate::PhantomDaily {
                calls: phantom,
                until_ms: now + reset.unwrap_or(ledger::day_start(now) + ledger::DAY_MS - now),
                limit: limit as i64,
            }
        };
        if phantom > 0 {
            tracing::info!(
                org,
                phantom,
                window_scope,
                "Zoho reports calls we did not make; charging them to the budget"
            );
        }
        if ledger::update_org(store, org, update, now).await.is_ok() {
            let mut orgs = self.inner.orgs.lock().unwrap_or_else(|p| p.into_inner());
            let info = orgs.entry(org.to_string()).or_default();
            if window_scope {
                info.phantom_window = phantom;
            } else {
                info.phantom_daily = phantom;
                info.loaded_ms = i64::MIN / 2; // the advised daily limit may be new
            }
        }
    }

    async fn release(&self, id: i64) {
        let now = self.inner.clock.now_ms();
        if let Err(e) = ledger::finish(&self.inner.store, id, now).await {
            tracing::warn!(error = %format!("{e:#}"), "could not record the end of a Zoho call; it counts as in flight for a few minutes");
        }
        self.inner.released.notify_waiters();
    }

    /// Before this process's first call: records it as alive, closes the calls of processes
    /// that died with calls in flight (so their slots do not stay taken), and keeps beating.
    async fn start_beating(&self, now: i64) -> Result<(), QuotaError> {
        if self.inner.beating.swap(true, Ordering::SeqCst) {
            return Ok(());
        }
        let store = &self.inner.store;
        let first = async {
            ledger::beat(store, &self.inner.instance, now).await?;
            ledger::sweep(store, &self.inner.instance, now).await
        };
        if let Err(e) = first.await {
            self.inner.beating.store(false, Ordering::SeqCst);
            return Err(QuotaError::Store(e));
        }
        let weak = Arc::downgrade(&self.inner);
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(Duration::from_millis(ledger::BEAT_MS as u64)).await;
                let Some(inner) = weak.upgrade() else { return };
                let now = inner.clock.now_ms();
                let beat = async {
                    ledger::beat(&inner.store, &inner.instance, now).await?;
                    ledger::sweep(&inner.store, &inner.instance, now).await
                };
                match beat.await {
                    Ok(0) => {}
                    Ok(n) => {
                        tracing::warn!(
                            calls = n,
                            "closed Zoho calls of a process that stopped (killed or crashed)"
                        );
                        inner.released.notify_waiters();
                    }
                    Err(e) => {
                        tracing::warn!(error = %format!("{e:#}"), "could not record this process as alive for the Zoho quotas")
                    }
                }
            }
        });
        Ok(())
    }

    async fn maybe_prune(&self, now: i64) {
        let last = self.inner.last_prune_ms.load(Ordering::Relaxed);
        if now - last < 60_000
            || self
                .inner
                .last_prune_ms
                .compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed)
                .is_err()
        {
            return;
        }
        if let Err(e) = ledger::prune(&self.inner.store, now).await {
            tracing::warn!(error = %format!("{e:#}"), "could not prune old Zoho call records");
        }
    }
}

/// One admitted call. Finish it with the answer; dropping it unfinished (a cancelled job)
/// still releases the slot, from a background task.
pub struct Permit {
    quotas: Quotas,
    id: i64,
    org: String,
    started_ms: i64,
    finished: bool,
}

impl std::fmt::Debug for Permit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Permit")
            .field("org", &self.org)
            .field("started_ms", &self.started_ms)
            .finish_non_exhaustive()
    }
}

impl Permit {
    /// Ends the call: frees its concurrency slot (it keeps counting in the window until one
    /// window after now) and learns from the answer: rate-limit errors and advice headers.
    pub async fn finish<T>(
        mut self,
        result: &Result<T, BooksError>,
        advice: Option<RateLimitAdvice>,
    ) {
        self.finished = true;
        self.quotas.release(self.id).await;
        match result {
            Err(BooksError::RateLimited { kind, retry_after }) => {
                self.quotas
                    .note_rate_limited(&self.org, *kind, *retry_after)
                    .await;
            }
            // Without a response (transport) or from an injected failure, the advice is an
            // older response's and would mislead.
            Err(_) => return,
            Ok(_) => {}
        }
        if let Some(advice) = advice {
            self.quotas
                .note_advice(&self.org, self.started_ms, advice)
                .await;
        }
    }
}

impl Drop for Permit {
    fn drop(&mut self) {
        if self.finished {
            return;
        }
        if let Ok(handle) = tokio::runtime::Handle::try_current() {
            let (quotas, id) = (self.quotas.clone(), self.id);
            handle.spawn(async move { quotas.release(id).await });
        }
    }
}
