//! What the queue holds: job kinds, their payloads and states, and the priorities they run at.
//!
//! Kinds and states are enums in code and short text in the database. A row whose kind this
//! version does not know (written by a newer version sharing the database) is never claimed:
//! it stays queued for a process that knows it, instead of going dead here.

use crate::domain::DocumentKey;
use serde::{Deserialize, Serialize};
use std::fmt;
use zoho_books::{Document, DocumentKind};

/// Priorities: real-time work first.
pub mod priority {
    pub const REALTIME: i64 = 100;
    pub const RECONCILE: i64 = 50;
    pub const BACKFILL: i64 = 10;
}

/// The kind of a job, as stored in `jobs.kind`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(from = "String", into = "String")]
pub enum JobKind {
    SyncDocument,
    SyncPayment,
    AuditStatusChange,
    Reconcile,
    /// A kind this version does not know; never claimed (see the module comment).
    Unknown(String),
}

impl JobKind {
    /// Every kind this version runs; the claim query only looks at these.
    pub const KNOWN: [JobKind; 4] = [
        JobKind::SyncDocument,
        JobKind::SyncPayment,
        JobKind::AuditStatusChange,
        JobKind::Reconcile,
    ];

    pub fn as_str(&self) -> &str {
        match self {
            JobKind::SyncDocument => "sync_document",
            JobKind::SyncPayment => "sync_payment",
            JobKind::AuditStatusChange => "audit_status_change",
            JobKind::Reconcile => "reconcile",
            JobKind::Unknown(s) => s,
        }
    }
}

impl From<String> for JobKind {
    fn from(s: String) -> Self {
        match s.as_str() {
            "sync_document" => JobKind::SyncDocument,
            "sync_payment" => JobKind::SyncPayment,
            "audit_status_change" => JobKind::AuditStatusChange,
            "reconcile" => JobKind::Reconcile,
            _ => JobKind::Unknown(s),
        }
    }
}

impl From<JobKind> for String {
    fn from(k: JobKind) -> String {
        k.as_str().to_string()
    }
}

impl fmt::Display for JobKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a job is in its life, as stored in `jobs.state`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JobState {
    /// Waiting for `run_at`.
    Queued,
    /// Claimed by a worker holding a lease.
    Running,
    /// Finished; pruned after `retention.jobs_days` (dead ones after `retention.dead_jobs_days`).
    Done,
    /// Failed for good, with a reason; replayable until pruned.
    Dead,
}

impl JobState {
    pub const ALL: [JobState; 4] = [
        JobState::Queued,
        JobState::Running,
        JobState::Done,
        JobState::Dead,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            JobState::Queued => "queued",
            JobState::Running => "running",
            JobState::Done => "done",
            JobState::Dead => "dead",
        }
    }
}

impl TryFrom<String> for JobState {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        JobState::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| format!("unknown job state `{s}`"))
    }
}

impl std::str::FromStr for JobState {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        JobState::try_from(s.to_string())
    }
}

impl fmt::Display for JobState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A status change reported by a monday webhook, as queued for the audit job.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusChange {
    /// monday's id of the event; redeliveries repeat it.
    pub trigger_uuid: String,
    pub board_id: String,
    pub item_id: String,
    pub column_id: Option<String>,
    /// monday user who made the change.
    pub user_id: Option<String>,
    pub previous_label: Option<String>,
    pub label: Option<String>,
    /// When the change happened (epoch ms), if the event said.
    pub changed_at_ms: Option<i64>,
}

/// Job payloads, one variant per kind.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum JobPayload {
    /// Bring one document's item up to date. `snapshot` is the webhook's copy, used when it
    /// carries everything the mapping needs (saves a Books call) and the job runs for the
    /// first time: a retried job always reads the current document.
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
    AuditStatusChange { change: StatusChange },
    /// Poll one document type for changes webhooks missed.
    Reconcile { document_kind: DocumentKind },
}

impl JobPayload {
    /// A document sync without a webhook copy (reconciliation, sweeps, backfill, payments).
    pub fn sync(document_kind: DocumentKind, id: impl Into<String>) -> Self {
        JobPayload::SyncDocument {
            document_kind,
            id: id.into(),
            snapshot: None,
        }
    }

    pub fn job_kind(&self) -> JobKind {
        match self {
            JobPayload::SyncDocument { .. } => JobKind::SyncDocument,
            JobPayload::SyncPayment { .. } => JobKind::SyncPayment,
            JobPayload::AuditStatusChange { .. } => JobKind::AuditStatusChange,
            JobPayload::Reconcile { .. } => JobKind::Reconcile,
        }
    }

    /// Jobs for one document share a key so they never run at the same time.
    pub fn document_key(&self, connection_id: &str) -> Option<DocumentKey> {
        match self {
            JobPayload::SyncDocument {
                document_kind, id, ..
            } => Some(DocumentKey::new(connection_id, *document_kind, id)),
            JobPayload::SyncPayment { .. } | JobPayload::AuditStatusChange { .. } => None,
            JobPayload::Reconcile { document_kind } => {
                Some(DocumentKey::reconcile(connection_id, *document_kind))
            }
        }
    }

    pub fn into_new_job(
        self,
        connection_id: &str,
        priority: i64,
        max_attempts: u32,
    ) -> super::NewJob {
        super::NewJob {
            connection_id: connection_id.to_string(),
            kind: self.job_kind(),
            document_key: self.document_key(connection_id).map(|k| k.to_string()),
            payload: serde_json::to_value(&self).unwrap_or_default(),
            priority,
            max_attempts,
            run_at_ms: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_round_trip_and_unknown_kinds_are_kept() {
        for k in JobKind::KNOWN {
            assert_eq!(JobKind::from(k.as_str().to_string()), k);
        }
        assert_eq!(
            JobKind::from("from_the_future".to_string()),
            JobKind::Unknown("from_the_future".into())
        );
        for s in JobState::ALL {
            assert_eq!(JobState::try_from(s.as_str().to_string()), Ok(s));
        }
    }

    #[test]
    fn payload_tag_is_the_stored_kind() {
        let p = JobPayload::sync(DocumentKind::Invoice, "1");
        let v = serde_json::to_value(&p).unwrap();
        assert_eq!(v["kind"], p.job_kind().as_str());
    }
}
