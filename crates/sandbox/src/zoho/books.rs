//! Books v3 routes for organizations, invoices, bills, purchase orders and their comments
//! (reference §3, §4, §8), plus the paging and sorting every list shares.

use std::cmp::Ordering;
use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Extension, Path, Query, State as AxumState};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use chrono::Utc;
use rust_decimal::Decimal;
use serde_json::{json, Value};

use super::gate::{error, reply, success, ApiContext};
use super::state::{parse_time, DocumentKind, State};

type Params = Query<HashMap<String, String>>;
type Ctx = Extension<ApiContext>;
type St = AxumState<Arc<State>>;

/// The route of a Books v3 path (`/invoices` → `/api/{dc}/books/v3/invoices`).
pub fn v3(path: &str) -> String {
    format!("/api/{{dc}}/books/v3{path}")
}

pub fn routes() -> Router<Arc<State>> {
    let mut router = Router::new().route(&v3("/organizations"), get(organizations));
    for kind in DocumentKind::ALL {
        let plural = kind.plural_key();
        router = router
            .route(
                &v3(&format!("/{plural}")),
                get(move |s: St, c: Ctx, q: Params| list_documents(kind, s, c, q)),
            )
            .route(
                &v3(&format!("/{plural}/{{id}}")),
                get(move |s: St, c: Ctx, p: Path<(String, String)>| get_document(kind, s, c, p)),
            )
            .route(
                &v3(&format!("/{plural}/{{id}}/comments")),
                get(move |s: St, c: Ctx, p: Path<(String, String)>| list_comments(kind, s, c, p))
                    .post(move |s: St, c: Ctx, p: Path<(String, String)>, b: Bytes| {
                        add_comment(kind, s, c, p, b)
                    }),
            );
    }
    router
}

/// `GET /organizations`: the organizations the token grants in this data centre.
async fn organizations(AxumState(state): St, Extension(ctx): Ctx) -> Response {
    let inner = state.lock();
    let orgs: Vec<Value> = inner
        .org_order
        .iter()
        .filter(|id| ctx.granted_orgs.contains(id))
        .filter_map(|id| inner.orgs.get(id))
        .filter(|org| org.dc == ctx.dc)
        .enumerate()
        .map(|(i, org)| org.to_json(i == 0))
        .collect();
    success("organizations", Value::Array(orgs))
}

async fn list_documents(
    kind: DocumentKind,
    AxumState(state): St,
    Extension(ctx): Ctx,
    Query(mut q): Params,
) -> Response {
    let rows: Vec<Value> = {
        let mut inner = state.lock();
        // `last_modified_time` is not a documented sort column: a Zoho that ignores it lists in
        // its default order and says so in `page_context`.
        if inner.config.list_sorting == super::config::ListSorting::Ignored
            && q.get("sort_column").map(String::as_str) == Some("last_modified_time")
        {
            q.remove("sort_column");
        }
        let Some(org) = inner.orgs.get_mut(ctx.org()) else {
            return super::gate::invalid_org();
        };
        org.stats.list_calls += 1;
        org.docs(kind)
            .values()
            .filter(|doc| matches_filters(doc, &q))
            .map(|doc| kind.list_row(doc))
            .collect()
    };
    list_response(
        kind.plural_key(),
        rows,
        &q,
        kind.id_field(),
        report_name(kind),
    )
}

fn report_name(kind: DocumentKind) -> &'static str {
    match kind {
        DocumentKind::Invoice => "Invoices",
        DocumentKind::Bill => "Bills",
        DocumentKind::PurchaseOrder => "Purchase Orders",
    }
}

/// The list filters the sandbox honours: `status`, `customer_id`, `vendor_id`,
/// `filter_by=Status.X` and `last_modified_time`, which is an **exact match** as a live probe
/// found (reference §4), not "modified since" as the OAS claims.
fn matches_filters(doc: &Value, q: &HashMap<String, String>) -> bool {
    let field_is = |field: &str, want: &str| doc.get(field).and_then(Value::as_str) == Some(want);
    let status_filter = q
        .get("filter_by")
        .and_then(|f| f.strip_prefix("Status."))
        .and_then(|s| {
            let snake = match s {
                "All" => return None,
                "PartiallyPaid" => "partially_paid".to_owned(),
                other => other.to_ascii_lowercase(),
            };
            Some(snake)
        });
    q.get("status").is_none_or(|s| field_is("status", s))
        && status_filter
            .as_deref()
            .is_none_or(|s| field_is("status", s))
        && q.get("customer_id")
            .is_none_or(|s| field_is("customer_id", s))
        && q.get("vendor_id").is_none_or(|s| field_is("vendor_id", s))
        && q.get("last_modified_time").is_none_or(|s| {
            let want = parse_time(s);
            let have = doc
                .get("last_modified_time")
                .and_then(Value::as_str)
                .and_then(parse_time);
            want.is_some() && want == have
        })
}

/// Sorts and pages `rows` per `page`, `per_page` (≤ 200, default 200), `sort_column` (any
/// field; default `created_time`) and `sort_order` (`A`|`D`, default `D`), and answers
/// `{"code":0,"message":"success", key: rows, "page_context": {...}}`.
pub fn list_response(
    key: &str,
    rows: Vec<Value>,
    q: &HashMap<String, String>,
    id_field: &str,
    report_name: &str,
) -> Response {
    list_response_projected(key, rows, q, id_field, report_name, |row| row)
}

/// [`list_response`] over full records, each row cut down by `project` after sorting: Zoho
/// sorts by fields its list rows do not show (customer payments by `created_time`).
pub fn list_response_projected(
    key: &str,
    mut rows: Vec<Value>,
    q: &HashMap<String, String>,
    id_field: &str,
    report_name: &str,
    project: impl Fn(Value) -> Value,
) -> Response {
    // A positive number, the default when absent, or the parameter's name when invalid.
    let number = |name: &'static str, default: usize| -> Result<usize, &'static str> {
        match q.get(name).map(|v| v.trim()) {
            None | Some("") => Ok(default),
            Some(v) => v.parse::<usize>().ok().filter(|n| *n >= 1).ok_or(name),
        }
    };
    let (page, per_page) = match (number("page", 1), number("per_page", 200)) {
        (Ok(page), Ok(per_page)) => (page, per_page.min(200)),
        (Err(name), _) | (_, Err(name)) => {
            return error(
                StatusCode::BAD_REQUEST,
                2,
                format!("Invalid value passed for {name}"),
            )
        }
    };
    let sort_column = q
        .get("sort_column")
        .filter(|c| !c.is_empty())
        .cloned()
        .unwrap_or_else(|| "created_time".to_owned());
    let descending = match q.get("sort_order").map(|o| o.to_ascii_uppercase()) {
        None => true,
        Some(o) if o == "D" || o == "DESC" => true,
        Some(o) if o == "A" || o == "ASC" => false,
        Some(_) => {
            return error(
                StatusCode::BAD_REQUEST,
                2,
                "Invalid value passed for sort_order",
            )
        }
    };
    rows.sort_by(|a, b| {
        let ord = compare_field(a.get(&sort_column), b.get(&sort_column))
            .then_with(|| compare_field(a.get(id_field), b.get(id_field)));
        if descending {
            ord.reverse()
        } else {
            ord
        }
    });
    let start = (page - 1).saturating_mul(per_page).min(rows.len());
    let end = start.saturating_add(per_page).min(rows.len());
    let has_more_page = end < rows.len();
    let page_rows: Vec<Value> = rows.drain(start..end).map(project).collect();
    let mut body = json!({ "code": 0, "message": "success" });
    body[key] = Value::Array(page_rows);
    body["page_context"] = json!({
        "page": page,
        "per_page": per_page,
        "has_more_page": has_more_page,
        "report_name": report_name,
        "applied_filter": "Status.All",
        "sort_column": sort_column,
        "sort_order": if descending { "D" } else { "A" },
    });
    reply(StatusCode::OK, body)
}

/// Orders two field values: timestamps by instant, amounts numerically, anything else as text;
/// a missing value sorts first.
fn compare_field(a: Option<&Value>, b: Option<&Value>) -> Ordering {
    match (a, b) {
        (None, None) => Ordering::Equal,
        (None, Some(_)) => Ordering::Less,
        (Some(_), None) => Ordering::Greater,
        (Some(a), Some(b)) => {
            let text = |v: &Value| match v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            let (ta, tb) = (text(a), text(b));
            if let (Some(x), Some(y)) = (parse_time(&ta), parse_time(&tb)) {
                return x.cmp(&y);
            }
            if let (Ok(x), Ok(y)) = (ta.parse::<Decimal>(), tb.parse::<Decimal>()) {
                return x.cmp(&y);
            }
            ta.cmp(&tb)
        }
    }
}

async fn get_document(
    kind: DocumentKind,
    AxumState(state): St,
    Extension(ctx): Ctx,
    Path((_dc, id)): Path<(String, String)>,
) -> Response {
    let doc = {
        let mut inner = state.lock();
        let Some(org) = inner.orgs.get_mut(ctx.org()) else {
            return super::gate::invalid_org();
        };
        org.stats.detail_gets += 1;
        org.docs(kind).get(&id).cloned()
    };
    match doc {
        Some(doc) => success(kind.singular_key(), doc),
        None => not_found(kind),
    }
}

pub fn not_found(kind: DocumentKind) -> Response {
    error(StatusCode::NOT_FOUND, 1002, kind.not_found_message())
}

async fn list_comments(
    kind: DocumentKind,
    AxumState(state): St,
    Extension(ctx): Ctx,
    Path((_dc, id)): Path<(String, String)>,
) -> Response {
    let inner = state.lock();
    let Some(org) = inner.orgs.get(ctx.org()) else {
        return super::gate::invalid_org();
    };
    if !org.docs(kind).contains_key(&id) {
        return not_found(kind);
    }
    let mut comments = org.comments.get(&(kind, id)).cloned().unwrap_or_default();
    comments.reverse();
    success("comments", Value::Array(comments))
}

/// A JSON body, or Zoho's older form encoding `JSONString=<json>`.
pub fn json_body(body: &[u8]) -> Option<Value> {
    serde_json::from_slice::<Value>(body).ok().or_else(|| {
        url::form_urlencoded::parse(body)
            .find(|(k, _)| k == "JSONString")
            .and_then(|(_, v)| serde_json::from_str(&v).ok())
    })
}

/// `POST /{kind}/{id}/comments`. Adding a comment does not change the document's
/// `last_modified_time`: it is not an edit, and a connector that writes back-link comments must
/// not see its own comments as changes.
async fn add_comment(
    kind: DocumentKind,
    AxumState(state): St,
    Extension(ctx): Ctx,
    Path((_dc, id)): Path<(String, String)>,
    body: Bytes,
) -> Response {
    let description = json_body(&body)
        .and_then(|b| {
            b.get("description")
                .and_then(Value::as_str)
                .map(str::to_owned)
        })
        .filter(|d| !d.trim().is_empty());
    let Some(description) = description else {
        return error(
            StatusCode::BAD_REQUEST,
            2,
            "Invalid value passed for description",
        );
    };
    let mut inner = state.lock();
    let comment_id = inner.next_id();
    let Some(org) = inner.orgs.get_mut(ctx.org()) else {
        return super::gate::invalid_org();
    };
    if !org.docs(kind).contains_key(&id) {
        return not_found(kind);
    }
    let now = Utc::now();
    let comment = json!({
        "comment_id": comment_id,
        kind.id_field(): id,
        "description": description,
        "commented_by_id": format!("{}001", org.id),
        "commented_by": "Sandbox Connector",
        "comment_type": "internal",
        "operation_type": "Added",
        "date": now.format("%Y-%m-%d").to_string(),
        "date_description": "few seconds ago",
        "time": now.format("%I:%M %p").to_string(),
    });
    org.comments
        .entry((kind, id))
        .or_default()
        .push(comment.clone());
    org.stats.comments_added += 1;
    reply(
        StatusCode::CREATED,
        json!({ "code": 0, "message": "Comments added.", "comment": comment }),
    )
}
