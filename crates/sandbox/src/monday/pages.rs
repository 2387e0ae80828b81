//! Item pagination: `items_page`, `items_page_by_column_values` and `next_items_page`.
//!
//! Cursors are self-contained (the filter and offset, hex-encoded) so any page can be continued
//! with `next_items_page`, as in monday. Cursor expiry (60 minutes) is not simulated.

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::column_read::{self, relation_display};
use super::graphql::{Args, GqlError, Resolved};
use super::resolvers::Obj;
use super::state::{Account, Column, Item};

/// monday's maximum page size.
const MAX_LIMIT: i64 = 500;

/// Column types `items_page_by_column_values` can't filter on (§2).
const UNSUPPORTED_LOOKUP: &[&str] = &[
    "auto_number",
    "color_picker",
    "board_relation",
    "creation_log",
    "file",
    "formula",
    "item_id",
    "last_updated",
    "location",
    "mirror",
    "rating",
    "tags",
    "time_tracking",
    "vote",
    "subtasks",
];

#[derive(Serialize, Deserialize, Clone, Debug)]
pub(crate) struct PageQuery {
    pub board: u64,
    #[serde(default)]
    pub group: Option<String>,
    #[serde(default)]
    pub ids: Option<Vec<u64>>,
    #[serde(default)]
    pub rules: Vec<Rule>,
    /// `operator: or` between rules (default and).
    #[serde(default)]
    pub any: bool,
    #[serde(default)]
    pub offset: usize,
}

#[derive(Serialize, Deserialize, Clone, Debug)]
pub(crate) struct Rule {
    pub column_id: String,
    pub values: Vec<Value>,
    pub operator: String,
}

impl PageQuery {
    /// `items_page(limit, cursor, query_params)` on a board or group.
    pub fn from_args(
        board: u64,
        group: Option<String>,
        args: &Args,
    ) -> Result<PageQuery, GqlError> {
        if let Some(cursor) = args.str("cursor") {
            return decode_cursor(cursor);
        }
        let params = args.get("query_params");
        let rules = params
            .and_then(|p| p.get("rules"))
            .and_then(Value::as_array)
            .map(|rules| {
                rules
                    .iter()
                    .map(|r| Rule {
                        column_id: r.get("column_id").map(id_string).unwrap_or_default(),
                        values: match r.get("compare_value") {
                            Some(Value::Array(v)) => v.clone(),
                            Some(Value::Null) | None => Vec::new(),
                            Some(v) => vec![v.clone()],
                        },
                        operator: r
                            .get("operator")
                            .and_then(Value::as_str)
                            .unwrap_or("any_of")
                            .to_string(),
                    })
                    .collect()
            })
            .unwrap_or_default();
        let ids = params
            .and_then(|p| p.get("ids"))
            .and_then(Value::as_array)
            .map(|ids| ids.iter().filter_map(super::state::parse_id).collect());
        let any = params
            .and_then(|p| p.get("operator"))
            .and_then(Value::as_str)
            == Some("or");
        Ok(PageQuery {
            board,
            group,
            ids,
            rules,
            any,
            offset: 0,
        })
    }

    /// `items_page_by_column_values(columns: [{column_id, column_values}])`: columns are ANDed,
    /// values within a column are any-of, text matches are whole-value and case-insensitive.
    pub fn by_column_values(
        account: &Account,
        board: u64,
        columns: Option<&Value>,
    ) -> Result<PageQuery, GqlError> {
        let cols = account
            .boards
            .get(&board)
            .map(|b| b.columns.as_slice())
            .unwrap_or_default();
        let mut rules = Vec::new();
        for entry in columns.and_then(Value::as_array).into_iter().flatten() {
            let column_id = entry
                .get("column_id")
                .and_then(Value::as_str)
                .unwrap_or_default();
            let Some(col) = cols.iter().find(|c| c.id == column_id) else {
                return Err(super::mutations::column_not_found(board, column_id));
            };
            if UNSUPPORTED_LOOKUP.contains(&col.kind.as_str()) {
                return Err(GqlError::new(
                    "InvalidArgumentException",
                    format!(
                        "items_page_by_column_values does not support columns of type {}",
                        col.kind
                    ),
                )
                .with_data(json!({"column_id": column_id, "column_type": col.kind})));
            }
            let values = entry
                .get("column_values")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            rules.push(Rule {
                column_id: column_id.to_string(),
                values,
                operator: "exact".into(),
            });
        }
        Ok(PageQuery {
            board,
            group: None,
            ids: None,
            rules,
            any: false,
            offset: 0,
        })
    }

    fn matches(&self, account: &Account, item: &Item) -> bool {
        if self.group.as_ref().is_some_and(|g| *g != item.group_id) {
            return false;
        }
        if self.ids.as_ref().is_some_and(|ids| !ids.contains(&item.id)) {
            return false;
        }
        if self.rules.is_empty() {
            return true;
        }
        let columns = account
            .boards
            .get(&item.board_id)
            .map(|b| b.columns.as_slice())
            .unwrap_or_default();
        let mut results = self.rules.iter().map(|rule| {
            let col = columns.iter().find(|c| c.id == rule.column_id);
            col.is_some_and(|col| rule_matches(account, item, col, rule))
        });
        if self.any {
            results.any(|r| r)
        } else {
            results.all(|r| r)
        }
    }
}

fn id_string(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The text a filter compares against.
fn filter_text(account: &Account, item: &Item, col: &Column) -> String {
    let stored = item.values.get(&col.id);
    match col.kind.as_str() {
        "name" => item.name.clone(),
        "date" => stored
            .and_then(|v| v.get("date"))
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string(),
        "board_relation" => relation_display(account, stored),
        _ => column_read::text(col, stored).unwrap_or_default(),
    }
}

fn rule_matches(account: &Account, item: &Item, col: &Column, rule: &Rule) -> bool {
    let text = filter_text(account, item, col);
    let lower = text.trim().to_lowercase();
    let status_index = item
        .values
        .get(&col.id)
        .and_then(|v| v.get("index"))
        .and_then(Value::as_i64);
    let value_eq = |v: &Value| match v {
        // Status rules compare label ids; everything else compares text.
        Value::Number(n) if col.kind == "status" => n.as_i64() == status_index,
        Value::String(s) => s.trim().to_lowercase() == lower,
        Value::Null => lower.is_empty(),
        other => other.to_string().to_lowercase() == lower,
    };
    let strs = || {
        rule.values
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_lowercase)
    };
    let number = lower.parse::<f64>().ok();
    let first_num = rule
        .values
        .first()
        .and_then(|v| v.as_f64().or_else(|| v.as_str()?.parse().ok()));
    let cmp =
        |f: fn(f64, f64) -> bool| matches!((number, first_num), (Some(a), Some(b)) if f(a, b));
    match rule.operator.as_str() {
        "exact" | "any_of" => rule.values.iter().any(value_eq),
        "not_any_of" => !rule.values.iter().any(value_eq),
        "is_empty" => lower.is_empty(),
        "is_not_empty" => !lower.is_empty(),
        "contains_text" | "contains_terms" => strs().any(|s| lower.contains(&s)),
        "not_contains_text" => !strs().any(|s| lower.contains(&s)),
        "starts_with" => strs().any(|s| lower.starts_with(&s)),
        "ends_with" => strs().any(|s| lower.ends_with(&s)),
        "greater_than" => cmp(|a, b| a > b),
        "greater_than_or_equals" => cmp(|a, b| a >= b),
        "lower_than" => cmp(|a, b| a < b),
        "lower_than_or_equal" => cmp(|a, b| a <= b),
        _ => false,
    }
}

/// Runs a page query: returns `ItemsResponse { cursor, items }`.
pub(crate) fn run(account: &Account, query: PageQuery, args: &Args) -> Result<Resolved, GqlError> {
    let limit = args.int("limit").unwrap_or(25);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(GqlError::new(
            "InvalidArgumentException",
            format!("limit must be between 1 and {MAX_LIMIT}, got {limit}"),
        )
        .with_data(json!({"limit": limit})));
    }
    let limit = limit as usize;
    if !account.boards.contains_key(&query.board) {
        return Err(super::mutations::board_not_found(query.board));
    }
    let matching: Vec<u64> = account
        .board_items(query.board)
        .filter(|i| query.matches(account, i))
        .map(|i| i.id)
        .collect();
    let page: Vec<u64> = matching
        .iter()
        .skip(query.offset)
        .take(limit)
        .copied()
        .collect();
    let next = query.offset + page.len();
    let cursor = (next < matching.len()).then(|| {
        encode_cursor(&PageQuery {
            offset: next,
            ..query
        })
    });
    Ok(Resolved::Obj(Obj::ItemsResponse {
        cursor,
        items: page,
    }))
}

fn encode_cursor(query: &PageQuery) -> String {
    let json = serde_json::to_vec(query).unwrap_or_default();
    format!("MSw{}", hex::encode(json))
}

pub(crate) fn decode_cursor(cursor: &str) -> Result<PageQuery, GqlError> {
    cursor
        .strip_prefix("MSw")
        .and_then(|h| hex::decode(h).ok())
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .ok_or_else(|| {
            GqlError::new(
                "InvalidArgumentException",
                "The cursor is invalid or has expired",
            )
            .with_data(json!({"cursor": cursor}))
        })
}
