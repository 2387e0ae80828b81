//! What the quotas learn: the plan (daily cap), 429s and Zoho's `X-Rate-Limit-*` advice.

use super::ledger::{self, OrgUpdate};
use super::{QuotaError, Quotas};
use std::time::Duration;
use zoho_books::{RateLimitAdvice, RateLimitKind};

impl Quotas {
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

    pub(super) fn forget_cached(&self, org: &str) {
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
}
