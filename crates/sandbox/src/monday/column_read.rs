//! The read side of column values: display text, the `ColumnValue` implementation per type
//! and its type-specific fields (`StatusValue.label`, `BoardRelationValue.display_value`, ...).

use serde_json::{json, Value};

use super::columns::parse_time;
use super::graphql::{GqlError, Resolved};
use super::labels::{dropdown_labels, status_labels};
use super::resolvers::{find_column, missing, Obj};
use super::state::{Account, Column, ME_ID, ME_NAME};
/// Linked item ids of a stored board_relation value.
pub(crate) fn linked_item_ids(stored: Option<&Value>) -> Vec<u64> {
    stored
        .and_then(|v| v.get("linkedPulseIds"))
        .and_then(Value::as_array)
        .map(|l| {
            l.iter()
                .filter_map(|e| e.get("linkedPulseId").and_then(Value::as_u64))
                .collect()
        })
        .unwrap_or_default()
}

/// Display name of a person or team id (the sandbox has no user directory beyond `me`).
pub(crate) fn person_name(id: u64, kind: &str) -> String {
    match (id, kind) {
        (ME_ID, "person") => ME_NAME.to_string(),
        (_, "team") => format!("Team {id}"),
        _ => format!("User {id}"),
    }
}

/// The `text` monday shows for a stored value: `""` when empty, `None` where monday answers
/// `null` (board_relation since 2025-04; read `display_value` instead).
pub(crate) fn text(col: &Column, stored: Option<&Value>) -> Option<String> {
    if col.kind == "board_relation" {
        return None;
    }
    let Some(v) = stored else {
        return Some(String::new());
    };
    let s = |key: &str| {
        v.get(key)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    Some(match col.kind.as_str() {
        "text" | "numbers" => v.as_str().unwrap_or_default().to_string(),
        "long_text" => s("text"),
        "date" => match v.get("time").and_then(Value::as_str).and_then(parse_time) {
            Some(t) => format!("{} {}", s("date"), t.format("%H:%M")),
            None => s("date"),
        },
        "status" => {
            let id = v.get("index").and_then(Value::as_i64);
            status_labels(&col.settings)
                .into_iter()
                .find(|l| Some(l.id) == id)
                .map(|l| l.label)
                .unwrap_or_else(|| s("label"))
        }
        "dropdown" => {
            let labels = dropdown_labels(&col.settings);
            let ids = v
                .get("ids")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            let names: Vec<String> = ids
                .iter()
                .filter_map(Value::as_i64)
                .filter_map(|id| labels.iter().find(|l| l.0 == id).map(|l| l.1.clone()))
                .collect();
            names.join(", ")
        }
        "email" => s("email"),
        "link" => match s("text") {
            t if t.is_empty() => s("url"),
            t => format!("{} - {}", s("url"), t),
        },
        "phone" => s("phone"),
        "country" => s("countryName"),
        "timeline" => format!("{} - {}", s("from"), s("to")),
        "checkbox" => "v".to_string(),
        "people" => {
            let list = v
                .get("personsAndTeams")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            let names: Vec<String> = list
                .iter()
                .filter_map(|e| {
                    Some(person_name(
                        e.get("id")?.as_u64()?,
                        e.get("kind")?.as_str()?,
                    ))
                })
                .collect();
            names.join(", ")
        }
        _ => String::new(),
    })
}

/// The GraphQL implementation of `ColumnValue` for a column type.
pub(crate) fn value_type_name(kind: &str) -> &'static str {
    match kind {
        "long_text" => "LongTextValue",
        "numbers" => "NumbersValue",
        "status" => "StatusValue",
        "date" => "DateValue",
        "dropdown" => "DropdownValue",
        "email" => "EmailValue",
        "link" => "LinkValue",
        "phone" => "PhoneValue",
        "country" => "CountryValue",
        "timeline" => "TimelineValue",
        "checkbox" => "CheckboxValue",
        "people" => "PeopleValue",
        "board_relation" => "BoardRelationValue",
        "subtasks" => "SubtasksValue",
        _ => "TextValue",
    }
}

pub(crate) fn column_value_field(
    account: &Account,
    item_id: u64,
    column_id: &str,
    name: &str,
) -> Result<Resolved, GqlError> {
    let item = account.items.get(&item_id).ok_or_else(|| missing("Item"))?;
    let col = find_column(account, item_id, column_id).ok_or_else(|| missing("Column"))?;
    let stored = item.values.get(column_id);
    let s = |key: &str| {
        Resolved::opt(
            stored
                .and_then(|v| v.get(key))
                .and_then(Value::as_str)
                .map(str::to_string),
        )
    };
    Ok(match name {
        "id" => Resolved::leaf(col.id.clone()),
        "type" => Resolved::leaf(col.kind.clone()),
        "is_leaf" => Resolved::leaf(true),
        "column" => Resolved::Obj(Obj::Column {
            board: item.board_id,
            column: col.id.clone(),
        }),
        "text" => match col.kind.as_str() {
            "subtasks" => Resolved::leaf(subitem_names(account, item_id)),
            _ => Resolved::opt(text(col, stored)),
        },
        // monday returns `value` as a JSON-encoded string; board_relation's is null since 2025-04.
        "value" => match col.kind.as_str() {
            "board_relation" => Resolved::Null,
            "subtasks" => {
                let ids: Vec<Value> = account
                    .subitems_of(item_id)
                    .map(|s| json!({"linkedPulseId": s.id}))
                    .collect();
                if ids.is_empty() {
                    Resolved::Null
                } else {
                    Resolved::leaf(json!({"linkedPulseIds": ids}).to_string())
                }
            }
            _ => Resolved::opt(stored.map(Value::to_string)),
        },
        "updated_at" => s("changed_at"),
        "number" => Resolved::opt(
            stored
                .and_then(Value::as_str)
                .and_then(|n| n.parse::<f64>().ok()),
        ),
        "symbol" => Resolved::opt(
            col.settings
                .pointer("/unit/symbol")
                .and_then(Value::as_str)
                .map(str::to_string),
        ),
        "direction" => Resolved::opt(
            col.settings
                .pointer("/unit/direction")
                .and_then(Value::as_str)
                .map(str::to_string),
        ),
        "index" => Resolved::opt(stored.and_then(|v| v.get("index")).and_then(Value::as_i64)),
        "label" if col.kind == "status" => {
            Resolved::opt(text(col, stored).filter(|t| !t.is_empty()))
        }
        "label" => s("text"),
        "is_done" | "label_style" => {
            let id = stored.and_then(|v| v.get("index")).and_then(Value::as_i64);
            match status_labels(&col.settings)
                .into_iter()
                .find(|l| Some(l.id) == id)
            {
                Some(l) if name == "is_done" => Resolved::leaf(l.is_done),
                Some(l) => {
                    let (color, border) = l.style();
                    Resolved::Obj(Obj::LabelStyle {
                        color: color.into(),
                        border: border.into(),
                    })
                }
                None => Resolved::Null,
            }
        }
        "date" | "email" | "phone" | "url" | "from" | "to" => s(name),
        "time" => s("time"),
        "url_text" => s("text"),
        "country_short_name" => s("countryShortName"),
        "country" => match (
            stored.and_then(|v| v.get("countryCode")),
            stored.and_then(|v| v.get("countryName")),
        ) {
            (Some(Value::String(code)), Some(Value::String(name))) => Resolved::Obj(Obj::Country {
                code: code.clone(),
                name: name.clone(),
            }),
            _ => Resolved::Null,
        },
        "checked" => Resolved::leaf(stored.is_some()),
        "values" => {
            let labels = dropdown_labels(&col.settings);
            let ids = stored
                .and_then(|v| v.get("ids"))
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            Resolved::objs(ids.iter().filter_map(Value::as_i64).filter_map(|id| {
                labels
                    .iter()
                    .find(|l| l.0 == id)
                    .map(|l| Obj::DropdownOption {
                        id,
                        label: l.1.clone(),
                    })
            }))
        }
        "persons_and_teams" => {
            let list = stored
                .and_then(|v| v.get("personsAndTeams"))
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            Resolved::objs(list.iter().filter_map(|e| {
                Some(Obj::PeopleEntity {
                    id: e.get("id")?.as_u64()?,
                    kind: e.get("kind")?.as_str()?.to_string(),
                })
            }))
        }
        "linked_item_ids" => Resolved::List(
            linked_item_ids(stored)
                .into_iter()
                .map(Resolved::id)
                .collect(),
        ),
        "linked_items" => Resolved::objs(
            linked_item_ids(stored)
                .into_iter()
                .filter(|id| account.live_item(*id).is_some())
                .map(Obj::Item),
        ),
        "display_value" if col.kind == "subtasks" => {
            Resolved::leaf(subitem_names(account, item_id))
        }
        "display_value" => Resolved::leaf(relation_display(account, stored)),
        "subitems_ids" => Resolved::List(
            account
                .subitems_of(item_id)
                .map(|s| Resolved::id(s.id))
                .collect(),
        ),
        "subitems" => Resolved::objs(account.subitems_of(item_id).map(|s| Obj::Item(s.id))),
        _ => Resolved::Null,
    })
}

/// Names of the linked items of a board_relation value, as monday's `display_value` shows them.
pub(crate) fn relation_display(account: &Account, stored: Option<&Value>) -> String {
    let names: Vec<String> = linked_item_ids(stored)
        .into_iter()
        .filter_map(|id| account.live_item(id).map(|i| i.name.clone()))
        .collect();
    names.join(", ")
}

fn subitem_names(account: &Account, item_id: u64) -> String {
    let names: Vec<String> = account
        .subitems_of(item_id)
        .map(|s| s.name.clone())
        .collect();
    names.join(", ")
}
