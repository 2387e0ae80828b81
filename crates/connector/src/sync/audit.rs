//! Audit feedback: a person changed the status of a synced item on monday.
//!
//! The change becomes one row in `audit_log` and, when `connections.monday.audit_comments` is on,
//! one comment on the Zoho document. Zoho Books stays the system of record: a comment is the only
//! write this path ever makes to Zoho.
//!
//! The connector's own status writes also fire monday webhooks. They are recognised and ignored
//! two ways: the event's user is the token's own user (`me`), or the new label is the one the
//! connector last wrote for the document (recorded in `documents.status_label`). The second rule
//! also skips a person setting the status back to what Zoho says, which is no divergence to note.

use super::mapping::status_label;
use crate::config::BoardMapping;
use crate::queue::{JobError, StatusChange};
use crate::runtime::{Connection, Runtime};
use crate::store::NewAuditEntry;
use crate::zoho::quota::Priority;
use crate::zoho::{CallError, Op};
use zoho_books::{Document, DocumentKind};

/// From a parsed webhook event; `None` for anything but a change of a status column's value.
pub fn status_change_from_event(e: &monday::WebhookEvent) -> Option<StatusChange> {
    let is_status = matches!(e.column_type.as_deref(), Some("color" | "status"));
    if e.event_type != "update_column_value" || !is_status || e.parent_item_id().is_some() {
        return None;
    }
    let changed_at_ms = e
        .raw
        .get("changedAt")
        .and_then(serde_json::Value::as_f64)
        .map(|s| (s * 1000.0) as i64)
        .or_else(|| {
            let t = e.trigger_time.as_deref()?;
            chrono::DateTime::parse_from_rfc3339(t)
                .ok()
                .map(|t| t.timestamp_millis())
        });
    Some(StatusChange {
        trigger_uuid: e.trigger_uuid.clone(),
        board_id: e.board_id.clone(),
        item_id: e.item_id.clone(),
        column_id: e.column_id.clone(),
        user_id: e.user_id.clone(),
        previous_label: e.previous_label.clone(),
        label: e.value_label.clone(),
        changed_at_ms,
    })
}

/// Remembers the status label just written for `doc`, so its echo is not taken for a person's edit.
pub(crate) async fn remember_status(
    rt: &Runtime,
    conn: &Connection,
    mapping: &BoardMapping,
    doc: &Document,
) -> Result<(), JobError> {
    if mapping.columns.status.is_none() {
        return Ok(());
    }
    let label = doc
        .status
        .as_deref()
        .map(|s| status_label(mapping, doc.kind, s));
    rt.store
        .set_status_label(
            &conn.config.id,
            doc.kind.as_str(),
            &doc.id,
            label.as_deref(),
        )
        .await
        .map_err(JobError::store)
}

/// What the audit job did, for logs and tests.
#[derive(Debug, PartialEq, Eq)]
pub enum AuditOutcome {
    Recorded {
        commented: bool,
    },
    /// Not an item the connector syncs, or not its mapped status column.
    NotOurs,
    /// The connector's own write coming back.
    OwnChange,
}

pub(crate) async fn audit_status_change(
    rt: &Runtime,
    conn: &Connection,
    change: &StatusChange,
) -> Result<AuditOutcome, JobError> {
    let cid = conn.config.id.as_str();
    let Some(row) = rt
        .store
        .document_for_item(cid, &change.item_id)
        .await
        .map_err(JobError::store)?
    else {
        tracing::info!(connection = cid, item = %change.item_id, "status change on an item the connector does not sync; ignored");
        return Ok(AuditOutcome::NotOurs);
    };
    let Ok(kind) = row.kind.parse::<DocumentKind>() else {
        return Ok(AuditOutcome::NotOurs);
    };
    let ours = conn.config.board(kind).is_some_and(|m| {
        m.board_id == change.board_id
            && m.columns.status.is_some()
            && m.columns.status == change.column_id
    });
    if !ours {
        tracing::info!(connection = cid, item = %change.item_id, column = ?change.column_id, "change is not on the mapped status column; ignored");
        return Ok(AuditOutcome::NotOurs);
    }
    if let Some(user) = change.user_id.as_deref() {
        let me = rt.monday_me.id(cid, &conn.monday).await?;
        if user == me {
            return Ok(AuditOutcome::OwnChange);
        }
    }
    let last_written = rt
        .store
        .status_label(cid, &row.kind, &row.zoho_id)
        .await
        .map_err(JobError::store)?;
    let same = |a: &Option<String>, b: &Option<String>| match (a, b) {
        (Some(a), Some(b)) => a.eq_ignore_ascii_case(b),
        _ => false,
    };
    if same(&last_written, &change.label) {
        return Ok(AuditOutcome::OwnChange);
    }

    let entry = rt
        .store
        .record_audit(&NewAuditEntry {
            connection_id: cid,
            at: change.changed_at_ms.unwrap_or_else(|| rt.clock.now_ms()),
            who: change.user_id.as_deref(),
            board_id: &change.board_id,
            item_id: &change.item_id,
            kind: &row.kind,
            zoho_id: &row.zoho_id,
            old_value: change.previous_label.as_deref(),
            new_value: change.label.as_deref(),
            trigger_uuid: &change.trigger_uuid,
        })
        .await
        .map_err(JobError::store)?;
    tracing::info!(
        connection = cid, kind = %row.kind, zoho_id = %row.zoho_id, item = %change.item_id,
        from = ?change.previous_label, to = ?change.label, user = ?change.user_id,
        "status changed on monday; recorded in the audit log"
    );
    // A retried job finds the entry already there and comments only if that did not happen yet.
    if !conn.config.monday.audit_comments || entry.commented_at.is_some() {
        return Ok(AuditOutcome::Recorded { commented: false });
    }
    let text = comment_text(change);
    if !post_comment(conn, kind, &row.zoho_id, &text).await? {
        return Ok(AuditOutcome::Recorded { commented: false });
    }
    rt.store
        .mark_audit_commented(entry.id, rt.clock.now_ms())
        .await
        .map_err(JobError::store)?;
    Ok(AuditOutcome::Recorded { commented: true })
}

/// The audit note as it appears in the document's history in Zoho.
pub fn comment_text(change: &StatusChange) -> String {
    let label = |l: &Option<String>| {
        l.clone()
            .filter(|l| !l.is_empty())
            .unwrap_or_else(|| "(empty)".into())
    };
    let who = change
        .user_id
        .as_deref()
        .map(|u| format!("user {u}"))
        .unwrap_or_else(|| "an unknown user".into());
    format!(
        "monday: status changed from {} to {} by {who} (item {}). Zoho Books remains the system of record; this is an audit note only.",
        label(&change.previous_label),
        label(&change.label),
        change.item_id
    )
}

/// POSTs the comment through the one Zoho call path. `false` when Zoho no longer has the
/// document (nothing to comment on; the audit row stays).
async fn post_comment(
    conn: &Connection,
    kind: DocumentKind,
    id: &str,
    text: &str,
) -> Result<bool, JobError> {
    let books = &conn.zoho.books;
    match conn
        .zoho
        .call(Op::comment(kind), Priority::current(), |token| async move {
            books.add_comment(&token, kind, id, text).await
        })
        .await
    {
        Ok(()) => Ok(true),
        Err(CallError::NotFound(_)) => {
            tracing::warn!(connection = %conn.config.id, kind = kind.as_str(), id, "document no longer exists in Zoho; audit comment skipped");
            Ok(false)
        }
        Err(e) => Err(e.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_comment_says_who_what_and_that_zoho_is_the_record() {
        let change = StatusChange {
            trigger_uuid: "t".into(),
            board_id: "1".into(),
            item_id: "456".into(),
            column_id: Some("status".into()),
            user_id: Some("123".into()),
            previous_label: Some("Sent".into()),
            label: Some("Paid".into()),
            changed_at_ms: None,
        };
        assert_eq!(
            comment_text(&change),
            "monday: status changed from Sent to Paid by user 123 (item 456). Zoho Books remains the system of record; this is an audit note only."
        );
    }

    #[test]
    fn only_status_value_changes_become_audit_jobs() {
        let status = br#"{"event":{"userId":9,"boardId":1,"pulseId":2,"columnId":"status","columnType":"color","type":"update_column_value",
            "value":{"label":{"text":"Paid"}},"previousValue":{"label":{"text":"Sent"}},"changedAt":1633944017.5,"triggerUuid":"u1"}}"#;
        let change = status_change_from_event(&monday::parse_event(status).expect("event"))
            .expect("a status change");
        assert_eq!(
            (change.label.as_deref(), change.previous_label.as_deref()),
            (Some("Paid"), Some("Sent"))
        );
        assert_eq!(change.changed_at_ms, Some(1_633_944_017_500));
        let date = br#"{"event":{"userId":9,"boardId":1,"pulseId":2,"columnId":"date4","columnType":"date","type":"update_column_value","triggerUuid":"u2"}}"#;
        assert_eq!(
            status_change_from_event(&monday::parse_event(date).expect("event")),
            None
        );
    }
}
