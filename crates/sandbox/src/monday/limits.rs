//! Rate limits, complexity budgets, injected faults and the Idempotency-Key cache (§4, §7).

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use super::graphql::{Args, GqlError};
use super::{Faults, MondayStats};

/// Personal-token budget: reads and writes combined, per sliding minute.
pub(crate) const COMPLEXITY_PER_MINUTE: u64 = 10_000_000;
/// Cap on a single query's complexity.
pub(crate) const COMPLEXITY_PER_QUERY: u64 = 5_000_000;
/// Enterprise minute limit (requests per minute per token).
const MINUTE_RATE: u64 = 5_000;
/// Enterprise concurrency limit.
const CONCURRENCY: u32 = 250;
const WINDOW: Duration = Duration::from_secs(60);
/// How long a response stays cached under its Idempotency-Key.
pub(crate) const IDEMPOTENCY_TTL: Duration = Duration::from_secs(30 * 60);
/// Responses larger than this are not cached (monday skips >1MB).
const IDEMPOTENCY_MAX_BYTES: usize = 1 << 20;

/// (base points, multiplier for the children) of one field; list fields multiply by their size.
pub(crate) fn field_cost(name: &str, args: &Args) -> (u64, u64) {
    let limit = |default: u64| args.int("limit").map_or(default, |l| l.max(1) as u64);
    let ids_or = |default: u64| {
        args.ids("ids")
            .map_or(default, |ids| ids.len().max(1) as u64)
    };
    match name {
        "create_item"
        | "create_subitem"
        | "create_column"
        | "create_status_column"
        | "create_dropdown_column" => (10_000, 1),
        "create_board" => (30_000, 1),
        "change_multiple_column_values" | "change_column_value" | "change_simple_column_value" => {
            (5_000, 1)
        }
        "delete_item" | "archive_item" | "create_group" => (5_000, 1),
        "create_update" | "create_webhook" | "delete_webhook" => (1_000, 1),
        "boards" => (1, ids_or(limit(25))),
        // Root `items(ids)` multiplies by its ids; `ItemsResponse.items` (no arguments) by 1, as
        // its page size is already counted by `items_page`.
        "items" => (1, ids_or(limit(1))),
        "items_page" | "items_page_by_column_values" | "next_items_page" => (10, limit(25)),
        "column_values" | "columns" | "subitems" | "webhooks" | "updates" => (1, 10),
        "groups" => (1, 5),
        "complexity" => (0, 0),
        _ => (1, 1),
    }
}

/// Numbers reported by `complexity { before after query reset_in_x_seconds }`.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct ComplexityInfo {
    pub before: u64,
    pub after: u64,
    pub query: u64,
    pub reset_in_x_seconds: u64,
}

/// A request refused before execution.
pub(crate) struct Rejection {
    pub status: u16,
    pub error: GqlError,
    pub retry_after: Option<Duration>,
}

/// What the idempotency cache says about a mutation's key.
pub(crate) enum IdempotencyCheck {
    Fresh,
    Replay { status: u16, body: Vec<u8> },
    Conflict,
}

enum IdemEntry {
    InFlight,
    Done {
        at: Instant,
        status: u16,
        body: Vec<u8>,
    },
}

struct Budget {
    window_start: Instant,
    complexity_used: u64,
    requests: u64,
}

#[derive(Default)]
pub(crate) struct Limits {
    /// Accepted raw `Authorization` values.
    pub tokens: HashSet<String>,
    pub faults: Faults,
    budgets: HashMap<String, Budget>,
    idempotency: HashMap<(String, String), IdemEntry>,
    inflight_boards: HashMap<u64, u32>,
    pub inflight_requests: u32,
    /// Alternates the code of injected 429s.
    storms_served: u32,
    /// No minute-rate or complexity budget (load tests where monday must not be the bottleneck).
    pub unlimited: bool,
}

impl Limits {
    fn budget(&mut self, token: &str, now: Instant) -> &mut Budget {
        let budget = self.budgets.entry(token.to_string()).or_insert(Budget {
            window_start: now,
            complexity_used: 0,
            requests: 0,
        });
        if now.duration_since(budget.window_start) >= WINDOW {
            *budget = Budget {
                window_start: now,
                complexity_used: 0,
                requests: 0,
            };
        }
        budget
    }

    /// Whole seconds until the token's window resets (monday announces integer waits).
    fn reset_in(&mut self, token: &str, now: Instant) -> Duration {
        let start = self.budget(token, now).window_start;
        ceil_secs(WINDOW.saturating_sub(now.duration_since(start)))
    }

    /// Counts a request against the minute limit.
    pub fn count_request(&mut self, token: &str, now: Instant) -> Result<(), Rejection> {
        let unlimited = self.unlimited;
        let budget = self.budget(token, now);
        budget.requests += 1;
        if budget.requests > MINUTE_RATE && !unlimited {
            let wait = self.reset_in(token, now);
            return Err(rate_rejection(
                "RATE_LIMIT_EXCEEDED",
                "Rate Limit Exceeded",
                wait,
            ));
        }
        Ok(())
    }

    /// Charges `cost` complexity points; refuses when the minute budget can't cover it.
    pub fn charge(
        &mut self,
        token: &str,
        cost: u64,
        now: Instant,
    ) -> Result<ComplexityInfo, Rejection> {
        if cost > COMPLEXITY_PER_QUERY {
            let error = GqlError::new(
                "maxComplexityExceeded",
                format!("Query has complexity of {cost}, which exceeds max complexity of {COMPLEXITY_PER_QUERY}"),
            )
            .with_extra("complexity", json!(cost))
            .with_extra("maxComplexity", json!(COMPLEXITY_PER_QUERY));
            return Err(Rejection {
                status: 200,
                error,
                retry_after: None,
            });
        }
        let reset = self.reset_in(token, now);
        let unlimited = self.unlimited;
        let budget = self.budget(token, now);
        if unlimited {
            budget.complexity_used = 0;
        }
        let before = COMPLEXITY_PER_MINUTE.saturating_sub(budget.complexity_used);
        if cost > before {
            let mut rejection = rate_rejection(
                "COMPLEXITY_BUDGET_EXHAUSTED",
                "Complexity budget exhausted",
                reset,
            );
            rejection.error = rejection
                .error
                .with_extra("complexity", json!(cost))
                .with_extra("complexity_budget_left", json!(before))
                .with_extra("complexity_budget_limit", json!(COMPLEXITY_PER_MINUTE));
            return Err(rejection);
        }
        budget.complexity_used += cost;
        Ok(ComplexityInfo {
            before,
            after: before - cost,
            query: cost,
            reset_in_x_seconds: reset.as_secs(),
        })
    }

    /// `RateLimit-Policy` and `RateLimit` header values (IETF draft format, §4).
    pub fn rate_headers(&mut self, token: &str, now: Instant) -> (String, String) {
        let reset = self.reset_in(token, now).as_secs();
        let inflight = self.inflight_requests;
        let budget = self.budget(token, now);
        let policy = format!(
            "\"minuteRate\";q={MINUTE_RATE};w=60, \"concurrency\";q={CONCURRENCY};qu=\"concurrent-requests\", \
             \"complexityMinute\";q={COMPLEXITY_PER_MINUTE};w=60;qu=\"content-bytes\""
        );
        let minute_left = MINUTE_RATE.saturating_sub(budget.requests);
        let minute_t = if minute_left == 0 {
            format!(";t={reset}")
        } else {
            String::new()
        };
        let state = format!(
            "\"minuteRate\";r={minute_left}{minute_t}, \"concurrency\";r={}, \"complexityMinute\";r={};t={reset}",
            CONCURRENCY.saturating_sub(inflight),
            COMPLEXITY_PER_MINUTE.saturating_sub(budget.complexity_used),
        );
        (policy, state)
    }

    /// Consumes the next injected fault, if any, in the order daily → 429 → 500 → 423.
    pub fn take_fault(&mut self, now: DateTime<Utc>) -> Option<Rejection> {
        if self.faults.daily_limit_exceeded {
            let midnight = (now.date_naive() + chrono::Days::new(1))
                .and_hms_opt(0, 0, 0)?
                .and_utc();
            let wait = ceil_secs((midnight - now).to_std().unwrap_or_default());
            return Some(rate_rejection(
                "DAILY_LIMIT_EXCEEDED",
                "Daily limit exceeded",
                wait,
            ));
        }
        if self.faults.storm_429 > 0 {
            self.faults.storm_429 -= 1;
            self.storms_served += 1;
            let (code, message) = if self.storms_served % 2 == 1 {
                ("RATE_LIMIT_EXCEEDED", "Rate Limit Exceeded")
            } else {
                ("COMPLEXITY_BUDGET_EXHAUSTED", "Complexity budget exhausted")
            };
            return Some(rate_rejection(code, message, self.faults.retry_after));
        }
        if self.faults.fail_5xx > 0 {
            self.faults.fail_5xx -= 1;
            let error =
                GqlError::new("INTERNAL_SERVER_ERROR", "Internal server error").with_status(500);
            return Some(Rejection {
                status: 500,
                error,
                retry_after: None,
            });
        }
        if self.faults.lock_423 > 0 {
            self.faults.lock_423 -= 1;
            let error = GqlError::new(
                "RESOURCE_LOCKED",
                "Resource is currently locked, please try again later",
            )
            .with_status(423);
            return Some(Rejection {
                status: 423,
                error,
                retry_after: Some(self.faults.retry_after),
            });
        }
        None
    }

    /// Looks up an Idempotency-Key; a fresh key is marked in flight.
    pub fn idempotency_begin(&mut self, token: &str, key: &str, now: Instant) -> IdempotencyCheck {
        let k = (token.to_string(), key.to_string());
        match self.idempotency.get(&k) {
            Some(IdemEntry::InFlight) => IdempotencyCheck::Conflict,
            Some(IdemEntry::Done { at, status, body })
                if now.duration_since(*at) < IDEMPOTENCY_TTL =>
            {
                IdempotencyCheck::Replay {
                    status: *status,
                    body: body.clone(),
                }
            }
            _ => {
                self.idempotency.insert(k, IdemEntry::InFlight);
                IdempotencyCheck::Fresh
            }
        }
    }

    /// Stores the response of a processed mutation under its key.
    pub fn idempotency_finish(
        &mut self,
        token: &str,
        key: &str,
        status: u16,
        body: &[u8],
        now: Instant,
    ) {
        let k = (token.to_string(), key.to_string());
        if body.len() > IDEMPOTENCY_MAX_BYTES {
            self.idempotency.remove(&k);
        } else {
            self.idempotency.insert(
                k,
                IdemEntry::Done {
                    at: now,
                    status,
                    body: body.to_vec(),
                },
            );
        }
    }

    /// Forgets a key whose request was not processed (e.g. refused with 429).
    pub fn idempotency_abort(&mut self, token: &str, key: &str) {
        self.idempotency
            .remove(&(token.to_string(), key.to_string()));
    }

    /// Marks mutations in flight on `boards`, recording the highest overlap per board.
    pub fn enter_boards(&mut self, boards: &[u64], stats: &mut MondayStats) {
        for board in boards {
            let n = self.inflight_boards.entry(*board).or_insert(0);
            *n += 1;
            stats.max_concurrent_per_board = stats.max_concurrent_per_board.max(*n);
        }
    }

    pub fn leave_boards(&mut self, boards: &[u64]) {
        for board in boards {
            if let Some(n) = self.inflight_boards.get_mut(board) {
                *n = n.saturating_sub(1);
            }
        }
    }
}

fn rate_rejection(code: &str, message: &str, wait: Duration) -> Rejection {
    let error = GqlError::new(code, message)
        .with_status(429)
        .with_extra("retry_in_seconds", seconds_json(wait));
    error_without_data(Rejection {
        status: 429,
        error,
        retry_after: Some(wait),
    })
}

fn error_without_data(mut r: Rejection) -> Rejection {
    r.error.error_data = None;
    r
}

fn ceil_secs(d: Duration) -> Duration {
    Duration::from_secs(d.as_secs() + u64::from(d.subsec_nanos() > 0))
}

/// Seconds as a JSON number: whole seconds as an integer, otherwise fractional.
pub(crate) fn seconds_json(d: Duration) -> Value {
    if d.subsec_nanos() == 0 {
        json!(d.as_secs())
    } else {
        json!((d.as_secs_f64() * 1000.0).round() / 1000.0)
    }
}

/// Seconds for a `Retry-After` header; fractional only when a test asked for sub-second waits.
pub(crate) fn seconds_header(d: Duration) -> String {
    seconds_json(d).to_string()
}
