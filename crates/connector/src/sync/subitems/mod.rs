//! Line items as subitems: one subitem per Zoho line, matched by `line_item_id`.
//!
//! The document row keeps a map `line key → {subitem id, content hash}` (`documents.subitems`),
//! so a sync sends only what changed: creates for new lines, updates for changed ones, deletes
//! for lines that disappeared, all batched through [`monday::MondayClient::apply_subitem_ops`].
//! Subitems live on their own board with its own column ids, so values are validated against
//! that board, not the parent's.
//!
//! Crash safety: every create that monday confirmed is recorded, even when other operations of
//! the same batch failed, so a retry never creates a line twice. When the outcome of a batch is
//! unknown (a timeout after sending, a crash before saving), the map is cleared; the next
//! attempt reads the item's subitems and adopts the ones it recognises (by the `line_item_id`
//! column when mapped, else by name) instead of creating them again.

use super::document::store_err;
use crate::config::{BoardMapping, LineItemMode};
use crate::money;
use crate::queue::JobError;
use crate::runtime::{Connection, Runtime};
use monday::{Board, ColumnValue, ColumnValues, MondayError, SubitemOp};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;
use zoho_books::{Document, LineItem};

mod recover;

/// Where one line is shown and what was last written to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredLine {
    /// The subitem's monday id.
    pub id: String,
    /// Hash of the name and values last written; empty when unknown (forces an update).
    pub hash: String,
}

/// Line key (Zoho `line_item_id`, or `#position` for a line without one) → stored line.
/// Serialised as the JSON object kept in `documents.subitems`.
pub type SubitemMap = BTreeMap<String, StoredLine>;

/// One line as it should look on the subitems board.
#[derive(Debug, Clone)]
struct DesiredLine {
    key: String,
    name: String,
    values: ColumnValues,
    hash: String,
}

/// A document's lines, ready for a board that shows them as subitems.
#[derive(Debug)]
pub(crate) struct LinePlan {
    /// The subitems board (its own columns).
    board: Arc<Board>,
    /// `None` when the document came without its lines: the subitems are left as they are.
    lines: Option<Vec<DesiredLine>>,
}

/// The line plan when the mapping wants subitems and the board has a subitems board; `None`
/// means line items go to the long-text summary instead (monday creates the subitems board
/// only with the first subitem column, which `ml-connector setup` adds).
pub(crate) async fn plan(
    rt: &Runtime,
    conn: &Connection,
    mapping: &BoardMapping,
    board: &Board,
    doc: &Document,
) -> Result<Option<LinePlan>, JobError> {
    if mapping.line_items != LineItemMode::Subitems {
        return Ok(None);
    }
    let Some(sub_id) = board.subitems_board_id.as_deref() else {
        tracing::debug!(board = %board.id, "board has no subitems yet; writing the line-item summary instead");
        return Ok(None);
    };
    let sub_board = rt.boards.schema(&conn.monday, sub_id).await?;
    let lines = match &doc.line_items {
        None => None,
        Some(items) => Some(desired_lines(
            rt,
            mapping,
            &sub_board,
            items,
            doc.currency_code.as_deref(),
        )?),
    };
    Ok(Some(LinePlan {
        board: sub_board,
        lines,
    }))
}

fn line_name(l: &LineItem) -> String {
    l.name
        .clone()
        .or_else(|| l.description.clone())
        .filter(|n| !n.trim().is_empty())
        .unwrap_or_else(|| "(item)".into())
}

fn desired_lines(
    rt: &Runtime,
    mapping: &BoardMapping,
    sub_board: &Board,
    items: &[LineItem],
    currency: Option<&str>,
) -> Result<Vec<DesiredLine>, JobError> {
    let cols = &mapping.subitem_columns;
    let number = |d: Option<Decimal>| d.map(ColumnValue::Number).unwrap_or(ColumnValue::Clear);
    let text = |s: Option<&String>| {
        s.filter(|s| !s.is_empty())
            .map(|s| ColumnValue::Text(s.clone()))
            .unwrap_or(ColumnValue::Clear)
    };
    let mut seen = HashSet::new();
    let mut out = Vec::with_capacity(items.len());
    for (i, l) in items.iter().enumerate() {
        let mut key = if l.line_item_id.is_empty() {
            format!("#{i}")
        } else {
            l.line_item_id.clone()
        };
        // Zoho never repeats a line id, but a hand-written payload might: keep keys unique.
        while !seen.insert(key.clone()) {
            key.push('\'');
        }
        let mut values = ColumnValues::default();
        for (column, value) in [
            (&cols.quantity, number(l.quantity.map(|q| q.normalize()))),
            (&cols.rate, number(l.rate)),
            (
                &cols.amount,
                number(l.item_total.map(|t| money::round(t, currency))),
            ),
            (&cols.description, text(l.description.as_ref())),
            (&cols.line_item_id, text(Some(&l.line_item_id))),
        ] {
            if let Some(column) = column {
                values.insert(column.clone(), value);
            }
        }
        let values = monday::validate(sub_board, &values, mapping.create_labels_if_missing).map_err(|e| {
            rt.boards.invalidate(&sub_board.id);
            JobError::Permanent(format!(
                "line item {key}: {e} (this is the subitems board; fix the column ids under subitem_columns of board {}), then replay with `ml-connector dead retry`",
                mapping.board_id
            ))
        })?;
        let name = line_name(l);
        let hash = line_hash(&name, &values);
        out.push(DesiredLine {
            key,
            name,
            values,
            hash,
        });
    }
    Ok(out)
}

fn line_hash(name: &str, values: &ColumnValues) -> String {
    let mut h = Sha256::new();
    h.update(name.as_bytes());
    h.update([0]);
    h.update(values.to_json_string().as_bytes());
    hex::encode(&h.finalize()[..16])
}

fn parse_map(stored: Option<&str>) -> Option<SubitemMap> {
    serde_json::from_str(stored?).ok()
}

/// Whether the stored map already shows exactly these lines (so nothing needs writing).
pub(crate) fn in_step(plan: Option<&LinePlan>, stored: Option<&str>) -> bool {
    let Some(lines) = plan.and_then(|p| p.lines.as_ref()) else {
        return true;
    };
    let Some(map) = parse_map(stored) else {
        return false;
    };
    map.len() == lines.len()
        && lines
            .iter()
            .all(|l| map.get(&l.key).is_some_and(|s| s.hash == l.hash))
}

/// What one operation is for, so its result can update the map.
enum Intent {
    Create {
        key: String,
        hash: String,
    },
    Update {
        key: String,
        hash: String,
    },
    /// `key` is `None` for a duplicate found while recovering (not in the map).
    Delete {
        key: Option<String>,
    },
}

/// The item and document the lines belong to.
pub(crate) struct Target<'a> {
    pub doc: &'a Document,
    pub item_id: &'a str,
    /// Created by this very attempt, so it certainly has no subitems yet.
    pub item_is_new: bool,
    /// `documents.subitems` as stored before this sync.
    pub stored: Option<&'a str>,
    /// The parent item's content hash, saved with a partial result.
    pub parent_hash: &'a str,
}

/// Brings the item's subitems in line with the plan. Returns the map to save with the document
/// (`None`: keep the stored one). On failure, saves what is known before returning the error.
pub(crate) async fn apply(
    rt: &Runtime,
    conn: &Connection,
    mapping: &BoardMapping,
    plan: &LinePlan,
    t: Target<'_>,
) -> Result<Option<String>, JobError> {
    let Some(lines) = &plan.lines else {
        return Ok(None);
    };
    let known = if t.item_is_new {
        Some(SubitemMap::new())
    } else {
        parse_map(t.stored)
    };
    let (mut map, duplicates) = match known {
        Some(map) => (map, Vec::new()),
        None => recover::recover(conn, mapping, lines, t.item_id).await?,
    };

    let mut ops = Vec::new();
    let mut intents = Vec::new();
    let wanted: HashSet<&str> = lines.iter().map(|l| l.key.as_str()).collect();
    for l in lines {
        match map.get(&l.key) {
            None => {
                ops.push(SubitemOp::Create {
                    name: l.name.clone(),
                    values: l.values.clone(),
                });
                intents.push(Intent::Create {
                    key: l.key.clone(),
                    hash: l.hash.clone(),
                });
            }
            Some(s) if s.hash != l.hash => {
                ops.push(SubitemOp::Update {
                    item_id: s.id.clone(),
                    name: Some(l.name.clone()),
                    values: l.values.clone(),
                });
                intents.push(Intent::Update {
                    key: l.key.clone(),
                    hash: l.hash.clone(),
                });
            }
            Some(_) => {}
        }
    }
    for (key, s) in &map {
        if !wanted.contains(key.as_str()) {
            ops.push(SubitemOp::Delete {
                item_id: s.id.clone(),
            });
            intents.push(Intent::Delete {
                key: Some(key.clone()),
            });
        }
    }
    for id in duplicates {
        ops.push(SubitemOp::Delete { item_id: id });
        intents.push(Intent::Delete { key: None });
    }
    if ops.is_empty() {
        return Ok(Some(to_json(&map)));
    }

    if intents.iter().any(|i| matches!(i, Intent::Create { .. })) {
        // A crash between monday applying these creates and the map being saved must not lead
        // to creating them again: with the map cleared first, the next attempt reads the
        // item's subitems back and adopts them.
        crate::queue::ensure_lease_held().await?;
        rt.store
            .set_subitems(&conn.config.id, t.doc.kind.as_str(), &t.doc.id, None)
            .await
            .map_err(store_err)?;
    }
    let key = ops_key(conn, t.doc, t.item_id, &plan.board.id, &ops);
    crate::queue::ensure_lease_held().await?;
    let results = match conn
        .monday
        .apply_subitem_ops_with_labels(
            &plan.board.id,
            t.item_id,
            &ops,
            mapping.create_labels_if_missing,
            Some(&key),
        )
        .await
    {
        Ok(r) => r,
        Err(e) => {
            // Nothing of the first batch is known to have landed; if it may have, forget the
            // map so the next attempt reads the subitems instead of creating them again.
            let unknown =
                e.maybe_applied() && intents.iter().any(|i| matches!(i, Intent::Create { .. }));
            save_partial(rt, conn, mapping, &t, (!unknown).then_some(&map)).await?;
            return Err(e.into());
        }
    };

    let (first_err, unknown) = record_results(&mut map, intents, results);
    if let Some(err) = first_err {
        save_partial(rt, conn, mapping, &t, (!unknown).then_some(&map)).await?;
        return Err(err);
    }
    Ok(Some(to_json(&map)))
}

/// Folds each operation's outcome into the map: confirmed creates are recorded even when other
/// operations failed, so a retry never creates them again. Returns the first error and whether
/// a create may have landed without its id being known (then the map must be re-read).
fn record_results(
    map: &mut SubitemMap,
    intents: Vec<Intent>,
    results: Vec<Result<Option<String>, MondayError>>,
) -> (Option<JobError>, bool) {
    let mut first_err: Option<JobError> = None;
    let mut unknown = false;
    for (intent, result) in intents.into_iter().zip(results) {
        match (intent, result) {
            (Intent::Create { key, hash }, Ok(Some(id))) => {
                map.insert(key, StoredLine { id, hash });
            }
            (Intent::Create { .. }, Ok(None)) => {
                unknown = true;
                first_err.get_or_insert_with(|| {
                    JobError::retry("monday did not return the id of a created subitem")
                });
            }
            (Intent::Update { key, hash }, Ok(_)) => {
                if let Some(s) = map.get_mut(&key) {
                    s.hash = hash;
                }
            }
            (Intent::Delete { key }, Ok(_)) => {
                if let Some(key) = key {
                    map.remove(&key);
                }
            }
            (Intent::Delete { key }, Err(e)) if is_not_found(&e) => {
                if let Some(key) = key {
                    map.remove(&key);
                }
            }
            (Intent::Update { key, .. }, Err(e)) if is_not_found(&e) => {
                // Someone deleted the subitem in monday: forget it, the retry creates it again.
                map.remove(&key);
                first_err.get_or_insert_with(|| {
                    JobError::retry(format!(
                        "subitem for line {key} was deleted in monday; recreating it"
                    ))
                });
            }
            (intent, Err(e)) => {
                if e.maybe_applied() && matches!(intent, Intent::Create { .. }) {
                    unknown = true;
                }
                first_err.get_or_insert_with(|| e.into());
            }
        }
    }
    (first_err, unknown)
}

fn to_json(map: &SubitemMap) -> String {
    serde_json::to_string(map).unwrap_or_else(|_| "{}".into())
}

fn is_not_found(e: &MondayError) -> bool {
    matches!(e, MondayError::Permanent { .. }) && e.code().to_ascii_lowercase().contains("notfound")
}

/// Records the item and the lines known to be on monday (or, with `None`, that they are
/// unknown), keeping the parent's hash so a retry only redoes the lines.
async fn save_partial(
    rt: &Runtime,
    conn: &Connection,
    mapping: &BoardMapping,
    t: &Target<'_>,
    map: Option<&SubitemMap>,
) -> Result<(), JobError> {
    let (cid, kind, id) = (
        conn.config.id.as_str(),
        t.doc.kind.as_str(),
        t.doc.id.as_str(),
    );
    let lmt = t.doc.last_modified_time.map(|x| x.timestamp_millis());
    let json = map.map(to_json);
    crate::queue::ensure_lease_held().await?;
    rt.store
        .save_document(
            cid,
            kind,
            id,
            &mapping.board_id,
            t.item_id,
            lmt,
            t.parent_hash,
            json.as_deref(),
            rt.clock.now_ms(),
        )
        .await
        .map_err(store_err)?;
    if json.is_none() {
        rt.store
            .set_subitems(cid, kind, id, None)
            .await
            .map_err(store_err)?;
    }
    Ok(())
}

/// Idempotency key of one batch: the document version plus the exact operations, so a resend
/// of the same batch after a timeout is replayed by monday, and a different batch never is.
fn ops_key(
    conn: &Connection,
    doc: &Document,
    parent: &str,
    subitems_board: &str,
    ops: &[SubitemOp],
) -> String {
    let mut h = Sha256::new();
    // The parent and its board are part of the key: a re-created item must not be answered
    // with the replay of its predecessor's batch.
    for part in [
        conn.config.zoho.organization_id.as_str(),
        doc.kind.as_str(),
        doc.id.as_str(),
        parent,
        subitems_board,
    ] {
        h.update(part.as_bytes());
        h.update([0]);
    }
    h.update(
        doc.last_modified_time
            .map(|t| t.timestamp_millis())
            .unwrap_or(0)
            .to_be_bytes(),
    );
    for op in ops {
        let text = match op {
            SubitemOp::Create { name, values } => format!("c\0{name}\0{}", values.to_json_string()),
            SubitemOp::Update {
                item_id,
                name,
                values,
            } => {
                format!(
                    "u\0{item_id}\0{}\0{}",
                    name.as_deref().unwrap_or(""),
                    values.to_json_string()
                )
            }
            SubitemOp::Delete { item_id } => format!("d\0{item_id}"),
        };
        h.update(text.as_bytes());
        h.update([0xff]);
    }
    format!("mlc-subitems-{}", &hex::encode(h.finalize())[..40])
}

#[cfg(test)]
mod tests;
