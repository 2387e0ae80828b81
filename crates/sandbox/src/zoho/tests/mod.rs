//! Black-box tests: each starts its own sandbox on port 0 and talks HTTP to it.

mod api;
mod limits;
mod oauth;
mod webhooks;

use std::time::Duration;

use serde_json::Value;

use super::{TokenFault, ZohoSandbox, ZohoSandboxConfig};

pub const CLIENT_ID: &str = "1000.SANDBOXCLIENT";
pub const CLIENT_SECRET: &str = "s3cr3t";
/// An organization in the EU data centre.
pub const EU_ORG: &str = "10234695";
/// A second EU organization of the same user.
pub const EU_ORG_2: &str = "10234696";
/// An organization in the US data centre.
pub const US_ORG: &str = "20000001";

pub async fn start(config: ZohoSandboxConfig) -> ZohoSandbox {
    let sandbox = ZohoSandbox::start(config).await.expect("sandbox starts");
    sandbox.add_client(CLIENT_ID, CLIENT_SECRET);
    sandbox.add_organization(EU_ORG, "Zillium Inc", "eu", "PROFESSIONAL");
    sandbox.add_organization(EU_ORG_2, "Zillium Labs", "eu", "STANDARD");
    sandbox.add_organization(US_ORG, "Bowman US", "us", "FREE");
    sandbox
}

pub fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client builds")
}

/// `{accounts}/oauth/v2/token` of a data centre.
pub fn token_url(sandbox: &ZohoSandbox, dc: &str) -> String {
    format!("{}/oauth/v2/token", sandbox.accounts_url(dc))
}

/// A Books v3 URL in a data centre.
pub fn books_url(sandbox: &ZohoSandbox, dc: &str, path_and_query: &str) -> String {
    format!("{}/books/v3{path_and_query}", sandbox.api_domain(dc))
}

/// Refreshes `refresh` at `dc` and returns the whole token response.
pub async fn refresh(sandbox: &ZohoSandbox, dc: &str, refresh: &str) -> Value {
    http()
        .post(token_url(sandbox, dc))
        .form(&[
            ("grant_type", "refresh_token"),
            ("client_id", CLIENT_ID),
            ("client_secret", CLIENT_SECRET),
            ("refresh_token", refresh),
        ])
        .send()
        .await
        .expect("token endpoint answers")
        .json()
        .await
        .expect("token response is JSON")
}

/// An access token for `orgs` (all in `dc`).
pub async fn access_token(sandbox: &ZohoSandbox, dc: &str, orgs: &[&str]) -> String {
    let refresh_token = sandbox.issue_refresh_token(CLIENT_ID, orgs);
    let body = refresh(sandbox, dc, &refresh_token).await;
    body["access_token"]
        .as_str()
        .expect("an access token")
        .to_owned()
}

/// GET with the Books auth header; returns status, headers and JSON body.
pub async fn get(url: &str, token: &str) -> (u16, reqwest::header::HeaderMap, Value) {
    let response = http()
        .get(url)
        .header("Authorization", format!("Zoho-oauthtoken {token}"))
        .send()
        .await
        .expect("Books answers");
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let body = response.json().await.unwrap_or(Value::Null);
    (status, headers, body)
}
