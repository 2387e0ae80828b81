//! `setup`, monday part: create (or complete) one board per document type with the columns the
//! mapping needs, the status labels, the subitem columns for line items, and the status-column
//! webhook that feeds the audit log. Everything is looked up before it is created, so a second
//! run changes nothing.

use crate::config::{BoardMapping, ColumnMap, DeletionPolicy, LineItemMode};
use crate::http::webhooks::monday::webhook_url;
use crate::runtime::{Connection, Runtime};
use crate::sync::mapping::status_label;
use anyhow::Context;
use monday::{Board, ColumnType, MondayClient};
use secrecy::ExposeSecret;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use zoho_books::DocumentKind;

/// What setup did, or would have to do by hand, for one connection.
#[derive(Debug, Default)]
pub struct MondaySetup {
    pub connection: String,
    /// Document type (`invoice`, …) → the resulting mapping.
    pub boards: BTreeMap<String, BoardMapping>,
    /// Everything created, one line each ("created column total (numbers) on board 123").
    pub created: Vec<String>,
    /// Problems setup leaves to a person (a column of the wrong type, a missing label).
    pub warnings: Vec<String>,
}

/// The kinds a connection is set up for: its configured boards, or all three when it has none.
fn kinds(conn: &Connection) -> Vec<DocumentKind> {
    let configured: Vec<DocumentKind> = conn
        .config
        .boards
        .keys()
        .filter_map(|k| k.parse().ok())
        .collect();
    if configured.is_empty() {
        vec![
            DocumentKind::Invoice,
            DocumentKind::Bill,
            DocumentKind::PurchaseOrder,
        ]
    } else {
        configured
    }
}

fn board_name(kind: DocumentKind) -> &'static str {
    match kind {
        DocumentKind::Invoice => "Invoices (Zoho Books)",
        DocumentKind::Bill => "Bills (Zoho Books)",
        DocumentKind::PurchaseOrder => "Purchase orders (Zoho Books)",
    }
}

/// Zoho statuses each kind can show; each needs a label (same list `check` verifies).
fn statuses(kind: DocumentKind) -> &'static [&'static str] {
    match kind {
        DocumentKind::Invoice => &["draft", "sent", "overdue", "partially_paid", "paid", "void"],
        DocumentKind::Bill => &["draft", "open", "overdue", "partially_paid", "paid", "void"],
        DocumentKind::PurchaseOrder => &["draft", "open", "billed", "cancelled"],
    }
}

/// The status labels a board needs, in a sensible order, with the mapping's overrides applied.
pub fn wanted_labels(mapping: &BoardMapping, kind: DocumentKind) -> Vec<String> {
    let mut labels: Vec<String> = Vec::new();
    let extra = (mapping.on_delete == DeletionPolicy::Mark).then_some("Deleted");
    for label in statuses(kind)
        .iter()
        .map(|s| status_label(mapping, kind, s))
        .chain(extra.map(String::from))
    {
        if !labels.iter().any(|l| l.eq_ignore_ascii_case(&label)) {
            labels.push(label);
        }
    }
    labels
}

/// One recommended column: the mapping field it serves, its default id, title and type.
struct Spec {
    field: &'static str,
    id: &'static str,
    title: &'static str,
    kind: ColumnType,
}

fn specs(kind: DocumentKind) -> Vec<Spec> {
    let s = |field, id, title, kind| Spec {
        field,
        id,
        title,
        kind,
    };
    let (party, due) = match kind {
        DocumentKind::Invoice => ("Customer", "Due date"),
        DocumentKind::Bill => ("Vendor", "Due date"),
        DocumentKind::PurchaseOrder => ("Vendor", "Delivery date"),
    };
    let mut out = vec![
        s("zoho_id", "zoho_id", "Zoho ID", ColumnType::Text),
        s("number", "number", "Number", ColumnType::Text),
        s("party", "party", party, ColumnType::Text),
        s("total", "total", "Total", ColumnType::Numbers),
        s("balance", "balance", "Balance", ColumnType::Numbers),
        s("currency", "currency", "Currency", ColumnType::Text),
        s("date", "date", "Date", ColumnType::Date),
        s("due_date", "due_date", due, ColumnType::Date),
        s("status", "status", "Status", ColumnType::Status),
        s("reference", "reference", "Reference", ColumnType::Text),
        s("link", "link", "Zoho Books", ColumnType::Link),
        s("line_items", "lines", "Line items", ColumnType::LongText),
    ];
    if kind == DocumentKind::PurchaseOrder {
        // Purchase orders have no balance in Zoho.
        out.retain(|c| c.field != "balance");
    }
    out
}

fn column_slot<'a>(cols: &'a mut ColumnMap, field: &str) -> Option<&'a mut Option<String>> {
    Some(match field {
        "number" => &mut cols.number,
        "party" => &mut cols.party,
        "total" => &mut cols.total,
        "balance" => &mut cols.balance,
        "currency" => &mut cols.currency,
        "date" => &mut cols.date,
        "due_date" => &mut cols.due_date,
        "status" => &mut cols.status,
        "reference" => &mut cols.reference,
        "link" => &mut cols.link,
        "line_items" => &mut cols.line_items,
        _ => return None,
    })
}

fn subitem_specs(
    mapping: &mut BoardMapping,
) -> Vec<(&mut Option<String>, &'static str, &'static str)> {
    let c = &mut mapping.subitem_columns;
    vec![
        (&mut c.quantity, "quantity", "Quantity"),
        (&mut c.rate, "rate", "Rate"),
        (&mut c.amount, "amount", "Amount"),
        (&mut c.line_item_id, "line_item_id", "Zoho line id"),
    ]
}

/// A mapping for a board setup creates: every recommended column, lines as subitems.
fn fresh_mapping(board_id: &str) -> BoardMapping {
    let mut m: BoardMapping = toml::from_str(&format!(
        "board_id = \"{board_id}\"\n[columns]\nzoho_id = \"zoho_id\"\n"
    ))
    .unwrap_or_else(|_| unreachable!("static mapping parses"));
    m.line_items = LineItemMode::Subitems;
    m
}

/// Sets up every board of one connection and registers the status webhooks at `public_url`.
pub async fn setup_connection(
    rt: &Runtime,
    conn: &Connection,
    public_url: &url::Url,
) -> anyhow::Result<MondaySetup> {
    let mut out = MondaySetup {
        connection: conn.config.id.clone(),
        ..Default::default()
    };
    let client = &conn.monday;
    let hook = hook_url(conn, public_url, &mut out)?;
    let mut existing_by_name: Option<Vec<(String, String)>> = None;
    for kind in kinds(conn) {
        let mut mapping = match conn.config.board(kind) {
            Some(m) => m.clone(),
            None => {
                if existing_by_name.is_none() {
                    existing_by_name = Some(list_boards(client).await?);
                }
                let name = board_name(kind);
                let found = existing_by_name
                    .iter()
                    .flatten()
                    .find(|(_, n)| n == name)
                    .map(|(id, _)| id.clone());
                let id = match found {
                    Some(id) => id,
                    None => {
                        let id = client
                            .create_board(name, "private", None)
                            .await
                            .with_context(|| format!("creating the monday board {name:?}"))?;
                        out.created.push(format!("created board {name:?} ({id})"));
                        id
                    }
                };
                fresh_mapping(&id)
            }
        };
        let _writer = rt.board_writer(&mapping.board_id).await?;
        complete_board(client, kind, &mut mapping, &mut out).await?;
        if let (Some(url), Some(status)) = (&hook, mapping.columns.status.clone()) {
            ensure_webhook(client, &mapping.board_id, url, &status, &mut out).await?;
        }
        rt.boards.invalidate(&mapping.board_id);
        out.boards.insert(kind.as_str().to_string(), mapping);
    }
    Ok(out)
}

/// The status webhook's URL, or why none can be registered. A JWT-only webhook (signing
/// secret, no URL token) needs an app token: monday sends no JWT for a personal token's
/// webhooks, so every event would be refused; setup says so before creating anything.
fn hook_url(
    conn: &Connection,
    public_url: &url::Url,
    out: &mut MondaySetup,
) -> anyhow::Result<Option<String>> {
    let m = &conn.config.monday;
    Ok(match (&m.webhook_token, &m.signing_secret) {
        (Some(token), _) => Some(webhook_url(public_url, token.expose_secret())),
        (None, Some(_)) if m.token_kind == crate::config::MondayTokenKind::Personal => {
            anyhow::bail!(
                "{}: monday sends no JWT for webhooks created with a personal token, so a webhook checked only by signing_secret would refuse every event; set connections.monday.webhook_token (24+ random characters, e.g. `openssl rand -hex 24`) and run setup again, or set connections.monday.token_kind = \"app\" if the token is a monday app's OAuth token",
                conn.config.id
            )
        }
        (None, Some(_)) => Some(webhook_url(public_url, &conn.config.id)),
        (None, None) => {
            out.warnings.push(format!(
                "{}: no status webhook registered, so status changes made on monday are not audited; set connections.monday.webhook_token (24+ random characters) and run setup again",
                conn.config.id
            ));
            None
        }
    })
}

/// Boards the token's user can see, as (id, name); setup adopts one with the expected name
/// instead of creating a second board when run again without a written configuration.
async fn list_boards(client: &MondayClient) -> anyhow::Result<Vec<(String, String)>> {
    const QUERY: &str = "query Boards($page: Int!) { boards(limit: 100, page: $page) { id name } }";
    let mut out = Vec::new();
    for page in 1..=20 {
        let data = client
            .execute(QUERY, json!({ "page": page }), None)
            .await
            .context("listing monday boards")?;
        let boards = data
            .get("boards")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        for b in &boards {
            if let (Some(id), Some(name)) = (
                b.get("id").and_then(Value::as_str),
                b.get("name").and_then(Value::as_str),
            ) {
                out.push((id.to_string(), name.to_string()));
            }
        }
        if boards.len() < 100 {
            break;
        }
    }
    Ok(out)
}

async fn complete_board(
    client: &MondayClient,
    kind: DocumentKind,
    mapping: &mut BoardMapping,
    out: &mut MondaySetup,
) -> anyhow::Result<()> {
    let board_id = mapping.board_id.clone();
    let board = client
        .board(&board_id)
        .await
        .with_context(|| format!("reading monday board {board_id}"))?;
    let labels = wanted_labels(mapping, kind);
    for spec in specs(kind) {
        if spec.field == "line_items" && mapping.line_items == LineItemMode::None {
            continue;
        }
        let configured = match spec.field {
            "zoho_id" => Some(mapping.columns.zoho_id.clone()),
            f => column_slot(&mut mapping.columns, f).and_then(|s| s.clone()),
        };
        let id = ensure_column(client, &board, configured.as_deref(), &spec, &labels, out).await?;
        match spec.field {
            "zoho_id" => mapping.columns.zoho_id = id,
            f => {
                if let Some(slot) = column_slot(&mut mapping.columns, f) {
                    *slot = Some(id);
                }
            }
        }
    }
    if mapping.line_items == LineItemMode::Subitems {
        complete_subitems(client, &board, mapping, out).await?;
    }
    Ok(())
}

/// The column serving `spec`: the configured one, else one with the recommended id or the same
/// title and type, else a new one. A column of the wrong type is reported, never changed.
async fn ensure_column(
    client: &MondayClient,
    board: &Board,
    configured: Option<&str>,
    spec: &Spec,
    labels: &[String],
    out: &mut MondaySetup,
) -> anyhow::Result<String> {
    let id = configured.unwrap_or(spec.id);
    let existing = board.column(id).or_else(|| {
        configured
            .is_none()
            .then(|| {
                board.columns.iter().find(|c| {
                    c.title.eq_ignore_ascii_case(spec.title) && c.column_type == spec.kind
                })
            })
            .flatten()
    });
    if let Some(col) = existing {
        if col.column_type != spec.kind {
            out.warnings.push(format!(
                "board {}: column {:?} ({}) is of type {}, the {} field wants {}; change the column or map another one",
                board.id, col.id, col.title, col.column_type, spec.field, spec.kind
            ));
        } else if spec.kind == ColumnType::Status {
            let have = col.status_labels();
            let missing: Vec<&String> = labels
                .iter()
                .filter(|l| !have.iter().any(|(_, h)| h.eq_ignore_ascii_case(l)))
                .collect();
            if !missing.is_empty() {
                let missing: Vec<&str> = missing.iter().map(|s| s.as_str()).collect();
                out.warnings.push(format!(
                    "board {}: status column {:?} lacks the labels {}; add them in monday (or set create_labels_if_missing = true for the board)",
                    board.id,
                    col.id,
                    missing.join(", ")
                ));
            }
        }
        return Ok(col.id.clone());
    }
    let created = if spec.kind == ColumnType::Status {
        client
            .create_status_column(&board.id, Some(id), spec.title, labels)
            .await
    } else {
        client
            .create_column(&board.id, Some(id), spec.title, spec.kind.clone(), None)
            .await
    }
    .with_context(|| format!("creating column {id:?} on monday board {}", board.id))?;
    out.created.push(format!(
        "created column {} ({}) on board {}",
        created.id, spec.kind, board.id
    ));
    Ok(created.id)
}

/// Gives the board its subitems board (monday creates it with the first subitem column) and the
/// subitem columns for quantity, rate, amount and the Zoho line id.
async fn complete_subitems(
    client: &MondayClient,
    board: &Board,
    mapping: &mut BoardMapping,
    out: &mut MondaySetup,
) -> anyhow::Result<()> {
    let sub_id = match &board.subitems_board_id {
        Some(id) => id.clone(),
        None => {
            client
                .create_column(&board.id, None, "Subitems", ColumnType::Subtasks, None)
                .await
                .with_context(|| format!("adding subitems to monday board {}", board.id))?;
            let reread = client.board(&board.id).await?;
            let id = reread.subitems_board_id.with_context(|| {
                format!(
                    "monday board {} still has no subitems board after adding the subitems column",
                    board.id
                )
            })?;
            out.created.push(format!(
                "created the subitems board {id} of board {}",
                board.id
            ));
            id
        }
    };
    let sub = client
        .board(&sub_id)
        .await
        .with_context(|| format!("reading the subitems board {sub_id}"))?;
    let no_labels: [String; 0] = [];
    for (slot, id, title) in subitem_specs(mapping) {
        let kind = if id == "line_item_id" {
            ColumnType::Text
        } else {
            ColumnType::Numbers
        };
        let spec = Spec {
            field: id,
            id,
            title,
            kind,
        };
        *slot = Some(ensure_column(client, &sub, slot.as_deref(), &spec, &no_labels, out).await?);
    }
    Ok(())
}

/// Registers `change_status_column_value` for the status column unless the board already has it.
async fn ensure_webhook(
    client: &MondayClient,
    board_id: &str,
    url: &str,
    status_col: &str,
    out: &mut MondaySetup,
) -> anyhow::Result<()> {
    let hooks = client
        .webhooks(board_id)
        .await
        .with_context(|| format!("listing webhooks of monday board {board_id}"))?;
    let has = hooks.iter().any(|h| {
        let column = h
            .config
            .as_deref()
            .and_then(|c| serde_json::from_str::<Value>(c).ok())
            .and_then(|c| c.get("columnId").cloned());
        h.event == "change_status_column_value" && column.is_none_or(|c| c == status_col)
    });
    if has {
        return Ok(());
    }
    let id = client
        .create_webhook(board_id, url, "change_status_column_value", Some(json!({ "columnId": status_col })))
        .await
        .with_context(|| {
            format!(
                "registering the status webhook of board {board_id}: monday must reach {} and get the challenge answered, so `ml-connector serve` has to run there (check server.public_url)",
                url.rsplit_once('/').map(|(base, _)| format!("{base}/…")).unwrap_or_default()
            )
        })?;
    out.created.push(format!(
        "registered status webhook {id} on board {board_id}"
    ));
    Ok(())
}
