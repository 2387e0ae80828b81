//! The token endpoint's answer: a token, or an error that often arrives with HTTP 200.

use std::time::Duration;

use secrecy::SecretString;
use serde_json::Value;

use super::error::OAuthError;
use crate::datacentre::DataCentre;
use crate::models::lenient;

/// Access tokens live an hour; Zoho's responses say so, and this is the fallback when one
/// does not.
const DEFAULT_LIFETIME: Duration = Duration::from_secs(3600);

/// A successful token response.
///
/// `Debug` shows which fields are present, never the tokens.
#[derive(Clone)]
pub struct TokenResponse {
    pub access_token: SecretString,
    /// Present on the first code exchange with `access_type=offline`; absent on refresh, so
    /// callers keep the stored one.
    pub refresh_token: Option<SecretString>,
    /// Where this account's API lives, e.g. `https://www.zohoapis.eu`. Check it with
    /// [`Endpoints::dc_for_api_domain`](crate::Endpoints::dc_for_api_domain) before sending
    /// the token there.
    pub api_domain: Option<String>,
    /// Lifetime from the response (`expires_in`, default 3600 s). Refresh ahead of it.
    pub expires_in: Duration,
}

impl std::fmt::Debug for TokenResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenResponse")
            .field("access_token", &"[REDACTED]")
            .field(
                "refresh_token",
                &self.refresh_token.as_ref().map(|_| "[REDACTED]"),
            )
            .field("api_domain", &self.api_domain)
            .field("expires_in", &self.expires_in)
            .finish()
    }
}

/// Reads a token-endpoint response. The `error` key is checked before anything else because
/// Zoho reports errors with HTTP 200.
pub(crate) fn parse_token_response(
    dc: DataCentre,
    status: u16,
    body: &[u8],
) -> Result<TokenResponse, OAuthError> {
    let json: Option<Value> = serde_json::from_slice(body).ok().filter(Value::is_object);
    let Some(v) = json else {
        return Err(if status >= 400 {
            OAuthError::Other {
                error: format!("HTTP {status}"),
                description: Some("the response body was not JSON".to_owned()),
            }
        } else {
            OAuthError::Malformed(format!(
                "HTTP {status} with a body that is not a JSON object"
            ))
        });
    };
    if let Some(error) = v.get("error").filter(|e| !e.is_null()) {
        let error = lenient::text(Some(error)).unwrap_or_else(|| error.to_string());
        let description = lenient::text(v.get("error_description"));
        return Err(classify_error(dc, error, description));
    }
    let access_token = lenient::text(v.get("access_token"));
    let Some(access_token) = access_token else {
        return Err(if status >= 400 {
            OAuthError::Other {
                error: format!("HTTP {status}"),
                description: None,
            }
        } else {
            OAuthError::Malformed("the response has neither `error` nor `access_token`".to_owned())
        });
    };
    Ok(TokenResponse {
        access_token: SecretString::from(access_token),
        refresh_token: lenient::text(v.get("refresh_token")).map(SecretString::from),
        api_domain: lenient::text(v.get("api_domain")),
        expires_in: lifetime(&v),
    })
}

fn classify_error(dc: DataCentre, error: String, description: Option<String>) -> OAuthError {
    let lower = error.to_ascii_lowercase();
    let desc_lower = description
        .as_deref()
        .unwrap_or_default()
        .to_ascii_lowercase();
    match lower.as_str() {
        "invalid_code" => OAuthError::InvalidCode,
        "invalid_client" | "invalid_client_secret" => OAuthError::InvalidClient { dc },
        // Zoho's throttling answer; `access_denied` (underscore) is a refused consent instead.
        "access denied" => OAuthError::Throttled,
        _ if desc_lower.contains("too many requests") => OAuthError::Throttled,
        _ => OAuthError::Other { error, description },
    }
}

/// `expires_in_sec` when present (older responses gave `expires_in` in milliseconds next to
/// it), else `expires_in`, where a value above a day is taken as milliseconds.
fn lifetime(v: &Value) -> Duration {
    if let Some(secs) = lenient::int(v.get("expires_in_sec")).filter(|s| *s > 0) {
        return Duration::from_secs(secs.unsigned_abs());
    }
    match lenient::int(v.get("expires_in")).filter(|s| *s > 0) {
        Some(n) if n > 86_400 => Duration::from_millis(n.unsigned_abs()),
        Some(n) => Duration::from_secs(n.unsigned_abs()),
        None => DEFAULT_LIFETIME,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::ExposeSecret;
    use serde_json::json;

    fn parse(status: u16, v: Value) -> Result<TokenResponse, OAuthError> {
        parse_token_response(DataCentre::Eu, status, v.to_string().as_bytes())
    }

    #[test]
    fn code_exchange_success() {
        let t = parse(
            200,
            json!({
                "access_token": "1000.2deaf8d0.703adef2", "refresh_token": "1000.18e98352.1bd83a6f",
                "scope": "ZohoBooks.invoices.READ", "api_domain": "https://www.zohoapis.eu",
                "token_type": "Bearer", "expires_in": 3600
            }),
        )
        .unwrap();
        assert_eq!(t.access_token.expose_secret(), "1000.2deaf8d0.703adef2");
        assert_eq!(
            t.refresh_token.as_ref().map(|r| r.expose_secret()),
            Some("1000.18e98352.1bd83a6f")
        );
        assert_eq!(t.api_domain.as_deref(), Some("https://www.zohoapis.eu"));
        assert_eq!(t.expires_in, Duration::from_secs(3600));
    }

    #[test]
    fn refresh_has_no_refresh_token_and_lifetime_defaults() {
        let t = parse(
            200,
            json!({"access_token": "a", "api_domain": "https://www.zohoapis.com"}),
        )
        .unwrap();
        assert!(t.refresh_token.is_none());
        assert_eq!(t.expires_in, Duration::from_secs(3600));
        let t = parse(
            200,
            json!({"access_token": "a", "expires_in": 3600000, "expires_in_sec": 3600}),
        )
        .unwrap();
        assert_eq!(t.expires_in, Duration::from_secs(3600));
        let t = parse(200, json!({"access_token": "a", "expires_in": "1800"})).unwrap();
        assert_eq!(t.expires_in, Duration::from_secs(1800));
    }

    #[test]
    fn errors_with_http_200_are_recognised() {
        assert!(matches!(
            parse(200, json!({"error": "invalid_code"})),
            Err(OAuthError::InvalidCode)
        ));
        assert!(matches!(
            parse(200, json!({"error": "invalid_client"})),
            Err(OAuthError::InvalidClient { dc: DataCentre::Eu })
        ));
        assert!(matches!(
            parse(
                200,
                json!({"error_description": "You have made too many requests continuously. Please try again after some time.",
                              "error": "Access Denied", "status": "failure"})
            ),
            Err(OAuthError::Throttled)
        ));
        // An error key wins even if an access token is somehow present.
        assert!(matches!(
            parse(200, json!({"error": "invalid_redirect_uri", "access_token": "x"})),
            Err(OAuthError::Other { ref error, .. }) if error == "invalid_redirect_uri"
        ));
        assert!(matches!(
            parse(400, json!({"error": "invalid_code"})),
            Err(OAuthError::InvalidCode)
        ));
    }

    #[test]
    fn malformed_and_http_failures() {
        assert!(matches!(
            parse(200, json!({"token_type": "Bearer"})),
            Err(OAuthError::Malformed(_))
        ));
        assert!(matches!(
            parse_token_response(DataCentre::Us, 200, b"<html>"),
            Err(OAuthError::Malformed(_))
        ));
        let e = parse_token_response(DataCentre::Us, 503, b"busy").unwrap_err();
        assert!(e.is_retryable(), "{e}");
    }

    #[test]
    fn invalid_client_message_names_the_data_centre_and_the_fix() {
        let msg = OAuthError::InvalidClient { dc: DataCentre::Eu }.to_string();
        assert!(
            msg.contains("EU") && msg.contains("client secret may differ per data centre"),
            "{msg}"
        );
        assert!(msg.contains("reconnect"), "{msg}");
    }

    #[test]
    fn debug_redacts_tokens() {
        let t = parse(
            200,
            json!({"access_token": "AccessSecret123", "refresh_token": "RefreshSecret456"}),
        )
        .unwrap();
        let d = format!("{t:?}");
        assert!(
            !d.contains("AccessSecret123") && !d.contains("RefreshSecret456"),
            "{d}"
        );
        assert!(d.contains("REDACTED"));
    }
}
