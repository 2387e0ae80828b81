//! monday-shaped GraphQL errors, and the mapping of validation diagnostics to graphql-ruby's
//! codes (monday runs graphql-ruby: `undefinedField`, `Parse error on ...`).

use apollo_compiler::validation::DiagnosticList;
use serde_json::{json, Map, Value};

/// One entry of a response's `errors[]`, in monday's 2025-04+ shape (boxed: errors travel in
/// `Result`s everywhere and should stay small).
#[derive(Debug, Clone)]
pub(crate) struct GqlError(Box<ErrorData>);

#[derive(Debug, Clone)]
pub(crate) struct ErrorData {
    pub message: String,
    pub code: String,
    pub locations: Vec<(usize, usize)>,
    pub path: Vec<Value>,
    /// `extensions.status_code`; omitted for validation errors.
    pub status_code: Option<u16>,
    pub error_data: Option<Value>,
    /// Further `extensions` keys (`retry_in_seconds`, `typeName`, ...).
    pub extra: Map<String, Value>,
}

impl std::ops::Deref for GqlError {
    type Target = ErrorData;
    fn deref(&self) -> &ErrorData {
        &self.0
    }
}

impl std::ops::DerefMut for GqlError {
    fn deref_mut(&mut self) -> &mut ErrorData {
        &mut self.0
    }
}

impl GqlError {
    pub fn new(code: &str, message: impl Into<String>) -> Self {
        GqlError(Box::new(ErrorData {
            message: message.into(),
            code: code.to_string(),
            locations: Vec::new(),
            path: Vec::new(),
            status_code: Some(200),
            error_data: Some(json!({})),
            extra: Map::new(),
        }))
    }

    pub fn with_data(mut self, data: Value) -> Self {
        self.error_data = Some(data);
        self
    }

    pub fn with_status(mut self, status: u16) -> Self {
        self.status_code = Some(status);
        self
    }

    pub fn with_extra(mut self, key: &str, value: Value) -> Self {
        self.extra.insert(key.to_string(), value);
        self
    }

    pub fn to_json(&self) -> Value {
        let mut ext = Map::new();
        ext.insert("code".into(), Value::String(self.code.clone()));
        if let Some(status) = self.status_code {
            ext.insert("status_code".into(), json!(status));
        }
        if let Some(data) = &self.error_data {
            ext.insert("error_data".into(), data.clone());
        }
        ext.extend(self.extra.clone());
        let mut out = Map::new();
        out.insert("message".into(), Value::String(self.message.clone()));
        if !self.locations.is_empty() {
            let locs: Vec<Value> = self
                .locations
                .iter()
                .map(|(line, column)| json!({"line": line, "column": column}))
                .collect();
            out.insert("locations".into(), Value::Array(locs));
        }
        if !self.path.is_empty() {
            out.insert("path".into(), Value::Array(self.path.clone()));
        }
        out.insert("extensions".into(), Value::Object(ext));
        Value::Object(out)
    }
}

/// Turns apollo-compiler diagnostics into graphql-ruby style errors, which monday returns.
pub(crate) fn diagnostics(list: &DiagnosticList) -> Vec<GqlError> {
    list.iter()
        .map(|d| {
            let json = d.to_json();
            let locations: Vec<(usize, usize)> =
                json.locations.iter().map(|l| (l.line, l.column)).collect();
            let name = d.error.unstable_error_name().unwrap_or_default();
            let mut err = match name {
                "UndefinedField" => {
                    // apollo: "type `Board` does not have a field `new_field`"
                    let ticks: Vec<&str> = json.message.split('`').collect();
                    let (ty, field) = (
                        ticks.get(1).copied().unwrap_or("?"),
                        ticks.get(3).copied().unwrap_or("?"),
                    );
                    GqlError::new(
                        "undefinedField",
                        format!("Field '{field}' doesn't exist on type '{ty}'"),
                    )
                    .with_extra("typeName", json!(ty))
                    .with_extra("fieldName", json!(field))
                }
                "" if json.message.starts_with("syntax error") => {
                    let (line, col) = locations.first().copied().unwrap_or((1, 1));
                    let detail = json.message.trim_start_matches("syntax error: ");
                    GqlError::new(
                        "ParseError",
                        format!("Parse error on \"{detail}\" at [{line}, {col}]"),
                    )
                }
                other => GqlError::new(ruby_code(other), json.message.clone()),
            };
            err.locations = locations;
            err.status_code = None;
            err.error_data = None;
            err
        })
        .collect()
}

/// graphql-ruby's static validation codes for apollo-compiler's error kinds.
fn ruby_code(apollo_name: &str) -> &'static str {
    match apollo_name {
        "UndefinedArgument" => "argumentNotAccepted",
        "RequiredArgument" => "missingRequiredArguments",
        "UndefinedVariable" => "variableNotDefined",
        "UnusedVariable" => "variableNotUsed",
        "UndefinedEnumValue"
        | "UnsupportedValueType"
        | "IntCoercionError"
        | "FloatCoercionError" => "argumentLiteralsIncompatible",
        "DisallowedVariableUsage" => "variableMismatch",
        "MissingSubselection" | "SubselectionOnScalarType" | "SubselectionOnEnumType" => {
            "selectionMismatch"
        }
        "UndefinedDefinition" => "undefinedType",
        "UndefinedFragment" => "undefinedFragment",
        "UnusedFragment" => "useAndDefineFragment",
        "UndefinedRootOperation" => "missingQueryConfiguration",
        _ => "validationError",
    }
}
