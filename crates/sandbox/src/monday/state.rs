//! The simulated account: boards, their columns and groups, items, webhooks and updates.
//!
//! Everything lives behind one `std::sync::Mutex` (see [`Shared`]); it is never held across an
//! `.await`, so GraphQL execution runs synchronously under the lock and network work (webhook
//! challenges and deliveries) happens after it is released.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use super::limits::Limits;
use super::{MondayStats, WebhookDelivery};

/// The id of the user every accepted token belongs to (what `me { id }` answers).
pub(crate) const ME_ID: u64 = 60_000_001;
/// Display name of [`ME_ID`].
pub(crate) const ME_NAME: &str = "Sandbox Admin";
/// monday's per-board item limit (`ItemsLimitationException`).
pub(crate) const ITEMS_PER_BOARD: usize = 10_000;

/// State shared by the HTTP handlers and the [`super::MondaySandbox`] handle.
pub(crate) struct Shared {
    pub inner: Mutex<Inner>,
    /// Client for webhook challenges and deliveries; always with timeouts.
    pub http: reqwest::Client,
}

impl Shared {
    /// Locks the state. A poisoned lock only means a test thread panicked mid-update; the data
    /// is still the best picture we have, so keep serving it.
    pub fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

pub(crate) struct Inner {
    pub account: Account,
    pub limits: Limits,
    pub stats: MondayStats,
    /// Every webhook POST made (challenges excluded), oldest first.
    pub webhook_log: Vec<WebhookDelivery>,
}

/// The data a monday account holds, plus a simulated clock.
pub(crate) struct Account {
    next_board_id: u64,
    next_item_id: u64,
    next_webhook_id: u64,
    next_update_id: u64,
    /// How far the simulated clock runs ahead of the real one (see `MondaySandbox::advance_time`).
    pub clock_offset: Duration,
    pub boards: BTreeMap<u64, Board>,
    pub items: BTreeMap<u64, Item>,
    pub webhooks: BTreeMap<u64, Webhook>,
    pub updates: BTreeMap<u64, Update>,
}

pub(crate) struct Board {
    pub id: u64,
    pub name: String,
    pub description: Option<String>,
    /// `public`, `private` or `share`.
    pub kind: String,
    pub workspace_id: Option<String>,
    pub columns: Vec<Column>,
    pub groups: Vec<Group>,
    /// Set on a subitems board: the board whose items own its items.
    pub parent_board: Option<u64>,
    /// Set on a board with a subitems column: where its subitems live.
    pub subitems_board: Option<u64>,
}

#[derive(Clone)]
pub(crate) struct Column {
    pub id: String,
    pub title: String,
    /// The `ColumnType` enum value (`text`, `status`, ...).
    pub kind: String,
    pub description: Option<String>,
    /// The column's settings JSON as `columns { settings }` returns it.
    pub settings: Value,
}

pub(crate) struct Group {
    pub id: String,
    pub title: String,
    pub color: String,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum ItemState {
    Active,
    Archived,
    Deleted,
}

impl ItemState {
    pub fn as_str(self) -> &'static str {
        match self {
            ItemState::Active => "active",
            ItemState::Archived => "archived",
            ItemState::Deleted => "deleted",
        }
    }
}

pub(crate) struct Item {
    pub id: u64,
    pub board_id: u64,
    pub group_id: String,
    pub name: String,
    pub state: ItemState,
    /// Column id → stored value (the JSON that `column_values { value }` encodes).
    pub values: BTreeMap<String, Value>,
    pub parent: Option<u64>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub created_with_idempotency_key: Option<String>,
}

pub(crate) struct Webhook {
    pub id: u64,
    pub board_id: u64,
    pub url: String,
    pub event: String,
    /// The `config` JSON as given (e.g. `{"columnId":"status"}`), if any.
    pub config: Option<Value>,
}

pub(crate) struct Update {
    pub id: u64,
    pub item_id: u64,
    pub body: String,
    pub created_at: DateTime<Utc>,
}

impl Default for Account {
    fn default() -> Self {
        Account {
            // Real ids exceed 32 bits; starting above 2^32 catches clients that use i32 or f32.
            next_board_id: 7_000_000_001,
            next_item_id: 9_000_000_001,
            next_webhook_id: 400_000_001,
            next_update_id: 3_500_000_001,
            clock_offset: Duration::ZERO,
            boards: BTreeMap::new(),
            items: BTreeMap::new(),
            webhooks: BTreeMap::new(),
            updates: BTreeMap::new(),
        }
    }
}

impl Account {
    /// Simulated wall-clock time.
    pub fn now(&self) -> DateTime<Utc> {
        Utc::now() + chrono::Duration::from_std(self.clock_offset).unwrap_or_default()
    }

    /// Simulated monotonic time, for windows and expiries.
    pub fn instant(&self) -> Instant {
        Instant::now() + self.clock_offset
    }

    pub fn new_item_id(&mut self) -> u64 {
        let id = self.next_item_id;
        self.next_item_id += 1;
        id
    }

    pub fn new_webhook_id(&mut self) -> u64 {
        let id = self.next_webhook_id;
        self.next_webhook_id += 1;
        id
    }

    pub fn new_update_id(&mut self) -> u64 {
        let id = self.next_update_id;
        self.next_update_id += 1;
        id
    }

    /// Creates a board with the `name` column and one group, as monday does for `empty: true`.
    pub fn insert_board(&mut self, name: &str, kind: &str, workspace_id: Option<String>) -> u64 {
        let id = self.next_board_id;
        self.next_board_id += 1;
        self.boards.insert(
            id,
            Board {
                id,
                name: name.to_string(),
                description: None,
                kind: kind.to_string(),
                workspace_id,
                columns: vec![Column {
                    id: "name".into(),
                    title: "Name".into(),
                    kind: "name".into(),
                    description: None,
                    settings: json!({}),
                }],
                groups: vec![Group {
                    id: "topics".into(),
                    title: "Group Title".into(),
                    color: "#579bfc".into(),
                }],
                parent_board: None,
                subitems_board: None,
            },
        );
        id
    }

    /// Gives `board_id` a subitems board and a `subitems` column pointing at it (what monday does
    /// when the first subitem column is added). Returns the subitems board id; idempotent.
    pub fn ensure_subitems_board(&mut self, board_id: u64) -> Option<u64> {
        let board = self.boards.get(&board_id)?;
        if let Some(existing) = board.subitems_board {
            return Some(existing);
        }
        if board.parent_board.is_some() {
            return None;
        }
        let name = format!("Subitems of {}", board.name);
        let sub_id = self.insert_board(&name, "share", None);
        if let Some(sub) = self.boards.get_mut(&sub_id) {
            sub.parent_board = Some(board_id);
            sub.groups[0].title = "Subitems".into();
        }
        let board = self.boards.get_mut(&board_id)?;
        board.subitems_board = Some(sub_id);
        board.columns.push(Column {
            id: "subitems".into(),
            title: "Subitems".into(),
            kind: "subtasks".into(),
            description: None,
            settings: json!({
                "allowMultipleItems": true,
                "itemTypeName": "column.subtasks.title",
                "displayType": "BOARD_INLINE",
                "boardIds": [sub_id],
            }),
        });
        Some(sub_id)
    }

    /// Items of a board that are not deleted, in creation order.
    pub fn board_items(&self, board_id: u64) -> impl Iterator<Item = &Item> {
        self.items
            .values()
            .filter(move |i| i.board_id == board_id && i.state != ItemState::Deleted)
    }

    /// Live (non-deleted) subitems of an item, in creation order.
    pub fn subitems_of(&self, item_id: u64) -> impl Iterator<Item = &Item> {
        self.items
            .values()
            .filter(move |i| i.parent == Some(item_id) && i.state != ItemState::Deleted)
    }

    /// A live item (archived counts as live, as monday still returns it by id).
    pub fn live_item(&self, item_id: u64) -> Option<&Item> {
        self.items
            .get(&item_id)
            .filter(|i| i.state != ItemState::Deleted)
    }
}

/// Parses a GraphQL `ID` argument (string or integer) as monday's numeric id.
pub(crate) fn parse_id(value: &Value) -> Option<u64> {
    match value {
        Value::String(s) => s.trim().parse().ok(),
        Value::Number(n) => n.as_u64(),
        _ => None,
    }
}

/// A fresh column or group id in monday's style (`text_mkq7a2bc`).
pub(crate) fn generated_id(prefix: &str) -> String {
    use rand::Rng;
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    let mut rng = rand::thread_rng();
    let suffix: String = (0..6)
        .map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char)
        .collect();
    format!("{prefix}_mk{suffix}")
}
