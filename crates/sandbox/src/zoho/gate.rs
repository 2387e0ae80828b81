//! The front door of the Books API. Before any handler runs, each call is counted, then meets
//! (in this order) injected faults, authentication, the `organization_id` check, the limits and
//! the configured latency. Every answer's body `code` is recorded in the organization's stats.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Request, State as AxumState};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::{NaiveDate, Utc};
use serde_json::{json, Value};
use tokio::time::Instant;

use super::limits::{InFlight, RateHeaders};
use super::oauth::authenticate;
use super::state::{normalize_dc, Fault, Inner, State};

/// The body `code` of a response, kept beside it so the gate can count codes without
/// re-parsing bodies.
#[derive(Clone, Copy, Debug)]
pub struct ZohoCode(pub i64);

/// A JSON response whose body `code` is recorded in the stats.
pub fn reply(status: StatusCode, body: Value) -> Response {
    let code = body.get("code").and_then(Value::as_i64).unwrap_or(0);
    let mut response = (status, Json(body)).into_response();
    response.extensions_mut().insert(ZohoCode(code));
    response
}

/// `{"code": code, "message": message}` with `status`.
pub fn error(status: StatusCode, code: i64, message: impl Into<String>) -> Response {
    reply(status, json!({ "code": code, "message": message.into() }))
}

/// `{"code": 0, "message": "success", key: value, ...extra}`.
pub fn success(key: &str, value: Value) -> Response {
    let mut body = json!({ "code": 0, "message": "success" });
    body[key] = value;
    reply(StatusCode::OK, body)
}

pub fn invalid_org() -> Response {
    error(
        StatusCode::BAD_REQUEST,
        2,
        "Invalid value passed for organization_id",
    )
}

fn invalid_token() -> Response {
    error(StatusCode::UNAUTHORIZED, 14, "Invalid OAuth token")
}

/// What the gate established, for the handlers (a request extension).
#[derive(Clone, Debug)]
pub struct ApiContext {
    pub dc: String,
    /// Always present except on `GET /organizations` without `organization_id`.
    pub org_id: Option<String>,
    /// The organizations the access token grants.
    pub granted_orgs: Vec<String>,
}

impl ApiContext {
    pub fn org(&self) -> &str {
        self.org_id.as_deref().unwrap_or_default()
    }
}

/// The default body of an injected failure with HTTP `status`.
pub fn fault_for_status(status: u16, remaining: u32) -> Fault {
    let (code, message) = match status {
        400 => (2, "Invalid value passed"),
        401 => (57, "You are not authorized to perform this operation"),
        404 => (1002, "Resource does not exist."),
        429 => (44, "For security reasons your organization has been blocked as it have exceeded the maximum number of requests per minute that can originate from an organization."),
        _ => (1000, "Internal error"),
    };
    Fault {
        remaining,
        status,
        code,
        message: message.to_owned(),
    }
}

struct Admitted {
    ctx: ApiContext,
    headers: Option<RateHeaders>,
}

/// A refused call: the organization it counts against (if known) and the answer.
struct Refused(Option<String>, Box<Response>);

fn access_token(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    // Books wants `Zoho-oauthtoken`, not `Bearer` (reference §2), so only that scheme passes.
    let token = value.strip_prefix("Zoho-oauthtoken ")?.trim();
    (!token.is_empty()).then(|| token.to_owned())
}

pub async fn gate(
    AxumState(state): AxumState<Arc<State>>,
    mut req: Request,
    next: Next,
) -> Response {
    let path = req.uri().path().to_owned();
    let Some(dc) = path.split('/').nth(2).and_then(normalize_dc) else {
        return error(StatusCode::NOT_FOUND, 5, "Invalid URL Passed");
    };
    let query: HashMap<String, String> =
        url::form_urlencoded::parse(req.uri().query().unwrap_or_default().as_bytes())
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
    let org_param = query
        .get("organization_id")
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty());
    let lists_orgs = path.trim_end_matches('/').ends_with("/organizations");
    let token = access_token(req.headers());
    let (outcome, latency) = {
        let mut inner = state.lock();
        let latency = inner.config.latency;
        let outcome = admit(
            &mut inner,
            &dc,
            org_param.as_deref(),
            token.as_deref(),
            lists_orgs,
            Instant::now(),
            Utc::now().date_naive(),
        );
        (outcome, latency)
    };
    let admitted = match outcome {
        Ok(admitted) => admitted,
        Err(Refused(org, response)) => {
            tracing::debug!(%path, org = ?org, status = %response.status(), "Zoho sandbox refused a call");
            return record(&state, org.as_deref(), *response);
        }
    };
    let org_id = admitted.ctx.org_id.clone();
    let slot = org_id.clone().map(|org| InFlight::new(state.clone(), org));
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    req.extensions_mut().insert(admitted.ctx);
    let mut response = next.run(req).await;
    drop(slot);
    if let Some(h) = admitted.headers {
        add_rate_headers(response.headers_mut(), h);
    }
    record(&state, org_id.as_deref(), response)
}

fn admit(
    inner: &mut Inner,
    dc: &str,
    org_param: Option<&str>,
    token: Option<&str>,
    lists_orgs: bool,
    now: Instant,
    today: NaiveDate,
) -> Result<Admitted, Refused> {
    let known_org = org_param
        .filter(|id| inner.orgs.contains_key(*id))
        .map(str::to_owned);
    let refuse = |response: Response| Refused(known_org.clone(), Box::new(response));
    if let Some(org) = known_org.as_ref().and_then(|id| inner.orgs.get_mut(id)) {
        // Every call naming a known organization counts, whatever its outcome.
        org.stats.api_requests += 1;
        if let Some(fault) = org.faults.front_mut() {
            fault.remaining = fault.remaining.saturating_sub(1);
            // Status 0 lets the call through (`pass_next`), so a test can fail the Nth call.
            let pass = fault.status == 0;
            let status =
                StatusCode::from_u16(fault.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let response = error(status, fault.code, fault.message.clone());
            if fault.remaining == 0 {
                org.faults.pop_front();
            }
            if !pass {
                return Err(refuse(response));
            }
        }
    }
    let Some(granted_orgs) = token.and_then(|t| authenticate(inner, t, dc, now)) else {
        return Err(refuse(invalid_token()));
    };
    let Some(org_id) = org_param else {
        if lists_orgs {
            let ctx = ApiContext {
                dc: dc.to_owned(),
                org_id: None,
                granted_orgs,
            };
            return Ok(Admitted { ctx, headers: None });
        }
        return Err(refuse(invalid_org()));
    };
    let config = inner.config.clone();
    let Some(org) = inner.orgs.get_mut(org_id) else {
        return Err(refuse(invalid_org()));
    };
    if org.dc != dc {
        // An organization is only served by its own data centre's API domain.
        return Err(refuse(invalid_token()));
    }
    // The user behind the token does not belong to this organization: to them it is an
    // invalid organization_id, as an unknown one is.
    if !granted_orgs.iter().any(|g| g == org_id) {
        return Err(refuse(invalid_org()));
    }
    match org.limiter.admit(&config, now, today) {
        Ok((headers, in_flight)) => {
            org.stats.max_concurrent_seen = org.stats.max_concurrent_seen.max(in_flight);
            let ctx = ApiContext {
                dc: dc.to_owned(),
                org_id: Some(org_id.to_owned()),
                granted_orgs,
            };
            Ok(Admitted {
                ctx,
                headers: Some(headers),
            })
        }
        Err(rejection) => {
            let mut response = error(
                StatusCode::TOO_MANY_REQUESTS,
                rejection.code,
                rejection.message,
            );
            add_rate_headers(response.headers_mut(), rejection.headers);
            Err(refuse(response))
        }
    }
}

fn add_rate_headers(headers: &mut HeaderMap, h: RateHeaders) {
    let pairs = [
        ("x-rate-limit-limit", u64::from(h.limit)),
        ("x-rate-limit-remaining", u64::from(h.remaining)),
        ("x-rate-limit-reset", h.reset_secs),
    ];
    for (name, value) in pairs {
        headers.insert(name, HeaderValue::from(value));
    }
}

/// Counts the answer's body code (and a 429) against the organization.
fn record(state: &State, org_id: Option<&str>, response: Response) -> Response {
    let Some(org_id) = org_id else {
        return response;
    };
    let code = response.extensions().get::<ZohoCode>().map_or(0, |c| c.0);
    if let Some(org) = state.lock().orgs.get_mut(org_id) {
        *org.stats.per_code.entry(code).or_default() += 1;
        if response.status() == StatusCode::TOO_MANY_REQUESTS {
            org.stats.rate_limited_429 += 1;
        }
    }
    response
}
