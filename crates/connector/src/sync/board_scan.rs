//! Reconciling an item map that may be incomplete with the board (issue 7 §2.2).
//!
//! The map (`documents`) is the only record of which item holds which document. A new or
//! restored database lacks rows for items already on the board, and creating on a missing row
//! would duplicate them. So before the first create (or deletion) of a document without a row,
//! each process scans the board's Zoho-id column once — `ceil(items / 500)` requests — and
//! answers from that scan afterwards. Items this process creates are in the map, so in the
//! steady state a new document costs only its create (and its subitems batch).

use crate::config::BoardMapping;
use crate::queue::JobError;
use crate::runtime::{Connection, Runtime};

/// Scans the board's Zoho-id column unless this process already did.
pub(crate) async fn ensure_scanned(
    rt: &Runtime,
    conn: &Connection,
    mapping: &BoardMapping,
) -> Result<(), JobError> {
    if rt.boards.is_scanned(&mapping.board_id) {
        return Ok(());
    }
    let scan = conn
        .monday
        .scan_column(&mapping.board_id, &mapping.columns.zoho_id)
        .await?;
    tracing::info!(
        connection = conn.config.id.as_str(),
        board = mapping.board_id.as_str(),
        items = scan.pairs.len(),
        complete = scan.complete,
        "scanned the board's Zoho-id column"
    );
    rt.boards
        .record_scan(&mapping.board_id, scan.pairs, scan.complete);
    Ok(())
}

/// The item already holding document `zoho_id` on the board, by this process's scan. Call it
/// only for a document the map has no row for, holding the board's writer lock.
pub(crate) async fn item_for(
    rt: &Runtime,
    conn: &Connection,
    mapping: &BoardMapping,
    zoho_id: &str,
) -> Result<Option<String>, JobError> {
    ensure_scanned(rt, conn, mapping).await?;
    if let Some(item) = rt.boards.scanned_item(&mapping.board_id, zoho_id).flatten() {
        return Ok(Some(item));
    }
    if !rt.boards.scan_incomplete(&mapping.board_id) {
        return Ok(None);
    }
    // A board too large to scan whole: ask monday for this one document.
    let found = conn
        .monday
        .find_items_by_column_value(&mapping.board_id, &mapping.columns.zoho_id, zoho_id)
        .await?;
    Ok(found.into_iter().next())
}
