//! Board structure cache and the one-writer-per-board rule.
//!
//! monday asks for sequential mutations per board: concurrent writes to one board can corrupt it
//! (reference §4, "Guidance"). Every write to a board happens while holding its writer lock.

use monday::{Board, MondayClient, MondayError};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Board structures are re-read after this long, so new columns and labels are seen.
const SCHEMA_TTL: Duration = Duration::from_secs(300);

#[derive(Default, Debug)]
pub struct Boards {
    schemas: Mutex<HashMap<String, (Arc<Board>, Instant)>>,
    locks: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
    /// Per board scanned by this process: Zoho id → item id, from the Zoho-id column.
    scans: Mutex<HashMap<String, HashMap<String, String>>>,
    /// Boards whose scan stopped at the page cap: a document missing from it is looked up.
    incomplete: Mutex<std::collections::HashSet<String>>,
}

impl Boards {
    /// The board's columns and groups, read from monday at most every five minutes.
    pub async fn schema(
        &self,
        client: &MondayClient,
        board_id: &str,
    ) -> Result<Arc<Board>, MondayError> {
        if let Some((b, at)) = self
            .schemas
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(board_id)
        {
            if at.elapsed() < SCHEMA_TTL {
                return Ok(b.clone());
            }
        }
        let board = Arc::new(client.board(board_id).await?);
        self.schemas
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(board_id.to_string(), (board.clone(), Instant::now()));
        Ok(board)
    }

    /// Forget a cached structure (after a label was created or a column error).
    pub fn invalidate(&self, board_id: &str) {
        self.schemas
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(board_id);
    }

    /// What this process's scan of the board's Zoho-id column found for a document:
    /// `None` when the board has not been scanned yet, `Some(None)` when no item holds the id.
    pub fn scanned_item(&self, board_id: &str, zoho_id: &str) -> Option<Option<String>> {
        self.scans
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(board_id)
            .map(|m| m.get(zoho_id).cloned())
    }

    /// Whether this process scanned the board's Zoho-id column.
    pub fn is_scanned(&self, board_id: &str) -> bool {
        self.scans
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .contains_key(board_id)
    }

    /// Whether this process's scan of the board stopped before the last page.
    pub fn scan_incomplete(&self, board_id: &str) -> bool {
        self.incomplete
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .contains(board_id)
    }

    /// Keeps a scan's (item id, Zoho id) pairs; when the board holds duplicates the first wins.
    pub fn record_scan(&self, board_id: &str, pairs: Vec<(String, String)>, complete: bool) {
        if !complete {
            self.incomplete
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .insert(board_id.to_string());
        }
        let mut map = HashMap::with_capacity(pairs.len());
        for (item, zoho_id) in pairs {
            map.entry(zoho_id).or_insert(item);
        }
        self.scans
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(board_id.to_string(), map);
    }

    /// Keeps a scanned board's answers current with an item this process created.
    pub fn note_item(&self, board_id: &str, zoho_id: &str, item_id: &str) {
        if let Some(map) = self
            .scans
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get_mut(board_id)
        {
            map.insert(zoho_id.to_string(), item_id.to_string());
        }
    }

    /// Waits for, then holds, the board's writer lock.
    pub async fn writer(&self, board_id: &str) -> tokio::sync::OwnedMutexGuard<()> {
        let lock = self
            .locks
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .entry(board_id.to_string())
            .or_default()
            .clone();
        lock.lock_owned().await
    }
}
