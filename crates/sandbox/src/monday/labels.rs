//! Status and dropdown labels inside a column's `settings` JSON.
//!
//! Status settings come in two shapes and both are kept as given: the classic map
//! `{"labels": {"0": "Working on it", "1": "Done"}, "labels_colors": {...}, "done_colors": [1]}`
//! and the newer list `{"labels": [{"id": 0, "label": "Working on it", "color": "working_orange",
//! "index": 0, "is_done": false}]}`. A label's `id` is what `{"index": id}` writes refer to.

use serde_json::{json, Map, Value};

/// monday allows at most 40 status labels of at most 30 characters.
const MAX_STATUS_LABELS: usize = 40;
const MAX_STATUS_LABEL_CHARS: usize = 30;

/// (enum name, hex colour, border) in the order monday hands them to new labels.
const PALETTE: &[(&str, &str, &str)] = &[
    ("working_orange", "#fdab3d", "#e99729"),
    ("done_green", "#00c875", "#00b461"),
    ("stuck_red", "#df2f4a", "#ce3048"),
    ("bright_blue", "#579bfc", "#4387e8"),
    ("purple", "#9d50dd", "#9238af"),
    ("grass_green", "#9cd326", "#89b921"),
    ("dark_blue", "#0086c0", "#3db0df"),
    ("sofia_pink", "#ff158a", "#e01279"),
    ("egg_yolk", "#ffcb00", "#c0ab1b"),
    ("american_gray", "#757575", "#757575"),
];

#[derive(Clone, Debug, PartialEq)]
pub(crate) struct StatusLabel {
    pub id: i64,
    pub label: String,
    /// The `StatusColumnColors` name.
    pub color: String,
    pub is_done: bool,
}

impl StatusLabel {
    /// (hex colour, border) for `label_style` and webhook payloads.
    pub fn style(&self) -> (&'static str, &'static str) {
        let found = PALETTE
            .iter()
            .find(|p| p.0 == self.color || p.1 == self.color)
            .unwrap_or(&PALETTE[self.id.unsigned_abs() as usize % PALETTE.len()]);
        (found.1, found.2)
    }
}

/// The labels of a status column, ordered by id.
pub(crate) fn status_labels(settings: &Value) -> Vec<StatusLabel> {
    let done: Vec<i64> = settings
        .get("done_colors")
        .and_then(Value::as_array)
        .map(|d| d.iter().filter_map(Value::as_i64).collect())
        .unwrap_or_default();
    let mut out: Vec<StatusLabel> = match settings.get("labels") {
        Some(Value::Object(map)) => map
            .iter()
            .filter_map(|(k, v)| {
                let id = k.parse::<i64>().ok()?;
                let color = settings
                    .pointer(&format!("/labels_colors/{k}/color"))
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string();
                Some(StatusLabel {
                    id,
                    label: v.as_str()?.to_string(),
                    color,
                    is_done: done.contains(&id),
                })
            })
            .collect(),
        Some(Value::Array(list)) => list
            .iter()
            .enumerate()
            .filter_map(|(pos, v)| {
                let id = v
                    .get("id")
                    .or_else(|| v.get("index"))
                    .and_then(Value::as_i64)
                    .unwrap_or(pos as i64);
                Some(StatusLabel {
                    id,
                    label: v
                        .get("label")
                        .or_else(|| v.get("name"))?
                        .as_str()?
                        .to_string(),
                    color: v
                        .get("color")
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_string(),
                    is_done: v
                        .get("is_done")
                        .and_then(Value::as_bool)
                        .unwrap_or(done.contains(&id)),
                })
            })
            .collect(),
        _ => Vec::new(),
    };
    out.sort_by_key(|l| l.id);
    out
}

/// Adds a label (for `create_labels_if_missing`) in the settings' own shape; returns its id.
pub(crate) fn add_status_label(settings: &mut Value, label: &str) -> Result<i64, String> {
    let existing = status_labels(settings);
    if existing.len() >= MAX_STATUS_LABELS {
        return Err(format!(
            "a status column holds at most {MAX_STATUS_LABELS} labels"
        ));
    }
    if label.trim().is_empty() || label.chars().count() > MAX_STATUS_LABEL_CHARS {
        return Err(format!(
            "a status label must be 1-{MAX_STATUS_LABEL_CHARS} characters"
        ));
    }
    // Id 5 is monday's default empty label; new labels never take it.
    let mut id = existing.iter().map(|l| l.id + 1).max().unwrap_or(0);
    if id == 5 {
        id = 6;
    }
    let (name, hex, border) = PALETTE[id as usize % PALETTE.len()];
    if !settings.is_object() {
        *settings = json!({});
    }
    let Some(obj) = settings.as_object_mut() else {
        return Err("column settings are not an object".into());
    };
    match obj.get_mut("labels") {
        Some(Value::Array(list)) => {
            let index = list.len();
            list.push(
                json!({"id": id, "label": label, "color": name, "index": index, "is_done": false}),
            );
        }
        Some(Value::Object(map)) => {
            map.insert(id.to_string(), Value::String(label.to_string()));
            let colors = obj
                .entry("labels_colors")
                .or_insert_with(|| Value::Object(Map::new()));
            if let Some(colors) = colors.as_object_mut() {
                colors.insert(
                    id.to_string(),
                    json!({"color": hex, "border": border, "var_name": name}),
                );
            }
        }
        _ => {
            obj.insert(
                "labels".into(),
                json!([{"id": id, "label": label, "color": name, "index": 0, "is_done": false}]),
            );
        }
    }
    Ok(id)
}

/// Settings in the list shape for the given label texts (ids 0, 1, 2, ...).
pub(crate) fn status_settings(labels: &[&str]) -> Value {
    let list: Vec<Value> = labels
        .iter()
        .enumerate()
        .map(|(i, label)| {
            json!({
                "id": i, "label": label, "color": PALETTE[i % PALETTE.len()].0,
                "index": i, "is_done": *label == "Done",
            })
        })
        .collect();
    json!({ "labels": list })
}

/// What monday gives a new status column when no labels are supplied.
pub(crate) fn default_status_settings() -> Value {
    status_settings(&["Working on it", "Done", "Stuck"])
}

/// Dropdown labels as (id, text); settings `{"labels": [{"id": 1, "name"|"label": "A"}]}`.
pub(crate) fn dropdown_labels(settings: &Value) -> Vec<(i64, String)> {
    settings
        .get("labels")
        .and_then(Value::as_array)
        .map(|list| {
            list.iter()
                .filter_map(|v| {
                    let text = v.get("name").or_else(|| v.get("label"))?.as_str()?;
                    Some((v.get("id")?.as_i64()?, text.to_string()))
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Adds a dropdown label; returns its id.
pub(crate) fn add_dropdown_label(settings: &mut Value, label: &str) -> i64 {
    let id = dropdown_labels(settings)
        .iter()
        .map(|l| l.0 + 1)
        .max()
        .unwrap_or(1);
    if !settings.is_object() {
        *settings = json!({});
    }
    if let Some(obj) = settings.as_object_mut() {
        let list = obj.entry("labels").or_insert_with(|| json!([]));
        if !list.is_array() {
            *list = json!([]);
        }
        if let Some(list) = list.as_array_mut() {
            list.push(json!({"id": id, "name": label}));
        }
    }
    id
}

/// Dropdown settings for the given label texts (ids 1, 2, 3, ...).
pub(crate) fn dropdown_settings(labels: &[&str]) -> Value {
    let list: Vec<Value> = labels
        .iter()
        .enumerate()
        .map(|(i, label)| json!({"id": i + 1, "name": label}))
        .collect();
    json!({ "limit_select": false, "hide_footer": false, "labels": list })
}
