//! Item operations: create, change, find by the Zoho id column, archive,
//! delete and post an update.

use serde_json::{json, Value};

use crate::columns::{truncate_item_name, ColumnValue, ColumnValues};
use crate::error::MondayError;
use crate::{queries, ItemId, MondayClient};

/// `items_page_by_column_values` returns at most 500 per page.
const LOOKUP_PAGE_SIZE: u32 = 500;
/// A board holds at most 10,000 items, so 20 pages of 500 cover any board;
/// the cap only stops a cursor loop if monday ever misbehaves.
const LOOKUP_MAX_PAGES: usize = 20;
/// Pages a scan of one column follows at most (100,000 items); beyond, the scan says it is
/// incomplete and callers look documents up one by one.
const SCAN_MAX_PAGES: usize = 200;

/// A scan of one column: (item, text) for every item with a value, and whether every page was
/// read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnScan {
    pub pairs: Vec<(ItemId, String)>,
    pub complete: bool,
}

/// The `id` under `data.<field>`, as a string whatever JSON type it came in.
pub(crate) fn id_at(data: &Value, field: &str) -> Result<String, MondayError> {
    data.get(field)
        .and_then(|v| v.get("id"))
        .and_then(id_of)
        .ok_or_else(|| MondayError::unexpected_shape(&format!("`{field}.id`")))
}

pub(crate) fn id_of(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) if n.is_u64() || n.is_i64() => Some(n.to_string()),
        _ => None,
    }
}

impl MondayClient {
    /// Create an item and return its id. The idempotency key is required:
    /// a create retried after a timeout must not make a second item. The
    /// name is cut to monday's 255 characters.
    // Names and values can hold customer data, so they stay out of spans.
    #[tracing::instrument(skip(self, name, values), err(level = "debug", Display))]
    pub async fn create_item(
        &self,
        board_id: &str,
        group_id: Option<&str>,
        name: &str,
        values: &ColumnValues,
        create_labels_if_missing: bool,
        idempotency_key: &str,
    ) -> Result<ItemId, MondayError> {
        let data = self
            .execute(
                queries::CREATE_ITEM,
                json!({
                    "board": board_id,
                    "group": group_id,
                    "name": truncate_item_name(name),
                    "values": (!values.is_empty()).then(|| values.to_json_string()),
                    "createLabels": create_labels_if_missing,
                }),
                Some(idempotency_key),
            )
            .await?;
        id_at(&data, "create_item")
    }

    /// Change several columns of one item in one call. An empty `values` is
    /// a no-op and sends nothing.
    #[tracing::instrument(skip(self, values), err(level = "debug", Display))]
    pub async fn change_column_values(
        &self,
        board_id: &str,
        item_id: &str,
        values: &ColumnValues,
        create_labels_if_missing: bool,
        idempotency_key: Option<&str>,
    ) -> Result<(), MondayError> {
        if values.is_empty() {
            return Ok(());
        }
        let data = self
            .execute(
                queries::CHANGE_COLUMN_VALUES,
                json!({
                    "board": board_id,
                    "item": item_id,
                    "values": values.to_json_string(),
                    "createLabels": create_labels_if_missing,
                }),
                idempotency_key,
            )
            .await?;
        id_at(&data, "change_multiple_column_values").map(drop)
    }

    /// Rename an item (through the `name` key of change_multiple_column_values,
    /// so no extra document is needed). The name is cut to 255 characters.
    #[tracing::instrument(skip(self, name), err(level = "debug", Display))]
    pub async fn change_item_name(
        &self,
        board_id: &str,
        item_id: &str,
        name: &str,
        idempotency_key: Option<&str>,
    ) -> Result<(), MondayError> {
        let values =
            ColumnValues::default().with("name", ColumnValue::Text(truncate_item_name(name)));
        self.change_column_values(board_id, item_id, &values, false, idempotency_key)
            .await
    }

    /// Items whose `column_id` equals `value` exactly (case-insensitive for
    /// text, per monday), following cursors over every page.
    #[tracing::instrument(skip(self), err(level = "debug", Display))]
    pub async fn find_items_by_column_value(
        &self,
        board_id: &str,
        column_id: &str,
        value: &str,
    ) -> Result<Vec<ItemId>, MondayError> {
        let data = self
            .execute(
                queries::FIND_ITEMS_BY_COLUMN_VALUE,
                json!({
                    "board": board_id,
                    "column": column_id,
                    "value": value,
                    "limit": LOOKUP_PAGE_SIZE,
                }),
                None,
            )
            .await?;
        let mut ids = Vec::new();
        let mut cursor = read_page(&data, "items_page_by_column_values", &mut ids)?;
        let mut pages = 1;
        while let Some(c) = cursor {
            if pages >= LOOKUP_MAX_PAGES {
                tracing::warn!(
                    board_id,
                    column_id,
                    pages,
                    "stopped following item pages at the cap"
                );
                break;
            }
            let data = self
                .execute(
                    queries::NEXT_ITEMS_PAGE,
                    json!({ "cursor": c, "limit": LOOKUP_PAGE_SIZE }),
                    None,
                )
                .await?;
            cursor = read_page(&data, "next_items_page", &mut ids)?;
            pages += 1;
        }
        Ok(ids)
    }

    /// Every item of the board (archived and deleted ones excluded, as `items_page` does) with
    /// the text of one column, following cursors: `ceil(items / 500)` requests. Used to rebuild
    /// a lost map from the Zoho-id column in one pass instead of one lookup per document.
    #[tracing::instrument(skip(self), err(level = "debug", Display))]
    pub async fn scan_column(
        &self,
        board_id: &str,
        column_id: &str,
    ) -> Result<ColumnScan, MondayError> {
        let data = self
            .execute(
                queries::SCAN_COLUMN,
                json!({ "board": board_id, "column": column_id, "limit": LOOKUP_PAGE_SIZE }),
                None,
            )
            .await?;
        let page = data
            .get("boards")
            .and_then(Value::as_array)
            .and_then(|b| b.first())
            .ok_or_else(|| MondayError::unexpected_shape("`boards[0]` (is the board id right?)"))?;
        let mut pairs = Vec::new();
        let mut cursor = read_column_page(page, "items_page", column_id, &mut pairs)?;
        let mut pages = 1;
        while let Some(c) = cursor {
            if pages >= SCAN_MAX_PAGES {
                tracing::warn!(board_id, pages, "stopped scanning the board at the page cap; documents beyond it are looked up one by one");
                return Ok(ColumnScan {
                    pairs,
                    complete: false,
                });
            }
            let data = self
                .execute(
                    queries::SCAN_COLUMN_NEXT,
                    json!({ "cursor": c, "column": column_id, "limit": LOOKUP_PAGE_SIZE }),
                    None,
                )
                .await?;
            cursor = read_column_page(&data, "next_items_page", column_id, &mut pairs)?;
            pages += 1;
        }
        Ok(ColumnScan {
            pairs,
            complete: true,
        })
    }

    /// Archive an item (and its subitems); it can be restored in monday.
    #[tracing::instrument(skip(self), err(level = "debug", Display))]
    pub async fn archive_item(&self, item_id: &str) -> Result<(), MondayError> {
        let data = self
            .execute(queries::ARCHIVE_ITEM, json!({ "item": item_id }), None)
            .await?;
        id_at(&data, "archive_item").map(drop)
    }

    /// Delete an item (and its subitems).
    #[tracing::instrument(skip(self), err(level = "debug", Display))]
    pub async fn delete_item(&self, item_id: &str) -> Result<(), MondayError> {
        let data = self
            .execute(queries::DELETE_ITEM, json!({ "item": item_id }), None)
            .await?;
        id_at(&data, "delete_item").map(drop)
    }

    /// Post an update (comment) on an item; returns the update id.
    #[tracing::instrument(skip(self, body), err(level = "debug", Display))]
    pub async fn create_update(&self, item_id: &str, body: &str) -> Result<String, MondayError> {
        let data = self
            .execute(
                queries::CREATE_UPDATE,
                json!({ "item": item_id, "body": body }),
                None,
            )
            .await?;
        id_at(&data, "create_update")
    }
}

/// Collect (item id, column text) of one page; items whose column is empty are left out.
fn read_column_page(
    data: &Value,
    field: &str,
    column_id: &str,
    out: &mut Vec<(ItemId, String)>,
) -> Result<Option<String>, MondayError> {
    let page = data
        .get(field)
        .ok_or_else(|| MondayError::unexpected_shape(&format!("`{field}`")))?;
    let items = page
        .get("items")
        .and_then(Value::as_array)
        .ok_or_else(|| MondayError::unexpected_shape(&format!("`{field}.items`")))?;
    for item in items {
        let Some(id) = item.get("id").and_then(id_of) else {
            continue;
        };
        let text = item
            .get("column_values")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .find(|c| c.get("id").and_then(Value::as_str) == Some(column_id))
            .and_then(|c| c.get("text").and_then(Value::as_str))
            .map(str::trim)
            .filter(|t| !t.is_empty());
        if let Some(text) = text {
            out.push((id, text.to_string()));
        }
    }
    Ok(page
        .get("cursor")
        .and_then(Value::as_str)
        .filter(|c| !c.is_empty())
        .map(str::to_owned))
}

/// Collect the ids of one `ItemsResponse` and return its cursor (`None` on
/// the last page).
fn read_page(
    data: &Value,
    field: &str,
    ids: &mut Vec<ItemId>,
) -> Result<Option<String>, MondayError> {
    let page = data
        .get(field)
        .ok_or_else(|| MondayError::unexpected_shape(&format!("`{field}`")))?;
    let items = page
        .get("items")
        .and_then(Value::as_array)
        .ok_or_else(|| MondayError::unexpected_shape(&format!("`{field}.items`")))?;
    ids.extend(items.iter().filter_map(|i| i.get("id").and_then(id_of)));
    Ok(page
        .get("cursor")
        .and_then(Value::as_str)
        .filter(|c| !c.is_empty())
        .map(str::to_owned))
}
