//! The sync engine: workers claim jobs and bring monday in step with Zoho.

pub mod audit;
mod document;
pub(crate) mod listing;
pub mod mapping;
mod payment;
pub(crate) mod payment_poll;
pub mod reconcile;
mod subitems;
pub mod sweep;
mod worker;

pub use worker::{run_worker, spawn_workers};

use serde::{Deserialize, Serialize};
use std::time::Duration;
use zoho_books::{BooksError, Document, DocumentKind, RateLimitKind};

/// Job kinds and their payloads.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum JobPayload {
    /// Bring one document's item up to date. `snapshot` is the webhook's copy, used when it
    /// carries everything the mapping needs (saves a Books call).
    SyncDocument {
        document_kind: DocumentKind,
        id: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        snapshot: Option<Box<Document>>,
    },
    /// A payment moved: re-sync the invoices or bills it references (payments do not fire the
    /// documents' own workflows).
    SyncPayment {
        vendor: bool,
        payment_id: String,
        #[serde(default)]
        document_ids: Vec<String>,
    },
    /// Someone changed a synced item's status on monday: audit log entry (+ optional Zoho comment).
    AuditStatusChange { change: audit::StatusChange },
    /// Poll one document type for changes webhooks missed (see `reconcile.rs`).
    Reconcile { document_kind: DocumentKind },
}

impl JobPayload {
    pub fn job_kind(&self) -> &'static str {
        match self {
            JobPayload::SyncDocument { .. } => "sync_document",
            JobPayload::SyncPayment { .. } => "sync_payment",
            JobPayload::AuditStatusChange { .. } => "audit_status_change",
            JobPayload::Reconcile { .. } => "reconcile",
        }
    }

    /// Jobs for one document share a key so they never run at the same time.
    pub fn document_key(&self, connection_id: &str) -> Option<String> {
        match self {
            JobPayload::SyncDocument {
                document_kind, id, ..
            } => Some(format!("{connection_id}:{}:{id}", document_kind.as_str())),
            JobPayload::SyncPayment { .. } | JobPayload::AuditStatusChange { .. } => None,
            // One poll per connection and kind at a time.
            JobPayload::Reconcile { document_kind } => Some(format!(
                "{connection_id}:reconcile:{}",
                document_kind.as_str()
            )),
        }
    }

    pub fn into_new_job(
        self,
        connection_id: &str,
        priority: i64,
        max_attempts: u32,
    ) -> crate::queue::NewJob {
        crate::queue::NewJob {
            connection_id: connection_id.to_string(),
            kind: self.job_kind().to_string(),
            document_key: self.document_key(connection_id),
            payload: serde_json::to_value(&self).unwrap_or_default(),
            priority,
            max_attempts,
            run_at_ms: None,
        }
    }
}

/// An API whose limits are shared by all jobs of a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Upstream {
    Zoho,
    Monday,
}

/// How a job attempt ended, when it did not succeed.
#[derive(Debug, thiserror::Error)]
pub enum JobError {
    /// Try again later; `after` is the upstream's wait hint, if it gave one. With a `pause`
    /// scope the hint holds for every job of the connection on that upstream, not just this one
    /// (monday's limits are per account, Zoho's per organization).
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
}

impl JobError {
    pub fn retry(reason: impl Into<String>) -> Self {
        JobError::Retry {
            reason: reason.into(),
            after: None,
            pause: None,
        }
    }
}

impl From<monday::MondayError> for JobError {
    fn from(e: monday::MondayError) -> Self {
        use monday::MondayError as M;
        match e {
            M::DailyLimit { reset_at } => JobError::Park {
                until_ms: reset_at.timestamp_millis(),
                reason: "monday daily API call limit reached; waiting for the reset at midnight UTC".into(),
            },
            M::Unauthorized { message } => JobError::Unusable {
                status: crate::zoho::status::MISCONFIGURED,
                reason: format!(
                    "monday refused the connection's token ({message}); set a valid connections.monday.token and restart: the parked jobs then run"
                ),
            },
            M::Permanent { code, message, .. } => JobError::Permanent(format!("monday rejected the write ({code}): {message}")),
            other if other.is_retryable() => {
                let after = other.retry_after();
                JobError::Retry { pause: after.map(|_| Upstream::Monday), after, reason: format!("monday: {other}") }
            }
            other => JobError::Permanent(format!("monday: {other}")),
        }
    }
}

/// Zoho errors other than 401 and 404, which the callers handle themselves.
pub(crate) fn books_error(e: BooksError, clock_now_ms: i64) -> JobError {
    match e {
        BooksError::RateLimited { kind: RateLimitKind::Daily, .. } => JobError::Park {
            until_ms: next_utc_midnight_ms(clock_now_ms),
            reason: "Zoho daily API limit of the organization reached (429 code 45); parked until the daily reset".into(),
        },
        BooksError::RateLimited { kind: RateLimitKind::PerMinute, retry_after } => JobError::Retry {
            reason: "Zoho per-minute limit reached (429 code 44)".into(),
            after: Some(retry_after.unwrap_or(Duration::from_secs(60))),
            pause: Some(Upstream::Zoho),
        },
        BooksError::RateLimited { kind: RateLimitKind::Concurrency, retry_after } => JobError::Retry {
            reason: "Zoho concurrent-call limit reached (429 code 1070)".into(),
            after: Some(retry_after.unwrap_or(Duration::from_secs(2))),
            pause: None,
        },
        e if e.is_retryable() => JobError::retry(format!("Zoho: {e}")),
        e => JobError::Permanent(format!("Zoho: {e}")),
    }
}

pub(crate) fn next_utc_midnight_ms(now_ms: i64) -> i64 {
    const DAY: i64 = 86_400_000;
    (now_ms / DAY + 1) * DAY
}

impl From<crate::zoho::TokenError> for JobError {
    fn from(e: crate::zoho::TokenError) -> Self {
        use crate::zoho::TokenError as T;
        match e {
            T::Throttled => JobError::Retry {
                reason: e.to_string(),
                after: Some(Duration::from_secs(60)),
                pause: None,
            },
            T::Transient(_) => JobError::retry(e.to_string()),
            other => JobError::Permanent(other.to_string()),
        }
    }
}
