//! What a monday error means for the job that met it.

use crate::queue::{connection_status::MISCONFIGURED, JobError, Upstream};
use monday::MondayError;

impl From<MondayError> for JobError {
    /// Only a rate limit (HTTP 429, or a complexity/minute error monday reports as 429) pauses
    /// every job of the connection for monday's wait. A 5xx or a network error backs off this
    /// job alone, exponentially: the `RateLimit` header's reset time on such an answer says
    /// when the *budget* refills, not that the account must wait, so it is not taken as a wait.
    fn from(e: MondayError) -> Self {
        match e {
            MondayError::DailyLimit { reset_at } => JobError::Park {
                until_ms: reset_at.timestamp_millis(),
                reason: "monday daily API call limit reached; waiting for the reset at midnight UTC".into(),
            },
            MondayError::Unauthorized { message } => JobError::Unusable {
                status: MISCONFIGURED,
                reason: format!(
                    "monday refused the connection's token ({message}); set a valid connections.monday.token and restart: the parked jobs then run"
                ),
            },
            MondayError::Permanent { code, message, .. } => {
                JobError::Permanent(format!("monday rejected the write ({code}): {message}"))
            }
            MondayError::Retryable {
                status: 429,
                retry_after,
                ref code,
                ref message,
            } => JobError::Retry {
                reason: format!("monday rate limit ({code}): {message}"),
                after: retry_after,
                pause: retry_after.map(|_| Upstream::Monday),
            },
            other if other.is_retryable() => JobError::retry(format!("monday: {other}")),
            other => JobError::Permanent(format!("monday: {other}")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn a_server_error_backs_off_the_job_without_pausing_the_connection() {
        // monday's 500 still carries the RateLimit header's reset time; it is no wait.
        let e = MondayError::Retryable {
            code: "INTERNAL_SERVER_ERROR".into(),
            message: "Internal server error".into(),
            retry_after: Some(Duration::from_secs(58)),
            status: 500,
        };
        match JobError::from(e) {
            JobError::Retry { after, pause, .. } => {
                assert_eq!(pause, None, "a 5xx must not pause the connection");
                assert_eq!(after, None, "a 5xx has no wait hint, only backoff");
            }
            other => panic!("expected a retry, got {other:?}"),
        }
        let t = MondayError::Transport {
            message: "connection reset".into(),
            maybe_applied: true,
        };
        assert!(matches!(
            JobError::from(t),
            JobError::Retry {
                pause: None,
                after: None,
                ..
            }
        ));
    }

    #[test]
    fn a_rate_limit_pauses_the_connection_for_mondays_wait() {
        let e = MondayError::Retryable {
            code: "ComplexityException".into(),
            message: "budget exhausted".into(),
            retry_after: Some(Duration::from_secs(12)),
            status: 429,
        };
        match JobError::from(e) {
            JobError::Retry { after, pause, .. } => {
                assert_eq!(pause, Some(Upstream::Monday));
                assert_eq!(after, Some(Duration::from_secs(12)));
            }
            other => panic!("expected a retry, got {other:?}"),
        }
    }
}
