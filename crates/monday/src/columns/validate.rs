//! Check values against a board's real columns before the first write.
//!
//! monday rejects a bad value with a `ColumnValueException` that names
//! neither our mapping nor a fix, and some bad values are accepted silently
//! (numbers, dates). Checking here gives one sentence per column that a user
//! can act on, and stops a write before any side effect.

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::{truncate_item_name, ColumnType, ColumnValue, ColumnValues};
use crate::board::{Board, Column};

/// monday's limits on status labels.
const STATUS_LABEL_MAX_CHARS: usize = 30;
const STATUS_MAX_LABELS: usize = 40;

/// A value that does not fit the board it is meant for.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot write {value} to column \"{column_id}\" of monday board {board_id}: {problem}")]
pub struct MappingMismatch {
    pub board_id: String,
    pub column_id: String,
    /// A short description of the value (kind and JSON, cut to 80 characters).
    pub value: String,
    /// What is wrong and how to fix it.
    pub problem: String,
}

/// Check `values` against `board`'s columns and return them in the form to
/// send: a typed value pointed at a text column becomes text, numeric text
/// pointed at a numbers or date column becomes a number or date, a status
/// label matched case-insensitively takes the board's spelling, and a
/// numeric status label becomes its label id (monday reads numeric label
/// text as an id). With `create_labels_if_missing`, unknown status and
/// dropdown labels are allowed because monday will create them.
pub fn validate(
    board: &Board,
    values: &ColumnValues,
    create_labels_if_missing: bool,
) -> Result<ColumnValues, MappingMismatch> {
    let mut out = ColumnValues::default();
    for (column_id, value) in values.iter() {
        let mismatch = |problem: String| MappingMismatch {
            board_id: board.id.clone(),
            column_id: column_id.clone(),
            value: describe(value),
            problem,
        };
        let column = board.column(column_id);
        let column_type = match column {
            Some(c) => c.column_type.clone(),
            // Every board has the item name under id `name`, whether or not
            // the columns query listed it.
            None if column_id == "name" => ColumnType::Name,
            None => {
                let known: Vec<String> = board
                    .columns
                    .iter()
                    .map(|c| format!("{} ({})", c.id, c.title))
                    .collect();
                return Err(mismatch(format!(
                    "the board has no such column (it has: {}); pick an existing column in the mapping or restore the deleted column",
                    known.join(", ")
                )));
            }
        };
        let fixed =
            check(column, &column_type, value, create_labels_if_missing).map_err(mismatch)?;
        out.insert(column_id.clone(), fixed);
    }
    Ok(out)
}

fn describe(value: &ColumnValue) -> String {
    if *value == ColumnValue::Clear {
        return "an empty value".to_owned();
    }
    let json = value.to_json().to_string();
    let cut: String = json.chars().take(80).collect();
    let ellipsis = if cut.len() < json.len() { "…" } else { "" };
    format!("{} {cut}{ellipsis}", value.kind())
}

fn wrong_type(value: &ColumnValue, column_type: &ColumnType) -> String {
    format!(
        "a {} value does not fit a \"{column_type}\" column; map a field of a matching type or change the column type on the board",
        value.kind()
    )
}

fn check(
    column: Option<&Column>,
    column_type: &ColumnType,
    value: &ColumnValue,
    create: bool,
) -> Result<ColumnValue, String> {
    use ColumnValue as V;
    match column_type {
        ColumnType::Subtasks => {
            return Err("subitems are written with create_subitem, not as a column value; remove this column from the mapping".to_owned())
        }
        ColumnType::Other(t) => {
            return Err(format!(
                "columns of type \"{t}\" are not written by this connector (mirror, formula and similar columns are read-only); pick a column of a supported type"
            ))
        }
        _ => {}
    }
    if *value == V::Clear {
        return if *column_type == ColumnType::Name {
            Err("an item name cannot be empty; map a field that always has a value".to_owned())
        } else {
            Ok(V::Clear)
        };
    }
    let wrong = || wrong_type(value, column_type);
    match column_type {
        ColumnType::Name => value
            .as_plain_text()
            .map(|s| V::Text(truncate_item_name(&s)))
            .ok_or_else(wrong),
        ColumnType::Text => value.as_plain_text().map(V::Text).ok_or_else(wrong),
        ColumnType::LongText => value.as_plain_text().map(V::LongText).ok_or_else(wrong),
        ColumnType::Numbers => match value {
            V::Number(_) => Ok(value.clone()),
            V::Text(s) => s.trim().parse::<Decimal>().map(V::Number).map_err(|_| {
                format!("\"{s}\" is not a number; map a numeric field or a text column")
            }),
            _ => Err(wrong()),
        },
        ColumnType::Date => match value {
            V::Date(_) | V::DateTime(..) => Ok(value.clone()),
            V::Text(s) => NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
                .map(V::Date)
                .map_err(|_| format!("\"{s}\" is not a YYYY-MM-DD date; map a date field")),
            _ => Err(wrong()),
        },
        ColumnType::Status => {
            let labels = column.map(Column::status_labels).unwrap_or_default();
            match value {
                V::StatusLabel(l) | V::Text(l) => status_label(&labels, l, create),
                V::StatusIndex(id) => {
                    if labels.iter().any(|(i, _)| i == id) {
                        Ok(value.clone())
                    } else {
                        Err(format!(
                            "the column has no label with id {id} (labels: {}); re-read the board and map to an existing label",
                            list(&labels)
                        ))
                    }
                }
                _ => Err(wrong()),
            }
        }
        ColumnType::Dropdown => {
            let labels = column.map(Column::dropdown_labels).unwrap_or_default();
            match value {
                V::DropdownLabels(ls) => dropdown_labels(&labels, ls, create),
                V::Text(l) | V::StatusLabel(l) => dropdown_labels(&labels, std::slice::from_ref(l), create),
                V::DropdownIds(ids) => match ids.iter().find(|id| !labels.iter().any(|(i, _)| i == *id)) {
                    Some(id) => Err(format!(
                        "the column has no option with id {id} (options: {}); re-read the board and map to an existing option",
                        list(&labels)
                    )),
                    None => Ok(value.clone()),
                },
                _ => Err(wrong()),
            }
        }
        ColumnType::Email => match value {
            V::Email { email, .. } if is_email(email) => Ok(value.clone()),
            V::Email { email, .. } => Err(format!(
                "\"{email}\" is not an email address; fix the address in Zoho"
            )),
            V::Text(s) if is_email(s) => Ok(V::Email {
                email: s.trim().to_owned(),
                text: s.trim().to_owned(),
            }),
            _ => Err(wrong()),
        },
        ColumnType::Link => match value {
            V::Link { url, .. } if is_http_url(url) => Ok(value.clone()),
            V::Link { url, .. } => Err(format!(
                "\"{url}\" is not an http(s) URL; monday needs the http:// or https:// prefix"
            )),
            V::Text(s) if is_http_url(s) => Ok(V::Link {
                url: s.trim().to_owned(),
                text: s.trim().to_owned(),
            }),
            _ => Err(wrong()),
        },
        ColumnType::Phone => match value {
            V::Phone { phone, country } => {
                if !is_country_code(country) {
                    Err(format!("\"{country}\" is not a two-letter ISO country code; monday checks the number against it"))
                } else if phone.trim().is_empty()
                    || !phone
                        .chars()
                        .all(|c| c.is_ascii_digit() || " +-().".contains(c))
                {
                    Err(format!(
                        "\"{phone}\" is not a phone number; fix the number in Zoho"
                    ))
                } else {
                    Ok(value.clone())
                }
            }
            _ => Err(wrong()),
        },
        ColumnType::Country => match value {
            V::Country { code, name } if is_country_code(code) && !name.trim().is_empty() => {
                Ok(value.clone())
            }
            V::Country { .. } => Err("a country needs a two-letter ISO code and a name".to_owned()),
            _ => Err(wrong()),
        },
        ColumnType::Timeline => match value {
            V::Timeline { from, to } if from <= to => Ok(value.clone()),
            V::Timeline { .. } => {
                Err("the timeline ends before it starts; check the mapped dates".to_owned())
            }
            _ => Err(wrong()),
        },
        ColumnType::Checkbox => match value {
            V::Checkbox(_) => Ok(value.clone()),
            _ => Err(wrong()),
        },
        ColumnType::People => match value {
            V::People(_) => Ok(value.clone()),
            _ => Err(wrong()),
        },
        ColumnType::BoardRelation => match value {
            V::BoardRelation(ids) => {
                match ids.iter().find(|id| id.trim().parse::<u64>().is_err()) {
                    Some(id) => Err(format!("\"{id}\" is not a monday item id")),
                    None => Ok(value.clone()),
                }
            }
            _ => Err(wrong()),
        },
        ColumnType::Subtasks | ColumnType::Other(_) => Err(wrong()),
    }
}

fn status_label(
    labels: &[(i64, String)],
    wanted: &str,
    create: bool,
) -> Result<ColumnValue, String> {
    let wanted = wanted.trim();
    let found = labels.iter().find(|(_, l)| l == wanted).or_else(|| {
        labels
            .iter()
            .find(|(_, l)| l.to_lowercase() == wanted.to_lowercase())
    });
    let numeric = wanted.parse::<f64>().is_ok();
    match found {
        // monday reads numeric label text as an id, so such labels are set by id.
        Some((id, _)) if numeric => Ok(ColumnValue::StatusIndex(*id)),
        Some((_, label)) => Ok(ColumnValue::StatusLabel(label.clone())),
        None if numeric => Err(format!(
            "the column has no label \"{wanted}\" (labels: {}), and numeric labels cannot be created on the fly because monday reads them as label ids; add the label to the column on the board",
            list(labels)
        )),
        None if create => {
            if wanted.is_empty() || wanted.chars().count() > STATUS_LABEL_MAX_CHARS {
                Err(format!("a status label must be 1 to {STATUS_LABEL_MAX_CHARS} characters; shorten the mapped value"))
            } else if labels.len() >= STATUS_MAX_LABELS {
                Err(format!("the column already has {STATUS_MAX_LABELS} labels, monday's maximum, so \"{wanted}\" cannot be added; remove unused labels or map to an existing one"))
            } else {
                Ok(ColumnValue::StatusLabel(wanted.to_owned()))
            }
        }
        None => Err(format!(
            "the column has no label \"{wanted}\" (labels: {}); add it on the board, map to an existing label, or allow creating missing labels",
            list(labels)
        )),
    }
}

fn dropdown_labels(
    labels: &[(i64, String)],
    wanted: &[String],
    create: bool,
) -> Result<ColumnValue, String> {
    let mut out = Vec::with_capacity(wanted.len());
    for w in wanted {
        let w = w.trim();
        let found = labels.iter().find(|(_, l)| l == w).or_else(|| {
            labels
                .iter()
                .find(|(_, l)| l.to_lowercase() == w.to_lowercase())
        });
        match found {
            Some((_, l)) => out.push(l.clone()),
            None if create && !w.is_empty() => out.push(w.to_owned()),
            None => {
                return Err(format!(
                    "the column has no option \"{w}\" (options: {}); add it on the board, map to an existing option, or allow creating missing labels",
                    list(labels)
                ))
            }
        }
    }
    Ok(ColumnValue::DropdownLabels(out))
}

fn list(labels: &[(i64, String)]) -> String {
    if labels.is_empty() {
        return "none".to_owned();
    }
    labels
        .iter()
        .map(|(id, l)| format!("\"{l}\" = {id}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn is_email(s: &str) -> bool {
    let s = s.trim();
    match s.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty() && domain.contains('.') && !s.contains(char::is_whitespace)
        }
        None => false,
    }
}

fn is_http_url(s: &str) -> bool {
    let lower = s.trim().to_ascii_lowercase();
    (lower.starts_with("http://") || lower.starts_with("https://"))
        && url::Url::parse(s.trim()).is_ok()
}

fn is_country_code(s: &str) -> bool {
    s.len() == 2 && s.chars().all(|c| c.is_ascii_alphabetic())
}
