//! The HTTP edge: `POST /v2` with monday's envelope, headers and status codes (§1, §4, §7).
//!
//! Request pipeline: version → auth → injected faults and minute limit → body and GraphQL
//! validation → Idempotency-Key → per-board in-flight accounting → latency → complexity →
//! execution → (optionally) dropping the connection after the write.

use std::sync::Arc;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use serde_json::{json, Map, Value};

use super::conn::ConnHandle;
use super::graphql::{self, GqlError};
use super::limits::{seconds_header, IdempotencyCheck, Rejection};
use super::mutations::{self, MutationCtx};
use super::resolvers::{Obj, Reader};
use super::state::{Shared, ME_ID};
use super::{page, versions, webhooks};

pub(crate) fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/v2", post(graphql_endpoint))
        .route("/", get(page::index))
        .route("/boards/{id}", get(page::board))
        .with_state(shared)
}

/// A response before headers are added.
struct Reply {
    status: u16,
    body: Vec<u8>,
    retry_after: Option<Duration>,
    replayed: bool,
    has_errors: bool,
}

impl Reply {
    fn json(status: u16, body: &Value) -> Reply {
        Reply {
            status,
            body: serde_json::to_vec(body).unwrap_or_default(),
            retry_after: None,
            replayed: false,
            has_errors: body.get("errors").is_some() || status >= 400,
        }
    }

    fn errors(status: u16, errors: &[GqlError], request_id: &str) -> Reply {
        let list: Vec<Value> = errors.iter().map(GqlError::to_json).collect();
        Reply::json(
            status,
            &json!({"errors": list, "extensions": {"request_id": request_id}}),
        )
    }

    fn rejection(r: Rejection, request_id: &str) -> Reply {
        let mut reply = Reply::errors(r.status, &[r.error], request_id);
        reply.retry_after = r.retry_after;
        reply
    }
}

/// Undoes in-flight bookkeeping even if the client disconnects mid-request.
struct InFlight {
    shared: Arc<Shared>,
    token: String,
    boards: Vec<u64>,
    /// An Idempotency-Key whose response has not been stored yet.
    pending_key: Option<String>,
}

impl Drop for InFlight {
    fn drop(&mut self) {
        let mut inner = self.shared.lock();
        inner.limits.leave_boards(&self.boards);
        inner.limits.inflight_requests = inner.limits.inflight_requests.saturating_sub(1);
        if let Some(key) = self.pending_key.take() {
            inner.limits.idempotency_abort(&self.token, &key);
        }
    }
}

async fn graphql_endpoint(
    State(shared): State<Arc<Shared>>,
    ConnectInfo(conn): ConnectInfo<ConnHandle>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let request_id = uuid::Uuid::new_v4().to_string();
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let requested = headers.get("api-version").and_then(|v| v.to_str().ok());
    let (version, reply) = match versions::negotiate(requested) {
        Ok(version) => (
            version,
            handle(
                &shared,
                &conn,
                &headers,
                &token,
                version,
                &body,
                &request_id,
            )
            .await,
        ),
        Err(message) => {
            let err = GqlError::new("InvalidVersionException", message);
            (versions::CURRENT, Reply::errors(200, &[err], &request_id))
        }
    };
    finish(&shared, &token, version, &request_id, reply)
}

async fn handle(
    shared: &Arc<Shared>,
    conn: &ConnHandle,
    headers: &HeaderMap,
    token: &str,
    version: &'static str,
    body: &[u8],
    request_id: &str,
) -> Reply {
    {
        let mut inner = shared.lock();
        inner.stats.requests += 1;
        if token.is_empty() || !inner.limits.tokens.contains(token) {
            let err = GqlError::new("Unauthorized", "Unauthorized").with_status(401);
            return Reply::errors(401, &[err], request_id);
        }
        let now = inner.account.now();
        if let Some(rejection) = inner.limits.take_fault(now) {
            return Reply::rejection(rejection, request_id);
        }
        let instant = inner.account.instant();
        if let Err(rejection) = inner.limits.count_request(token, instant) {
            return Reply::rejection(rejection, request_id);
        }
    }

    let bad_request = |message: &str| {
        let err = GqlError::new("BadRequest", message).with_status(400);
        Reply::errors(400, &[err], request_id)
    };
    let Ok(request) = serde_json::from_slice::<Value>(body) else {
        return bad_request(
            "Bad request: send a POST with a JSON body {\"query\": \"...\", \"variables\": {...}}",
        );
    };
    let Some(query) = request.get("query").and_then(Value::as_str) else {
        return bad_request("Bad request: pass your query string with the \"query\" key");
    };
    let variables = match request.get("variables") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(map)) => map.clone(),
        Some(Value::String(_)) => {
            return bad_request("Bad request: variables must be a JSON object, not a JSON-encoded string (since API version 2025-04)")
        }
        Some(_) => return bad_request("Bad request: variables must be a JSON object"),
    };
    let operation_name = request.get("operationName").and_then(Value::as_str);
    let prepared = match graphql::prepare(query, operation_name, variables) {
        Ok(p) => p,
        Err(errors) => return Reply::errors(200, &errors, request_id),
    };
    let is_mutation = prepared.is_mutation();
    let idempotency_key = headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .filter(|k| is_mutation && !k.trim().is_empty())
        .map(str::to_string);

    let mut in_flight = {
        let mut inner = shared.lock();
        let instant = inner.account.instant();
        if let Some(key) = &idempotency_key {
            match inner.limits.idempotency_begin(token, key, instant) {
                IdempotencyCheck::Fresh => {}
                IdempotencyCheck::Replay { status, body } => {
                    inner.stats.idempotent_replays += 1;
                    let has_errors = serde_json::from_slice::<Value>(&body)
                        .is_ok_and(|b| b.get("errors").is_some());
                    return Reply {
                        status,
                        body,
                        retry_after: None,
                        replayed: true,
                        has_errors,
                    };
                }
                IdempotencyCheck::Conflict => {
                    let err = GqlError::new(
                        "IDEMPOTENCY_CONFLICT",
                        "A request with this idempotency key is currently being processed",
                    )
                    .with_status(409);
                    let mut reply = Reply::errors(409, &[err], request_id);
                    reply.retry_after = Some(Duration::from_secs(1));
                    return reply;
                }
            }
        }
        let boards = if is_mutation {
            let groups = prepared.exec().root_fields(prepared.operation());
            mutations::touched_boards(&inner.account, &prepared, &groups)
        } else {
            Vec::new()
        };
        let inner = &mut *inner;
        inner.limits.enter_boards(&boards, &mut inner.stats);
        inner.limits.inflight_requests += 1;
        InFlight {
            shared: Arc::clone(shared),
            token: token.to_string(),
            boards,
            pending_key: idempotency_key.clone(),
        }
    };

    let latency = shared.lock().limits.faults.latency;
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }

    let cost = prepared.exec().cost(&[&prepared.operation().selection_set]);
    let charged = {
        let mut inner = shared.lock();
        let instant = inner.account.instant();
        inner.limits.charge(token, cost, instant)
    };
    let complexity = match charged {
        Ok(info) => info,
        Err(rejection) => return Reply::rejection(rejection, request_id),
    };

    let (reply, deliveries) = if is_mutation {
        let ctx = MutationCtx {
            api_version: version,
            complexity,
            idempotency_key: idempotency_key.as_deref(),
            user_id: ME_ID,
        };
        match mutations::execute(shared, &prepared, &ctx).await {
            Ok(result) => (
                envelope(result.data, &result.errors, request_id),
                result.deliveries,
            ),
            Err(err) => (Reply::errors(400, &[err], request_id), Vec::new()),
        }
    } else {
        let inner = shared.lock();
        let reader = Reader {
            account: &inner.account,
            complexity,
            api_version: version,
        };
        let exec = prepared.exec();
        let mut errors = Vec::new();
        let data = exec.render_sets(
            &reader,
            &Obj::Query,
            &[&prepared.operation().selection_set],
            &mut Vec::new(),
            &mut errors,
        );
        (envelope(data, &errors, request_id), Vec::new())
    };

    {
        let mut inner = shared.lock();
        if let Some(key) = in_flight.pending_key.take() {
            let instant = inner.account.instant();
            inner
                .limits
                .idempotency_finish(token, &key, reply.status, &reply.body, instant);
        }
        if is_mutation && reply.status == 200 && inner.limits.faults.drop_after_write > 0 {
            inner.limits.faults.drop_after_write -= 1;
            // The write happened; the client never hears about it.
            conn.kill();
        }
    }
    drop(in_flight);
    webhooks::spawn_deliveries(shared, deliveries);
    reply
}

fn envelope(data: Value, errors: &[GqlError], request_id: &str) -> Reply {
    let mut body = Map::new();
    body.insert("data".into(), data);
    if !errors.is_empty() {
        body.insert(
            "errors".into(),
            Value::Array(errors.iter().map(GqlError::to_json).collect()),
        );
    }
    body.insert("extensions".into(), json!({"request_id": request_id}));
    Reply::json(200, &Value::Object(body))
}

fn finish(
    shared: &Arc<Shared>,
    token: &str,
    version: &str,
    request_id: &str,
    reply: Reply,
) -> Response {
    let (policy, state) = {
        let mut inner = shared.lock();
        if reply.status == 429 {
            inner.stats.rejected_429 += 1;
        }
        if reply.has_errors {
            inner.stats.errors += 1;
        }
        let instant = inner.account.instant();
        inner.limits.rate_headers(token, instant)
    };
    let mut response = Response::new(Body::from(reply.body));
    *response.status_mut() =
        StatusCode::from_u16(reply.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let h = response.headers_mut();
    let mut set = |name: &'static str, value: &str| {
        if let Ok(v) = HeaderValue::from_str(value) {
            h.insert(name, v);
        }
    };
    set("content-type", "application/json; charset=utf-8");
    set("api-version", version);
    set("ratelimit-policy", &policy);
    set("ratelimit", &state);
    set("x-request-id", request_id);
    if let Some(wait) = reply.retry_after {
        set("retry-after", &seconds_header(wait));
    }
    if reply.replayed {
        set("idempotency-replayed", "true");
    }
    response
}
