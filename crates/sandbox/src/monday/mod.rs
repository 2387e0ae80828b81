//! Simulated monday.com GraphQL API (version 2026-10) on loopback.
//!
//! Follows the documented contract in `monday-api.md`: the `/v2` envelope and HTTP statuses,
//! column value formats and validation per column type, complexity budgets and rate-limit
//! headers, Idempotency-Key replays, and webhooks with the challenge handshake. Tests drive it
//! through [`MondaySandbox`]: create boards, inject [`Faults`], inspect items and [`MondayStats`].
//!
//! Documented choices where monday's behaviour is unconfirmed:
//! * `column_values` must be a JSON *string*; an object is an `InvalidArgumentException`.
//! * `create_subitem` on a board without a subitems column is an `InvalidArgumentException`
//!   (no subitems board is created on demand); add one with `create_column(column_type:
//!   subtasks)` or [`MondaySandbox::add_subitems_board`].
//! * Changes made through the API fire webhooks too (as in monday), with `userId` = `me.id`.
//! * Status values read back as `{"index", "label", "post_id", "changed_at"}`.

mod column_read;
mod columns;
mod conn;
mod errors;
mod graphql;
mod http;
mod item_writes;
mod labels;
mod limits;
mod mutations;
mod page;
mod pages;
mod resolvers;
mod state;
mod structure;
mod versions;
mod webhooks;

#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::Context as _;
use serde_json::{json, Value};

use self::columns::WriteCtx;
use self::limits::Limits;
use self::state::{Account, Inner, Item, ItemState, Shared};

/// A running monday sandbox. Dropping it stops accepting connections.
pub struct MondaySandbox {
    shared: Arc<Shared>,
    addr: SocketAddr,
    task: tokio::task::JoinHandle<()>,
}

/// A column for [`MondaySandbox::create_board`].
#[derive(Clone, Debug, PartialEq)]
pub struct SandboxColumn {
    pub id: String,
    pub title: String,
    /// The `ColumnType` value: `text`, `numbers`, `date`, `status`, `long_text`, `dropdown`, ...
    pub column_type: String,
    /// Column settings as monday returns them; `Null` means the type's defaults.
    pub settings: Value,
}

impl SandboxColumn {
    pub fn new(id: &str, title: &str, column_type: &str) -> Self {
        SandboxColumn {
            id: id.into(),
            title: title.into(),
            column_type: column_type.into(),
            settings: Value::Null,
        }
    }

    /// A status column whose labels get ids 0, 1, 2, ... in order.
    pub fn status(id: &str, title: &str, labels: &[&str]) -> Self {
        SandboxColumn {
            settings: labels::status_settings(labels),
            ..Self::new(id, title, "status")
        }
    }

    /// A dropdown column whose labels get ids 1, 2, 3, ... in order.
    pub fn dropdown(id: &str, title: &str, labels: &[&str]) -> Self {
        SandboxColumn {
            settings: labels::dropdown_settings(labels),
            ..Self::new(id, title, "dropdown")
        }
    }

    pub fn with_settings(mut self, settings: Value) -> Self {
        self.settings = settings;
        self
    }
}

/// An item as stored, for assertions.
#[derive(Clone, Debug, PartialEq)]
pub struct ItemSnapshot {
    pub id: String,
    pub board_id: String,
    pub group_id: String,
    pub name: String,
    pub archived: bool,
    /// Column id → stored value (what `column_values { value }` JSON-encodes), e.g. status
    /// `{"index":1,"label":"Done",..}`, numbers `"12.50"`, date `{"date":"2026-01-31",..}`.
    pub values: BTreeMap<String, Value>,
    /// Column id → displayed text (status label, number, date); board_relation shows linked names.
    pub texts: BTreeMap<String, String>,
    pub subitems: Vec<ItemSnapshot>,
    pub created_with_idempotency_key: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct GroupSnapshot {
    pub id: String,
    pub title: String,
}

#[derive(Clone, Debug, PartialEq)]
pub struct WebhookSnapshot {
    pub id: String,
    pub event: String,
    pub url: String,
    pub config: Option<Value>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct BoardSnapshot {
    pub id: String,
    pub name: String,
    pub columns: Vec<SandboxColumn>,
    pub groups: Vec<GroupSnapshot>,
    pub subitems_board_id: Option<String>,
    /// Set when this is a subitems board.
    pub parent_board_id: Option<String>,
    pub webhooks: Vec<WebhookSnapshot>,
}

/// One webhook POST the sandbox made.
#[derive(Clone, Debug, PartialEq)]
pub struct WebhookDelivery {
    pub webhook_id: String,
    pub url: String,
    pub body: Value,
    /// HTTP status answered; 0 when the request failed.
    pub status: u16,
}

/// Counters since start.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MondayStats {
    /// Requests to `/v2`, including refused ones.
    pub requests: u64,
    /// Mutation root fields executed (each alias counts), excluding `complexity`.
    pub mutations: u64,
    /// Items and subitems created.
    pub creates: u64,
    pub rejected_429: u64,
    /// Responses carrying `errors` or a 4xx/5xx status.
    pub errors: u64,
    /// Responses served from the Idempotency-Key cache.
    pub idempotent_replays: u64,
    /// Highest number of mutation requests in flight on one board at once.
    pub max_concurrent_per_board: u32,
}

/// Faults to inject; counters are consumed one request at a time.
#[derive(Clone, Debug, Default)]
pub struct Faults {
    /// Added to every request that reaches execution (while counted as in flight on its boards).
    pub latency: Duration,
    /// The next n requests answer HTTP 429, alternating `RATE_LIMIT_EXCEEDED` and
    /// `COMPLEXITY_BUDGET_EXHAUSTED`, with `Retry-After` and `retry_in_seconds` = `retry_after`.
    pub storm_429: u32,
    /// Wait announced by injected 429s and 423s; sub-second values are sent as fractions
    /// (`Retry-After: 0.05`) so tests run fast.
    pub retry_after: Duration,
    /// The next n requests answer HTTP 500 without applying anything.
    pub fail_5xx: u32,
    /// The next n mutations are applied, then the connection is dropped without a response.
    pub drop_after_write: u32,
    /// Every request answers 429 `DAILY_LIMIT_EXCEEDED` (retry at 00:00 UTC) while set.
    pub daily_limit_exceeded: bool,
    /// The next n requests answer HTTP 423 "Resource is currently locked".
    pub lock_423: u32,
}

impl MondaySandbox {
    /// Binds 127.0.0.1:0 and serves until dropped.
    pub async fn start() -> anyhow::Result<MondaySandbox> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .context("monday sandbox: binding 127.0.0.1:0")?;
        let addr = listener
            .local_addr()
            .context("monday sandbox: reading the bound address")?;
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .connect_timeout(Duration::from_secs(2))
            .build()
            .context("monday sandbox: building the webhook HTTP client")?;
        let shared = Arc::new(Shared {
            inner: Mutex::new(Inner {
                account: Account::default(),
                limits: Limits::default(),
                stats: MondayStats::default(),
                webhook_log: Vec::new(),
            }),
            http,
        });
        let app = http::router(Arc::clone(&shared))
            .into_make_service_with_connect_info::<conn::ConnHandle>();
        let task = tokio::spawn(async move {
            if let Err(e) = axum::serve(conn::KillableListener::new(listener), app).await {
                tracing::error!(error = %e, "monday sandbox server stopped");
            }
        });
        Ok(MondaySandbox { shared, addr, task })
    }

    /// `http://127.0.0.1:PORT/v2`
    pub fn api_url(&self) -> url::Url {
        self.base_url()
            .join("v2")
            .unwrap_or_else(|_| self.base_url())
    }

    /// `http://127.0.0.1:PORT/` (the HTML board pages live under it).
    pub fn base_url(&self) -> url::Url {
        url::Url::parse(&format!("http://{}/", self.addr))
            .unwrap_or_else(|_| unreachable!("socket address is a valid URL host"))
    }

    /// Accepts `token` as a raw `Authorization` header value (no "Bearer").
    pub fn add_token(&self, token: &str) {
        self.shared.lock().limits.tokens.insert(token.to_string());
    }

    /// Creates a board with a `name` column, the given columns and one group (`topics`).
    /// Panics on a duplicate column id (a test setup bug).
    pub fn create_board(&self, name: &str, columns: &[SandboxColumn]) -> String {
        let mut inner = self.shared.lock();
        let id = inner.account.insert_board(name, "public", None);
        add_columns(&mut inner.account, id, columns);
        id.to_string()
    }

    /// Gives a board its subitems board with these columns; returns the subitems board id.
    pub fn add_subitems_board(&self, board_id: &str, columns: &[SandboxColumn]) -> String {
        let mut inner = self.shared.lock();
        let board = state::parse_id(&json!(board_id)).unwrap_or_default();
        let Some(sub) = inner.account.ensure_subitems_board(board) else {
            panic!("monday sandbox: no board {board_id}, or it is itself a subitems board");
        };
        add_columns(&mut inner.account, sub, columns);
        sub.to_string()
    }

    /// Non-deleted items of a board (archived ones flagged), with their subitems.
    pub fn items(&self, board_id: &str) -> Vec<ItemSnapshot> {
        let inner = self.shared.lock();
        let board = state::parse_id(&json!(board_id)).unwrap_or_default();
        inner
            .account
            .board_items(board)
            .map(|i| snapshot(&inner.account, i))
            .collect()
    }

    pub fn item(&self, item_id: &str) -> Option<ItemSnapshot> {
        let inner = self.shared.lock();
        let id = state::parse_id(&json!(item_id))?;
        inner
            .account
            .live_item(id)
            .map(|i| snapshot(&inner.account, i))
    }

    pub fn board_snapshot(&self, board_id: &str) -> Option<BoardSnapshot> {
        let inner = self.shared.lock();
        let id = state::parse_id(&json!(board_id))?;
        let board = inner.account.boards.get(&id)?;
        Some(BoardSnapshot {
            id: id.to_string(),
            name: board.name.clone(),
            columns: board
                .columns
                .iter()
                .map(|c| SandboxColumn {
                    id: c.id.clone(),
                    title: c.title.clone(),
                    column_type: c.kind.clone(),
                    settings: c.settings.clone(),
                })
                .collect(),
            groups: board
                .groups
                .iter()
                .map(|g| GroupSnapshot {
                    id: g.id.clone(),
                    title: g.title.clone(),
                })
                .collect(),
            subitems_board_id: board.subitems_board.map(|s| s.to_string()),
            parent_board_id: board.parent_board.map(|p| p.to_string()),
            webhooks: inner
                .account
                .webhooks
                .values()
                .filter(|w| w.board_id == id)
                .map(|w| WebhookSnapshot {
                    id: w.id.to_string(),
                    event: w.event.clone(),
                    url: w.url.clone(),
                    config: w.config.clone(),
                })
                .collect(),
        })
    }

    pub fn stats(&self) -> MondayStats {
        self.shared.lock().stats.clone()
    }

    /// Replaces the injected faults (remaining counters included).
    pub fn set_faults(&self, faults: Faults) {
        self.shared.lock().limits.faults = faults;
    }

    /// Lifts (or restores) the per-minute request and complexity limits, for load tests where
    /// monday must not be the bottleneck. Injected faults still apply.
    pub fn set_unlimited(&self, unlimited: bool) {
        self.shared.lock().limits.unlimited = unlimited;
    }

    /// The faults still pending.
    pub fn faults(&self) -> Faults {
        self.shared.lock().limits.faults.clone()
    }

    /// Moves the simulated clock forward (complexity windows, Idempotency-Key expiry).
    pub fn advance_time(&self, by: Duration) {
        self.shared.lock().account.clock_offset += by;
    }

    /// Every webhook POST made so far (challenges excluded).
    pub fn webhook_deliveries(&self) -> Vec<WebhookDelivery> {
        self.shared.lock().webhook_log.clone()
    }

    /// Simulates a user setting a status label in the UI: changes the value, then POSTs the
    /// event to each matching webhook (change_column_value / change_specific_column_value /
    /// change_status_column_value, honouring `columnId` and `columnValue` config) and returns
    /// the HTTP statuses answered (0 for a failed request). Panics on an unknown item, column
    /// or label (a test setup bug).
    pub async fn user_changes_status(
        &self,
        item_id: &str,
        column_id: &str,
        label: &str,
        user_id: i64,
    ) -> Vec<u16> {
        let deliveries = {
            let mut inner = self.shared.lock();
            let account = &mut inner.account;
            let item = state::parse_id(&json!(item_id))
                .and_then(|id| account.live_item(id))
                .map(|i| (i.id, i.board_id));
            let Some((item, board)) = item else {
                panic!("monday sandbox: no item {item_id}");
            };
            let now = account.now();
            let mut col = account
                .boards
                .get(&board)
                .and_then(|b| {
                    b.columns
                        .iter()
                        .find(|c| c.id == column_id && c.kind == "status")
                })
                .cloned()
                .unwrap_or_else(|| {
                    panic!("monday sandbox: board {board} has no status column {column_id}")
                });
            let never = |_: u64| None;
            let ctx = WriteCtx {
                create_labels: false,
                now,
                item_board: &never,
            };
            let value = columns::write_json(&mut col, &json!({ "label": label }), &ctx)
                .unwrap_or_else(|e| panic!("monday sandbox: {}", e.message));
            let previous = account.items.get_mut(&item).and_then(|i| {
                i.updated_at = now;
                match value {
                    Some(v) => i.values.insert(column_id.to_string(), v),
                    None => i.values.remove(column_id),
                }
            });
            let user = u64::try_from(user_id).unwrap_or_default();
            let events: Vec<_> = webhooks::value_changed(account, item, column_id, previous, user)
                .into_iter()
                .collect();
            webhooks::deliveries(account, &events)
        };
        webhooks::deliver_all(&self.shared, deliveries).await
    }
}

impl Drop for MondaySandbox {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn add_columns(account: &mut Account, board: u64, columns: &[SandboxColumn]) {
    for c in columns {
        let defaults = (!c.settings.is_null()).then(|| c.settings.clone());
        let column = structure::new_column(&c.id, &c.title, &c.column_type, defaults);
        if let Err(e) = structure::add_column(account, board, column, None) {
            panic!("monday sandbox: can't add column {}: {}", c.id, e.message);
        }
    }
}

fn snapshot(account: &Account, item: &Item) -> ItemSnapshot {
    let columns = account
        .boards
        .get(&item.board_id)
        .map(|b| b.columns.as_slice())
        .unwrap_or_default();
    let texts = columns
        .iter()
        .filter(|c| item.values.contains_key(&c.id))
        .map(|c| {
            let stored = item.values.get(&c.id);
            let text = column_read::text(c, stored)
                .unwrap_or_else(|| column_read::relation_display(account, stored));
            (c.id.clone(), text)
        })
        .collect();
    ItemSnapshot {
        id: item.id.to_string(),
        board_id: item.board_id.to_string(),
        group_id: item.group_id.clone(),
        name: item.name.clone(),
        archived: item.state == ItemState::Archived,
        values: item.values.clone(),
        texts,
        subitems: account
            .subitems_of(item.id)
            .map(|s| snapshot(account, s))
            .collect(),
        created_with_idempotency_key: item.created_with_idempotency_key.clone(),
    }
}
