//! Verification of the HS256 JWT that monday puts in the `Authorization`
//! header of webhooks created with an integration app's token.
//!
//! Hand-written (HMAC-SHA256 + URL-safe base64) because it is one algorithm
//! and a few claims; pulling in a general JWT library would also pull in the
//! algorithm choice that "alg: none" and HS/RS confusion attacks exploit.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use secrecy::{ExposeSecret, SecretString};
use serde_json::Value;
use sha2::Sha256;

/// Clock skew tolerated on `exp` and `nbf`, in seconds.
pub const JWT_LEEWAY: i64 = 60;

/// Tokens above this size are refused before any decoding, so a hostile
/// header cannot cost much CPU.
const MAX_TOKEN_BYTES: usize = 8 * 1024;

/// Verify `authorization` (with or without `Bearer `) as an HS256 JWT
/// signed with `signing_secret`, unexpired at `now` (± [`JWT_LEEWAY`]),
/// whose `aud` is `expected_aud` (the webhook URL). Returns the claims.
/// Error strings name the reason only, never the token or secret.
pub fn verify_jwt(
    authorization: &str,
    signing_secret: &SecretString,
    expected_aud: &str,
    now: DateTime<Utc>,
) -> Result<Value, String> {
    let token = authorization.trim();
    let token = match token.get(..7) {
        Some(prefix) if prefix.eq_ignore_ascii_case("bearer ") => token[7..].trim(),
        _ => token,
    };
    if token.is_empty() {
        return Err("missing JWT".to_owned());
    }
    if token.len() > MAX_TOKEN_BYTES {
        return Err("JWT too large".to_owned());
    }
    let mut parts = token.split('.');
    let (Some(header_b64), Some(payload_b64), Some(sig_b64), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err("JWT must have three parts".to_owned());
    };

    let header: Value = decode_json(header_b64).ok_or("JWT header is not base64url JSON")?;
    // Only HS256: rejects "none" and any attempt to switch to an RSA/EC alg.
    if header.get("alg").and_then(Value::as_str) != Some("HS256") {
        return Err("JWT algorithm is not HS256".to_owned());
    }

    let signature = URL_SAFE_NO_PAD
        .decode(sig_b64)
        .map_err(|_| "JWT signature is not base64url")?;
    let mut mac = Hmac::<Sha256>::new_from_slice(signing_secret.expose_secret().as_bytes())
        .map_err(|_| "signing secret unusable")?;
    mac.update(header_b64.as_bytes());
    mac.update(b".");
    mac.update(payload_b64.as_bytes());
    // verify_slice compares in constant time.
    mac.verify_slice(&signature)
        .map_err(|_| "JWT signature does not match the signing secret")?;

    let claims: Value = decode_json(payload_b64).ok_or("JWT payload is not base64url JSON")?;
    let now_s = now.timestamp();
    let exp = claims
        .get("exp")
        .and_then(Value::as_i64)
        .ok_or("JWT has no numeric exp")?;
    if now_s > exp.saturating_add(JWT_LEEWAY) {
        return Err("JWT expired".to_owned());
    }
    if let Some(nbf) = claims.get("nbf").and_then(Value::as_i64) {
        if now_s.saturating_add(JWT_LEEWAY) < nbf {
            return Err("JWT not yet valid".to_owned());
        }
    }
    let aud_ok = match claims.get("aud") {
        Some(Value::String(a)) => a == expected_aud,
        Some(Value::Array(auds)) => auds.iter().any(|a| a.as_str() == Some(expected_aud)),
        _ => false,
    };
    if !aud_ok {
        return Err("JWT audience is not this webhook URL".to_owned());
    }
    Ok(claims)
}

fn decode_json(part: &str) -> Option<Value> {
    let bytes = URL_SAFE_NO_PAD.decode(part).ok()?;
    let v: Value = serde_json::from_slice(&bytes).ok()?;
    v.is_object().then_some(v)
}
