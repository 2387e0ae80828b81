//! Board-structure mutations: boards, columns, groups, and deleting webhooks.

use serde_json::{json, Value};

use super::graphql::{Args, GqlError, Resolved};
use super::labels::{default_status_settings, dropdown_settings};
use super::mutations::board_not_found;
use super::resolvers::Obj;
use super::state::{generated_id, Account, Column, Group, Item, ItemState};

/// Column types the sandbox can store values for; others can be created but not written.
const COLUMN_TYPES: &[&str] = &[
    "text",
    "long_text",
    "numbers",
    "date",
    "status",
    "dropdown",
    "email",
    "link",
    "phone",
    "country",
    "timeline",
    "checkbox",
    "people",
    "board_relation",
    "subtasks",
];

pub(crate) fn create_board(account: &mut Account, args: &Args) -> Result<Resolved, GqlError> {
    let name = args
        .str("board_name")
        .unwrap_or_default()
        .trim()
        .to_string();
    if name.is_empty() || name.chars().count() > 255 {
        return Err(GqlError::new(
            "CreateBoardException",
            "The board name must be 1-255 characters",
        ));
    }
    let kind = args.str("board_kind").unwrap_or("public");
    let workspace = args
        .get("workspace_id")
        .map(|w| w.as_str().map_or_else(|| w.to_string(), str::to_string));
    let id = account.insert_board(&name, kind, workspace);
    if let Some(board) = account.boards.get_mut(&id) {
        board.description = args.str("description").map(str::to_string);
    }
    if !args.bool("empty") {
        // What a new board gets in the UI: a person, a status and a date column, and three items.
        for (col_id, title, kind) in [
            ("person", "Person", "people"),
            ("status", "Status", "status"),
            ("date4", "Date", "date"),
        ] {
            add_column(account, id, new_column(col_id, title, kind, None), None)?;
        }
        let now = account.now();
        for n in 1..=3 {
            let item_id = account.new_item_id();
            account.items.insert(
                item_id,
                Item {
                    id: item_id,
                    board_id: id,
                    group_id: "topics".into(),
                    name: format!("Item {n}"),
                    state: ItemState::Active,
                    values: Default::default(),
                    parent: None,
                    created_at: now,
                    updated_at: now,
                    created_with_idempotency_key: None,
                },
            );
        }
    }
    Ok(Resolved::Obj(Obj::Board(id)))
}

/// A column with the settings monday gives its type when `defaults` doesn't say otherwise.
pub(crate) fn new_column(id: &str, title: &str, kind: &str, defaults: Option<Value>) -> Column {
    let settings = match (kind, defaults) {
        ("status", Some(d)) if d.get("labels").is_some() => d,
        ("status", _) => default_status_settings(),
        ("dropdown", Some(d)) => {
            let inner = d.get("settings").cloned().unwrap_or(d);
            match inner.get("labels").and_then(Value::as_array) {
                Some(list) if list.iter().all(Value::is_string) => {
                    let names: Vec<&str> = list.iter().filter_map(Value::as_str).collect();
                    dropdown_settings(&names)
                }
                _ => inner,
            }
        }
        ("dropdown", None) => dropdown_settings(&[]),
        (_, Some(d)) => d,
        (_, None) => json!({}),
    };
    Column {
        id: id.to_string(),
        title: title.to_string(),
        kind: kind.to_string(),
        description: None,
        settings,
    }
}

/// Adds a column to a board (after `after`, else at the end). A `subtasks` column creates the
/// subitems board instead.
pub(crate) fn add_column(
    account: &mut Account,
    board_id: u64,
    column: Column,
    after: Option<&str>,
) -> Result<String, GqlError> {
    let board = account
        .boards
        .get_mut(&board_id)
        .ok_or_else(|| board_not_found(board_id))?;
    if column.kind == "subtasks" {
        if board.parent_board.is_some() {
            return Err(GqlError::new(
                "InvalidArgumentException",
                "A subitems board can't have subitems",
            ));
        }
        account.ensure_subitems_board(board_id);
        return Ok("subitems".into());
    }
    if board.columns.iter().any(|c| c.id == column.id) {
        return Err(GqlError::new(
            "InvalidArgumentException",
            format!("A column with id {} already exists on the board", column.id),
        )
        .with_data(json!({"column_id": column.id, "board_id": board_id})));
    }
    let id = column.id.clone();
    let at = after
        .and_then(|a| board.columns.iter().position(|c| c.id == a))
        .map_or(board.columns.len(), |p| p + 1);
    board.columns.insert(at, column);
    Ok(id)
}

/// Validates `create_*_column`'s board, title and optional custom id.
fn column_target(
    account: &Account,
    args: &Args,
    kind: &str,
) -> Result<(u64, String, String), GqlError> {
    let board = args.id("board_id")?.unwrap_or_default();
    if !account.boards.contains_key(&board) {
        return Err(board_not_found(board));
    }
    let title = args.str("title").unwrap_or_default().trim().to_string();
    if title.is_empty() {
        return Err(GqlError::new(
            "InvalidArgumentException",
            "The column title can't be empty",
        ));
    }
    let id = match args.str("id") {
        Some(id)
            if id.is_empty()
                || id.len() > 20
                || !id
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_') =>
        {
            return Err(GqlError::new(
                "InvalidArgumentException",
                "A column id must be 1-20 lowercase letters, digits or underscores",
            )
            .with_data(json!({"column_id": id})));
        }
        Some(id) => id.to_string(),
        None => generated_id(kind),
    };
    Ok((board, title, id))
}

fn finish_column(
    account: &mut Account,
    board: u64,
    column: Column,
    args: &Args,
) -> Result<Resolved, GqlError> {
    let after = args
        .get("after_column_id")
        .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_string));
    let id = add_column(account, board, column, after.as_deref())?;
    Ok(Resolved::Obj(Obj::Column { board, column: id }))
}

pub(crate) fn create_column(account: &mut Account, args: &Args) -> Result<Resolved, GqlError> {
    let kind = args.str("column_type").unwrap_or("text").to_string();
    let (board, title, id) = column_target(account, args, &kind)?;
    let defaults = match args.get("defaults") {
        Some(Value::String(raw)) => serde_json::from_str(raw).ok(),
        Some(other) => Some(other.clone()),
        None => None,
    };
    if !COLUMN_TYPES.contains(&kind.as_str()) {
        tracing::debug!(
            kind,
            "monday sandbox: column type is created but its values can't be written"
        );
    }
    let mut column = new_column(&id, &title, &kind, defaults);
    column.description = args.str("description").map(str::to_string);
    finish_column(account, board, column, args)
}

pub(crate) fn create_status_column(
    account: &mut Account,
    args: &Args,
) -> Result<Resolved, GqlError> {
    let (board, title, id) = column_target(account, args, "color")?;
    let settings = match args
        .get("defaults")
        .and_then(|d| d.get("labels"))
        .and_then(Value::as_array)
    {
        Some(labels) => {
            if labels.len() > 40 {
                return Err(GqlError::new(
                    "InvalidArgumentException",
                    "A status column holds at most 40 labels",
                ));
            }
            let mut seen = Vec::new();
            let mut list = Vec::new();
            for l in labels {
                let label = l.get("label").and_then(Value::as_str).unwrap_or_default();
                let index = l.get("index").and_then(Value::as_i64).unwrap_or_default();
                if label.chars().count() > 30 || !(0..40).contains(&index) || seen.contains(&index)
                {
                    return Err(GqlError::new(
                        "InvalidArgumentException",
                        "Status labels need unique indexes 0-39 and at most 30 characters",
                    )
                    .with_data(json!({"label": label, "index": index})));
                }
                seen.push(index);
                list.push(json!({
                    "id": index, "label": label, "color": l.get("color").cloned().unwrap_or(Value::Null),
                    "index": index, "is_done": l.get("is_done").and_then(Value::as_bool).unwrap_or(false),
                }));
            }
            json!({ "labels": list })
        }
        None => default_status_settings(),
    };
    let mut column = new_column(&id, &title, "status", Some(settings));
    column.description = args.str("description").map(str::to_string);
    finish_column(account, board, column, args)
}

pub(crate) fn create_dropdown_column(
    account: &mut Account,
    args: &Args,
) -> Result<Resolved, GqlError> {
    let (board, title, id) = column_target(account, args, "dropdown")?;
    let names: Vec<String> = args
        .get("defaults")
        .and_then(|d| d.get("labels"))
        .and_then(Value::as_array)
        .map(|l| {
            l.iter()
                .filter_map(|x| x.get("label").and_then(Value::as_str).map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let mut column = new_column(&id, &title, "dropdown", Some(dropdown_settings(&refs)));
    column.description = args.str("description").map(str::to_string);
    finish_column(account, board, column, args)
}

pub(crate) fn create_group(account: &mut Account, args: &Args) -> Result<Resolved, GqlError> {
    let board_id = args.id("board_id")?.unwrap_or_default();
    let board = account
        .boards
        .get_mut(&board_id)
        .ok_or_else(|| board_not_found(board_id))?;
    let title = args
        .str("group_name")
        .unwrap_or_default()
        .trim()
        .to_string();
    if title.is_empty() || title.chars().count() > 255 {
        return Err(GqlError::new(
            "InvalidArgumentException",
            "The group name must be 1-255 characters",
        ));
    }
    let id = generated_id("group");
    let group = Group {
        id: id.clone(),
        title,
        color: args.str("group_color").unwrap_or("#a25ddc").to_string(),
    };
    let anchor = args
        .str("relative_to")
        .and_then(|r| board.groups.iter().position(|g| g.id == r));
    let at = match (anchor, args.str("position_relative_method")) {
        (Some(p), Some("after_at")) => p + 1,
        (Some(p), _) => p,
        // monday puts a new group at the top of the board.
        (None, _) => 0,
    };
    board.groups.insert(at, group);
    Ok(Resolved::Obj(Obj::Group {
        board: board_id,
        group: id,
    }))
}

pub(crate) fn delete_webhook(account: &mut Account, args: &Args) -> Result<Resolved, GqlError> {
    let id = args.id("id")?.unwrap_or_default();
    let hook = account.webhooks.remove(&id).ok_or_else(|| {
        GqlError::new(
            "ResourceNotFoundException",
            format!("Webhook {id} not found"),
        )
        .with_data(json!({"webhook_id": id}))
    })?;
    Ok(Resolved::Obj(Obj::Webhook {
        id: hook.id,
        board_id: hook.board_id,
        event: hook.event,
        config: hook.config,
    }))
}
