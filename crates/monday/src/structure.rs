//! Creating board structure (boards, columns, groups) for the connector's
//! setup step. These calls change what users see, so they are never retried
//! blindly by this crate.

use serde_json::{json, Value};

use crate::board::Column;
use crate::columns::ColumnType;
use crate::error::MondayError;
use crate::items::id_at;
use crate::{queries, BoardId, MondayClient};

/// Colours given to new status labels in order, cycling; the first reads as
/// "in progress" and the second as "done", matching monday's own defaults.
const STATUS_COLORS: &[&str] = &[
    "working_orange",
    "done_green",
    "stuck_red",
    "bright_blue",
    "purple",
    "grass_green",
    "egg_yolk",
    "american_gray",
    "dark_blue",
    "sofia_pink",
];

/// monday's documented limits for status labels.
const STATUS_LABEL_MAX_CHARS: usize = 30;
const STATUS_MAX_LABELS: usize = 40;

impl MondayClient {
    /// Create an empty board. `kind` is `public`, `private` or `share`.
    #[tracing::instrument(skip(self), err(level = "debug", Display))]
    pub async fn create_board(
        &self,
        name: &str,
        kind: &str,
        workspace_id: Option<&str>,
    ) -> Result<BoardId, MondayError> {
        if !matches!(kind, "public" | "private" | "share") {
            return Err(MondayError::invalid_input(format!(
                "board kind {kind:?} is not one of public, private, share"
            )));
        }
        let data = self
            .execute(
                queries::CREATE_BOARD,
                json!({ "name": name, "kind": kind, "workspace": workspace_id }),
                None,
            )
            .await?;
        id_at(&data, "create_board")
    }

    /// Create a column. `id` fixes the column id (so mappings can be written
    /// before the board exists); `defaults` are the type's settings, e.g.
    /// `{"unit":{"symbol":"$","direction":"left","precision":2}}` for numbers.
    #[tracing::instrument(skip(self, defaults), err(level = "debug", Display))]
    pub async fn create_column(
        &self,
        board_id: &str,
        id: Option<&str>,
        title: &str,
        column_type: ColumnType,
        defaults: Option<Value>,
    ) -> Result<Column, MondayError> {
        let data = self
            .execute(
                queries::CREATE_COLUMN,
                json!({
                    "board": board_id,
                    "title": title,
                    "type": column_type.as_str(),
                    "id": id,
                    "defaults": defaults,
                }),
                None,
            )
            .await?;
        column_at(&data, "create_column")
    }

    /// Create a status column with these labels in order (label ids 0, 1, …).
    #[tracing::instrument(skip(self), err(level = "debug", Display))]
    pub async fn create_status_column(
        &self,
        board_id: &str,
        id: Option<&str>,
        title: &str,
        labels: &[String],
    ) -> Result<Column, MondayError> {
        if labels.len() > STATUS_MAX_LABELS {
            return Err(MondayError::invalid_input(format!(
                "a status column holds at most {STATUS_MAX_LABELS} labels, {} were given",
                labels.len()
            )));
        }
        if let Some(bad) = labels
            .iter()
            .find(|l| l.trim().is_empty() || l.chars().count() > STATUS_LABEL_MAX_CHARS)
        {
            return Err(MondayError::invalid_input(format!(
                "status label {bad:?} must be 1 to {STATUS_LABEL_MAX_CHARS} characters"
            )));
        }
        let labels: Vec<Value> = labels
            .iter()
            .enumerate()
            .map(|(i, label)| {
                json!({
                    "label": label,
                    "color": STATUS_COLORS[i % STATUS_COLORS.len()],
                    "index": i,
                })
            })
            .collect();
        let data = self
            .execute(
                queries::CREATE_STATUS_COLUMN,
                json!({
                    "board": board_id,
                    "title": title,
                    "id": id,
                    "defaults": { "labels": labels },
                }),
                None,
            )
            .await?;
        column_at(&data, "create_status_column")
    }

    /// Create a group; returns its id.
    #[tracing::instrument(skip(self), err(level = "debug", Display))]
    pub async fn create_group(&self, board_id: &str, name: &str) -> Result<String, MondayError> {
        let data = self
            .execute(
                queries::CREATE_GROUP,
                json!({ "board": board_id, "name": name }),
                None,
            )
            .await?;
        id_at(&data, "create_group")
    }
}

fn column_at(data: &Value, field: &str) -> Result<Column, MondayError> {
    let v = data
        .get(field)
        .filter(|v| !v.is_null())
        .ok_or_else(|| MondayError::unexpected_shape(&format!("`{field}`")))?;
    serde_json::from_value(v.clone())
        .map_err(|_| MondayError::unexpected_shape(&format!("column in `{field}`")))
}
