//! One document → one monday item: fetch if needed, drop older versions, skip unchanged
//! content, create or update under the board's writer lock, record the map.

use super::mapping::{build_item, ItemContent};
use crate::config::{BoardMapping, DeletionPolicy};
use crate::queue::JobError;
use crate::runtime::{Connection, Runtime};
use crate::zoho::quota::Priority;
use crate::zoho::{CallError, Op};
use monday::{ColumnValue, ColumnValues};
use sha2::{Digest, Sha256};
use zoho_books::{Document, DocumentKind, Field};

#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    Created,
    Updated,
    Unchanged,
    Older,
    Deleted,
}

/// GET the document through the one Zoho call path. `Ok(None)` means Zoho no longer has it.
pub(crate) async fn fetch(
    conn: &Connection,
    kind: DocumentKind,
    id: &str,
) -> Result<Option<Document>, JobError> {
    let books = &conn.zoho.books;
    match conn
        .zoho
        .call(Op::read(kind), Priority::current(), |token| async move {
            books.get_document(&token, kind, id).await
        })
        .await
    {
        Ok(doc) => Ok(Some(doc)),
        Err(CallError::NotFound(_)) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// Whether a webhook's copy of a document can stand in for a fetch. Zoho's payload shape is
/// unconfirmed and templates may carry only a few fields; a field missing from a trimmed copy
/// would clear its column, so the copy is used only when it carries every field the mapping
/// writes (a column, the item name, the status audit), its version and — when the mapping shows
/// them — its line items.
fn copy_is_complete(d: &Document, mapping: &BoardMapping) -> bool {
    let cols = &mapping.columns;
    let name = &mapping.item_name;
    let needed = [
        (Field::LastModifiedTime, true),
        (Field::Status, true),
        (
            Field::Number,
            cols.number.is_some() || name.contains("{number}"),
        ),
        (
            Field::PartyName,
            cols.party.is_some() || name.contains("{party}"),
        ),
        (Field::Total, cols.total.is_some()),
        (Field::Balance, cols.balance.is_some()),
        (Field::Currency, cols.currency.is_some()),
        (Field::Date, cols.date.is_some()),
        (Field::DueDate, cols.due_date.is_some()),
        (
            Field::Reference,
            cols.reference.is_some() || name.contains("{reference}"),
        ),
        (Field::Email, cols.email.is_some()),
        (Field::LineItems, mapping.needs_line_items()),
        (Field::CustomFields, !cols.custom_fields.is_empty()),
    ];
    d.last_modified_time.is_some()
        && needed
            .iter()
            .all(|(field, wanted)| !wanted || d.carries(*field))
}

/// Why a webhook copy is not used, if it is not: a retried job may hold a copy older than what a
/// later job wrote, and a copy with the same version as the board cannot be ordered against it
/// (Zoho's timestamps have one-second resolution), so both read the current document instead.
fn copy_refused(
    copy: &Document,
    mapping: &BoardMapping,
    attempt: i64,
    stored_ms: Option<i64>,
) -> Option<&'static str> {
    if attempt > 1 {
        Some("retried job")
    } else if !copy_is_complete(copy, mapping) {
        Some("copy lacks a mapped field")
    } else if stored_ms.is_some()
        && copy.last_modified_time.map(|t| t.timestamp_millis()) == stored_ms
    {
        Some("copy has the version already on the board")
    } else {
        None
    }
}

fn content_hash(content: &ItemContent) -> String {
    let mut h = Sha256::new();
    h.update(content.name.as_bytes());
    h.update([0]);
    h.update(content.values.to_json_string().as_bytes());
    hex::encode(h.finalize())
}

/// The Idempotency-Key of a create or update: the document, its version, the content and, for an
/// update, the item written, so a different item or different content is never deduplicated
/// away by monday as a replay.
fn idempotency_key(
    conn: &Connection,
    doc: &Document,
    item: Option<&str>,
    hash: &str,
    op: &str,
) -> String {
    key_of(&conn.config.zoho.organization_id, doc, item, hash, op)
}

fn key_of(org: &str, doc: &Document, item: Option<&str>, hash: &str, op: &str) -> String {
    let mut h = Sha256::new();
    let version = doc
        .last_modified_time
        .map(|t| t.timestamp_millis())
        .unwrap_or(0)
        .to_string();
    for part in [
        org,
        doc.kind.as_str(),
        doc.id.as_str(),
        item.unwrap_or(""),
        &version,
        hash,
        op,
    ] {
        h.update(part.as_bytes());
        h.update([0]);
    }
    format!("mlc-{op}-{}", &hex::encode(h.finalize())[..40])
}

pub(crate) async fn sync_document(
    rt: &Runtime,
    conn: &Connection,
    attempt: i64,
    kind: DocumentKind,
    id: &str,
    snapshot: Option<Document>,
) -> Result<Outcome, JobError> {
    let cid = conn.config.id.as_str();
    let mapping = conn.config.board(kind).ok_or_else(|| {
        JobError::Permanent(format!(
            "connection {cid} has no board for {kind_s}s: add [connections.boards.{kind_s}] to the configuration, then replay with `ml-connector dead retry`",
            kind_s = kind.as_str()
        ))
    })?;
    let mut row = rt
        .store
        .document(cid, kind.as_str(), id)
        .await
        .map_err(store_err)?;
    let stored_ms = row.as_ref().and_then(|r| r.last_modified_ms);
    let copy = match snapshot {
        Some(d) => match copy_refused(&d, mapping, attempt, stored_ms) {
            None => Some(d),
            Some(why) => {
                tracing::debug!(
                    connection = cid,
                    kind = kind.as_str(),
                    id,
                    why,
                    "webhook copy not used; fetching"
                );
                None
            }
        },
        None => None,
    };
    let doc = match copy {
        Some(d) => d,
        None => match fetch(conn, kind, id).await? {
            Some(d) => d,
            None => return handle_deleted(rt, conn, mapping, attempt, kind, id).await,
        },
    };
    if row.as_ref().is_some_and(|r| r.deleted != 0) {
        // Zoho has the document again (restored, or a lookup failed earlier). An archived item
        // stays archived; a new item is created. A marked item is simply updated.
        if mapping.on_delete == DeletionPolicy::Archive {
            rt.store
                .forget_item(cid, kind.as_str(), id)
                .await
                .map_err(store_err)?;
        } else {
            rt.store
                .clear_content_hash(cid, kind.as_str(), id)
                .await
                .map_err(store_err)?;
        }
        row = rt
            .store
            .document(cid, kind.as_str(), id)
            .await
            .map_err(store_err)?;
    }
    let lmt = doc.last_modified_time.map(|t| t.timestamp_millis());
    if let (Some(seen), Some(this)) = (row.as_ref().and_then(|r| r.last_modified_ms), lmt) {
        if this < seen {
            tracing::info!(
                connection = cid,
                kind = kind.as_str(),
                id,
                "older version ignored"
            );
            return Ok(Outcome::Older);
        }
    }
    let board = rt.boards.schema(&conn.monday, &mapping.board_id).await?;
    let lines = super::subitems::plan(rt, conn, mapping, &board, &doc).await?;
    let subitems_used = lines.is_some();
    let content = build_item(
        mapping,
        &board,
        conn.dc,
        &conn.config.zoho.organization_id,
        &doc,
        subitems_used,
    )
    .map_err(|e| JobError::Permanent(e.to_string()))?;
    let values = monday::validate(&board, &content.values, mapping.create_labels_if_missing)
        .map_err(|e| {
            rt.boards.invalidate(&mapping.board_id);
            JobError::Permanent(e.to_string())
        })?;
    let content = ItemContent {
        name: content.name,
        values,
    };
    let hash = content_hash(&content);
    if let Some(r) = &row {
        if r.item_id.is_some()
            && r.content_hash.as_deref() == Some(hash.as_str())
            && super::subitems::in_step(lines.as_ref(), r.subitems.as_deref())
        {
            rt.store
                .touch_document(cid, kind.as_str(), id, lmt, rt.clock.now_ms())
                .await
                .map_err(store_err)?;
            return Ok(Outcome::Unchanged);
        }
    }

    let _writer = rt.board_writer(&mapping.board_id).await?;
    let (item_id, outcome) = match row.as_ref().and_then(|r| r.item_id.clone()) {
        Some(item) => {
            // Only the lines may have changed: then the parent item needs no write.
            if row.as_ref().and_then(|r| r.content_hash.as_deref()) != Some(hash.as_str()) {
                update(
                    conn,
                    mapping,
                    &item,
                    &content,
                    &idempotency_key(conn, &doc, Some(&item), &hash, "update"),
                )
                .await?;
            }
            (item, Outcome::Updated)
        }
        None => {
            // A pending row or an earlier attempt means a create may already have landed; with
            // no row at all, the map may be incomplete (a new or restored database): the board's
            // Zoho-id column, scanned once per process, says whether the item exists.
            let maybe_created = row.is_some() || attempt > 1;
            let existing = if maybe_created {
                conn.monday
                    .find_items_by_column_value(&mapping.board_id, &mapping.columns.zoho_id, id)
                    .await?
                    .into_iter()
                    .next()
            } else {
                super::board_scan::item_for(rt, conn, mapping, id).await?
            };
            if let Some(item) = existing {
                let item = item.to_string();
                update(
                    conn,
                    mapping,
                    &item,
                    &content,
                    &idempotency_key(conn, &doc, Some(&item), &hash, "update"),
                )
                .await?;
                (item, Outcome::Updated)
            } else {
                crate::queue::ensure_lease_held().await?;
                rt.store
                    .mark_create_pending(
                        cid,
                        kind.as_str(),
                        id,
                        &mapping.board_id,
                        rt.clock.now_ms(),
                    )
                    .await
                    .map_err(store_err)?;
                let item = conn
                    .monday
                    .create_item(
                        &mapping.board_id,
                        mapping.group_id.as_deref(),
                        &content.name,
                        &content.values,
                        mapping.create_labels_if_missing,
                        &idempotency_key(conn, &doc, None, &hash, "create"),
                    )
                    .await?;
                rt.boards.note_item(&mapping.board_id, id, &item);
                (item.to_string(), Outcome::Created)
            }
        }
    };
    let subitems = match &lines {
        Some(plan) => {
            let target = super::subitems::Target {
                doc: &doc,
                item_id: &item_id,
                item_is_new: outcome == Outcome::Created,
                stored: row.as_ref().and_then(|r| r.subitems.as_deref()),
                parent_hash: &hash,
            };
            super::subitems::apply(rt, conn, mapping, plan, target).await?
        }
        None => None,
    };
    crate::queue::ensure_lease_held().await?;
    rt.store
        .save_document(
            cid,
            kind.as_str(),
            id,
            &mapping.board_id,
            &item_id,
            lmt,
            &hash,
            subitems.as_deref(),
            rt.clock.now_ms(),
        )
        .await
        .map_err(store_err)?;
    super::audit::remember_status(rt, conn, mapping, &doc).await?;
    tracing::info!(connection = cid, kind = kind.as_str(), id, item = %item_id, ?outcome, "synced");
    Ok(outcome)
}

async fn update(
    conn: &Connection,
    mapping: &BoardMapping,
    item: &str,
    content: &ItemContent,
    key: &str,
) -> Result<(), JobError> {
    let mut values = content.values.clone();
    values.insert("name", ColumnValue::Text(content.name.clone()));
    crate::queue::ensure_lease_held().await?;
    conn.monday
        .change_column_values(
            &mapping.board_id,
            item,
            &values,
            mapping.create_labels_if_missing,
            Some(key),
        )
        .await?;
    Ok(())
}

async fn handle_deleted(
    rt: &Runtime,
    conn: &Connection,
    mapping: &BoardMapping,
    attempt: i64,
    kind: DocumentKind,
    id: &str,
) -> Result<Outcome, JobError> {
    let cid = conn.config.id.as_str();
    let row = rt
        .store
        .document(cid, kind.as_str(), id)
        .await
        .map_err(store_err)?;
    if row.as_ref().is_some_and(|r| r.deleted != 0) {
        return Ok(Outcome::Deleted);
    }
    let _writer = rt.board_writer(&mapping.board_id).await?;
    // The item may exist without the map knowing it: a create that was pending (or an earlier
    // attempt's) may have landed, and a new or restored database has no rows for older items.
    let item = match row.as_ref().and_then(|r| r.item_id.clone()) {
        Some(item) => Some(item),
        None if row.is_some() || attempt > 1 => conn
            .monday
            .find_items_by_column_value(&mapping.board_id, &mapping.columns.zoho_id, id)
            .await?
            .into_iter()
            .next(),
        None => super::board_scan::item_for(rt, conn, mapping, id).await?,
    };
    if row.is_none() {
        if item.is_none() {
            // Never synced: nothing to do.
            return Ok(Outcome::Deleted);
        }
        // Record the document so the deletion below has a row to mark.
        rt.store
            .mark_create_pending(cid, kind.as_str(), id, &mapping.board_id, rt.clock.now_ms())
            .await
            .map_err(store_err)?;
    }
    finish_deleted(rt, conn, mapping, kind, id, item.as_deref()).await
}

/// Applies the deletion policy to the item (if any) and marks the row deleted. The caller holds
/// the board's writer lock.
async fn finish_deleted(
    rt: &Runtime,
    conn: &Connection,
    mapping: &BoardMapping,
    kind: DocumentKind,
    id: &str,
    item: Option<&str>,
) -> Result<Outcome, JobError> {
    let cid = conn.config.id.as_str();
    if let Some(item) = item {
        match mapping.on_delete {
            DeletionPolicy::Archive => conn.monday.archive_item(item).await?,
            DeletionPolicy::Mark => {
                if let Some(col) = &mapping.columns.status {
                    let mut v = ColumnValues::default();
                    v.insert(col.clone(), ColumnValue::StatusLabel("Deleted".into()));
                    conn.monday
                        .change_column_values(&mapping.board_id, item, &v, true, None)
                        .await?;
                }
            }
            DeletionPolicy::Ignore => {}
        }
    }
    crate::queue::ensure_lease_held().await?;
    rt.store
        .mark_deleted(cid, kind.as_str(), id, rt.clock.now_ms())
        .await
        .map_err(store_err)?;
    tracing::info!(connection = cid, kind = kind.as_str(), id, policy = ?mapping.on_delete, "document deleted in Zoho");
    Ok(Outcome::Deleted)
}

pub(crate) fn store_err(e: anyhow::Error) -> JobError {
    JobError::store(e)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_update_key_changes_with_the_item_and_the_content() {
        let doc = Document::from_json(
            DocumentKind::Invoice,
            &serde_json::json!({"invoice_id": "1", "last_modified_time": "2026-11-20T10:15:30+0000"}),
        )
        .expect("doc");
        let base = key_of("org", &doc, Some("100"), "hash-a", "update");
        assert_eq!(base, key_of("org", &doc, Some("100"), "hash-a", "update"));
        assert_ne!(base, key_of("org", &doc, Some("200"), "hash-a", "update"));
        assert_ne!(base, key_of("org", &doc, Some("100"), "hash-b", "update"));
        assert_ne!(base, key_of("org", &doc, None, "hash-a", "update"));
        assert!(base.starts_with("mlc-update-"));
    }
}
