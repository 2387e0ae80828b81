//! monday's column type names, as they appear in `columns { type }` and in
//! `create_column(column_type:)`.

use std::fmt;
use std::str::FromStr;

/// The column types the connector writes, plus `Other` for the rest (mirror,
/// formula, tags, …), which are kept by name so nothing is lost on a round trip.
///
/// Serialised as monday's own type string (`"numbers"`, `"status"`, …).
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(from = "String", into = "String")]
pub enum ColumnType {
    Text,
    LongText,
    Numbers,
    Date,
    /// `status`; webhooks and older APIs call it `color`.
    Status,
    Dropdown,
    Email,
    Link,
    Phone,
    Country,
    Timeline,
    Checkbox,
    People,
    BoardRelation,
    /// The column that holds an item's subitems; its settings name the subitems board.
    Subtasks,
    /// The item name, addressable as column id `name`.
    Name,
    Other(String),
}

impl ColumnType {
    /// monday's type string.
    pub fn as_str(&self) -> &str {
        match self {
            ColumnType::Text => "text",
            ColumnType::LongText => "long_text",
            ColumnType::Numbers => "numbers",
            ColumnType::Date => "date",
            ColumnType::Status => "status",
            ColumnType::Dropdown => "dropdown",
            ColumnType::Email => "email",
            ColumnType::Link => "link",
            ColumnType::Phone => "phone",
            ColumnType::Country => "country",
            ColumnType::Timeline => "timeline",
            ColumnType::Checkbox => "checkbox",
            ColumnType::People => "people",
            ColumnType::BoardRelation => "board_relation",
            ColumnType::Subtasks => "subtasks",
            ColumnType::Name => "name",
            ColumnType::Other(s) => s,
        }
    }
}

impl From<&str> for ColumnType {
    fn from(s: &str) -> Self {
        match s {
            "text" => ColumnType::Text,
            "long_text" | "long-text" => ColumnType::LongText,
            "numbers" | "numeric" => ColumnType::Numbers,
            "date" => ColumnType::Date,
            "status" | "color" => ColumnType::Status,
            "dropdown" => ColumnType::Dropdown,
            "email" => ColumnType::Email,
            "link" => ColumnType::Link,
            "phone" => ColumnType::Phone,
            "country" => ColumnType::Country,
            "timeline" | "timerange" => ColumnType::Timeline,
            "checkbox" | "boolean" => ColumnType::Checkbox,
            "people" | "multiple-person" => ColumnType::People,
            "board_relation" | "board-relation" => ColumnType::BoardRelation,
            "subtasks" | "subitems" => ColumnType::Subtasks,
            "name" => ColumnType::Name,
            other => ColumnType::Other(other.to_owned()),
        }
    }
}

impl From<String> for ColumnType {
    fn from(s: String) -> Self {
        ColumnType::from(s.as_str())
    }
}

impl From<ColumnType> for String {
    fn from(t: ColumnType) -> Self {
        t.as_str().to_owned()
    }
}

impl FromStr for ColumnType {
    type Err = std::convert::Infallible;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(ColumnType::from(s))
    }
}

impl fmt::Display for ColumnType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
