//! Connecting Zoho from a browser: `GET /oauth/zoho/start?connection=ID` → Zoho consent →
//! `GET /oauth/zoho/callback` → a page listing the account's organizations →
//! `POST /oauth/zoho/choose` → the refresh token is stored encrypted.
//!
//! Abuse this resists (reliability-and-pitfalls T5/T6): `state` is random, single use, expires
//! after ten minutes and is bound to the browser that started the flow by an HttpOnly cookie;
//! the redirect's `accounts-server` and the token's `api_domain` are checked against the
//! data-centre allow-list before any secret is sent; and because these pages carry no login,
//! only the organization the configuration names can be stored for a connection, so a stranger
//! cannot point someone's connection at their own Zoho account.

use crate::crypto::{Keyring, Sealed};
use crate::runtime::Runtime;
use crate::store::Exchange;
use crate::zoho::connect::{self, Redirect, STATE_TTL};
use crate::zoho::secrets::{self, REFRESH_TOKEN_FIELD};
use axum::extract::{Form, Query, RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use maud::{html, Markup, DOCTYPE};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::Arc;
use zoho_books::Organization;

/// The cookie binding a flow to the browser that started it.
const COOKIE: &str = "mlc_oauth";

pub fn routes() -> Router<Arc<Runtime>> {
    Router::new()
        .route("/oauth/zoho/start", get(start))
        .route("/oauth/zoho/callback", get(callback))
        .route("/oauth/zoho/choose", post(choose))
}

fn digest(value: &str) -> String {
    hex::encode(Sha256::digest(value.as_bytes()))
}

/// The AAD "row" of a token held between the callback and the choice.
fn pending_owner(state_hash: &str) -> String {
    format!("oauth:{state_hash}")
}

fn page(status: StatusCode, title: &str, body: Markup) -> Response {
    let markup = html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                title { (title) " · ml-connector" }
                style { "body{font-family:system-ui,sans-serif;margin:2rem;max-width:46rem;color:#222}.bad{color:#b00}code{background:#f4f4f4;padding:0 .2rem}label{display:block;margin:.4rem 0}" }
            }
            body { h1 { (title) } (body) }
        }
    };
    (status, markup).into_response()
}

fn refuse(status: StatusCode, message: &str) -> Response {
    page(
        status,
        "Could not connect Zoho Books",
        html! {
            p class="bad" id="error" { (message) }
            p { "Start again from " code { "/oauth/zoho/start?connection=…" } " in this browser, or use " code { "ml-connector connect" } "." }
        },
    )
}

fn internal(e: anyhow::Error) -> Response {
    tracing::error!(error = %format!("{e:#}"), "connect flow failed");
    refuse(
        StatusCode::INTERNAL_SERVER_ERROR,
        "The connector could not record this step (see its log).",
    )
}

fn browser_cookie(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE)
        .map(|(_, value)| value.to_string())
        .filter(|v| !v.is_empty())
}

fn cookie_header(rt: &Runtime, value: &str, max_age: u64) -> Option<HeaderValue> {
    let secure = if rt.config.server.public_url.scheme() == "https" {
        "; Secure"
    } else {
        ""
    };
    HeaderValue::from_str(&format!(
        "{COOKIE}={value}; Path=/oauth/zoho; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}"
    ))
    .ok()
}

async fn start(
    State(rt): State<Arc<Runtime>>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let id = q.get("connection").map(String::as_str).unwrap_or_default();
    let Some(conn) = rt.connection(id) else {
        return refuse(StatusCode::NOT_FOUND, &format!("No connection `{id}` is configured: add it to the configuration (or pass ?connection=ID)."));
    };
    if let Err(e) = Keyring::from_config(&rt.config.secrets).and_then(|k| k.require_current()) {
        return refuse(StatusCode::SERVICE_UNAVAILABLE, &e.to_string());
    }
    let (state, browser) = (connect::random_token(), connect::random_token());
    let url = match connect::consent_url(&rt.config, &rt.http, conn.dc, &state) {
        Ok(u) => u,
        Err(e) => return refuse(StatusCode::SERVICE_UNAVAILABLE, &e.to_string()),
    };
    let now = rt.clock.now_ms();
    if let Err(e) = rt
        .store
        .insert_oauth_state(
            &digest(&state),
            &digest(&browser),
            id,
            now,
            now + STATE_TTL.as_millis() as i64,
        )
        .await
    {
        return internal(e);
    }
    let mut response = (StatusCode::FOUND, [(header::LOCATION, url.to_string())]).into_response();
    if let Some(cookie) = cookie_header(&rt, &browser, STATE_TTL.as_secs()) {
        response.headers_mut().insert(header::SET_COOKIE, cookie);
    }
    response
}

async fn callback(
    State(rt): State<Arc<Runtime>>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    let redirect = Redirect::from_query(query.as_deref().unwrap_or_default());
    let Some(state) = redirect.state.clone() else {
        return refuse(
            StatusCode::BAD_REQUEST,
            "The redirect carries no `state`: it did not come from a connect started here.",
        );
    };
    let Some(browser) = browser_cookie(&headers) else {
        return refuse(
            StatusCode::BAD_REQUEST,
            "This browser did not start this connect (its cookie is missing or expired).",
        );
    };
    let state_hash = digest(&state);
    let claimed = match rt.store.claim_oauth_state(&state_hash, &digest(&browser), rt.clock.now_ms()).await {
        Ok(Some(c)) => c,
        Ok(None) => {
            return refuse(StatusCode::BAD_REQUEST, "This connect link is unknown, expired (10 minutes), already used, or was started in another browser.")
        }
        Err(e) => return internal(e),
    };
    match exchange_step(&rt, &claimed.connection_id, &state, &state_hash, &redirect).await {
        Ok(response) => response,
        Err(message) => {
            if let Err(e) = rt.store.fail_oauth_state(&state_hash).await {
                tracing::warn!(error = %format!("{e:#}"), "could not close a failed connect flow");
            }
            refuse(StatusCode::BAD_REQUEST, &message)
        }
    }
}

/// Checks the redirect, exchanges the code and renders the choice; `Err` is the message shown.
async fn exchange_step(
    rt: &Runtime,
    id: &str,
    state: &str,
    state_hash: &str,
    redirect: &Redirect,
) -> Result<Response, String> {
    let conn = rt
        .connection(id)
        .ok_or_else(|| format!("Connection `{id}` is no longer configured."))?;
    let code = redirect.code_for(state).map_err(|e| e.to_string())?;
    // The allow-list decides before the client secret and code are sent anywhere.
    let dc = redirect
        .data_centre(&rt.config, conn.dc)
        .map_err(|e| e.to_string())?;
    let grant = connect::exchange(
        &rt.config,
        &rt.http,
        dc,
        code,
        &connect::redirect_uri(&rt.config),
    )
    .await
    .map_err(|e| e.to_string())?;
    if grant.dc != conn.dc {
        return Err(format!(
            "This Zoho account lives in data centre {}, but connection {id} is configured for {}: set connections.zoho.data_centre = \"{}\" for {id}, restart, and connect again.",
            grant.dc,
            conn.dc,
            grant.dc.code()
        ));
    }
    let keyring = Keyring::from_config(&rt.config.secrets).map_err(|e| e.to_string())?;
    let sealed = keyring
        .seal(
            &pending_owner(state_hash),
            REFRESH_TOKEN_FIELD,
            &grant.refresh_token,
        )
        .map_err(|e| e.to_string())?;
    let choice = connect::random_token();
    let orgs_json = serde_json::to_string(&grant.organizations).map_err(|e| e.to_string())?;
    rt.store
        .record_oauth_exchange(
            state_hash,
            &Exchange {
                choice_hash: &digest(&choice),
                data_centre: grant.dc.code(),
                api_domain: &grant.api_domain,
                refresh_token_ct: &sealed.ciphertext,
                key_version: sealed.key_version,
                organizations_json: &orgs_json,
            },
        )
        .await
        .map_err(|e| format!("could not record this step: {e:#}"))?;
    Ok(choice_page(
        id,
        &conn.config.zoho.organization_id,
        &grant.organizations,
        &choice,
    ))
}

fn choice_page(id: &str, configured: &str, orgs: &[Organization], choice: &str) -> Response {
    let has_configured = orgs.iter().any(|o| o.organization_id == configured);
    page(
        StatusCode::OK,
        "Choose the Zoho Books organization",
        html! {
            p { "Connection " strong { (id) } " syncs organization " code { (configured) } " (connections.zoho.organization_id). This Zoho account can reach:" }
            form method="post" action="/oauth/zoho/choose" id="choose" {
                input type="hidden" name="choice" value=(choice);
                @for o in orgs {
                    @let usable = o.organization_id == configured;
                    label {
                        input type="radio" name="organization_id" value=(o.organization_id) checked[usable] disabled[!usable];
                        " " (o.name) " (" code { (o.organization_id) } ")"
                        @if o.is_default_org { " · Zoho's default" }
                        @if !usable { small { " · to sync this one, set organization_id = \"" (o.organization_id) "\" in the configuration, restart and connect again" } }
                    }
                }
                @if has_configured { button type="submit" { "Use this organization" } }
            }
            @if !has_configured {
                p class="bad" { "None of these is organization " code { (configured) } ": sign in with a Zoho user of that organization, or change the configuration." }
            }
        },
    )
}

#[derive(serde::Deserialize)]
struct ChooseForm {
    choice: String,
    organization_id: String,
}

async fn choose(
    State(rt): State<Arc<Runtime>>,
    headers: HeaderMap,
    Form(form): Form<ChooseForm>,
) -> Response {
    let Some(browser) = browser_cookie(&headers) else {
        return refuse(
            StatusCode::BAD_REQUEST,
            "This browser did not start this connect (its cookie is missing or expired).",
        );
    };
    let pending =
        match rt
            .store
            .pending_choice(&digest(&form.choice), &digest(&browser), rt.clock.now_ms())
            .await
        {
            Ok(Some(p)) => p,
            Ok(None) => return refuse(
                StatusCode::BAD_REQUEST,
                "This choice is unknown, expired, already made, or was started in another browser.",
            ),
            Err(e) => return internal(e),
        };
    let id = pending.connection_id.clone();
    let Some(conn) = rt.connection(&id) else {
        return refuse(
            StatusCode::BAD_REQUEST,
            &format!("Connection `{id}` is no longer configured."),
        );
    };
    let orgs: Vec<Organization> = pending
        .organizations
        .as_deref()
        .and_then(|j| serde_json::from_str(j).ok())
        .unwrap_or_default();
    let Some(org) = orgs
        .iter()
        .find(|o| o.organization_id == form.organization_id)
    else {
        return refuse(
            StatusCode::BAD_REQUEST,
            "That organization is not one this Zoho account can reach.",
        );
    };
    if org.organization_id != conn.config.zoho.organization_id {
        return refuse(
            StatusCode::BAD_REQUEST,
            &format!(
                "Connection {id} is configured for organization {}. To sync \"{}\" instead, set connections.zoho.organization_id = \"{}\", restart and connect again.",
                conn.config.zoho.organization_id, org.name, org.organization_id
            ),
        );
    }
    match store_choice(&rt, &pending, org).await {
        Ok(woken) => {
            let mut response = page(
                StatusCode::OK,
                "Zoho Books connected",
                html! {
                    p id="connected" { "Connection " strong { (id) } " now syncs \"" (org.name) "\" (" code { (org.organization_id) } ") in data centre " (conn.dc) ". The refresh token is stored encrypted; any earlier one is replaced." }
                    @if woken > 0 { p { (woken) " job(s) that waited for this reconnect will run now." } }
                    p { a href="/admin" { "Back to the admin page" } }
                },
            );
            if let Some(clear) = cookie_header(&rt, "", 0) {
                response.headers_mut().insert(header::SET_COOKIE, clear);
            }
            response
        }
        Err(Some(message)) => refuse(StatusCode::BAD_REQUEST, &message),
        Err(None) => refuse(
            StatusCode::INTERNAL_SERVER_ERROR,
            "The connector could not store the connection (see its log).",
        ),
    }
}

/// Opens the held token, consumes the choice (single use) and stores the grant. `Err(Some)` is
/// a message for the user, `Err(None)` an internal failure already logged.
async fn store_choice(
    rt: &Runtime,
    pending: &crate::store::PendingChoice,
    org: &Organization,
) -> Result<u64, Option<String>> {
    let log = |e: anyhow::Error| {
        tracing::error!(error = %format!("{e:#}"), "could not store the connection");
        None
    };
    let keyring = Keyring::from_config(&rt.config.secrets).map_err(|e| Some(e.to_string()))?;
    let sealed = match (&pending.refresh_token_ct, pending.key_version) {
        (Some(ct), Some(v)) => Sealed {
            ciphertext: ct.clone(),
            key_version: v as u32,
        },
        _ => {
            return Err(Some(
                "This choice has no token to store; connect again.".into(),
            ))
        }
    };
    let token = keyring
        .open(
            &pending_owner(&pending.state_hash),
            REFRESH_TOKEN_FIELD,
            &sealed,
        )
        .map_err(|e| Some(e.to_string()))?;
    if !rt
        .store
        .complete_choice(&pending.state_hash)
        .await
        .map_err(log)?
    {
        return Err(Some("This choice was already made.".into()));
    }
    let dc = pending
        .data_centre
        .as_deref()
        .and_then(|d| d.parse().ok())
        .ok_or(None)?;
    let api_domain = pending.api_domain.as_deref().unwrap_or_default();
    let woken = secrets::save_grant(
        &rt.store,
        &keyring,
        &rt.clock,
        &pending.connection_id,
        &org.organization_id,
        dc,
        api_domain,
        &token,
    )
    .await
    .map_err(log)?;
    if let Some(conn) = rt.connection(&pending.connection_id) {
        // Tokens of the replaced grant are not reused.
        conn.zoho.tokens.forget().await;
    }
    rt.wake.notify_waiters();
    tracing::info!(connection = %pending.connection_id, organization = %org.organization_id, "Zoho connected from the browser");
    Ok(woken)
}
