//! Typed column values and their exact JSON encodings (reference §3).
//!
//! Each variant maps to one documented encoding, so a caller cannot send a
//! number as `""` (which monday stores as 0) or a date in a format monday
//! silently ignores.

use std::collections::BTreeMap;

use chrono::{NaiveDate, NaiveTime};
use rust_decimal::Decimal;
use serde_json::{json, Value};

use super::text::truncate_long_text;

/// Whether a people-column entry is a person or a team.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PersonKind {
    Person,
    Team,
}

impl PersonKind {
    pub fn as_str(self) -> &'static str {
        match self {
            PersonKind::Person => "person",
            PersonKind::Team => "team",
        }
    }
}

/// A value to write into one column.
#[derive(Debug, Clone, PartialEq)]
pub enum ColumnValue {
    /// `text` (also accepted by `name`).
    Text(String),
    /// `long_text`; cut to 2,000 characters when encoded.
    LongText(String),
    /// `numbers`; sent as a decimal string so no precision is lost.
    Number(Decimal),
    /// `date`, date only.
    Date(NaiveDate),
    /// `date` with a time, which monday interprets as UTC.
    DateTime(NaiveDate, NaiveTime),
    /// `status` by label text. Numeric text is read by monday as an index, so
    /// [`crate::validate`] turns such labels into [`ColumnValue::StatusIndex`].
    StatusLabel(String),
    /// `status` by label **id** (`settings.labels[].id`), sent as `index`.
    StatusIndex(i64),
    DropdownLabels(Vec<String>),
    DropdownIds(Vec<i64>),
    Email {
        email: String,
        text: String,
    },
    /// `url` must include `http://` or `https://`.
    Link {
        url: String,
        text: String,
    },
    /// `country` is the ISO 3166-1 alpha-2 code, used by monday to validate the number.
    Phone {
        phone: String,
        country: String,
    },
    Country {
        code: String,
        name: String,
    },
    Timeline {
        from: NaiveDate,
        to: NaiveDate,
    },
    /// `false` is sent as `null`, the documented way to uncheck.
    Checkbox(bool),
    /// People or team ids (monday wants integers here).
    People(Vec<(i64, PersonKind)>),
    /// Linked item ids on a connect-boards column.
    BoardRelation(Vec<String>),
    /// Empty the column (`null`), valid for every writable type.
    Clear,
}

impl ColumnValue {
    /// The JSON for this value inside `column_values`.
    pub fn to_json(&self) -> Value {
        match self {
            ColumnValue::Text(s) => json!(s),
            ColumnValue::LongText(s) => json!({ "text": truncate_long_text(s) }),
            ColumnValue::Number(n) => json!(n.to_string()),
            ColumnValue::Date(d) => json!({ "date": d.format("%Y-%m-%d").to_string() }),
            ColumnValue::DateTime(d, t) => json!({
                "date": d.format("%Y-%m-%d").to_string(),
                "time": t.format("%H:%M:%S").to_string(),
            }),
            ColumnValue::StatusLabel(l) => json!({ "label": l }),
            ColumnValue::StatusIndex(i) => json!({ "index": i }),
            ColumnValue::DropdownLabels(ls) => json!({ "labels": ls }),
            ColumnValue::DropdownIds(ids) => json!({ "ids": ids }),
            ColumnValue::Email { email, text } => json!({ "email": email, "text": text }),
            ColumnValue::Link { url, text } => json!({ "url": url, "text": text }),
            ColumnValue::Phone { phone, country } => json!({
                "phone": phone,
                "countryShortName": country.to_ascii_uppercase(),
            }),
            ColumnValue::Country { code, name } => json!({
                "countryCode": code.to_ascii_uppercase(),
                "countryName": name,
            }),
            ColumnValue::Timeline { from, to } => json!({
                "from": from.format("%Y-%m-%d").to_string(),
                "to": to.format("%Y-%m-%d").to_string(),
            }),
            ColumnValue::Checkbox(true) => json!({ "checked": "true" }),
            ColumnValue::Checkbox(false) | ColumnValue::Clear => Value::Null,
            ColumnValue::People(people) => json!({
                "personsAndTeams": people
                    .iter()
                    .map(|(id, kind)| json!({ "id": id, "kind": kind.as_str() }))
                    .collect::<Vec<_>>(),
            }),
            // Integers per the docs; an id that is not a number is passed as
            // the string monday's error page also shows, rather than dropped.
            ColumnValue::BoardRelation(ids) => json!({
                "item_ids": ids
                    .iter()
                    .map(|id| match id.trim().parse::<u64>() {
                        Ok(n) => json!(n),
                        Err(_) => json!(id),
                    })
                    .collect::<Vec<_>>(),
            }),
        }
    }

    /// The value as plain text, for writing into a `text`/`long_text`/`name`
    /// column when the mapping points a typed field at a text column.
    /// `None` for values that have no sensible text form.
    pub fn as_plain_text(&self) -> Option<String> {
        Some(match self {
            ColumnValue::Text(s) | ColumnValue::LongText(s) | ColumnValue::StatusLabel(s) => {
                s.clone()
            }
            ColumnValue::Number(n) => n.to_string(),
            ColumnValue::Date(d) => d.format("%Y-%m-%d").to_string(),
            ColumnValue::DateTime(d, t) => {
                format!("{} {}", d.format("%Y-%m-%d"), t.format("%H:%M:%S"))
            }
            ColumnValue::DropdownLabels(ls) => ls.join(", "),
            ColumnValue::Email { email, .. } => email.clone(),
            ColumnValue::Link { url, .. } => url.clone(),
            ColumnValue::Phone { phone, .. } => phone.clone(),
            ColumnValue::Country { name, .. } => name.clone(),
            ColumnValue::Timeline { from, to } => {
                format!("{} – {}", from.format("%Y-%m-%d"), to.format("%Y-%m-%d"))
            }
            ColumnValue::StatusIndex(_)
            | ColumnValue::DropdownIds(_)
            | ColumnValue::Checkbox(_)
            | ColumnValue::People(_)
            | ColumnValue::BoardRelation(_)
            | ColumnValue::Clear => return None,
        })
    }

    /// A short name of the variant, for error messages.
    pub fn kind(&self) -> &'static str {
        match self {
            ColumnValue::Text(_) => "text",
            ColumnValue::LongText(_) => "long text",
            ColumnValue::Number(_) => "number",
            ColumnValue::Date(_) => "date",
            ColumnValue::DateTime(..) => "date and time",
            ColumnValue::StatusLabel(_) => "status label",
            ColumnValue::StatusIndex(_) => "status label id",
            ColumnValue::DropdownLabels(_) => "dropdown labels",
            ColumnValue::DropdownIds(_) => "dropdown label ids",
            ColumnValue::Email { .. } => "email",
            ColumnValue::Link { .. } => "link",
            ColumnValue::Phone { .. } => "phone number",
            ColumnValue::Country { .. } => "country",
            ColumnValue::Timeline { .. } => "timeline",
            ColumnValue::Checkbox(_) => "checkbox",
            ColumnValue::People(_) => "people",
            ColumnValue::BoardRelation(_) => "linked items",
            ColumnValue::Clear => "clear",
        }
    }
}

/// Column id → value, serialised as the JSON *string* that the
/// `column_values: JSON` argument expects (monday documents a string; an
/// object is unconfirmed).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ColumnValues(pub BTreeMap<String, ColumnValue>);

impl ColumnValues {
    pub fn new() -> Self {
        Self::default()
    }

    /// Set a column's value, replacing any earlier value for that column.
    pub fn insert(&mut self, column_id: impl Into<String>, v: ColumnValue) {
        self.0.insert(column_id.into(), v);
    }

    /// Builder form of [`ColumnValues::insert`].
    pub fn with(mut self, column_id: impl Into<String>, v: ColumnValue) -> Self {
        self.insert(column_id, v);
        self
    }

    pub fn get(&self, column_id: &str) -> Option<&ColumnValue> {
        self.0.get(column_id)
    }

    pub fn remove(&mut self, column_id: &str) -> Option<ColumnValue> {
        self.0.remove(column_id)
    }

    pub fn iter(&self) -> impl Iterator<Item = (&String, &ColumnValue)> {
        self.0.iter()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The values as a JSON object (column id → encoded value).
    pub fn to_json(&self) -> Value {
        Value::Object(
            self.0
                .iter()
                .map(|(k, v)| (k.clone(), v.to_json()))
                .collect(),
        )
    }

    /// The JSON string to pass as `column_values`.
    pub fn to_json_string(&self) -> String {
        self.to_json().to_string()
    }
}

impl FromIterator<(String, ColumnValue)> for ColumnValues {
    fn from_iter<I: IntoIterator<Item = (String, ColumnValue)>>(iter: I) -> Self {
        ColumnValues(iter.into_iter().collect())
    }
}

impl IntoIterator for ColumnValues {
    type Item = (String, ColumnValue);
    type IntoIter = std::collections::btree_map::IntoIter<String, ColumnValue>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}
