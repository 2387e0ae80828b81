//! The accounts servers: code exchange, refresh, HTTP-200 errors, throttling, token limits.

use std::time::Duration;

use serde_json::{json, Value};
use url::Url;

use super::*;

async fn exchange_code(
    sandbox: &ZohoSandbox,
    dc: &str,
    code: &str,
    redirect_uri: &str,
) -> (u16, Value) {
    let response = http()
        .post(token_url(sandbox, dc))
        .form(&[
            ("grant_type", "authorization_code"),
            ("client_id", CLIENT_ID),
            ("client_secret", CLIENT_SECRET),
            ("redirect_uri", redirect_uri),
            ("code", code),
        ])
        .send()
        .await
        .expect("token endpoint answers");
    (
        response.status().as_u16(),
        response.json().await.expect("JSON"),
    )
}

#[tokio::test]
async fn code_exchange_then_refresh() {
    let sandbox = start(ZohoSandboxConfig::default()).await;
    let code = sandbox.issue_grant_code(CLIENT_ID, &[EU_ORG], "eu");
    let (status, body) = exchange_code(&sandbox, "eu", &code, "http://localhost/cb").await;
    assert_eq!(status, 200);
    // A real token response names Zoho's real host, whatever URL the client reached it at.
    assert_eq!(body["api_domain"], json!("https://www.zohoapis.eu"));
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 3600);
    let refresh_token = body["refresh_token"].as_str().expect("a refresh token");
    let first_access = body["access_token"]
        .as_str()
        .expect("an access token")
        .to_owned();

    let refreshed = refresh(&sandbox, "eu", refresh_token).await;
    assert!(
        refreshed.get("refresh_token").is_none(),
        "a refresh answer has no refresh_token: {refreshed}"
    );
    let access = refreshed["access_token"].as_str().expect("an access token");
    assert_ne!(access, first_access);
    assert_eq!(refreshed["api_domain"], json!("https://www.zohoapis.eu"));
    assert_eq!(
        (sandbox.token_requests(), sandbox.refresh_requests()),
        (2, 1)
    );

    let (status, _, orgs) = get(&books_url(&sandbox, "eu", "/organizations"), access).await;
    assert_eq!(status, 200);
    assert_eq!(orgs["code"], 0);
    assert_eq!(orgs["organizations"][0]["organization_id"], EU_ORG);
    assert_eq!(orgs["organizations"][0]["plan_name"], "PROFESSIONAL");
    assert_eq!(orgs["organizations"][0]["currency_code"], "EUR");
    assert_eq!(orgs["organizations"].as_array().map(Vec::len), Some(1));
}

#[tokio::test]
async fn parameters_in_the_query_string_work_too() {
    let sandbox = start(ZohoSandboxConfig::default()).await;
    let refresh_token = sandbox.issue_refresh_token(CLIENT_ID, &[US_ORG]);
    let mut url = Url::parse(&token_url(&sandbox, "us")).expect("URL");
    url.query_pairs_mut()
        .append_pair("grant_type", "refresh_token")
        .append_pair("client_id", CLIENT_ID)
        .append_pair("client_secret", CLIENT_SECRET)
        .append_pair("refresh_token", &refresh_token);
    let body: Value = http()
        .post(url)
        .send()
        .await
        .expect("answer")
        .json()
        .await
        .expect("JSON");
    assert!(body["access_token"].is_string(), "{body}");
}

#[tokio::test]
async fn token_errors_come_with_http_200() {
    let sandbox = start(ZohoSandboxConfig::default()).await;
    let code = sandbox.issue_grant_code(CLIENT_ID, &[EU_ORG], "eu");

    // A grant code belongs to the DC it was issued for.
    let (status, body) = exchange_code(&sandbox, "us", &code, "http://localhost/cb").await;
    assert_eq!((status, body), (200, json!({"error": "invalid_code"})));
    let (_, body) = exchange_code(&sandbox, "eu", &code, "http://localhost/cb").await;
    assert!(body["access_token"].is_string(), "{body}");
    // Single use.
    let (status, body) = exchange_code(&sandbox, "eu", &code, "http://localhost/cb").await;
    assert_eq!((status, body), (200, json!({"error": "invalid_code"})));

    let wrong_secret: Value = http()
        .post(token_url(&sandbox, "eu"))
        .form(&[
            ("grant_type", "refresh_token"),
            ("client_id", CLIENT_ID),
            ("client_secret", "nope"),
            ("refresh_token", "x"),
        ])
        .send()
        .await
        .expect("answer")
        .json()
        .await
        .expect("JSON");
    assert_eq!(wrong_secret, json!({"error": "invalid_client"}));

    let refresh_token = sandbox.issue_refresh_token(CLIENT_ID, &[EU_ORG]);
    assert!(refresh(&sandbox, "eu", &refresh_token).await["access_token"].is_string());
    assert_eq!(
        refresh(&sandbox, "us", &refresh_token).await,
        json!({"error": "invalid_code"})
    );
    sandbox.revoke_refresh_token(&refresh_token);
    assert_eq!(
        refresh(&sandbox, "eu", &refresh_token).await,
        json!({"error": "invalid_code"})
    );
    assert_eq!(sandbox.refresh_requests(), 1);
}

#[tokio::test]
async fn secrets_can_differ_per_data_centre() {
    let sandbox = start(ZohoSandboxConfig::default()).await;
    sandbox.set_client_secret_for_dc(CLIENT_ID, "eu", "eu-only-secret");
    let refresh_token = sandbox.issue_refresh_token(CLIENT_ID, &[EU_ORG]);
    assert_eq!(
        refresh(&sandbox, "eu", &refresh_token).await,
        json!({"error": "invalid_client"})
    );
}

#[tokio::test]
async fn the_token_endpoint_throttles_per_client_and_recovers() {
    let config = ZohoSandboxConfig {
        token_requests_per_window: 3,
        token_window: Duration::from_millis(1000),
        ..ZohoSandboxConfig::default()
    };
    let sandbox = start(config).await;
    let refresh_token = sandbox.issue_refresh_token(CLIENT_ID, &[EU_ORG]);
    for _ in 0..3 {
        assert!(refresh(&sandbox, "eu", &refresh_token).await["access_token"].is_string());
    }
    let response = http()
        .post(token_url(&sandbox, "eu"))
        .form(&[
            ("grant_type", "refresh_token"),
            ("client_id", CLIENT_ID),
            ("client_secret", CLIENT_SECRET),
            ("refresh_token", refresh_token.as_str()),
        ])
        .send()
        .await
        .expect("answer");
    assert_eq!(response.status().as_u16(), 200);
    let body: Value = response.json().await.expect("JSON");
    assert_eq!(
        body,
        json!({"error_description": "You have made too many requests continuously. Please try again after some time.", "error": "Access Denied", "status": "failure"})
    );
    assert_eq!(
        (sandbox.token_requests(), sandbox.refresh_requests()),
        (4, 3)
    );
    tokio::time::sleep(Duration::from_millis(1050)).await;
    assert!(refresh(&sandbox, "eu", &refresh_token).await["access_token"].is_string());
}

#[tokio::test]
async fn an_eleventh_access_token_invalidates_the_oldest() {
    let config = ZohoSandboxConfig {
        token_requests_per_window: 100,
        ..ZohoSandboxConfig::default()
    };
    let sandbox = start(config).await;
    let refresh_token = sandbox.issue_refresh_token(CLIENT_ID, &[EU_ORG]);
    let mut tokens = Vec::new();
    for _ in 0..11 {
        tokens.push(
            refresh(&sandbox, "eu", &refresh_token).await["access_token"]
                .as_str()
                .expect("token")
                .to_owned(),
        );
    }
    let url = books_url(
        &sandbox,
        "eu",
        &format!("/invoices?organization_id={EU_ORG}"),
    );
    let (status, _, body) = get(&url, &tokens[0]).await;
    assert_eq!((status, body["code"].clone()), (401, json!(14)));
    assert_eq!(get(&url, &tokens[1]).await.0, 200);
    assert_eq!(get(&url, &tokens[10]).await.0, 200);
}

#[tokio::test]
async fn access_tokens_expire() {
    let config = ZohoSandboxConfig {
        access_token_ttl: Duration::from_millis(1000),
        ..ZohoSandboxConfig::default()
    };
    let sandbox = start(config).await;
    let refresh_token = sandbox.issue_refresh_token(CLIENT_ID, &[EU_ORG]);
    let body = refresh(&sandbox, "eu", &refresh_token).await;
    assert_eq!(body["expires_in"], 1);
    let token = body["access_token"].as_str().expect("token");
    let url = books_url(
        &sandbox,
        "eu",
        &format!("/invoices?organization_id={EU_ORG}"),
    );
    assert_eq!(get(&url, token).await.0, 200);
    tokio::time::sleep(Duration::from_millis(1050)).await;
    let (status, _, body) = get(&url, token).await;
    assert_eq!(
        (status, body),
        (401, json!({"code": 14, "message": "Invalid OAuth token"}))
    );
}

fn redirect_params(response: &reqwest::Response) -> std::collections::HashMap<String, String> {
    assert_eq!(response.status().as_u16(), 302);
    let location = response.headers()["location"].to_str().expect("text");
    Url::parse(location)
        .expect("URL")
        .query_pairs()
        .into_owned()
        .collect()
}

#[tokio::test]
async fn the_consent_flow_redirects_like_multi_dc() {
    let sandbox = start(ZohoSandboxConfig::default()).await;
    let redirect_uri = "http://127.0.0.1:9/oauth/zoho/callback";
    // The user starts at the US accounts server, but their organization lives in the EU.
    let mut auth =
        Url::parse(&format!("{}/oauth/v2/auth", sandbox.accounts_url("us"))).expect("URL");
    auth.query_pairs_mut()
        .append_pair("scope", "ZohoBooks.fullaccess.all")
        .append_pair("client_id", CLIENT_ID)
        .append_pair("response_type", "code")
        .append_pair("access_type", "offline")
        .append_pair("redirect_uri", redirect_uri)
        .append_pair("state", "7f3c")
        .append_pair("sandbox_org", EU_ORG);
    let response = http().get(auth.clone()).send().await.expect("answer");
    let params = redirect_params(&response);
    assert_eq!(params["location"], "eu");
    assert_eq!(params["accounts-server"], "https://accounts.zoho.eu");
    assert_eq!(params["state"], "7f3c");
    let (_, body) = exchange_code(&sandbox, "eu", &params["code"], redirect_uri).await;
    assert_eq!(body["api_domain"], json!("https://www.zohoapis.eu"));

    // Without sandbox_org, every organization of the DC asked is granted.
    let auth_eu = auth
        .as_str()
        .replace("/accounts/us/", "/accounts/eu/")
        .replace(&format!("&sandbox_org={EU_ORG}"), "");
    let params = redirect_params(&http().get(auth_eu).send().await.expect("answer"));
    let (_, body) = exchange_code(&sandbox, "eu", &params["code"], redirect_uri).await;
    let token = body["access_token"].as_str().expect("token");
    let (_, _, orgs) = get(&books_url(&sandbox, "eu", "/organizations"), token).await;
    let ids: Vec<&str> = orgs["organizations"]
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|o| o["organization_id"].as_str())
        .collect();
    assert_eq!(ids, [EU_ORG, EU_ORG_2]);
    assert_eq!(orgs["organizations"][0]["is_default_org"], true);

    // A different redirect_uri at exchange time is refused.
    let params = redirect_params(&http().get(auth.clone()).send().await.expect("answer"));
    let (_, body) = exchange_code(&sandbox, "eu", &params["code"], "http://evil.example/cb").await;
    assert_eq!(body, json!({"error": "invalid_redirect_uri"}));

    let denied = format!("{auth}&sandbox_deny=1");
    let params = redirect_params(&http().get(denied).send().await.expect("answer"));
    assert_eq!(
        (params["error"].as_str(), params["state"].as_str()),
        ("access_denied", "7f3c")
    );

    let unknown = auth.as_str().replace(CLIENT_ID, "1000.UNKNOWN");
    assert_eq!(
        http()
            .get(unknown)
            .send()
            .await
            .expect("answer")
            .status()
            .as_u16(),
        400
    );
}

async fn refresh_answer(sandbox: &ZohoSandbox, refresh_token: &str) -> (u16, String) {
    let response = http()
        .post(token_url(sandbox, "eu"))
        .form(&[
            ("grant_type", "refresh_token"),
            ("client_id", CLIENT_ID),
            ("client_secret", CLIENT_SECRET),
            ("refresh_token", refresh_token),
        ])
        .send()
        .await
        .expect("answer");
    let status = response.status().as_u16();
    (status, response.text().await.expect("body"))
}

#[tokio::test]
async fn token_faults_answer_every_request_until_cleared_and_are_counted() {
    let sandbox = start(ZohoSandboxConfig::default()).await;
    let refresh_token = sandbox.issue_refresh_token(CLIENT_ID, &[EU_ORG]);
    for status in [200, 400] {
        sandbox.set_token_fault(Some(TokenFault::AccessDenied {
            http_status: status,
        }));
        let (got, body) = refresh_answer(&sandbox, &refresh_token).await;
        assert_eq!(got, status);
        let body: Value = serde_json::from_str(&body).expect("JSON");
        assert_eq!(body["error"], "Access Denied");
        assert_eq!(body["status"], "failure");
    }
    sandbox.set_token_fault(Some(TokenFault::ServerError { http_status: 503 }));
    let (got, body) = refresh_answer(&sandbox, &refresh_token).await;
    assert_eq!(got, 503);
    assert!(serde_json::from_str::<Value>(&body).is_err(), "{body}");
    sandbox.set_token_fault(Some(TokenFault::InvalidCode));
    let (got, body) = refresh_answer(&sandbox, &refresh_token).await;
    assert_eq!((got, body.as_str()), (200, r#"{"error":"invalid_code"}"#));
    assert_eq!(sandbox.token_requests(), 4);
    assert_eq!(sandbox.refresh_requests(), 0, "no token was issued");

    sandbox.set_token_fault(None);
    let (got, body) = refresh_answer(&sandbox, &refresh_token).await;
    assert_eq!(got, 200);
    assert!(body.contains("access_token"), "{body}");
    assert_eq!(sandbox.token_requests(), 5);
    assert_eq!(sandbox.refresh_requests(), 1);
}

#[tokio::test]
async fn answered_hosts_can_be_the_sandbox_own_urls() {
    let sandbox = start(ZohoSandboxConfig {
        answered_hosts: crate::zoho::AnsweredHosts::Override,
        ..ZohoSandboxConfig::default()
    })
    .await;
    let code = sandbox.issue_grant_code(CLIENT_ID, &[EU_ORG], "eu");
    let (_, body) = exchange_code(&sandbox, "eu", &code, "http://localhost/cb").await;
    assert_eq!(body["api_domain"], json!(sandbox.api_domain("eu").as_str()));
    assert_eq!(
        sandbox.answered_accounts_server("ca"),
        sandbox.accounts_url("ca")
    );
    sandbox.set_config(ZohoSandboxConfig::default());
    assert_eq!(
        sandbox.answered_accounts_server("ca").as_str(),
        "https://accounts.zohocloud.ca/"
    );
    assert_eq!(
        sandbox.answered_api_domain("ca").as_str(),
        "https://www.zohoapis.ca/"
    );
}
