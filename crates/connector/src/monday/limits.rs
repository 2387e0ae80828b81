//! Client-side monday limits, per connection: requests per rolling minute, requests in flight,
//! and requests per UTC day (reference §4). monday counts these per account; staying under them
//! ourselves is cheaper than learning them from 429s, and a spent daily budget parks work until
//! midnight UTC instead of burning tomorrow's calls on retries.
//!
//! The [`Limiter`] is the [`monday::RequestGate`] of the connection's client, so every request
//! (sync, subitems, audit, setup, check) passes it. Counts live in memory: a restart begins the
//! day afresh, and monday's own `DAILY_LIMIT_EXCEEDED` remains the backstop.

use crate::clock::SharedClock;
use chrono::{DateTime, Utc};
use monday::{GatePermit, MondayError, RequestGate};
use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::Semaphore;

const MINUTE_MS: i64 = 60_000;
const DAY_MS: i64 = 86_400_000;
/// Longest a request waits in line for the minute window; beyond it the job is retried later
/// (and the connection paused), so a worker is not held while other work queues up.
const MAX_INLINE_WAIT: Duration = Duration::from_secs(5);

pub use crate::config::MondayLimits as Limits;

/// What the budget says about one more request now.
#[derive(Debug, PartialEq, Eq)]
enum Admission {
    Go,
    /// The minute window is full; a slot frees after this long.
    Wait(Duration),
    /// The day's budget is spent until `reset_at` (00:00 UTC).
    DayOver {
        reset_at: DateTime<Utc>,
    },
}

#[derive(Debug, Default)]
struct Window {
    /// Start times (epoch ms) of the requests of the last minute.
    recent: VecDeque<i64>,
    /// The UTC day `today` counts (days since the epoch).
    day: i64,
    today: u32,
}

/// One connection's budget; shared by every clone of its monday client.
#[derive(Debug)]
pub struct Limiter {
    connection: String,
    limits: Limits,
    clock: SharedClock,
    slots: Arc<Semaphore>,
    window: Mutex<Window>,
}

impl Limiter {
    pub fn new(connection: &str, limits: Limits, clock: SharedClock) -> Arc<Limiter> {
        Arc::new(Limiter {
            connection: connection.to_string(),
            limits,
            clock,
            slots: Arc::new(Semaphore::new(limits.concurrent as usize)),
            window: Mutex::new(Window::default()),
        })
    }

    /// Counts the request against the minute and the day if both have room.
    fn try_take(&self, now_ms: i64) -> Admission {
        let mut w = self.window.lock().unwrap_or_else(|p| p.into_inner());
        let day = now_ms.div_euclid(DAY_MS);
        if w.day != day {
            w.day = day;
            w.today = 0;
        }
        if let Some(daily) = self.limits.daily {
            if w.today >= daily {
                let reset_at = DateTime::<Utc>::from_timestamp_millis((day + 1) * DAY_MS)
                    .unwrap_or_else(Utc::now);
                return Admission::DayOver { reset_at };
            }
        }
        while w.recent.front().is_some_and(|t| *t <= now_ms - MINUTE_MS) {
            w.recent.pop_front();
        }
        if w.recent.len() >= self.limits.per_minute as usize {
            let oldest = w.recent.front().copied().unwrap_or(now_ms);
            return Admission::Wait(Duration::from_millis(
                (oldest + MINUTE_MS - now_ms).max(1) as u64
            ));
        }
        w.recent.push_back(now_ms);
        w.today += 1;
        Admission::Go
    }

    async fn admit_one(&self) -> Result<GatePermit, MondayError> {
        let permit = self.admit_within_limits().await;
        let outcome = match &permit {
            Ok(_) => "sent",
            Err(_) => "rate_limited",
        };
        crate::telemetry::metrics::upstream_call("monday", &self.connection, outcome);
        permit
    }

    async fn admit_within_limits(&self) -> Result<GatePermit, MondayError> {
        let mut waited = Duration::ZERO;
        loop {
            match self.try_take(self.clock.now_ms()) {
                Admission::Go => break,
                Admission::DayOver { reset_at } => {
                    tracing::warn!(connection = %self.connection, daily = ?self.limits.daily, %reset_at, "monday daily request budget (monday.daily_limit / plan) spent; monday work waits until midnight UTC");
                    return Err(MondayError::DailyLimit { reset_at });
                }
                Admission::Wait(d) if waited + d <= MAX_INLINE_WAIT => {
                    tokio::time::sleep(d).await;
                    waited += d;
                }
                Admission::Wait(d) => {
                    return Err(MondayError::Retryable {
                        code: "CLIENT_MINUTE_LIMIT".into(),
                        message: format!(
                            "connection {} used its {} monday requests of the last minute (monday.minute_limit / plan)",
                            self.connection, self.limits.per_minute
                        ),
                        retry_after: Some(d),
                        status: 429,
                    })
                }
            }
        }
        let permit =
            self.slots
                .clone()
                .acquire_owned()
                .await
                .map_err(|_| MondayError::Transport {
                    message: "the monday request limiter was shut down".into(),
                    maybe_applied: false,
                })?;
        Ok(Box::new(permit))
    }
}

impl RequestGate for Limiter {
    fn admit(&self) -> Pin<Box<dyn Future<Output = Result<GatePermit, MondayError>> + Send + '_>> {
        Box::pin(self.admit_one())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::{Clock, ManualClock};
    use crate::config::MondayConfig;
    use chrono::TimeZone;

    fn config(plan: Option<&str>) -> MondayConfig {
        MondayConfig {
            plan: plan.map(String::from),
            ..MondayConfig::default()
        }
    }

    #[test]
    fn plans_set_the_published_numbers_and_keys_override_them() {
        assert_eq!(
            Limits::from_config(&config(None)),
            Ok(Limits {
                per_minute: 1_000,
                concurrent: 40,
                daily: None
            })
        );
        assert_eq!(
            Limits::from_config(&config(Some("Pro"))),
            Ok(Limits {
                per_minute: 2_500,
                concurrent: 100,
                daily: Some(10_000)
            })
        );
        let mut c = config(Some("enterprise"));
        c.daily_limit = Some(20_000);
        c.concurrency_limit = Some(8);
        assert_eq!(
            Limits::from_config(&c),
            Ok(Limits {
                per_minute: 5_000,
                concurrent: 8,
                daily: Some(20_000)
            })
        );
        assert_eq!(
            Limits::from_config(&config(Some("gold"))).map_err(|e| e.0),
            Err("plan".to_string())
        );
        c.minute_limit = Some(0);
        assert_eq!(
            Limits::from_config(&c).map_err(|e| e.0),
            Err("minute_limit".to_string())
        );
    }

    fn limiter(limits: Limits) -> (Arc<Limiter>, ManualClock) {
        let clock = ManualClock::new(
            Utc.with_ymd_and_hms(2026, 11, 25, 23, 59, 0)
                .single()
                .expect("time"),
        );
        (Limiter::new("c", limits, Arc::new(clock.clone())), clock)
    }

    #[test]
    fn the_minute_window_slides_and_says_how_long_to_wait() {
        let (l, clock) = limiter(Limits {
            per_minute: 2,
            concurrent: 1,
            daily: None,
        });
        let t0 = clock.now_ms();
        assert_eq!(l.try_take(t0), Admission::Go);
        assert_eq!(l.try_take(t0 + 10_000), Admission::Go);
        assert_eq!(
            l.try_take(t0 + 20_000),
            Admission::Wait(Duration::from_secs(40))
        );
        assert_eq!(
            l.try_take(t0 + 60_000),
            Admission::Go,
            "the first request left the window"
        );
        assert_eq!(
            l.try_take(t0 + 60_001),
            Admission::Wait(Duration::from_millis(9_999))
        );
    }

    #[test]
    fn a_spent_day_waits_for_midnight_utc_and_the_next_day_starts_afresh() {
        let (l, clock) = limiter(Limits {
            per_minute: 100,
            concurrent: 1,
            daily: Some(2),
        });
        let now = clock.now_ms();
        assert_eq!(l.try_take(now), Admission::Go);
        assert_eq!(l.try_take(now), Admission::Go);
        let midnight = Utc
            .with_ymd_and_hms(2026, 11, 26, 0, 0, 0)
            .single()
            .expect("time");
        assert_eq!(l.try_take(now), Admission::DayOver { reset_at: midnight });
        assert_eq!(l.try_take(midnight.timestamp_millis()), Admission::Go);
    }

    #[tokio::test]
    async fn requests_beyond_the_concurrency_limit_wait_for_a_slot() {
        let (l, _clock) = limiter(Limits {
            per_minute: 100,
            concurrent: 1,
            daily: None,
        });
        let first = l.admit().await.expect("first");
        let second = tokio::time::timeout(Duration::from_millis(50), l.admit()).await;
        assert!(
            second.is_err(),
            "second request must wait while the first is in flight"
        );
        drop(first);
        tokio::time::timeout(Duration::from_millis(50), l.admit())
            .await
            .expect("slot freed")
            .expect("admitted");
    }

    #[tokio::test]
    async fn a_spent_day_is_a_daily_limit_error_which_parks_the_job() {
        let (l, _clock) = limiter(Limits {
            per_minute: 100,
            concurrent: 4,
            daily: Some(1),
        });
        let _first = l.admit().await.expect("first");
        let err = l.admit().await.err().expect("day spent");
        assert!(matches!(err, MondayError::DailyLimit { .. }), "{err:?}");
        assert!(matches!(
            crate::queue::JobError::from(err),
            crate::queue::JobError::Park { .. }
        ));
    }
}
