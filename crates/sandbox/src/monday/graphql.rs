//! GraphQL plumbing: parsing and validating a request against the sandbox's schema
//! (`schema.graphql`), monday-shaped errors, argument values, and a generic executor that renders
//! exactly the requested selection (aliases, fragments, `@skip`/`@include`, `__typename`).

use std::sync::OnceLock;

use apollo_compiler::ast;
use apollo_compiler::executable::{Field, Operation, OperationType, Selection, SelectionSet};
use apollo_compiler::validation::Valid;
use apollo_compiler::{ExecutableDocument, Node, Schema};
use serde_json::{json, Map, Value};

use super::errors::diagnostics;
pub(crate) use super::errors::GqlError;
use super::resolvers::{resolve_field, Obj, Reader};

const SDL: &str = include_str!("schema.graphql");

fn schema() -> &'static Valid<Schema> {
    static SCHEMA: OnceLock<Valid<Schema>> = OnceLock::new();
    SCHEMA.get_or_init(
        || match Schema::parse_and_validate(SDL, "monday-sandbox.graphql") {
            Ok(schema) => schema,
            // The SDL is a compile-time constant checked by the tests; a failure is a sandbox bug.
            Err(e) => panic!("built-in monday sandbox schema is invalid: {}", e.errors),
        },
    )
}

/// A parsed, validated request with coerced variables.
pub(crate) struct Prepared {
    pub doc: Valid<ExecutableDocument>,
    pub operation_name: Option<String>,
    pub vars: Map<String, Value>,
}

impl Prepared {
    pub fn operation(&self) -> &Node<Operation> {
        // `prepare` checked that the operation exists.
        self.doc
            .operations
            .get(self.operation_name.as_deref())
            .unwrap_or_else(|_| unreachable!("operation checked in prepare"))
    }

    pub fn is_mutation(&self) -> bool {
        self.operation().operation_type == OperationType::Mutation
    }

    pub fn exec(&self) -> Exec<'_> {
        Exec {
            doc: &self.doc,
            vars: &self.vars,
        }
    }
}

/// Parses and validates `query`, selects the operation and coerces `variables`.
pub(crate) fn prepare(
    query: &str,
    operation_name: Option<&str>,
    variables: Map<String, Value>,
) -> Result<Prepared, Vec<GqlError>> {
    let schema = schema();
    let doc = ExecutableDocument::parse_and_validate(schema, query, "request.graphql")
        .map_err(|e| diagnostics(&e.errors))?;
    let operation = doc.operations.get(operation_name).map_err(|e| {
        vec![GqlError::new("missingOperation", e.message().to_string()).with_status(400)]
    })?;
    let raw: apollo_compiler::response::JsonMap = serde_json::from_value(Value::Object(variables))
        .map_err(|e| {
            vec![GqlError::new(
                "variableMismatch",
                format!("Invalid variables: {e}"),
            )]
        })?;
    let coerced = apollo_compiler::request::coerce_variable_values(schema, operation, &raw)
        .map_err(|e| {
            let json = e.to_graphql_error(&doc.sources);
            let mut err = GqlError::new("variableMismatch", json.message);
            err.locations = json.locations.iter().map(|l| (l.line, l.column)).collect();
            vec![err]
        })?;
    let vars = match serde_json::to_value(coerced.into_inner()) {
        Ok(Value::Object(map)) => map,
        _ => Map::new(),
    };
    Ok(Prepared {
        doc,
        operation_name: operation_name.map(str::to_string),
        vars,
    })
}

/// Argument values of one field, with variables substituted and schema defaults applied.
#[derive(Debug, Default, Clone)]
pub(crate) struct Args(pub Map<String, Value>);

impl Args {
    /// The argument's value; an explicit `null` reads as absent.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.0.get(name).filter(|v| !v.is_null())
    }

    pub fn str(&self, name: &str) -> Option<&str> {
        self.get(name).and_then(Value::as_str)
    }

    pub fn bool(&self, name: &str) -> bool {
        self.get(name).and_then(Value::as_bool).unwrap_or(false)
    }

    pub fn int(&self, name: &str) -> Option<i64> {
        self.get(name).and_then(Value::as_i64)
    }

    /// An `ID` argument as monday's numeric id; a non-numeric id is an argument error.
    pub fn id(&self, name: &str) -> Result<Option<u64>, GqlError> {
        match self.get(name) {
            None => Ok(None),
            Some(v) => super::state::parse_id(v).map(Some).ok_or_else(|| {
                GqlError::new(
                    "InvalidArgumentException",
                    format!("Argument {name} must be a numeric id, got {v}"),
                )
                .with_data(json!({"argument": name, "value": v}))
            }),
        }
    }

    /// A list of `ID`s; ids that are not numeric match nothing, as in monday.
    pub fn ids(&self, name: &str) -> Option<Vec<u64>> {
        let list = self.get(name)?;
        Some(match list {
            Value::Array(items) => items.iter().filter_map(super::state::parse_id).collect(),
            single => super::state::parse_id(single).into_iter().collect(),
        })
    }
}

/// The executor over one validated document.
pub(crate) struct Exec<'a> {
    pub doc: &'a Valid<ExecutableDocument>,
    pub vars: &'a Map<String, Value>,
}

/// Selected fields grouped by response key, in request order.
pub(crate) type FieldGroups<'s> = Vec<(String, Vec<&'s Node<Field>>)>;

impl<'a> Exec<'a> {
    /// The root selection, grouped by response key.
    pub fn root_fields(&self, op: &'a Operation) -> FieldGroups<'a> {
        self.collect(&[&op.selection_set], &op.selection_set.ty)
    }

    /// Fields that apply to an object of `type_name`, merged by response key.
    pub fn collect<'s>(&self, sets: &[&'s SelectionSet], type_name: &str) -> FieldGroups<'s>
    where
        'a: 's,
    {
        let mut out: FieldGroups<'s> = Vec::new();
        for set in sets {
            self.collect_into(set, type_name, &mut out);
        }
        out
    }

    fn collect_into<'s>(&self, set: &'s SelectionSet, type_name: &str, out: &mut FieldGroups<'s>)
    where
        'a: 's,
    {
        for selection in &set.selections {
            match selection {
                Selection::Field(field) if self.included(&field.directives) => {
                    let key = field.response_key().to_string();
                    match out.iter_mut().find(|(k, _)| *k == key) {
                        Some((_, fields)) => fields.push(field),
                        None => out.push((key, vec![field])),
                    }
                }
                Selection::InlineFragment(frag)
                    if self.included(&frag.directives)
                        && frag
                            .type_condition
                            .as_ref()
                            .is_none_or(|c| applies(c, type_name)) =>
                {
                    self.collect_into(&frag.selection_set, type_name, out);
                }
                Selection::FragmentSpread(spread) if self.included(&spread.directives) => {
                    if let Some(frag) = self.doc.fragments.get(&spread.fragment_name) {
                        if applies(frag.type_condition(), type_name) {
                            self.collect_into(&frag.selection_set, type_name, out);
                        }
                    }
                }
                _ => {}
            }
        }
    }

    fn included(&self, directives: &ast::DirectiveList) -> bool {
        let flag = |name: &str| {
            directives
                .get(name)
                .and_then(|d| d.specified_argument_by_name("if"))
                .map(|v| self.value(v).as_bool().unwrap_or(false))
        };
        flag("skip") != Some(true) && flag("include") != Some(false)
    }

    /// A literal or variable as JSON.
    pub fn value(&self, value: &ast::Value) -> Value {
        match value {
            ast::Value::Null => Value::Null,
            ast::Value::Enum(name) => Value::String(name.to_string()),
            ast::Value::Variable(name) => {
                self.vars.get(name.as_str()).cloned().unwrap_or(Value::Null)
            }
            ast::Value::String(s) => Value::String(s.clone()),
            ast::Value::Float(f) => f
                .try_to_f64()
                .ok()
                .and_then(serde_json::Number::from_f64)
                .map_or(Value::Null, Value::Number),
            ast::Value::Int(i) => match i.as_str().parse::<i64>() {
                Ok(n) => json!(n),
                Err(_) => i
                    .as_str()
                    .parse::<u64>()
                    .map_or(Value::String(i.as_str().into()), |n| json!(n)),
            },
            ast::Value::Boolean(b) => Value::Bool(*b),
            ast::Value::List(items) => Value::Array(items.iter().map(|v| self.value(v)).collect()),
            ast::Value::Object(fields) => Value::Object(
                fields
                    .iter()
                    .map(|(k, v)| (k.to_string(), self.value(v)))
                    .collect(),
            ),
        }
    }

    /// A field's arguments with defaults from the schema.
    pub fn args(&self, field: &Field) -> Args {
        let mut map = Map::new();
        for def in &field.definition.arguments {
            let given = field.arguments.iter().find(|a| a.name == def.name);
            let value = match (given, &def.default_value) {
                (Some(arg), _) => match arg.value.as_ref() {
                    // An unset variable falls back to the argument's default.
                    ast::Value::Variable(v) if !self.vars.contains_key(v.as_str()) => {
                        def.default_value.as_ref().map(|d| self.value(d))
                    }
                    v => Some(self.value(v)),
                },
                (None, Some(default)) => Some(self.value(default)),
                (None, None) => None,
            };
            if let Some(value) = value {
                map.insert(def.name.to_string(), value);
            }
        }
        Args(map)
    }

    pub fn location(&self, field: &Field) -> Vec<(usize, usize)> {
        field
            .name
            .location()
            .and_then(|span| span.line_column(&self.doc.sources))
            .map(|lc| vec![(lc.line, lc.column)])
            .unwrap_or_default()
    }

    /// Renders `obj` for the given (merged) fields' sub-selections.
    pub fn render(
        &self,
        reader: &Reader,
        obj: &Obj,
        fields: &[&Node<Field>],
        path: &mut Vec<Value>,
        errors: &mut Vec<GqlError>,
    ) -> Value {
        let sets: Vec<&SelectionSet> = fields.iter().map(|f| &f.selection_set).collect();
        self.render_sets(reader, obj, &sets, path, errors)
    }

    /// Renders `obj` for the union of `sets` (the operation's root set, or merged fields).
    pub fn render_sets(
        &self,
        reader: &Reader,
        obj: &Obj,
        sets: &[&SelectionSet],
        path: &mut Vec<Value>,
        errors: &mut Vec<GqlError>,
    ) -> Value {
        let type_name = obj.type_name(reader);
        let mut out = Map::new();
        for (key, group) in self.collect(sets, type_name) {
            let field = group[0];
            path.push(Value::String(key.clone()));
            let value = if field.name == "__typename" {
                Value::String(type_name.to_string())
            } else {
                match resolve_field(reader, obj, field, &self.args(field)) {
                    Ok(resolved) => self.complete(reader, resolved, &group, path, errors),
                    Err(mut err) => {
                        err.path = path.clone();
                        err.locations = self.location(field);
                        errors.push(err);
                        Value::Null
                    }
                }
            };
            path.pop();
            out.insert(key, value);
        }
        Value::Object(out)
    }

    pub fn complete(
        &self,
        reader: &Reader,
        resolved: Resolved,
        fields: &[&Node<Field>],
        path: &mut Vec<Value>,
        errors: &mut Vec<GqlError>,
    ) -> Value {
        match resolved {
            Resolved::Null => Value::Null,
            Resolved::Leaf(v) => v,
            Resolved::Obj(obj) => self.render(reader, &obj, fields, path, errors),
            Resolved::List(items) => Value::Array(
                items
                    .into_iter()
                    .enumerate()
                    .map(|(i, item)| {
                        path.push(json!(i));
                        let v = self.complete(reader, item, fields, path, errors);
                        path.pop();
                        v
                    })
                    .collect(),
            ),
        }
    }

    /// Estimated complexity points of a selection (see `limits::field_cost`).
    pub fn cost(&self, sets: &[&SelectionSet]) -> u64 {
        let mut total = 0u64;
        for set in sets {
            for selection in &set.selections {
                total = total.saturating_add(match selection {
                    Selection::Field(field) => {
                        let args = self.args(field);
                        let (base, multiplier) = super::limits::field_cost(&field.name, &args);
                        let children = self.cost(&[&field.selection_set]);
                        base.saturating_add(multiplier.saturating_mul(children))
                    }
                    Selection::InlineFragment(frag) => self.cost(&[&frag.selection_set]),
                    Selection::FragmentSpread(spread) => {
                        match self.doc.fragments.get(&spread.fragment_name) {
                            Some(frag) => self.cost(&[&frag.selection_set]),
                            None => 0,
                        }
                    }
                });
            }
        }
        total
    }
}

/// What a resolver produced for one field, before its sub-selection is rendered.
pub(crate) enum Resolved {
    Null,
    Leaf(Value),
    Obj(Obj),
    List(Vec<Resolved>),
}

impl Resolved {
    pub fn leaf(v: impl Into<Value>) -> Self {
        Resolved::Leaf(v.into())
    }

    pub fn id(id: u64) -> Self {
        Resolved::Leaf(Value::String(id.to_string()))
    }

    pub fn opt(v: Option<impl Into<Value>>) -> Self {
        v.map_or(Resolved::Null, |v| Resolved::Leaf(v.into()))
    }

    pub fn objs(objs: impl IntoIterator<Item = Obj>) -> Self {
        Resolved::List(objs.into_iter().map(Resolved::Obj).collect())
    }
}

/// Whether a fragment on `condition` applies to an object of `type_name`.
fn applies(condition: &str, type_name: &str) -> bool {
    condition == type_name || schema().is_subtype(condition, type_name)
}
