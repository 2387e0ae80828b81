//! How a job run ends, when it does not succeed, and what the worker then does with the job.
//!
//! Every failure a flow can meet is classified once, where it happens (the Zoho call path, the
//! monday client's errors, the store), into one of these; the worker maps each to exactly one
//! queue transition (zero2prod's `try_execute_task` → outcome).

use std::time::Duration;

/// An API whose limits are shared by all jobs of a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Upstream {
    Zoho,
    Monday,
}

impl Upstream {
    pub fn as_str(self) -> &'static str {
        match self {
            Upstream::Zoho => "zoho",
            Upstream::Monday => "monday",
        }
    }
}

/// Statuses a connection can have besides `active`, when a credential or setting needs a
/// person: its jobs are parked instead of failing one by one into the dead state.
pub mod connection_status {
    pub const ACTIVE: &str = "active";
    pub const NEEDS_RECONNECT: &str = "needs_reconnect";
    pub const MISCONFIGURED: &str = "misconfigured";
}

/// How a job attempt ended, when it did not succeed.
#[derive(Debug, thiserror::Error)]
pub enum JobError {
    /// Try again later (exponential backoff with jitter); `after` is the upstream's wait hint,
    /// if it gave one, and can only push the retry later. With a `pause` scope the hint holds
    /// for every job of the connection on that upstream, not just this one: only a rate limit
    /// sets it (monday's limits are per account, Zoho's per organization); a 5xx or a network
    /// error backs off this job alone.
    #[error("{reason}")]
    Retry {
        reason: String,
        after: Option<Duration>,
        pause: Option<Upstream>,
    },
    /// Retrying cannot help (bad mapping, rejected value): dead state with this reason.
    #[error("{0}")]
    Permanent(String),
    /// The connection itself cannot work (a credential was refused): mark it with `status` for
    /// the operator and park all its jobs, instead of sending them to the dead state one by one.
    #[error("{reason}")]
    Unusable {
        status: &'static str,
        reason: String,
    },
    /// Not this job's fault (quota exhausted, reconnect needed): wait without spending an attempt.
    #[error("{reason}")]
    Park { until_ms: i64, reason: String },
    /// This worker no longer holds the job's lease (another worker took it over): stop without
    /// writing anything, the new holder does the work.
    #[error("the job's lease passed to another worker")]
    LeaseLost,
}

impl JobError {
    /// A retry with backoff and no wait hint.
    pub fn retry(reason: impl Into<String>) -> Self {
        JobError::Retry {
            reason: reason.into(),
            after: None,
            pause: None,
        }
    }

    /// A database error inside a job: retried, since the store is usually only busy.
    pub fn store(e: anyhow::Error) -> Self {
        JobError::retry(format!("database: {e:#}"))
    }
}

/// 00:00 UTC after `now_ms`, when Zoho's and monday's daily budgets reset.
pub fn next_utc_midnight_ms(now_ms: i64) -> i64 {
    const DAY: i64 = 86_400_000;
    (now_ms / DAY + 1) * DAY
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn midnight_is_strictly_after_now() {
        assert_eq!(next_utc_midnight_ms(0), 86_400_000);
        assert_eq!(next_utc_midnight_ms(86_399_999), 86_400_000);
        assert_eq!(next_utc_midnight_ms(86_400_000), 172_800_000);
    }
}
