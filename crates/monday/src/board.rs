//! A board's structure as read from monday: columns (with their settings,
//! where status and dropdown labels live), groups and the subitems board.
//! Everything written is checked against this, so it is read fresh rather
//! than assumed.

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

use crate::columns::ColumnType;
use crate::error::MondayError;
use crate::{queries, BoardId, MondayClient};

/// A board with the parts the connector needs to write into it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Board {
    #[serde(deserialize_with = "id_string")]
    pub id: BoardId,
    pub name: String,
    #[serde(default)]
    pub columns: Vec<Column>,
    #[serde(default)]
    pub groups: Vec<Group>,
    /// The board holding this board's subitems, from the `subtasks` column's
    /// settings. `None` until the board has had a subitem: monday creates the
    /// subitems board lazily.
    #[serde(default)]
    pub subitems_board_id: Option<BoardId>,
}

impl Board {
    /// The column with this id.
    pub fn column(&self, id: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.id == id)
    }

    /// The group with this id.
    pub fn group(&self, id: &str) -> Option<&Group> {
        self.groups.iter().find(|g| g.id == id)
    }

    /// Build from one entry of `boards { id name columns {…} groups {…} }`.
    pub fn from_json(v: &Value) -> Result<Board, MondayError> {
        let mut board: Board =
            serde_json::from_value(v.clone()).map_err(|e| MondayError::Permanent {
                code: "UnexpectedResponse".to_owned(),
                message: format!("could not read the board structure monday returned: {e}"),
                request_id: None,
            })?;
        board.subitems_board_id = board
            .columns
            .iter()
            .filter(|c| c.column_type == ColumnType::Subtasks)
            .find_map(|c| c.settings.get("boardIds").and_then(first_id));
        Ok(board)
    }
}

/// A column of a board.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Column {
    #[serde(deserialize_with = "id_string")]
    pub id: String,
    pub title: String,
    #[serde(rename = "type")]
    pub column_type: ColumnType,
    /// The column's settings as a JSON value. monday returns a JSON object
    /// from `settings` but older clients and `settings_str` give a JSON
    /// string; both are accepted and a string is parsed.
    #[serde(default, deserialize_with = "settings_value")]
    pub settings: Value,
}

impl Column {
    /// Active status labels as (label id, text). The id is what
    /// `{"index": id}` expects; deactivated labels are left out because they
    /// cannot be set.
    pub fn status_labels(&self) -> Vec<(i64, String)> {
        labels(&self.settings)
    }

    /// Active dropdown labels as (label id, text).
    pub fn dropdown_labels(&self) -> Vec<(i64, String)> {
        labels(&self.settings)
    }
}

/// A group of a board.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Group {
    pub id: String,
    pub title: String,
}

/// Reads both shapes monday has used for labels: the 2025-10+ list
/// `[{"id":1,"label":"Done","is_deactivated":false}]` (older dropdowns say
/// `name`), and the legacy map `{"1":"Done"}`.
fn labels(settings: &Value) -> Vec<(i64, String)> {
    match settings.get("labels") {
        Some(Value::Array(items)) => items
            .iter()
            .filter(|l| l.get("is_deactivated").and_then(Value::as_bool) != Some(true))
            .filter_map(|l| {
                let id = l.get("id").and_then(as_i64)?;
                let text = ["label", "name", "text"]
                    .iter()
                    .find_map(|k| l.get(*k).and_then(Value::as_str))?;
                Some((id, text.to_owned()))
            })
            .collect(),
        Some(Value::Object(map)) => {
            let mut out: Vec<(i64, String)> = map
                .iter()
                .filter_map(|(k, v)| Some((k.parse().ok()?, v.as_str()?.to_owned())))
                .collect();
            out.sort();
            out
        }
        _ => Vec::new(),
    }
}

fn as_i64(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
}

fn first_id(ids: &Value) -> Option<String> {
    match ids.as_array()?.first()? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => n.as_u64().map(|n| n.to_string()),
        _ => None,
    }
}

/// Ids are strings, but tolerate numbers (webhook payloads and older
/// responses use them) without going through a float.
fn id_string<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    match Value::deserialize(d)? {
        Value::String(s) => Ok(s),
        Value::Number(n) if n.is_u64() || n.is_i64() => Ok(n.to_string()),
        other => Err(serde::de::Error::custom(format!(
            "expected an id string, got {other}"
        ))),
    }
}

fn settings_value<'de, D: Deserializer<'de>>(d: D) -> Result<Value, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::String(s) => serde_json::from_str(&s).unwrap_or(Value::String(s)),
        other => other,
    })
}

impl MondayClient {
    /// Read a board's columns, groups and subitems board.
    #[tracing::instrument(skip(self), err(level = "debug", Display))]
    pub async fn board(&self, board_id: &str) -> Result<Board, MondayError> {
        let data = self
            .execute(
                queries::BOARD,
                serde_json::json!({ "board": board_id }),
                None,
            )
            .await?;
        let entry = data
            .get("boards")
            .and_then(Value::as_array)
            .and_then(|b| b.first())
            .filter(|b| !b.is_null())
            .ok_or_else(|| MondayError::Permanent {
                code: "ResourceNotFound".to_owned(),
                message: format!(
                    "monday board {board_id} does not exist or this token's user cannot see it; check the board id and that the user is a board member"
                ),
                request_id: None,
            })?;
        Board::from_json(entry)
    }
}
