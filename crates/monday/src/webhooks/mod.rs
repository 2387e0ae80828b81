//! Receiving monday webhooks (challenge, event parsing, JWT check) and
//! registering them.
//!
//! Webhooks created with a personal token carry no signature; only those
//! created with an integration app's OAuth token carry a JWT. The receiver
//! therefore relies on an unguessable URL secret and uses [`verify_jwt`]
//! when a JWT is present.

mod event;
mod jwt;
mod subscribe;

use serde_json::{json, Value};

pub use event::{parse_event, WebhookEvent};
pub use jwt::{verify_jwt, JWT_LEEWAY};
pub use subscribe::WebhookInfo;

/// The longest challenge we echo. monday's are ~50 characters; the cap keeps
/// an attacker from using the endpoint as a large reflector.
pub const MAX_CHALLENGE_CHARS: usize = 1_024;

/// If the body is monday's URL-verification challenge (`{"challenge": "…"}`),
/// the JSON to answer with (HTTP 200, the same challenge back).
pub fn challenge_response(body: &[u8]) -> Option<Value> {
    let v: Value = serde_json::from_slice(body).ok()?;
    let challenge = v.as_object()?.get("challenge")?.as_str()?;
    if challenge.chars().count() > MAX_CHALLENGE_CHARS || v.get("event").is_some() {
        return None;
    }
    Some(json!({ "challenge": challenge }))
}
