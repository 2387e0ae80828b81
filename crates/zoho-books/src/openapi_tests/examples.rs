//! Builds example JSON documents from an OpenAPI schema's `example` values.
//!
//! Zoho's files put examples on leaf schemas reached through `$ref`, so a response example has
//! to be assembled: an explicit `example` wins, otherwise objects are built from their
//! properties and arrays get one example element.

use serde_json::{Map, Value};

/// Deep enough for Zoho's nesting (response → record → line items → taxes), shallow enough to
/// stop a self-referencing schema.
const MAX_DEPTH: usize = 24;

/// The example for `components/schemas/{name}` of `spec`.
pub(crate) fn example_of_schema(spec: &Value, name: &str) -> Option<Value> {
    let schema = spec.pointer(&format!("/components/schemas/{name}"))?;
    example(spec, schema, 0)
}

fn example(spec: &Value, schema: &Value, depth: usize) -> Option<Value> {
    if depth > MAX_DEPTH {
        return None;
    }
    if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
        let pointer = reference.strip_prefix('#')?;
        return example(spec, spec.pointer(pointer)?, depth + 1);
    }
    if let Some(e) = schema.get("example") {
        return Some(e.clone());
    }
    if let Some(props) = schema.get("properties").and_then(Value::as_object) {
        let obj: Map<String, Value> = props
            .iter()
            .filter_map(|(k, s)| example(spec, s, depth + 1).map(|v| (k.clone(), v)))
            .collect();
        return Some(Value::Object(obj));
    }
    if let Some(items) = schema.get("items") {
        return Some(Value::Array(
            example(spec, items, depth + 1).into_iter().collect(),
        ));
    }
    None
}
