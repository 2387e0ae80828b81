//! Item writes: creating items and subitems, changing column values (all or nothing),
//! archiving, deleting and posting updates.

use serde_json::{json, Map, Value};

use super::columns::{self, ValueError, WriteCtx};
use super::graphql::{Args, GqlError, Resolved};
use super::mutations::{board_not_found, column_not_found, MutationCtx};
use super::resolvers::Obj;
use super::state::{Account, Item, ItemState, ITEMS_PER_BOARD};
use super::webhooks::{self, Event};

fn item_not_found(item: u64) -> GqlError {
    GqlError::new(
        "ResourceNotFoundException",
        format!("Item with id {item} not found"),
    )
    .with_data(json!({"item_id": item}))
}

fn value_error(e: ValueError) -> GqlError {
    GqlError::new(e.code, e.message).with_data(e.error_data)
}

fn check_name(name: &str) -> Result<(), GqlError> {
    let len = name.chars().count();
    if name.trim().is_empty() || len > 255 {
        return Err(GqlError::new(
            "ItemNameTooLongException",
            "Ensure the item name is 1-255 characters in length",
        )
        .with_data(json!({"item_name_length": len})));
    }
    Ok(())
}

/// A `JSON` argument that must hold an object keyed by column id, sent as a JSON string.
pub(crate) fn json_object_arg(
    args: &Args,
    name: &str,
) -> Result<Option<Map<String, Value>>, GqlError> {
    let parsed = match args.get(name) {
        None => return Ok(None),
        Some(Value::String(raw)) => serde_json::from_str::<Value>(raw).unwrap_or(Value::Null),
        Some(other) => {
            return Err(GqlError::new(
                "InvalidArgumentException",
                format!("{name} must be a JSON-encoded string (serialize the object, e.g. JSON.stringify), got {}", kind_of(other)),
            )
            .with_data(json!({"argument": name})))
        }
    };
    match parsed {
        Value::Object(map) => Ok(Some(map)),
        Value::Null => Ok(None),
        other => Err(GqlError::new(
            "ColumnValueException",
            format!(
                "{name} must be a JSON object keyed by column id, got {}",
                kind_of(&other)
            ),
        )
        .with_data(json!({"argument": name}))),
    }
}

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Object(_) => "an object",
        Value::Array(_) => "a list",
        Value::String(_) => "a string",
        Value::Number(_) => "a number",
        Value::Bool(_) => "a boolean",
        Value::Null => "null",
    }
}

pub(crate) enum Input {
    Json(Value),
    Simple(Option<String>),
}

/// Validates values for a board's columns, all or nothing; new labels are kept only on success.
fn write_values(
    account: &mut Account,
    board_id: u64,
    entries: Vec<(String, Input)>,
    create_labels: bool,
) -> Result<Vec<(String, Option<Value>)>, GqlError> {
    let now = account.now();
    let mut cols = account
        .boards
        .get(&board_id)
        .ok_or_else(|| board_not_found(board_id))?
        .columns
        .clone();
    let mut out = Vec::new();
    {
        let lookup = |id: u64| account.live_item(id).map(|i| i.board_id);
        let ctx = WriteCtx {
            create_labels,
            now,
            item_board: &lookup,
        };
        for (col_id, input) in entries {
            if col_id == "name" {
                let name = match &input {
                    Input::Json(Value::String(s)) => s.clone(),
                    Input::Simple(Some(s)) => s.clone(),
                    _ => String::new(),
                };
                check_name(&name)?;
                out.push((col_id, Some(Value::String(name))));
                continue;
            }
            let col = cols
                .iter_mut()
                .find(|c| c.id == col_id)
                .ok_or_else(|| column_not_found(board_id, &col_id))?;
            let written = match input {
                Input::Json(raw) => columns::write_json(col, &raw, &ctx),
                Input::Simple(raw) => columns::write_simple(col, raw.as_deref(), &ctx),
            };
            out.push((col_id, written.map_err(value_error)?));
        }
    }
    if let Some(board) = account.boards.get_mut(&board_id) {
        board.columns = cols;
    }
    Ok(out)
}

/// Applies validated values to an item and queues the change events.
fn commit(
    account: &mut Account,
    item_id: u64,
    changes: Vec<(String, Option<Value>)>,
    user_id: u64,
    events: &mut Vec<Event>,
) {
    let now = account.now();
    let mut changed = Vec::new();
    if let Some(item) = account.items.get_mut(&item_id) {
        for (col_id, new) in changes {
            if col_id == "name" {
                let new_name = new
                    .as_ref()
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string();
                if new_name != item.name {
                    changed.push((
                        col_id,
                        Some(Value::String(std::mem::replace(&mut item.name, new_name))),
                    ));
                }
                continue;
            }
            let previous = match new.clone() {
                Some(v) => item.values.insert(col_id.clone(), v),
                None => item.values.remove(&col_id),
            };
            if strip_changed_at(previous.as_ref()) != strip_changed_at(new.as_ref()) {
                changed.push((col_id, previous));
            }
        }
        item.updated_at = now;
    }
    for (col_id, previous) in changed {
        events.extend(webhooks::value_changed(
            account, item_id, &col_id, previous, user_id,
        ));
    }
}

fn strip_changed_at(v: Option<&Value>) -> Option<Value> {
    let mut v = v.cloned()?;
    if let Some(obj) = v.as_object_mut() {
        obj.remove("changed_at");
    }
    Some(v)
}

pub(crate) fn target_item(account: &Account, args: &Args) -> Result<(u64, u64), GqlError> {
    let board = args.id("board_id")?.unwrap_or_default();
    if !account.boards.contains_key(&board) {
        return Err(board_not_found(board));
    }
    let item_id = args
        .id("item_id")?
        .ok_or_else(|| GqlError::new("InvalidArgumentException", "item_id is required"))?;
    match account.live_item(item_id) {
        Some(item) if item.board_id == board => Ok((board, item_id)),
        Some(_) => Err(GqlError::new(
            "ResourceNotFoundException",
            format!("Item {item_id} is not on board {board}"),
        )
        .with_data(json!({"item_id": item_id, "board_id": board}))),
        None => Err(item_not_found(item_id)),
    }
}

pub(crate) fn change_values(
    account: &mut Account,
    board: u64,
    item: u64,
    entries: Vec<(String, Input)>,
    create_labels: bool,
    ctx: &MutationCtx,
    events: &mut Vec<Event>,
) -> Result<Resolved, GqlError> {
    let changes = write_values(account, board, entries, create_labels)?;
    commit(account, item, changes, ctx.user_id, events);
    Ok(Resolved::Obj(Obj::Item(item)))
}

/// Creates an item (or subitem, with `parent`) after validating everything.
fn insert_item(
    account: &mut Account,
    board_id: u64,
    group_id: Option<&str>,
    parent: Option<u64>,
    args: &Args,
    ctx: &MutationCtx,
) -> Result<u64, GqlError> {
    let name = args.str("item_name").unwrap_or_default().to_string();
    check_name(&name)?;
    let board = account
        .boards
        .get(&board_id)
        .ok_or_else(|| board_not_found(board_id))?;
    let group = match group_id {
        Some(g) => board
            .groups
            .iter()
            .find(|x| x.id == g)
            .map(|x| x.id.clone())
            .ok_or_else(|| {
                GqlError::new(
                    "InvalidArgumentException",
                    format!("Group {g} does not exist on board {board_id}"),
                )
                .with_data(json!({"group_id": g, "board_id": board_id}))
            })?,
        None => board
            .groups
            .first()
            .map(|g| g.id.clone())
            .unwrap_or_else(|| "topics".into()),
    };
    if account.board_items(board_id).count() >= ITEMS_PER_BOARD {
        return Err(GqlError::new(
            "ItemsLimitationException",
            "You have exceeded the limit of 10,000 items per board",
        )
        .with_data(json!({"board_id": board_id})));
    }
    let values = json_object_arg(args, "column_values")?.unwrap_or_default();
    // The name comes from item_name; a "name" key in column_values is ignored.
    let entries = values
        .into_iter()
        .filter(|(k, _)| k != "name")
        .map(|(k, v)| (k, Input::Json(v)))
        .collect();
    let changes = write_values(
        account,
        board_id,
        entries,
        args.bool("create_labels_if_missing"),
    )?;
    let now = account.now();
    let id = account.new_item_id();
    account.items.insert(
        id,
        Item {
            id,
            board_id,
            group_id: group,
            name,
            state: ItemState::Active,
            values: changes
                .into_iter()
                .filter_map(|(k, v)| Some((k, v?)))
                .collect(),
            parent,
            created_at: now,
            updated_at: now,
            created_with_idempotency_key: ctx.idempotency_key.map(str::to_string),
        },
    );
    Ok(id)
}

pub(crate) fn create_item(
    account: &mut Account,
    args: &Args,
    ctx: &MutationCtx,
    events: &mut Vec<Event>,
) -> Result<Resolved, GqlError> {
    let board_id = args.id("board_id")?.unwrap_or_default();
    if account
        .boards
        .get(&board_id)
        .is_some_and(|b| b.parent_board.is_some())
    {
        return Err(GqlError::new("InvalidArgumentException", "Items can't be created on a subitems board; use create_subitem with the parent item id")
            .with_data(json!({"board_id": board_id})));
    }
    let id = insert_item(account, board_id, args.str("group_id"), None, args, ctx)?;
    events.extend(webhooks::item_created(account, id, ctx.user_id));
    Ok(Resolved::Obj(Obj::Item(id)))
}

pub(crate) fn create_subitem(
    account: &mut Account,
    args: &Args,
    ctx: &MutationCtx,
    events: &mut Vec<Event>,
) -> Result<Resolved, GqlError> {
    let parent_id = args.id("parent_item_id")?.unwrap_or_default();
    let parent = account
        .live_item(parent_id)
        .ok_or_else(|| item_not_found(parent_id))?;
    let parent_board = account
        .boards
        .get(&parent.board_id)
        .ok_or_else(|| board_not_found(parent.board_id))?;
    if parent_board.parent_board.is_some() {
        return Err(
            GqlError::new("InvalidArgumentException", "Subitems can't have subitems")
                .with_data(json!({"parent_item_id": parent_id})),
        );
    }
    // Documented choice: like the API (and unlike the UI), no subitems board is created on demand.
    let sub_board = parent_board.subitems_board.ok_or_else(|| {
        GqlError::new(
            "InvalidArgumentException",
            "The parent item's board has no subitems column yet; add one (create_column with column_type: subtasks) and read the subitems board's columns first",
        )
        .with_data(json!({"parent_item_id": parent_id, "board_id": parent_board.id}))
    })?;
    let id = insert_item(account, sub_board, None, Some(parent_id), args, ctx)?;
    events.extend(webhooks::item_created(account, id, ctx.user_id));
    Ok(Resolved::Obj(Obj::Item(id)))
}

pub(crate) fn remove_item(
    account: &mut Account,
    args: &Args,
    delete: bool,
    ctx: &MutationCtx,
    events: &mut Vec<Event>,
) -> Result<Resolved, GqlError> {
    let id = args
        .id("item_id")?
        .ok_or_else(|| GqlError::new("InvalidArgumentException", "item_id is required"))?;
    if account.live_item(id).is_none() {
        return Err(item_not_found(id));
    }
    // Events first, while the item still reads as live.
    events.extend(webhooks::item_removed(account, id, delete, ctx.user_id));
    let now = account.now();
    let state = if delete {
        ItemState::Deleted
    } else {
        ItemState::Archived
    };
    let subitems: Vec<u64> = account.subitems_of(id).map(|s| s.id).collect();
    for target in subitems.into_iter().chain([id]) {
        if let Some(item) = account.items.get_mut(&target) {
            item.state = state;
            item.updated_at = now;
        }
    }
    Ok(Resolved::Obj(Obj::Item(id)))
}

pub(crate) fn create_update(
    account: &mut Account,
    args: &Args,
    ctx: &MutationCtx,
    events: &mut Vec<Event>,
) -> Result<Resolved, GqlError> {
    let item_id = args
        .id("item_id")?
        .ok_or_else(|| GqlError::new("InvalidArgumentException", "item_id is required"))?;
    if account.live_item(item_id).is_none() {
        return Err(item_not_found(item_id));
    }
    let body = args.str("body").unwrap_or_default().to_string();
    if body.trim().is_empty() {
        return Err(GqlError::new(
            "InvalidArgumentException",
            "The update body can't be empty",
        ));
    }
    let id = account.new_update_id();
    let created_at = account.now();
    account.updates.insert(
        id,
        super::state::Update {
            id,
            item_id,
            body,
            created_at,
        },
    );
    events.extend(webhooks::update_created(account, id, ctx.user_id));
    Ok(Resolved::Obj(Obj::Update(id)))
}
