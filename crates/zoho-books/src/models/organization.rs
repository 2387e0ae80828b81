//! A Books organization, as `GET /organizations` lists them.

use serde_json::Value;

use super::document::json_type;
use super::lenient;
use crate::client::BooksError;

/// One organization the connected user can access. Every other call is scoped to one of these
/// by `organization_id`; the user must pick it (a user often has several, e.g. a demo org).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Organization {
    pub organization_id: String,
    pub name: String,
    /// Zoho's default for the user; only a hint for pre-selecting, never a silent choice.
    pub is_default_org: bool,
    /// e.g. "PROFESSIONAL"; decides the daily API quota.
    pub plan_name: Option<String>,
    pub currency_code: Option<String>,
    pub time_zone: Option<String>,
}

impl Organization {
    /// Parses one element of the `organizations` array.
    pub fn from_json(v: &Value) -> Result<Organization, BooksError> {
        if !v.is_object() {
            return Err(BooksError::Decode(format!(
                "expected an organization object, got {}",
                json_type(v)
            )));
        }
        let organization_id = lenient::id(v.get("organization_id")).ok_or_else(|| {
            BooksError::Decode("organization object has no usable organization_id".to_owned())
        })?;
        Ok(Organization {
            name: lenient::text(v.get("name")).unwrap_or_else(|| organization_id.clone()),
            organization_id,
            is_default_org: lenient::boolean(v.get("is_default_org")).unwrap_or(false),
            plan_name: lenient::text(v.get("plan_name")),
            currency_code: lenient::text(v.get("currency_code")),
            time_zone: lenient::text(v.get("time_zone")),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn parses_numeric_id_and_defaults() {
        let o = Organization::from_json(&json!({
            "organization_id": 10234695, "name": "Zillium Inc", "is_default_org": "true",
            "plan_name": "PROFESSIONAL", "currency_code": "USD", "time_zone": "PST"
        }))
        .unwrap();
        assert_eq!(o.organization_id, "10234695");
        assert!(o.is_default_org);
        assert_eq!(o.time_zone.as_deref(), Some("PST"));
        let o = Organization::from_json(&json!({"organization_id": "1"})).unwrap();
        assert_eq!((o.name.as_str(), o.is_default_org), ("1", false));
        assert!(Organization::from_json(&json!({"name": "x"})).is_err());
    }
}
