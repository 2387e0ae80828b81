//! Subitems (the connector's line items): read them, and apply a diff of
//! creates, updates and deletes in as few requests as possible using
//! GraphQL aliases.
//!
//! Subitems live on their own board with its own column ids, so callers pass
//! that board's id and values keyed by its columns.

use std::collections::BTreeMap;

use serde_json::{json, Map, Value};

use crate::classify::{self, ApiError};
use crate::columns::{truncate_item_name, ColumnValue, ColumnValues};
use crate::error::MondayError;
use crate::items::id_of;
use crate::queries::{self, BatchOpKind};
use crate::{ItemId, MondayClient};

/// How many aliased mutations go into one request. monday documents no alias
/// limit (unconfirmed), but one request may cost at most 5M complexity points and
/// a large batch makes a failure expensive to retry. 50 keeps even a long invoice
/// (the item create plus all its lines) to two requests.
pub const MAX_SUBITEM_OPS_PER_REQUEST: usize = 50;

/// A change to one subitem.
#[derive(Debug, Clone, PartialEq)]
pub enum SubitemOp {
    /// Create a subitem under the parent item.
    Create {
        name: String,
        values: ColumnValues,
    },
    /// Change a subitem's columns and, when given, its name.
    Update {
        item_id: String,
        name: Option<String>,
        values: ColumnValues,
    },
    Delete {
        item_id: String,
    },
}

/// A subitem as read back, with each column's display text and raw value
/// (`value` parsed from monday's JSON-encoded string).
#[derive(Debug, Clone, PartialEq)]
pub struct Subitem {
    pub id: ItemId,
    pub name: String,
    pub column_values: BTreeMap<String, (Option<String>, Option<Value>)>,
}

impl MondayClient {
    /// The subitems of an item, in monday's order.
    #[tracing::instrument(skip(self), err(level = "debug", Display))]
    pub async fn item_subitems(&self, item_id: &str) -> Result<Vec<Subitem>, MondayError> {
        let data = self
            .execute(queries::ITEM_SUBITEMS, json!({ "item": item_id }), None)
            .await?;
        let item = data
            .get("items")
            .and_then(Value::as_array)
            .and_then(|items| items.first())
            .filter(|i| !i.is_null())
            .ok_or_else(|| MondayError::Permanent {
                code: "ResourceNotFound".to_owned(),
                message: format!("monday item {item_id} does not exist or was deleted"),
                request_id: None,
            })?;
        Ok(item
            .get("subitems")
            .and_then(Value::as_array)
            .map(|subs| subs.iter().filter_map(parse_subitem).collect())
            .unwrap_or_default())
    }

    /// Apply subitem operations with `create_labels_if_missing = false`.
    /// See [`MondayClient::apply_subitem_ops_with_labels`].
    pub async fn apply_subitem_ops(
        &self,
        subitems_board_id: &str,
        parent_item_id: &str,
        ops: &[SubitemOp],
        idempotency_key: Option<&str>,
    ) -> Result<Vec<Result<Option<ItemId>, MondayError>>, MondayError> {
        self.apply_subitem_ops_with_labels(
            subitems_board_id,
            parent_item_id,
            ops,
            false,
            idempotency_key,
        )
        .await
    }

    /// Apply several subitem operations, [`MAX_SUBITEM_OPS_PER_REQUEST`] per
    /// request, and report each operation's outcome in order: the new id for
    /// a create, `None` for an update or delete.
    ///
    /// The outer error means nothing of the first request was applied (or,
    /// for a transport error, see [`MondayError::maybe_applied`]). Once one
    /// request has succeeded, a later whole-request failure is reported on
    /// each of that request's and the remaining operations instead, so the
    /// caller still learns which creates happened. Request `k > 0` uses the
    /// key `"{idempotency_key}:{k}"`.
    #[tracing::instrument(skip(self, ops), fields(ops = ops.len()), err(level = "debug", Display))]
    pub async fn apply_subitem_ops_with_labels(
        &self,
        subitems_board_id: &str,
        parent_item_id: &str,
        ops: &[SubitemOp],
        create_labels_if_missing: bool,
        idempotency_key: Option<&str>,
    ) -> Result<Vec<Result<Option<ItemId>, MondayError>>, MondayError> {
        let mut results = Vec::with_capacity(ops.len());
        for (k, chunk) in ops.chunks(MAX_SUBITEM_OPS_PER_REQUEST).enumerate() {
            let key = idempotency_key.map(|key| {
                if k == 0 {
                    key.to_owned()
                } else {
                    format!("{key}:{k}")
                }
            });
            let outcome = self
                .apply_chunk(
                    subitems_board_id,
                    parent_item_id,
                    chunk,
                    create_labels_if_missing,
                    key.as_deref(),
                )
                .await;
            match outcome {
                Ok(r) => results.extend(r),
                Err(e) if k == 0 => return Err(e),
                Err(e) => {
                    results.extend((results.len()..ops.len()).map(|_| Err(e.clone())));
                    break;
                }
            }
        }
        Ok(results)
    }

    async fn apply_chunk(
        &self,
        board_id: &str,
        parent_item_id: &str,
        ops: &[SubitemOp],
        create_labels: bool,
        idempotency_key: Option<&str>,
    ) -> Result<Vec<Result<Option<ItemId>, MondayError>>, MondayError> {
        // An update with nothing to change is answered locally.
        let sent: Vec<(usize, &SubitemOp)> = ops
            .iter()
            .enumerate()
            .filter(|(_, op)| !matches!(op, SubitemOp::Update { name: None, values, .. } if values.is_empty()))
            .collect();
        let mut results: Vec<Result<Option<ItemId>, MondayError>> =
            (0..ops.len()).map(|_| Ok(None)).collect();
        if sent.is_empty() {
            return Ok(results);
        }
        let kinds: Vec<BatchOpKind> = sent.iter().map(|(_, op)| kind(op)).collect();
        let document = queries::subitem_batch(&kinds);
        let variables = batch_variables(board_id, parent_item_id, &sent, create_labels);

        let (status, headers, env) = self.send(&document, variables, idempotency_key).await?;
        let aliases: Vec<String> = (0..sent.len()).map(queries::batch_alias).collect();
        // Errors not tied to one alias (rate limits, parse errors) fail the request.
        let (per_op, general): (Vec<&ApiError>, Vec<&ApiError>) = env
            .errors
            .iter()
            .partition(|e| e.path.first().is_some_and(|p| aliases.contains(p)));
        if !general.is_empty() {
            let general: Vec<ApiError> = general.into_iter().cloned().collect();
            return Err(classify::classify_errors(
                status,
                &headers,
                &general,
                self.now(),
            ));
        }
        let data = env.data.unwrap_or(Value::Null);
        for (n, (i, op)) in sent.iter().enumerate() {
            let alias = &aliases[n];
            let errors: Vec<ApiError> = per_op
                .iter()
                .filter(|e| e.path.first() == Some(alias))
                .map(|e| (*e).clone())
                .collect();
            results[*i] = if !errors.is_empty() {
                Err(classify::classify_errors(
                    status,
                    &headers,
                    &errors,
                    self.now(),
                ))
            } else {
                match data.get(alias).and_then(|v| v.get("id")).and_then(id_of) {
                    Some(id) if matches!(op, SubitemOp::Create { .. }) => Ok(Some(id)),
                    Some(_) => Ok(None),
                    None => Err(MondayError::unexpected_shape(&format!(
                        "result for subitem operation {i}"
                    ))),
                }
            };
        }
        Ok(results)
    }
}

fn kind(op: &SubitemOp) -> BatchOpKind {
    match op {
        SubitemOp::Create { .. } => BatchOpKind::Create,
        SubitemOp::Update { .. } => BatchOpKind::Update,
        SubitemOp::Delete { .. } => BatchOpKind::Delete,
    }
}

/// Variables matching [`queries::subitem_batch`] for the ops being sent
/// (`n` is the op's position in the document, not in the caller's list).
fn batch_variables(
    board_id: &str,
    parent_item_id: &str,
    sent: &[(usize, &SubitemOp)],
    create_labels: bool,
) -> Value {
    let mut vars = Map::new();
    let mut needs_parent = false;
    let mut needs_board = false;
    for (n, (_, op)) in sent.iter().enumerate() {
        match op {
            SubitemOp::Create { name, values } => {
                needs_parent = true;
                vars.insert(format!("n{n}"), json!(truncate_item_name(name)));
                vars.insert(
                    format!("v{n}"),
                    json!((!values.is_empty()).then(|| values.to_json_string())),
                );
            }
            SubitemOp::Update {
                item_id,
                name,
                values,
            } => {
                needs_board = true;
                let mut values = values.clone();
                if let Some(name) = name {
                    values.insert("name", ColumnValue::Text(truncate_item_name(name)));
                }
                vars.insert(format!("i{n}"), json!(item_id));
                vars.insert(format!("v{n}"), json!(values.to_json_string()));
            }
            SubitemOp::Delete { item_id } => {
                vars.insert(format!("i{n}"), json!(item_id));
            }
        }
    }
    if needs_parent {
        vars.insert("parent".to_owned(), json!(parent_item_id));
    }
    if needs_board {
        vars.insert("board".to_owned(), json!(board_id));
    }
    if sent
        .iter()
        .any(|(_, op)| !matches!(op, SubitemOp::Delete { .. }))
    {
        vars.insert("createLabels".to_owned(), json!(create_labels));
    }
    Value::Object(vars)
}

fn parse_subitem(v: &Value) -> Option<Subitem> {
    let id = v.get("id").and_then(id_of)?;
    let name = v
        .get("name")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let column_values = v
        .get("column_values")
        .and_then(Value::as_array)
        .map(|cvs| {
            cvs.iter()
                .filter_map(|cv| {
                    let id = cv.get("id").and_then(id_of)?;
                    let text = cv.get("text").and_then(Value::as_str).map(str::to_owned);
                    let value = match cv.get("value") {
                        None | Some(Value::Null) => None,
                        // monday returns `value` as a JSON-encoded string.
                        Some(Value::String(s)) => Some(
                            serde_json::from_str(s).unwrap_or_else(|_| Value::String(s.clone())),
                        ),
                        Some(other) => Some(other.clone()),
                    };
                    Some((id, (text, value)))
                })
                .collect()
        })
        .unwrap_or_default();
    Some(Subitem {
        id,
        name,
        column_values,
    })
}
