//! OAuth client behaviour over real HTTP on loopback.

use secrecy::{ExposeSecret, SecretString};

use super::*;
use crate::test_support::{closed_port, http, serve_once};

const CLIENT_SECRET: &str = "ClientSecretValue42";
const REFRESH: &str = "1000.RefreshTokenValue.77";

fn oauth(accounts: &Url) -> OAuthClient {
    let endpoints = Endpoints::default().with_override(
        DataCentre::Eu,
        accounts.clone(),
        Url::parse("http://127.0.0.1:9/api").unwrap(),
    );
    OAuthClient::new(
        http(),
        endpoints,
        "1000.CLIENTID",
        SecretString::from(CLIENT_SECRET.to_owned()),
    )
}

fn form(body: &[u8]) -> Vec<(String, String)> {
    url::form_urlencoded::parse(body)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

#[test]
fn authorize_url_has_every_parameter() {
    let c = OAuthClient::new(
        http(),
        Endpoints::default(),
        "1000.CLIENTID",
        SecretString::from(CLIENT_SECRET.to_owned()),
    );
    let url = c.authorize_url(
        DataCentre::Ca,
        DEFAULT_SCOPES,
        "https://connector.example.com/oauth/zoho/callback",
        "st8",
    );
    assert_eq!(
        url.origin().ascii_serialization(),
        "https://accounts.zohocloud.ca"
    );
    assert_eq!(url.path(), "/oauth/v2/auth");
    let q: Vec<(String, String)> = url
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let keys: Vec<&str> = q.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(
        keys,
        [
            "scope",
            "client_id",
            "response_type",
            "redirect_uri",
            "access_type",
            "prompt",
            "state"
        ]
    );
    assert_eq!(q[0].1, DEFAULT_SCOPES.join(","));
    assert_eq!(q[2].1, "code");
    assert_eq!(q[3].1, "https://connector.example.com/oauth/zoho/callback");
    assert_eq!(
        (q[4].1.as_str(), q[5].1.as_str(), q[6].1.as_str()),
        ("offline", "consent", "st8")
    );
    assert!(!url.as_str().contains(CLIENT_SECRET));
}

#[test]
fn default_scopes_cover_the_reference_minimum() {
    for s in [
        "ZohoBooks.invoices.READ",
        "ZohoBooks.invoices.CREATE",
        "ZohoBooks.bills.READ",
        "ZohoBooks.bills.CREATE",
        "ZohoBooks.purchaseorders.READ",
        "ZohoBooks.purchaseorders.CREATE",
        "ZohoBooks.settings.READ",
        "ZohoBooks.customerpayments.READ",
        "ZohoBooks.vendorpayments.READ",
        "ZohoBooks.settings.CREATE",
        "ZohoBooks.settings.UPDATE",
        "ZohoBooks.settings.DELETE",
    ] {
        assert!(DEFAULT_SCOPES.contains(&s), "{s}");
    }
    assert!(!DEFAULT_SCOPES.iter().any(|s| s.contains("fullaccess")));
}

#[tokio::test]
async fn exchange_code_posts_a_form_and_reads_the_token() {
    let body = r#"{"access_token":"1000.acc","refresh_token":"1000.ref","api_domain":"https://www.zohoapis.eu","token_type":"Bearer","expires_in":3600}"#;
    let (base, req) = serve_once(200, &[], body).await;
    let t = oauth(&base)
        .exchange_code(DataCentre::Eu, "1000.code", "https://cb.example/cb")
        .await
        .unwrap();
    assert_eq!(t.access_token.expose_secret(), "1000.acc");
    assert_eq!(
        t.refresh_token.as_ref().map(|r| r.expose_secret()),
        Some("1000.ref")
    );
    assert_eq!(t.api_domain.as_deref(), Some("https://www.zohoapis.eu"));
    let req = req.await.unwrap();
    assert_eq!(
        (req.method.as_str(), req.target.as_str()),
        ("POST", "/oauth/v2/token")
    );
    assert!(req
        .header("content-type")
        .unwrap_or_default()
        .starts_with("application/x-www-form-urlencoded"));
    let f = form(&req.body);
    for (k, v) in [
        ("grant_type", "authorization_code"),
        ("client_id", "1000.CLIENTID"),
        ("client_secret", CLIENT_SECRET),
        ("redirect_uri", "https://cb.example/cb"),
        ("code", "1000.code"),
    ] {
        assert!(f.contains(&(k.to_owned(), v.to_owned())), "{k} missing");
    }
}

#[tokio::test]
async fn token_error_with_http_200_is_recognised() {
    let (base, _req) = serve_once(200, &[], r#"{"error":"invalid_code"}"#).await;
    let err = oauth(&base)
        .refresh(DataCentre::Eu, &SecretString::from(REFRESH.to_owned()))
        .await
        .unwrap_err();
    assert!(matches!(err, OAuthError::InvalidCode), "{err:?}");
    assert!(err.needs_reconnect());

    let (base, _req) = serve_once(200, &[], r#"{"error_description":"You have made too many requests continuously. Please try again after some time.","error":"Access Denied","status":"failure"}"#).await;
    let err = oauth(&base)
        .refresh(DataCentre::Eu, &SecretString::from(REFRESH.to_owned()))
        .await
        .unwrap_err();
    assert!(matches!(err, OAuthError::Throttled), "{err:?}");

    let (base, _req) = serve_once(200, &[], r#"{"error":"invalid_client"}"#).await;
    let err = oauth(&base)
        .exchange_code(DataCentre::Eu, "c", "https://cb")
        .await
        .unwrap_err();
    assert!(
        matches!(err, OAuthError::InvalidClient { dc: DataCentre::Eu }),
        "{err:?}"
    );
}

#[tokio::test]
async fn refresh_sends_the_refresh_grant() {
    let (base, req) = serve_once(
        200,
        &[],
        r#"{"access_token":"1000.new","api_domain":"https://www.zohoapis.eu","expires_in":3600}"#,
    )
    .await;
    let t = oauth(&base)
        .refresh(DataCentre::Eu, &SecretString::from(REFRESH.to_owned()))
        .await
        .unwrap();
    assert!(t.refresh_token.is_none());
    let f = form(&req.await.unwrap().body);
    assert!(f.contains(&("grant_type".to_owned(), "refresh_token".to_owned())));
    assert!(f.contains(&("refresh_token".to_owned(), REFRESH.to_owned())));
}

#[tokio::test]
async fn no_secret_in_debug_or_errors() {
    let c = oauth(&closed_port().await);
    let d = format!("{c:?}");
    assert!(
        !d.contains(CLIENT_SECRET) && d.contains("1000.CLIENTID"),
        "{d}"
    );
    let err = c
        .refresh(DataCentre::Eu, &SecretString::from(REFRESH.to_owned()))
        .await
        .unwrap_err();
    assert!(matches!(err, OAuthError::Transport(_)), "{err:?}");
    let text = format!("{err} {err:?}");
    assert!(
        !text.contains(CLIENT_SECRET) && !text.contains(REFRESH),
        "{text}"
    );
}
