//! Per-organization API limits (reference §7) and the token endpoint's throttle (§2).
//!
//! The per-minute limit is a **sliding log**: a call is admitted when fewer than
//! `requests_per_window` calls were admitted during the last `window`. Zoho does not say
//! whether its minute is fixed or sliding; sliding is the stricter reading, and it means a
//! client that waits one full window after a 429 always recovers. Rejected calls do not use
//! up the window (a client that keeps knocking would otherwise never recover); they are still
//! counted in the stats.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::time::Duration;

use chrono::NaiveDate;
use tokio::time::Instant;

use super::state::State;
use super::ZohoSandboxConfig;

/// Timestamps of admitted hits within the last window.
#[derive(Default)]
pub struct SlidingWindow {
    hits: VecDeque<Instant>,
}

impl SlidingWindow {
    fn prune(&mut self, now: Instant, window: Duration) {
        while let Some(&oldest) = self.hits.front() {
            if now.saturating_duration_since(oldest) >= window {
                self.hits.pop_front();
            } else {
                break;
            }
        }
    }

    /// Records a hit when fewer than `limit` happened during the last `window`.
    pub fn try_hit(&mut self, now: Instant, window: Duration, limit: u32) -> bool {
        self.prune(now, window);
        if self.used() < limit {
            self.hits.push_back(now);
            true
        } else {
            false
        }
    }

    fn used(&self) -> u32 {
        u32::try_from(self.hits.len()).unwrap_or(u32::MAX)
    }

    /// How long until the oldest hit leaves the window and frees a slot.
    fn frees_in(&self, now: Instant, window: Duration) -> Duration {
        self.hits
            .front()
            .map(|&oldest| (oldest + window).saturating_duration_since(now))
            .unwrap_or(Duration::ZERO)
    }
}

/// Values of the `X-Rate-Limit-*` headers. Real Zoho reports its daily quota there (and
/// unreliably); the sandbox reports the per-minute window, which is what a client can pace by.
#[derive(Clone, Copy, Debug)]
pub struct RateHeaders {
    pub limit: u32,
    pub remaining: u32,
    /// Whole seconds (rounded up) until a slot frees.
    pub reset_secs: u64,
}

/// Why a call was refused: the 429 body code and message (reference §6).
pub struct Rejection {
    pub code: i64,
    pub message: String,
    pub headers: RateHeaders,
}

#[derive(Default)]
pub struct OrgLimiter {
    window: SlidingWindow,
    /// Admitted calls on one UTC day; the count resets when the date changes.
    daily: Option<(NaiveDate, u32)>,
    in_flight: u32,
}

impl OrgLimiter {
    /// Admits one call, or says which limit it hits (daily 45, concurrency 1070, minute 44,
    /// checked in that order). An admitted call holds a concurrency slot until `release`.
    /// Returns the headers and the number of calls now in flight.
    pub fn admit(
        &mut self,
        config: &ZohoSandboxConfig,
        now: Instant,
        today: NaiveDate,
    ) -> Result<(RateHeaders, u32), Rejection> {
        let used_today = match self.daily {
            Some((day, n)) if day == today => n,
            _ => 0,
        };
        let admitted = self
            .window
            .try_hit(now, config.window, config.requests_per_window);
        let headers = |w: &SlidingWindow| RateHeaders {
            limit: config.requests_per_window,
            remaining: config.requests_per_window.saturating_sub(w.used()),
            reset_secs: ceil_secs(w.frees_in(now, config.window)),
        };
        let reject = |code, message: String, w: &SlidingWindow| Rejection {
            code,
            message,
            headers: headers(w),
        };
        let refusal = if config.daily_limit.is_some_and(|limit| used_today >= limit) {
            Some((
                45,
                format!(
                    "The API call for this organization has exceeded the maximum call rate limit of {}.",
                    config.daily_limit.unwrap_or_default()
                ),
            ))
        } else if self.in_flight >= config.concurrent_limit {
            Some((
                1070,
                "You have reached the maximum number of in process requests allowed. Kindly try again after some time."
                    .to_owned(),
            ))
        } else if !admitted {
            Some((
                44,
                "For security reasons your organization has been blocked as it have exceeded the maximum number of requests per minute that can originate from an organization."
                    .to_owned(),
            ))
        } else {
            None
        };
        if let Some((code, message)) = refusal {
            if admitted {
                // The window slot was taken optimistically; a refused call must not keep it.
                self.window.hits.pop_back();
            }
            return Err(reject(code, message, &self.window));
        }
        self.daily = Some((today, used_today + 1));
        self.in_flight += 1;
        Ok((headers(&self.window), self.in_flight))
    }

    pub fn release(&mut self) {
        self.in_flight = self.in_flight.saturating_sub(1);
    }
}

fn ceil_secs(d: Duration) -> u64 {
    d.as_secs() + u64::from(d.subsec_nanos() > 0)
}

/// "10 access-token requests per 10 minutes" per client (ACCT-LIMITS).
#[derive(Default)]
pub struct TokenThrottle {
    per_client: HashMap<String, SlidingWindow>,
}

impl TokenThrottle {
    pub fn try_hit(&mut self, client_id: &str, now: Instant, window: Duration, limit: u32) -> bool {
        self.per_client
            .entry(client_id.to_owned())
            .or_default()
            .try_hit(now, window, limit)
    }
}

/// One admitted call's concurrency slot; dropping it (also when the client disconnects and the
/// handler future is dropped) frees the slot.
pub struct InFlight {
    state: Arc<State>,
    org_id: String,
}

impl InFlight {
    pub fn new(state: Arc<State>, org_id: String) -> Self {
        Self { state, org_id }
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        if let Some(org) = self.state.lock().orgs.get_mut(&self.org_id) {
            org.limiter.release();
        }
    }
}
