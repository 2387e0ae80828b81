//! One page of a list response, with Zoho's unreliable `page_context` read leniently.

use serde_json::Value;

use super::error::BooksError;
use crate::models::{json_type, lenient};

/// One page of a list call.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ListPage<T> {
    pub items: Vec<T>,
    /// From `page_context.has_more_page`. When `page_context` is missing or malformed (the
    /// OpenAPI types it as an array, and some examples omit it), a full page is taken to mean
    /// there may be more: `items.len() == per_page`. That can cost one extra, empty request but
    /// never stops paging early.
    pub has_more_page: bool,
    /// The page number Zoho reports, or the requested one when it reports none.
    pub page: u32,
    /// `page_context.sort_column` as Zoho echoes it, when it does. Sorting by
    /// `last_modified_time` is undocumented, so callers that rely on it check this echo.
    #[serde(default)]
    pub sort_column: Option<String>,
}

impl<T> ListPage<T> {
    /// Builds a page from a list envelope: the array under the first present key of
    /// `item_keys`, each element parsed by `parse`.
    pub(crate) fn from_envelope(
        envelope: &Value,
        item_keys: &[&str],
        requested_page: u32,
        per_page: u32,
        parse: impl Fn(&Value) -> Result<T, BooksError>,
    ) -> Result<ListPage<T>, BooksError> {
        let rows = match lenient::first(envelope, item_keys) {
            None => &[][..],
            Some(Value::Array(rows)) => rows.as_slice(),
            Some(other) => {
                return Err(BooksError::Decode(format!(
                    "expected `{}` to be an array, got {}",
                    item_keys.first().copied().unwrap_or_default(),
                    json_type(other)
                )))
            }
        };
        if rows.is_empty() && !item_keys.iter().any(|k| envelope.get(*k).is_some()) {
            return Err(BooksError::Decode(format!(
                "list response has none of the keys {item_keys:?}"
            )));
        }
        let items = rows.iter().map(parse).collect::<Result<Vec<T>, _>>()?;
        let context = page_context(envelope);
        let has_more_page = context
            .and_then(|c| lenient::boolean(c.get("has_more_page")))
            .unwrap_or(per_page > 0 && items.len() >= per_page as usize);
        let page = context
            .and_then(|c| lenient::int(c.get("page")))
            .and_then(|p| u32::try_from(p).ok())
            .filter(|p| *p > 0)
            .unwrap_or(requested_page);
        let sort_column = context
            .and_then(|c| c.get("sort_column"))
            .and_then(Value::as_str)
            .map(str::to_owned);
        Ok(ListPage {
            items,
            has_more_page,
            page,
            sort_column,
        })
    }
}

/// `page_context` as an object, also when wrapped in an array as the invoices OpenAPI has it.
fn page_context(envelope: &Value) -> Option<&Value> {
    match envelope.get("page_context")? {
        obj @ Value::Object(_) => Some(obj),
        Value::Array(items) => items.iter().find(|v| v.is_object()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ids(v: &Value) -> Result<String, BooksError> {
        lenient::id(v.get("id")).ok_or_else(|| BooksError::Decode("no id".into()))
    }

    fn page(v: Value, per_page: u32) -> ListPage<String> {
        ListPage::from_envelope(&v, &["rows"], 3, per_page, ids).unwrap()
    }

    #[test]
    fn page_context_object() {
        let p = page(
            json!({"rows": [{"id": 1}], "page_context": {"page": 2, "has_more_page": true}}),
            200,
        );
        assert_eq!(
            (p.items, p.has_more_page, p.page),
            (vec!["1".to_owned()], true, 2)
        );
        assert_eq!(p.sort_column, None);
        let echoed = page(
            json!({"rows": [], "page_context": {"sort_column": "last_modified_time"}}),
            200,
        );
        assert_eq!(echoed.sort_column.as_deref(), Some("last_modified_time"));
    }

    #[test]
    fn page_context_missing_or_malformed_falls_back_to_page_size() {
        let full = json!({"rows": [{"id": 1}, {"id": 2}]});
        assert!(page(full.clone(), 2).has_more_page);
        assert!(!page(full, 3).has_more_page);
        let wrong = json!({"rows": [{"id": 1}], "page_context": "oops"});
        let p = page(wrong, 1);
        assert_eq!((p.has_more_page, p.page), (true, 3));
        let wrong_type =
            json!({"rows": [{"id": 1}], "page_context": {"has_more_page": "maybe", "page": -1}});
        assert_eq!(page(wrong_type, 5).page, 3);
        let as_array = json!({"rows": [], "page_context": [{"page": 4, "has_more_page": false}]});
        let p = page(as_array, 200);
        assert_eq!((p.has_more_page, p.page), (false, 4));
    }

    #[test]
    fn missing_key_or_bad_row_is_an_error() {
        assert!(ListPage::from_envelope(&json!({"code": 0}), &["rows"], 1, 200, ids).is_err());
        assert!(ListPage::from_envelope(&json!({"rows": {}}), &["rows"], 1, 200, ids).is_err());
        assert!(
            ListPage::from_envelope(&json!({"rows": [{"x": 1}]}), &["rows"], 1, 200, ids).is_err()
        );
        let p = ListPage::from_envelope(&json!({"rows": null}), &["rows"], 1, 200, ids).unwrap();
        assert!(p.items.is_empty() && !p.has_more_page);
    }
}
