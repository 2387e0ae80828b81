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
use zoho_books::{Document, DocumentKind};

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
/// would clear its column, so only a copy that looks like the full record (version, number,
/// party, total, status — and line items when the mapping shows them) is used.
fn snapshot_is_complete(d: &Document, mapping: &BoardMapping) -> bool {
    d.last_modified_time.is_some()
        && d.number.is_some()
        && d.party_name.is_some()
        && d.total.is_some()
        && d.status.is_some()
        && (!mapping.needs_line_items() || d.line_items.is_some())
}

fn content_hash(content: &ItemContent) -> String {
    let mut h = Sha256::new();
    h.update(content.name.as_bytes());
    h.update([0]);
    h.update(content.values.to_json_string().as_bytes());
    hex::encode(h.finalize())
}

fn idempotency_key(conn: &Connection, doc: &Document, hash: &str, op: &str) -> String {
    let mut h = Sha256::new();
    for part in [
        conn.config.zoho.organization_id.as_str(),
        doc.kind.as_str(),
        doc.id.as_str(),
        &doc.last_modified_time
            .map(|t| t.timestamp_millis())
            .unwrap_or(0)
            .to_string(),
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
    let doc = match snapshot {
        Some(d) if snapshot_is_complete(&d, mapping) => d,
        _ => match fetch(conn, kind, id).await? {
            Some(d) => d,
            None => return handle_deleted(rt, conn, mapping, kind, id).await,
        },
    };
    let mut row = rt
        .store
        .document(cid, kind.as_str(), id)
        .await
        .map_err(store_err)?;
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
                    &idempotency_key(conn, &doc, &hash, "update"),
                )
                .await?;
            }
            (item, Outcome::Updated)
        }
        None => {
            // A pending row or an earlier attempt means a create may already have landed.
            let maybe_created = row.is_some() || attempt > 1;
            let existing = if maybe_created {
                conn.monday
                    .find_items_by_column_value(&mapping.board_id, &mapping.columns.zoho_id, id)
                    .await?
            } else {
                Vec::new()
            };
            if let Some(item) = existing.into_iter().next() {
                let item = item.to_string();
                update(
                    conn,
                    mapping,
                    &item,
                    &content,
                    &idempotency_key(conn, &doc, &hash, "update"),
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
                        &idempotency_key(conn, &doc, &hash, "create"),
                    )
                    .await?;
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
    kind: DocumentKind,
    id: &str,
) -> Result<Outcome, JobError> {
    let cid = conn.config.id.as_str();
    let Some(row) = rt
        .store
        .document(cid, kind.as_str(), id)
        .await
        .map_err(store_err)?
    else {
        // Never synced: nothing to do.
        return Ok(Outcome::Deleted);
    };
    if row.deleted != 0 {
        return Ok(Outcome::Deleted);
    }
    if let Some(item) = row.item_id.as_deref() {
        let _writer = rt.board_writer(&mapping.board_id).await?;
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
