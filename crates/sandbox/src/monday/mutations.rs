//! Mutation execution: root fields run in request order; a failing field answers `null` with an
//! error whose `path` is its alias, and the others still apply (as monday does).

use std::sync::Arc;

use serde_json::{json, Map, Value};

use super::graphql::{Args, FieldGroups, GqlError, Prepared, Resolved};
use super::item_writes::{
    change_values, create_item, create_subitem, create_update, json_object_arg, remove_item,
    target_item, Input,
};
use super::limits::ComplexityInfo;
use super::resolvers::{Obj, Reader};
use super::state::{Account, Inner, Shared};
use super::structure;
use super::webhooks::{self, Delivery, Event};

/// Per-request facts the mutations need.
pub(crate) struct MutationCtx<'a> {
    pub api_version: &'a str,
    pub complexity: ComplexityInfo,
    pub idempotency_key: Option<&'a str>,
    pub user_id: u64,
}

/// The executed mutation: `data`, field errors and webhook deliveries to make afterwards.
pub(crate) struct MutationResult {
    pub data: Value,
    pub errors: Vec<GqlError>,
    pub deliveries: Vec<Delivery>,
}

/// JSON-typed arguments monday parses before executing anything (a bad one fails the request).
const JSON_ARGS: &[(&str, &str)] = &[
    ("create_item", "column_values"),
    ("create_subitem", "column_values"),
    ("change_multiple_column_values", "column_values"),
    ("change_column_value", "value"),
    ("create_column", "defaults"),
    ("create_webhook", "config"),
];

/// Runs every root field of a mutation. `Err` is a request-level `JsonParseException` (HTTP 400):
/// nothing was applied.
pub(crate) async fn execute(
    shared: &Arc<Shared>,
    prepared: &Prepared,
    ctx: &MutationCtx<'_>,
) -> Result<MutationResult, GqlError> {
    let exec = prepared.exec();
    let groups = exec.root_fields(prepared.operation());
    for (_, fields) in &groups {
        let args = exec.args(fields[0]);
        for (field, arg) in JSON_ARGS
            .iter()
            .filter(|(f, _)| *f == fields[0].name.as_str())
        {
            if let Some(Value::String(raw)) = args.get(arg) {
                if let Err(e) = serde_json::from_str::<Value>(raw) {
                    let snippet: String = raw.chars().take(40).collect();
                    let mut err = GqlError::new(
                        "JsonParseException",
                        format!("unexpected token at '{snippet}' ({e})"),
                    )
                    .with_status(400)
                    .with_data(json!({"field": field, "argument": arg}));
                    err.locations = exec.location(fields[0]);
                    return Err(err);
                }
            }
        }
    }
    let mut data = Map::new();
    let mut errors = Vec::new();
    let mut events = Vec::new();
    for (key, fields) in &groups {
        let field = fields[0];
        let args = exec.args(field);
        let outcome = if field.name == "create_webhook" {
            shared.lock().stats.mutations += 1;
            webhooks::create_webhook(shared, &args).await
        } else {
            let mut inner = shared.lock();
            apply(&mut inner, field.name.as_str(), &args, ctx, &mut events)
        };
        let mut path = vec![Value::String(key.clone())];
        let value = match outcome {
            Ok(resolved) => {
                let inner = shared.lock();
                let reader = Reader {
                    account: &inner.account,
                    complexity: ctx.complexity,
                    api_version: ctx.api_version,
                };
                exec.complete(&reader, resolved, fields, &mut path, &mut errors)
            }
            Err(mut e) => {
                e.path = path;
                e.locations = exec.location(field);
                errors.push(e);
                Value::Null
            }
        };
        data.insert(key.clone(), value);
    }
    let deliveries = webhooks::deliveries(&shared.lock().account, &events);
    Ok(MutationResult {
        data: Value::Object(data),
        errors,
        deliveries,
    })
}

/// Boards a mutation touches (for the per-board concurrency statistic).
pub(crate) fn touched_boards(
    account: &Account,
    prepared: &Prepared,
    groups: &FieldGroups<'_>,
) -> Vec<u64> {
    let exec = prepared.exec();
    let mut boards = Vec::new();
    for (_, fields) in groups {
        let args = exec.args(fields[0]);
        let board = args.id("board_id").ok().flatten().or_else(|| {
            let item = args
                .id("item_id")
                .ok()
                .flatten()
                .or(args.id("parent_item_id").ok().flatten())?;
            account.items.get(&item).map(|i| i.board_id)
        });
        if let Some(b) = board.filter(|b| !boards.contains(b)) {
            boards.push(b);
        }
    }
    boards
}

fn apply(
    inner: &mut Inner,
    name: &str,
    args: &Args,
    ctx: &MutationCtx,
    events: &mut Vec<Event>,
) -> Result<Resolved, GqlError> {
    if name != "complexity" {
        inner.stats.mutations += 1;
    }
    let account = &mut inner.account;
    let result = match name {
        "complexity" => Ok(Resolved::Obj(Obj::Complexity)),
        "create_item" => create_item(account, args, ctx, events),
        "create_subitem" => create_subitem(account, args, ctx, events),
        "change_multiple_column_values" => {
            let (board, item) = target_item(account, args)?;
            let values = json_object_arg(args, "column_values")?.unwrap_or_default();
            let entries = values
                .into_iter()
                .map(|(k, v)| (k, Input::Json(v)))
                .collect();
            change_values(
                account,
                board,
                item,
                entries,
                args.bool("create_labels_if_missing"),
                ctx,
                events,
            )
        }
        "change_column_value" => {
            let (board, item) = target_item(account, args)?;
            let column = args.str("column_id").unwrap_or_default().to_string();
            let is_relation = account
                .boards
                .get(&board)
                .and_then(|b| b.columns.iter().find(|c| c.id == column))
                .is_some_and(|c| c.kind == "board_relation");
            if is_relation {
                return Err(GqlError::new(
                    "ColumnValueException",
                    "Connect boards columns can only be updated with change_multiple_column_values",
                )
                .with_data(json!({"column_type": "board_relation", "column_id": column})));
            }
            let value = match args.get("value") {
                Some(Value::String(raw)) => serde_json::from_str(raw).unwrap_or(Value::Null),
                Some(other) => other.clone(),
                None => Value::Null,
            };
            change_values(
                account,
                board,
                item,
                vec![(column, Input::Json(value))],
                args.bool("create_labels_if_missing"),
                ctx,
                events,
            )
        }
        "change_simple_column_value" => {
            let (board, item) = target_item(account, args)?;
            let column = args.str("column_id").unwrap_or_default().to_string();
            let input = Input::Simple(args.str("value").map(str::to_string));
            change_values(
                account,
                board,
                item,
                vec![(column, input)],
                args.bool("create_labels_if_missing"),
                ctx,
                events,
            )
        }
        "delete_item" | "archive_item" => {
            remove_item(account, args, name == "delete_item", ctx, events)
        }
        "create_update" => create_update(account, args, ctx, events),
        "create_board" => structure::create_board(account, args),
        "create_column" => structure::create_column(account, args),
        "create_status_column" => structure::create_status_column(account, args),
        "create_dropdown_column" => structure::create_dropdown_column(account, args),
        "create_group" => structure::create_group(account, args),
        "delete_webhook" => structure::delete_webhook(account, args),
        other => Err(GqlError::new(
            "undefinedField",
            format!("Field '{other}' doesn't exist on type 'Mutation'"),
        )),
    };
    if result.is_ok() && matches!(name, "create_item" | "create_subitem") {
        inner.stats.creates += 1;
    }
    result
}

pub(crate) fn board_not_found(board: u64) -> GqlError {
    GqlError::new(
        "InvalidBoardIdException",
        "The board does not exist. Please check your board ID and try again",
    )
    .with_data(json!({"board_id": board}))
}

pub(crate) fn column_not_found(board: u64, column: &str) -> GqlError {
    GqlError::new(
        "InvalidColumnIdException",
        "This column ID doesn't exist for the board",
    )
    .with_data(json!({"column_id": column, "board_id": board}))
}
