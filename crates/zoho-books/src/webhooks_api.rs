//! Managing Books webhooks through the API (`/settings/webhooks`).
//!
//! Only "create" is confirmed in Zoho's documentation; listing is a third-party finding, so an
//! organization where it does not exist is reported as "unsupported", not as an error.
//! A webhook only fires once a workflow rule uses it; that binding is not done here.

use reqwest::Method;
use secrecy::{ExposeSecret, SecretString};
use serde_json::{json, Value};

use crate::client::{BooksClient, BooksError};
use crate::models::lenient;

/// The entities Zoho accepts in `entity` that this crate knows how to parse deliveries for.
pub const WEBHOOK_ENTITIES: [&str; 5] = [
    "invoice",
    "bill",
    "purchaseorder",
    "customerpayment",
    "vendorpayment",
];

/// What to create. Zoho requires the name to be at most 50 characters and the secret 12–50
/// ASCII letters and digits; [`validate`](Self::validate) checks both before anything is sent.
#[derive(Clone)]
pub struct WebhookSpec {
    /// One of [`WEBHOOK_ENTITIES`].
    pub entity: String,
    /// Shown in Zoho's UI; ≤ 50 characters. Zoho rejects duplicates (code 107051).
    pub name: String,
    /// Where Zoho will POST.
    pub url: String,
    /// Signing secret for `X-Zoho-Webhook-Signature`.
    pub secret: SecretString,
}

impl std::fmt::Debug for WebhookSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookSpec")
            .field("entity", &self.entity)
            .field("name", &self.name)
            .field("url", &"[REDACTED]")
            .field("secret", &"[REDACTED]")
            .finish()
    }
}

impl WebhookSpec {
    /// Checks Zoho's documented limits, so a bad spec fails here with a clear message instead
    /// of as an opaque API error.
    pub fn validate(&self) -> Result<(), String> {
        if !WEBHOOK_ENTITIES.contains(&self.entity.as_str()) {
            return Err(format!(
                "webhook entity {:?} is not supported; use one of: {}",
                self.entity,
                WEBHOOK_ENTITIES.join(", ")
            ));
        }
        let name_len = self.name.chars().count();
        if name_len == 0 || name_len > 50 {
            return Err(format!(
                "webhook name must be 1 to 50 characters, got {name_len}"
            ));
        }
        match url::Url::parse(&self.url) {
            Ok(u) if matches!(u.scheme(), "https" | "http") && u.host().is_some() => {}
            _ => return Err("webhook url must be an absolute http(s) URL".to_owned()),
        }
        let secret = self.secret.expose_secret();
        let secret_len = secret.chars().count();
        if !(12..=50).contains(&secret_len) || !secret.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err(format!(
                "webhook secret must be 12 to 50 ASCII letters or digits (Zoho's rule), got \
                 {secret_len} characters{}",
                if secret.chars().all(|c| c.is_ascii_alphanumeric()) {
                    ""
                } else {
                    " including other characters"
                }
            ));
        }
        Ok(())
    }
}

/// A webhook as listed by Zoho.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Webhook {
    pub webhook_id: String,
    pub name: Option<String>,
    pub url: Option<String>,
    pub entity: Option<String>,
}

impl Webhook {
    fn from_json(v: &Value) -> Option<Webhook> {
        Some(Webhook {
            webhook_id: lenient::id(v.get("webhook_id"))?,
            name: lenient::text(lenient::first(v, &["webhook_name", "name"])),
            url: lenient::text(v.get("url")),
            entity: lenient::text(v.get("entity")),
        })
    }
}

impl BooksClient {
    /// `GET /settings/webhooks`. This endpoint is unconfirmed: a 404, "invalid URL" (code 5),
    /// "method not allowed" (code 37 / HTTP 405) or an envelope without `webhooks` means
    /// listing is unsupported and gives `Ok(None)`; callers then fall back to their own
    /// record of what they created.
    #[tracing::instrument(level = "debug", skip(self, token), fields(org = %self.organization_id()))]
    pub async fn list_webhooks(
        &self,
        token: &SecretString,
    ) -> Result<Option<Vec<Webhook>>, BooksError> {
        match self
            .call(Method::GET, "settings/webhooks", &[], token, None)
            .await
        {
            Ok(envelope) => Ok(envelope
                .get("webhooks")
                .and_then(Value::as_array)
                .map(|rows| rows.iter().filter_map(Webhook::from_json).collect())),
            Err(BooksError::NotFound { .. }) => Ok(None),
            Err(BooksError::Api { status, code, .. })
                if status == 405 || code == 5 || code == 37 =>
            {
                Ok(None)
            }
            Err(e) => Err(e),
        }
    }

    /// `POST /settings/webhooks` with `entity`, `webhook_name`, `url`, `method: POST`,
    /// `body_type: application/json` (Zoho's default payload) and `secret`; returns the new
    /// `webhook_id`. An invalid spec is refused before sending, as
    /// [`BooksError::Api`] with status 0.
    #[tracing::instrument(level = "debug", skip(self, token, spec), fields(org = %self.organization_id(), entity = %spec.entity))]
    pub async fn create_webhook(
        &self,
        token: &SecretString,
        spec: &WebhookSpec,
    ) -> Result<String, BooksError> {
        spec.validate().map_err(|message| BooksError::Api {
            status: 0,
            code: -1,
            message,
        })?;
        let body = json!({
            "entity": spec.entity,
            "webhook_name": spec.name,
            "url": spec.url,
            "method": "POST",
            "body_type": "application/json",
            "secret": spec.secret.expose_secret(),
        });
        let envelope = self
            .call(Method::POST, "settings/webhooks", &[], token, Some(&body))
            .await?;
        lenient::id(envelope.get("webhook").and_then(|w| w.get("webhook_id")))
            .or_else(|| lenient::id(envelope.get("webhook_id")))
            .ok_or_else(|| {
                BooksError::Decode("create-webhook response has no webhook.webhook_id".to_owned())
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(entity: &str, name: &str, secret: &str) -> WebhookSpec {
        WebhookSpec {
            entity: entity.into(),
            name: name.into(),
            url: "https://connector.example.com/hooks/zoho-books/abc".into(),
            secret: SecretString::from(secret.to_owned()),
        }
    }

    #[test]
    fn validation() {
        assert!(spec("invoice", "ml-connector invoices", "abcDEF123456")
            .validate()
            .is_ok());
        assert!(spec("estimate", "x", "abcDEF123456")
            .validate()
            .unwrap_err()
            .contains("invoice, bill"));
        assert!(spec("bill", &"n".repeat(51), "abcDEF123456")
            .validate()
            .is_err());
        assert!(spec("bill", "", "abcDEF123456").validate().is_err());
        assert!(spec("bill", "x", "short").validate().is_err());
        assert!(spec("bill", "x", &"a".repeat(51)).validate().is_err());
        let err = spec("bill", "x", "has-dash-12345").validate().unwrap_err();
        assert!(!err.contains("has-dash"), "secret leaked: {err}");
        let mut s = spec("bill", "x", "abcDEF123456");
        s.url = "/relative".into();
        assert!(s.validate().is_err());
    }

    #[test]
    fn debug_hides_secret_and_url() {
        let d = format!("{:?}", spec("bill", "x", "TopSecret123456"));
        assert!(
            !d.contains("TopSecret123456") && !d.contains("hooks/zoho-books/abc"),
            "{d}"
        );
    }

    #[test]
    fn webhook_rows() {
        let w = Webhook::from_json(
            &json!({"webhook_id": 4600000012345u64, "webhook_name": "a", "entity": "bill"}),
        )
        .unwrap();
        assert_eq!(
            (w.webhook_id.as_str(), w.name.as_deref()),
            ("4600000012345", Some("a"))
        );
        assert!(Webhook::from_json(&json!({"name": "a"})).is_none());
    }
}
