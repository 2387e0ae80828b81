//! Column values: validation of written values per column type (§3 of the API digest), the
//! stored representation (what `column_values { value }` returns) and the display text.

use chrono::{DateTime, NaiveDate, NaiveTime, SecondsFormat, Utc};
use rust_decimal::Decimal;
use serde_json::{json, Map, Value};
use std::str::FromStr;

use super::labels::{add_dropdown_label, add_status_label, dropdown_labels, status_labels};
use super::state::Column;

const DOC_URL: &str = "https://developer.monday.com/api-reference/docs/change-column-values";
/// monday's documented long_text limit.
const LONG_TEXT_MAX: usize = 2_000;

/// A rejected column value, rendered as a GraphQL error with `extensions.code = code`.
#[derive(Debug, Clone)]
pub(crate) struct ValueError {
    pub code: &'static str,
    pub message: String,
    pub error_data: Value,
}

/// What a write may consult besides the column itself.
pub(crate) struct WriteCtx<'a> {
    pub create_labels: bool,
    pub now: DateTime<Utc>,
    /// Board of a (live) item, for board_relation targets.
    pub item_board: &'a dyn Fn(u64) -> Option<u64>,
}

/// The outcome of a valid write: `None` clears the column.
pub(crate) type Written = Option<Value>;

fn invalid(col: &Column, raw: &Value, detail: &str) -> ValueError {
    ValueError {
        code: "ColumnValueException",
        message: format!(
            "invalid value - {detail}. Please check our API documentation for the correct data \
             structure for this column. {DOC_URL}"
        ),
        error_data: json!({
            "column_type": col.kind,
            "column_id": col.id,
            "column_value": raw.to_string(),
        }),
    }
}

/// Validates a value written through `column_values` (CMV) or `change_column_value`.
pub(crate) fn write_json(
    col: &mut Column,
    raw: &Value,
    ctx: &WriteCtx,
) -> Result<Written, ValueError> {
    if raw.is_null() {
        return Ok(None);
    }
    let changed_at = ctx.now.to_rfc3339_opts(SecondsFormat::Millis, true);
    let obj = raw.as_object();
    let str_field = |key: &str| obj.and_then(|o| o.get(key)).and_then(Value::as_str);
    match col.kind.as_str() {
        "text" => match raw {
            Value::String(s) if s.is_empty() => Ok(None),
            Value::String(s) => Ok(Some(Value::String(s.clone()))),
            _ => Err(invalid(col, raw, "text columns take a plain JSON string")),
        },
        "long_text" => {
            let text = str_field("text")
                .ok_or_else(|| invalid(col, raw, r#"expected {"text": "..."}"#))?;
            if text.chars().count() > LONG_TEXT_MAX {
                return Err(invalid(col, raw, "long text is limited to 2000 characters"));
            }
            Ok(Some(json!({"text": text, "changed_at": changed_at})))
        }
        "numbers" => match raw {
            Value::String(s) if s.trim().is_empty() => Ok(Some(Value::String("0".into()))),
            Value::String(s) => match Decimal::from_str(s.trim()) {
                Ok(_) => Ok(Some(Value::String(s.trim().to_string()))),
                Err(_) => Err(invalid(
                    col,
                    raw,
                    "numbers must be a numeric string such as \"12.50\"",
                )),
            },
            Value::Number(n) => Ok(Some(Value::String(n.to_string()))),
            _ => Err(invalid(
                col,
                raw,
                "numbers must be a numeric string such as \"12.50\"",
            )),
        },
        "date" => {
            let date = str_field("date")
                .ok_or_else(|| invalid(col, raw, r#"expected {"date": "YYYY-MM-DD"}"#))?;
            if NaiveDate::parse_from_str(date, "%Y-%m-%d").is_err() {
                return Err(invalid(col, raw, "date must be YYYY-MM-DD"));
            }
            let time = match obj.and_then(|o| o.get("time")) {
                None | Some(Value::Null) => Value::Null,
                Some(Value::String(t)) if parse_time(t).is_some() => Value::String(t.clone()),
                Some(_) => return Err(invalid(col, raw, "time must be HH:MM:SS (UTC)")),
            };
            Ok(Some(
                json!({"date": date, "time": time, "changed_at": changed_at}),
            ))
        }
        "status" => write_status(col, raw, ctx, changed_at),
        "dropdown" => write_dropdown(col, raw, ctx, changed_at),
        "email" => match (str_field("email"), str_field("text")) {
            (Some(email), Some(text)) if looks_like_email(email) => Ok(Some(
                json!({"email": email, "text": text, "changed_at": changed_at}),
            )),
            (Some(_), Some(_)) => Err(invalid(col, raw, "email address is not valid")),
            _ => Err(invalid(col, raw, r#"email needs both "email" and "text""#)),
        },
        "link" => {
            let url = str_field("url").ok_or_else(|| {
                invalid(
                    col,
                    raw,
                    r#"expected {"url": "https://...", "text": "..."}"#,
                )
            })?;
            let lower = url.to_ascii_lowercase();
            if !(lower.starts_with("http://") || lower.starts_with("https://")) {
                return Err(invalid(
                    col,
                    raw,
                    "link url must start with http:// or https://",
                ));
            }
            let text = match obj.and_then(|o| o.get("text")) {
                None | Some(Value::Null) => "",
                Some(Value::String(t)) => t.as_str(),
                Some(_) => return Err(invalid(col, raw, "link text must be a string")),
            };
            Ok(Some(
                json!({"url": url, "text": text, "changed_at": changed_at}),
            ))
        }
        "phone" => match (str_field("phone"), str_field("countryShortName")) {
            (Some(phone), Some(cc)) if valid_phone(phone) && is_country_code(cc) => Ok(Some(
                json!({"phone": phone, "countryShortName": cc, "changed_at": changed_at}),
            )),
            _ => Err(invalid(
                col,
                raw,
                r#"expected {"phone": "+12025550169", "countryShortName": "US"}"#,
            )),
        },
        "country" => match (str_field("countryCode"), str_field("countryName")) {
            (Some(code), Some(name)) if is_country_code(code) && !name.trim().is_empty() => Ok(
                Some(json!({"countryCode": code, "countryName": name, "changed_at": changed_at})),
            ),
            _ => Err(invalid(
                col,
                raw,
                r#"expected {"countryCode": "US", "countryName": "United States"}"#,
            )),
        },
        "timeline" => {
            if obj.is_some_and(Map::is_empty) {
                return Ok(None);
            }
            let (Some(from), Some(to)) = (str_field("from"), str_field("to")) else {
                return Err(invalid(
                    col,
                    raw,
                    r#"expected {"from": "YYYY-MM-DD", "to": "YYYY-MM-DD"}"#,
                ));
            };
            match (
                NaiveDate::parse_from_str(from, "%Y-%m-%d"),
                NaiveDate::parse_from_str(to, "%Y-%m-%d"),
            ) {
                (Ok(f), Ok(t)) if f <= t => Ok(Some(
                    json!({"from": from, "to": to, "changed_at": changed_at}),
                )),
                (Ok(_), Ok(_)) => Err(invalid(
                    col,
                    raw,
                    "timeline \"from\" must not be after \"to\"",
                )),
                _ => Err(invalid(col, raw, "timeline dates must be YYYY-MM-DD")),
            }
        }
        "checkbox" => match obj.and_then(|o| o.get("checked")) {
            Some(Value::String(s)) if s == "true" => {
                Ok(Some(json!({"checked": true, "changed_at": changed_at})))
            }
            Some(Value::Bool(true)) => Ok(Some(json!({"checked": true, "changed_at": changed_at}))),
            Some(Value::String(s)) if s == "false" => Ok(None),
            Some(Value::Bool(false)) => Ok(None),
            _ => Err(invalid(col, raw, r#"expected {"checked": "true"}"#)),
        },
        "people" => write_people(col, raw, changed_at),
        "board_relation" => write_board_relation(col, raw, ctx, changed_at),
        other => Err(invalid(
            col,
            raw,
            &format!("columns of type {other} can't be written via the API"),
        )),
    }
}

/// Validates `change_simple_column_value`'s plain string by translating it to the JSON form.
pub(crate) fn write_simple(
    col: &mut Column,
    raw: Option<&str>,
    ctx: &WriteCtx,
) -> Result<Written, ValueError> {
    let Some(s) = raw.filter(|s| !s.is_empty()) else {
        return Ok(None);
    };
    let (first, rest) = match s.trim().split_once(char::is_whitespace) {
        Some((a, b)) => (a, Some(b.trim())),
        None => (s.trim(), None),
    };
    let as_json = match col.kind.as_str() {
        "text" | "numbers" => Value::String(s.to_string()),
        "long_text" => json!({"text": s}),
        "date" => match rest {
            Some(time) => json!({"date": first, "time": time}),
            None => json!({"date": first}),
        },
        "status" if s.trim().chars().all(|c| c.is_ascii_digit()) => json!({"index": s.trim()}),
        "status" => json!({"label": s}),
        "dropdown" => {
            let parts: Vec<&str> = s
                .split(',')
                .map(str::trim)
                .filter(|p| !p.is_empty())
                .collect();
            if parts.iter().all(|p| p.chars().all(|c| c.is_ascii_digit())) {
                json!({"ids": parts})
            } else {
                json!({"labels": parts})
            }
        }
        "email" => json!({"email": first, "text": rest.unwrap_or(first)}),
        "link" => match rest {
            Some(text) => json!({"url": first, "text": text}),
            None => {
                return Err(invalid(
                    col,
                    &Value::String(s.into()),
                    "a simple link value needs \"<url> <text>\"",
                ))
            }
        },
        "phone" => json!({"phone": first, "countryShortName": rest.unwrap_or_default()}),
        "people" => {
            let ids: Result<Vec<Value>, _> = s
                .split(',')
                .map(|p| {
                    p.trim()
                        .parse::<u64>()
                        .map(|id| json!({"id": id, "kind": "person"}))
                })
                .collect();
            match ids {
                Ok(list) => json!({"personsAndTeams": list}),
                Err(_) => {
                    return Err(invalid(
                        col,
                        &Value::String(s.into()),
                        "people ids must be integers",
                    ))
                }
            }
        }
        other => {
            return Err(ValueError {
                code: "CorrectedValueException",
                message: format!(
                    "Column of type {other} does not support simple string values; use \
                     change_column_value or change_multiple_column_values with its JSON format"
                ),
                error_data: json!({"column_type": other, "column_id": col.id}),
            })
        }
    };
    write_json(col, &as_json, ctx)
}

fn write_status(
    col: &mut Column,
    raw: &Value,
    ctx: &WriteCtx,
    changed_at: String,
) -> Result<Written, ValueError> {
    let Some(obj) = raw.as_object() else {
        return Err(invalid(
            col,
            raw,
            r#"expected {"label": "..."} or {"index": <label id>}"#,
        ));
    };
    if obj.is_empty() {
        return Ok(None);
    }
    let labels = status_labels(&col.settings);
    // monday reads a numeric label text as a label id, so "2023" must be sent by index.
    let by_id = match (obj.get("index"), obj.get("label")) {
        (Some(Value::Number(n)), _) => n.as_i64(),
        (Some(Value::String(s)), _) => Some(
            s.trim()
                .parse::<i64>()
                .map_err(|_| invalid(col, raw, "index must be a label id"))?,
        ),
        (Some(_), _) => return Err(invalid(col, raw, "index must be a label id")),
        (None, Some(Value::String(s))) => s.trim().parse::<i64>().ok(),
        (None, Some(_)) => return Err(invalid(col, raw, "label must be a string")),
        (None, None) => {
            return Err(invalid(
                col,
                raw,
                r#"expected {"label": "..."} or {"index": <label id>}"#,
            ))
        }
    };
    let (id, text) = if let Some(id) = by_id {
        match labels.iter().find(|l| l.id == id) {
            Some(l) => (l.id, l.label.clone()),
            None => return Err(invalid(col, raw, "index does not exist in column")),
        }
    } else {
        let wanted = obj.get("label").and_then(Value::as_str).unwrap_or_default();
        match labels.iter().find(|l| l.label == wanted) {
            Some(l) => (l.id, l.label.clone()),
            None if ctx.create_labels => {
                let id = add_status_label(&mut col.settings, wanted)
                    .map_err(|detail| invalid(col, raw, &detail))?;
                (id, wanted.to_string())
            }
            None => return Err(invalid(col, raw, "label does not exist in column")),
        }
    };
    Ok(Some(
        json!({"index": id, "label": text, "post_id": null, "changed_at": changed_at}),
    ))
}

fn write_dropdown(
    col: &mut Column,
    raw: &Value,
    ctx: &WriteCtx,
    changed_at: String,
) -> Result<Written, ValueError> {
    let obj = raw
        .as_object()
        .ok_or_else(|| invalid(col, raw, r#"expected {"labels": [...]} or {"ids": [...]}"#))?;
    let existing = dropdown_labels(&col.settings);
    let mut ids = Vec::new();
    if let Some(list) = obj.get("ids") {
        let list = list
            .as_array()
            .ok_or_else(|| invalid(col, raw, "ids must be a list"))?;
        for entry in list {
            let id = match entry {
                Value::Number(n) => n.as_i64(),
                Value::String(s) => s.trim().parse().ok(),
                _ => None,
            };
            match id.filter(|id| existing.iter().any(|l| l.0 == *id)) {
                Some(id) => ids.push(id),
                None => {
                    return Err(invalid(
                        col,
                        raw,
                        "dropdown label id does not exist in column",
                    ))
                }
            }
        }
    } else if let Some(list) = obj.get("labels") {
        let list = list
            .as_array()
            .ok_or_else(|| invalid(col, raw, "labels must be a list"))?;
        for entry in list {
            let wanted = entry
                .as_str()
                .ok_or_else(|| invalid(col, raw, "labels must be strings"))?;
            let found = dropdown_labels(&col.settings)
                .into_iter()
                .find(|l| l.1 == wanted);
            match found {
                Some((id, _)) => ids.push(id),
                None if ctx.create_labels => {
                    ids.push(add_dropdown_label(&mut col.settings, wanted))
                }
                None => {
                    let known: Vec<String> = existing.iter().map(|l| l.1.clone()).collect();
                    let detail = format!("the dropdown label '{wanted}' does not exist, possible labels are: {known:?}");
                    return Err(invalid(col, raw, &detail));
                }
            }
        }
    } else {
        return Err(invalid(
            col,
            raw,
            r#"expected {"labels": [...]} or {"ids": [...]}"#,
        ));
    }
    if ids.is_empty() {
        return Ok(None);
    }
    Ok(Some(json!({"ids": ids, "changed_at": changed_at})))
}

fn write_people(col: &Column, raw: &Value, changed_at: String) -> Result<Written, ValueError> {
    let list = raw
        .get("personsAndTeams")
        .and_then(Value::as_array)
        .ok_or_else(|| {
            invalid(
                col,
                raw,
                r#"expected {"personsAndTeams": [{"id": 123, "kind": "person"}]}"#,
            )
        })?;
    let mut out = Vec::new();
    for entry in list {
        let id = entry.get("id").and_then(Value::as_u64);
        let kind = entry.get("kind").and_then(Value::as_str);
        match (id, kind) {
            (Some(id), Some(kind @ ("person" | "team"))) => {
                out.push(json!({"id": id, "kind": kind}))
            }
            _ => {
                return Err(invalid(
                    col,
                    raw,
                    "each entry needs an integer \"id\" and \"kind\" person or team",
                ))
            }
        }
    }
    if out.is_empty() {
        return Ok(None);
    }
    Ok(Some(
        json!({"personsAndTeams": out, "changed_at": changed_at}),
    ))
}

fn write_board_relation(
    col: &Column,
    raw: &Value,
    ctx: &WriteCtx,
    changed_at: String,
) -> Result<Written, ValueError> {
    let list = raw
        .get("item_ids")
        .and_then(Value::as_array)
        .ok_or_else(|| invalid(col, raw, r#"expected {"item_ids": [123, 456]}"#))?;
    let allowed: Vec<u64> = col
        .settings
        .get("boardIds")
        .and_then(Value::as_array)
        .map(|ids| ids.iter().filter_map(super::state::parse_id).collect())
        .unwrap_or_default();
    let mut linked = Vec::new();
    for entry in list {
        let id = super::state::parse_id(entry)
            .ok_or_else(|| invalid(col, raw, "item ids must be integers"))?;
        match (ctx.item_board)(id) {
            Some(board) if allowed.is_empty() || allowed.contains(&board) => {
                linked.push(json!({"linkedPulseId": id}))
            }
            Some(_) => {
                return Err(invalid(
                    col,
                    raw,
                    "the linked item's board is not connected to this column",
                ))
            }
            None => return Err(invalid(col, raw, "linked item does not exist")),
        }
    }
    if linked.is_empty() {
        return Ok(None);
    }
    Ok(Some(
        json!({"linkedPulseIds": linked, "changed_at": changed_at}),
    ))
}

pub(crate) fn parse_time(t: &str) -> Option<NaiveTime> {
    NaiveTime::parse_from_str(t, "%H:%M:%S")
        .or_else(|_| NaiveTime::parse_from_str(t, "%H:%M"))
        .ok()
}

fn looks_like_email(s: &str) -> bool {
    matches!(s.split_once('@'), Some((local, domain)) if !local.is_empty() && domain.contains('.') && !s.contains(char::is_whitespace))
}

fn valid_phone(s: &str) -> bool {
    let digits = s.strip_prefix('+').unwrap_or(s);
    (4..=20).contains(&digits.len()) && digits.chars().all(|c| c.is_ascii_digit())
}

fn is_country_code(s: &str) -> bool {
    s.len() == 2 && s.chars().all(|c| c.is_ascii_uppercase())
}
