//! The one error type of the crate. Each variant is a decision for the caller
//! (retry later, park until tomorrow, give up, ask a human to reconnect,
//! look up before re-creating), not a description of where it went wrong.

use std::time::Duration;

use chrono::{DateTime, Utc};

/// What went wrong with a monday call, classified so the caller knows what to
/// do next. Built in one place, [`crate::classify_response`], from the HTTP
/// status, headers and body together.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum MondayError {
    /// Retry after the wait monday asked for: `Retry-After` header first,
    /// then `extensions.retry_in_seconds`, then the `RateLimit` header's
    /// `t=`. `None` means monday named no wait: the caller uses exponential
    /// backoff. `status` is the HTTP status, or the `extensions.status_code`
    /// monday meant when it put the error in an HTTP 200 body (429 for a
    /// complexity error), so `>= 500` reliably means "may have been applied".
    #[error("monday asked us to slow down or retry ({code}, HTTP {status}): {message}; {}", wait_text(.retry_after))]
    Retryable {
        code: String,
        message: String,
        retry_after: Option<Duration>,
        status: u16,
    },
    /// `DAILY_LIMIT_EXCEEDED`: the account's daily call budget is spent.
    /// Retrying earlier only burns more of tomorrow's budget, so park until
    /// the next 00:00 UTC.
    #[error("the monday account has used its daily API call limit; calls resume at {reset_at} (00:00 UTC). Ask monday for a higher limit if this happens often")]
    DailyLimit { reset_at: DateTime<Utc> },
    /// The request can never succeed as sent: a bad column value, an invalid
    /// id, a name too long, a full board, a missing resource, a query that
    /// does not parse. Retrying is pointless; fix the data or the mapping.
    #[error("monday rejected the request ({code}): {message}{}", request_id_text(.request_id))]
    Permanent {
        code: String,
        message: String,
        request_id: Option<String>,
    },
    /// The token is invalid, revoked, lacks a scope, or the user cannot act
    /// (401/403, `USER_ACCESS_DENIED`, `missingRequiredPermissions`). Needs a
    /// human to reconnect or fix permissions.
    #[error("monday refused our credentials: {message}. Reconnect monday or check that the token's user is active and has access to the board")]
    Unauthorized { message: String },
    /// No usable answer arrived (network error, timeout, unreadable body).
    /// `maybe_applied` is true when the request may have reached monday and
    /// been applied, so a caller must look the item up before creating it
    /// again (or retry with the same `Idempotency-Key`).
    #[error("could not reach monday: {message}{}", if *.maybe_applied { " (the request may have been applied; look up before re-creating)" } else { "" })]
    Transport {
        message: String,
        maybe_applied: bool,
    },
}

fn wait_text(wait: &Option<Duration>) -> String {
    match wait {
        Some(d) => format!("retry after {}s", d.as_secs_f64().ceil() as u64),
        None => "retry with backoff".to_owned(),
    }
}

fn request_id_text(id: &Option<String>) -> String {
    match id {
        Some(id) => format!(" (monday request id {id})"),
        None => String::new(),
    }
}

impl MondayError {
    /// Whether the same request may be sent again later. `DailyLimit` is not
    /// retryable in this sense: it needs parking until midnight UTC, which the
    /// caller schedules from `reset_at`.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            MondayError::Retryable { .. } | MondayError::Transport { .. }
        )
    }

    /// The wait monday asked for, if any. Only [`MondayError::Retryable`]
    /// carries one; a scheduler should never wait less than this.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            MondayError::Retryable { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    /// Whether monday may have applied the request even though we got an
    /// error: a transport failure after the body was sent, or a 5xx (monday's
    /// own docs say 500s also come from bad input that was partly processed).
    /// Callers must then look up (or reuse the idempotency key) rather than
    /// blindly create again.
    pub fn maybe_applied(&self) -> bool {
        match self {
            MondayError::Transport { maybe_applied, .. } => *maybe_applied,
            MondayError::Retryable { status, .. } => *status >= 500,
            _ => false,
        }
    }

    /// The machine-readable code, for logs and metrics.
    pub fn code(&self) -> &str {
        match self {
            MondayError::Retryable { code, .. } | MondayError::Permanent { code, .. } => code,
            MondayError::DailyLimit { .. } => "DAILY_LIMIT_EXCEEDED",
            MondayError::Unauthorized { .. } => "Unauthorized",
            MondayError::Transport { .. } => "Transport",
        }
    }

    /// A client-side rejection that never reached monday (bad input caught
    /// before sending). Permanent, because resending the same input fails the
    /// same way.
    pub(crate) fn invalid_input(message: impl Into<String>) -> Self {
        MondayError::Permanent {
            code: "ClientValidation".to_owned(),
            message: message.into(),
            request_id: None,
        }
    }

    /// monday answered, but without the field we asked for.
    pub(crate) fn unexpected_shape(what: &str) -> Self {
        MondayError::Permanent {
            code: "UnexpectedResponse".to_owned(),
            message: format!("monday's answer had no {what}; the API may have changed (we pin {}) or the id does not exist", crate::API_VERSION),
            request_id: None,
        }
    }
}
