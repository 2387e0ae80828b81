//! The accounts servers: authorization redirect, token endpoint and revocation (reference §2).
//!
//! Token-endpoint errors are HTTP 200 with an `error` key, as Zoho sends them, so a client that
//! reads `access_token` without checking `error` first fails its tests here.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{Path, Query, RawQuery, State as AxumState};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};
use tokio::time::Instant;
use url::Url;
use uuid::Uuid;

use super::config::TokenFault;
use super::state::{normalize_dc, AccessGrant, GrantCode, Inner, RefreshGrant, State};

/// Live access tokens per refresh token; issuing one more invalidates the oldest (ACCT-LIMITS).
pub const MAX_LIVE_ACCESS_TOKENS: usize = 10;

/// How long a grant code can be exchanged (ACCT-AUTH: "valid for 2 minutes").
pub const GRANT_CODE_TTL: Duration = Duration::from_secs(120);

pub fn routes() -> Router<Arc<State>> {
    Router::new()
        .route("/accounts/{dc}/oauth/v2/token", post(token))
        .route("/accounts/{dc}/oauth/v2/token/revoke", post(revoke))
        .route("/accounts/{dc}/oauth/v2/auth", get(authorize))
}

/// A token in Zoho's shape, `1000.<32 hex>.<32 hex>`.
fn new_token() -> String {
    format!(
        "1000.{}.{}",
        Uuid::new_v4().simple(),
        Uuid::new_v4().simple()
    )
}

fn form_pairs(raw: &[u8]) -> impl Iterator<Item = (String, String)> + '_ {
    url::form_urlencoded::parse(raw).map(|(k, v)| (k.into_owned(), v.into_owned()))
}

/// `POST {accounts}/oauth/v2/token`: parameters from the query string and/or a form body
/// (the body wins), always answered with HTTP 200.
async fn token(
    AxumState(state): AxumState<Arc<State>>,
    Path(dc): Path<String>,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> Response {
    let Some(dc) = normalize_dc(&dc) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let mut params: HashMap<String, String> =
        form_pairs(query.as_deref().unwrap_or_default().as_bytes()).collect();
    params.extend(form_pairs(&body));
    let latency = state.lock().config.latency;
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    let forced = state.lock().api_domain_answer.clone();
    let api_domain = forced.unwrap_or_else(|| state.answered_api_domain(&dc));
    if let Some(fault) = injected_fault(&mut state.lock()) {
        return fault;
    }
    let answer = exchange(&mut state.lock(), &dc, &params, Instant::now());
    let body = match answer {
        Ok(issued) => {
            let mut body = json!({
                "access_token": issued.access_token,
                "api_domain": api_domain.as_str().trim_end_matches('/'),
                "token_type": "Bearer",
                "expires_in": issued.expires_in,
            });
            if let Some(refresh) = issued.refresh_token {
                body["refresh_token"] = Value::String(refresh);
            }
            body
        }
        Err(error) => error,
    };
    Json(body).into_response()
}

/// The answer of a [`TokenFault`] that is set, counted like any token request.
fn injected_fault(inner: &mut Inner) -> Option<Response> {
    let fault = inner.token_fault.clone()?;
    inner.token_requests += 1;
    let status =
        |code: u16| StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    Some(match fault {
        TokenFault::AccessDenied { http_status } => (
            status(http_status),
            Json(json!({
                "error_description": "You have made too many requests continuously. Please try again after some time.",
                "error": "Access Denied",
                "status": "failure",
            })),
        )
            .into_response(),
        TokenFault::ServerError { http_status } => (
            status(http_status),
            [(header::CONTENT_TYPE, "text/html")],
            "<html><body><h1>Service Unavailable</h1></body></html>",
        )
            .into_response(),
        TokenFault::InvalidCode => Json(token_error("invalid_code")).into_response(),
    })
}

struct Issued {
    access_token: String,
    refresh_token: Option<String>,
    expires_in: u64,
}

fn token_error(error: &str) -> Value {
    json!({ "error": error })
}

fn exchange(
    inner: &mut Inner,
    dc: &str,
    params: &HashMap<String, String>,
    now: Instant,
) -> Result<Issued, Value> {
    inner.token_requests += 1;
    let param = |name: &str| params.get(name).map(String::as_str).unwrap_or_default();
    let client_id = param("client_id");
    let (window, limit) = (
        inner.config.token_window,
        inner.config.token_requests_per_window,
    );
    if !inner.token_throttle.try_hit(client_id, now, window, limit) {
        return Err(json!({
            "error_description": "You have made too many requests continuously. Please try again after some time.",
            "error": "Access Denied",
            "status": "failure",
        }));
    }
    let client_ok = inner
        .clients
        .get(client_id)
        .is_some_and(|c| c.secret_for(dc) == param("client_secret"));
    if !client_ok {
        return Err(token_error("invalid_client"));
    }
    match param("grant_type") {
        "authorization_code" => {
            let code = param("code");
            let Some(grant) = inner.grant_codes.get_mut(code) else {
                return Err(token_error("invalid_code"));
            };
            if grant.used
                || grant.expires_at <= now
                || grant.client_id != client_id
                || grant.dc != dc
            {
                return Err(token_error("invalid_code"));
            }
            if let Some(expected) = &grant.redirect_uri {
                if params.get("redirect_uri") != Some(expected) {
                    return Err(token_error("invalid_redirect_uri"));
                }
            }
            grant.used = true;
            let org_ids = grant.org_ids.clone();
            let refresh = insert_refresh_token(inner, client_id, org_ids, Some(dc.to_owned()));
            let (access_token, expires_in) = issue_access_token(inner, &refresh, dc, now);
            Ok(Issued {
                access_token,
                refresh_token: Some(refresh),
                expires_in,
            })
        }
        "refresh_token" => {
            let refresh = param("refresh_token");
            let usable = inner.refresh_tokens.get(refresh).is_some_and(|g| {
                !g.revoked && g.client_id == client_id && g.dc.as_deref().is_none_or(|d| d == dc)
            });
            if !usable {
                return Err(token_error("invalid_code"));
            }
            let (access_token, expires_in) = issue_access_token(inner, refresh, dc, now);
            inner.refresh_requests += 1;
            Ok(Issued {
                access_token,
                refresh_token: None,
                expires_in,
            })
        }
        _ => Err(token_error("unsupported_grant_type")),
    }
}

pub fn insert_refresh_token(
    inner: &mut Inner,
    client_id: &str,
    org_ids: Vec<String>,
    dc: Option<String>,
) -> String {
    let token = new_token();
    inner.refresh_tokens.insert(
        token.clone(),
        RefreshGrant {
            client_id: client_id.to_owned(),
            org_ids,
            dc,
            revoked: false,
            live_access_tokens: Default::default(),
        },
    );
    token
}

/// Issues an access token for a known refresh token, invalidating the oldest live one beyond
/// [`MAX_LIVE_ACCESS_TOKENS`]. Returns the token and its `expires_in` in whole seconds.
fn issue_access_token(inner: &mut Inner, refresh: &str, dc: &str, now: Instant) -> (String, u64) {
    let ttl = inner.config.access_token_ttl;
    let token = new_token();
    let mut evicted = Vec::new();
    if let Some(grant) = inner.refresh_tokens.get_mut(refresh) {
        let access = &inner.access_tokens;
        grant
            .live_access_tokens
            .retain(|t| access.get(t).is_some_and(|a| a.expires_at > now));
        grant.live_access_tokens.push_back(token.clone());
        while grant.live_access_tokens.len() > MAX_LIVE_ACCESS_TOKENS {
            evicted.extend(grant.live_access_tokens.pop_front());
        }
    }
    for old in evicted {
        inner.access_tokens.remove(&old);
    }
    inner.access_tokens.insert(
        token.clone(),
        AccessGrant {
            refresh_token: refresh.to_owned(),
            dc: dc.to_owned(),
            expires_at: now + ttl,
        },
    );
    let expires_in = ttl.as_secs() + u64::from(ttl.subsec_nanos() > 0);
    (token, expires_in)
}

pub fn insert_grant_code(
    inner: &mut Inner,
    client_id: &str,
    org_ids: Vec<String>,
    dc: &str,
    redirect_uri: Option<String>,
) -> String {
    let code = new_token();
    inner.grant_codes.insert(
        code.clone(),
        GrantCode {
            client_id: client_id.to_owned(),
            org_ids,
            dc: dc.to_owned(),
            redirect_uri,
            expires_at: Instant::now() + GRANT_CODE_TTL,
            used: false,
        },
    );
    code
}

/// Revokes a refresh token and every access token issued from it.
pub fn revoke_refresh_token(inner: &mut Inner, token: &str) {
    if let Some(grant) = inner.refresh_tokens.get_mut(token) {
        grant.revoked = true;
        for access in grant.live_access_tokens.drain(..) {
            inner.access_tokens.remove(&access);
        }
    }
}

/// The organizations an access token grants, when it is live and was issued by the accounts
/// server of `dc` (tokens are local to their data centre).
pub fn authenticate(
    inner: &Inner,
    access_token: &str,
    dc: &str,
    now: Instant,
) -> Option<Vec<String>> {
    let access = inner.access_tokens.get(access_token)?;
    if access.expires_at <= now || access.dc != dc {
        return None;
    }
    let grant = inner.refresh_tokens.get(&access.refresh_token)?;
    (!grant.revoked).then(|| grant.org_ids.clone())
}

/// `POST {accounts}/oauth/v2/token/revoke?token=…` (field-observed endpoint).
async fn revoke(
    AxumState(state): AxumState<Arc<State>>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let token = q.get("token").cloned().unwrap_or_default();
    let mut inner = state.lock();
    revoke_refresh_token(&mut inner, &token);
    inner.access_tokens.remove(&token);
    Json(json!({ "status": "success" })).into_response()
}

/// `GET {accounts}/oauth/v2/auth`: approves at once and redirects like the multi-DC flow,
/// `redirect_uri?code=…&location={dc}&accounts-server={accounts url}&state=…`.
///
/// Sandbox-only parameters: `sandbox_org` (comma-separated org ids to grant; the code then
/// belongs to their data centre, as a user's account lives in one DC), `sandbox_deny=1`
/// (the user refuses: `?error=access_denied`). Without `sandbox_org` the code grants every
/// organization of the DC asked, or of the DC of the first organization added.
async fn authorize(
    AxumState(state): AxumState<Arc<State>>,
    Path(dc): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let Some(dc) = normalize_dc(&dc) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let Some(mut redirect) = q.get("redirect_uri").and_then(|u| Url::parse(u).ok()) else {
        return consent_error(
            "Invalid Redirect Uri",
            "redirect_uri is missing or not a URL.",
        );
    };
    let client_id = q.get("client_id").cloned().unwrap_or_default();
    let granted = {
        let mut inner = state.lock();
        if !inner.clients.contains_key(&client_id) {
            return consent_error(
                "Invalid Client",
                "No client is registered with this client_id.",
            );
        }
        if q.get("sandbox_deny")
            .is_some_and(|v| v == "1" || v == "true")
        {
            None
        } else {
            let Some((code_dc, orgs)) = choose_orgs(&inner, &dc, q.get("sandbox_org")) else {
                return consent_error(
                    "Invalid Organization",
                    "sandbox_org names an unknown organization.",
                );
            };
            let code = insert_grant_code(
                &mut inner,
                &client_id,
                orgs,
                &code_dc,
                q.get("redirect_uri").cloned(),
            );
            Some((code, code_dc))
        }
    };
    {
        let mut pairs = redirect.query_pairs_mut();
        match &granted {
            Some((code, code_dc)) => {
                pairs
                    .append_pair("code", code)
                    .append_pair("location", code_dc)
                    .append_pair(
                        "accounts-server",
                        state
                            .answered_accounts_server(code_dc)
                            .as_str()
                            .trim_end_matches('/'),
                    );
            }
            None => {
                pairs.append_pair("error", "access_denied");
            }
        }
        if let Some(st) = q.get("state") {
            pairs.append_pair("state", st);
        }
    }
    (
        StatusCode::FOUND,
        [(header::LOCATION, redirect.to_string())],
    )
        .into_response()
}

fn choose_orgs(
    inner: &Inner,
    dc: &str,
    requested: Option<&String>,
) -> Option<(String, Vec<String>)> {
    if let Some(list) = requested {
        let ids: Vec<String> = list.split(',').map(|s| s.trim().to_owned()).collect();
        let first = inner.orgs.get(ids.first()?)?;
        if ids.iter().any(|id| !inner.orgs.contains_key(id)) {
            return None;
        }
        return Some((first.dc.clone(), ids));
    }
    let in_dc = |dc: &str| -> Vec<String> {
        inner
            .org_order
            .iter()
            .filter(|id| inner.orgs.get(*id).is_some_and(|o| o.dc == dc))
            .cloned()
            .collect()
    };
    let here = in_dc(dc);
    if !here.is_empty() {
        return Some((dc.to_owned(), here));
    }
    match inner.org_order.first().and_then(|id| inner.orgs.get(id)) {
        Some(first) => Some((first.dc.clone(), in_dc(&first.dc))),
        None => Some((dc.to_owned(), Vec::new())),
    }
}

fn consent_error(title: &str, detail: &str) -> Response {
    let page = maud::html! {
        (maud::DOCTYPE)
        html { head { title { "Zoho Accounts (sandbox)" } }
            body { h1 { (title) } p { (detail) } } }
    };
    (StatusCode::BAD_REQUEST, page).into_response()
}
