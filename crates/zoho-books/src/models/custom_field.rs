//! Custom field values on documents.

use serde_json::Value;

use super::lenient;

/// One custom field value on a document.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct CustomField {
    /// The label shown in Zoho. Some payloads carry only the id, so this falls back to the
    /// `api_name`, then to the custom field id, then to `""`.
    pub label: String,
    /// The stable API name (`cf_cost_centre`), when Zoho sends one; prefer it for mapping
    /// because labels can be renamed.
    pub api_name: Option<String>,
    /// The value exactly as Zoho sent it (string, number, bool, …); its type depends on the
    /// field's data type, which this crate does not interpret.
    pub value: Value,
}

impl CustomField {
    /// Reads one element of `custom_fields`; `None` when it is not an object.
    pub(crate) fn from_json(v: &Value) -> Option<CustomField> {
        v.as_object()?;
        let api_name = lenient::text(v.get("api_name"));
        let field_id = lenient::id(lenient::first(v, &["customfield_id", "custom_field_id"]));
        let label = lenient::text(lenient::first(v, &["label", "field_label", "placeholder"]))
            .or_else(|| api_name.clone())
            .or(field_id)
            .unwrap_or_default();
        Some(CustomField {
            label,
            api_name,
            value: v.get("value").cloned().unwrap_or(Value::Null),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn custom_field_label_fallbacks_and_values() {
        let cf =
            CustomField::from_json(&json!({"customfield_id": "46000000012845", "value": "Normal"}))
                .unwrap();
        assert_eq!(cf.label, "46000000012845");
        assert_eq!(cf.value, json!("Normal"));
        let cf = CustomField::from_json(
            &json!({"label": "Cost centre", "api_name": "cf_cost_centre", "value": 12}),
        )
        .unwrap();
        assert_eq!(
            (cf.label.as_str(), cf.api_name.as_deref()),
            ("Cost centre", Some("cf_cost_centre"))
        );
        assert_eq!(cf.value, json!(12));
        let cf = CustomField::from_json(&json!({"api_name": "cf_flag", "value": true})).unwrap();
        assert_eq!(cf.label, "cf_flag");
        assert_eq!(cf.value, json!(true));
    }
}
