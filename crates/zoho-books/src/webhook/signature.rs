//! Verifying `X-Zoho-Webhook-Signature`.
//!
//! Zoho documents this scheme for Zoho Billing; for Books it is inferred (one production
//! integration uses it), so callers should also require a per-connection token they configured
//! themselves. The signed message is built from exactly the bytes received, which is why the
//! functions take the raw body rather than parsed JSON.

use hmac::{Hmac, Mac};
use secrecy::{ExposeSecret, SecretString};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// The string Zoho signs: all query pairs plus, for form bodies, the url-decoded form pairs,
/// sorted by key and concatenated as `key` + `value` with no separators; then, for any other
/// body (JSON or raw), the raw body verbatim. For form bodies the pairs replace the body.
///
/// `query_pairs` are the already-decoded pairs of the URL Zoho called, including any custom
/// parameters configured on the webhook. Pairs with equal keys keep a deterministic order
/// (by value).
pub fn signing_string(
    query_pairs: &[(String, String)],
    content_type: Option<&str>,
    raw_body: &[u8],
) -> Vec<u8> {
    let mut pairs: Vec<(String, String)> = query_pairs.to_vec();
    let form = is_form(content_type);
    if form {
        pairs.extend(
            url::form_urlencoded::parse(raw_body).map(|(k, v)| (k.into_owned(), v.into_owned())),
        );
    }
    pairs.sort();
    let mut out = Vec::with_capacity(raw_body.len() + 64);
    for (k, v) in &pairs {
        out.extend_from_slice(k.as_bytes());
        out.extend_from_slice(v.as_bytes());
    }
    if !form {
        out.extend_from_slice(raw_body);
    }
    out
}

/// HMAC-SHA256 of `signing_string` keyed with `secret`, as lowercase hex.
pub fn sign(secret: &SecretString, signing_string: &[u8]) -> String {
    hex::encode(mac(secret, signing_string).finalize().into_bytes())
}

/// Checks a signature header against the request, in constant time.
///
/// Books' encoding is unconfirmed, so the HMAC-SHA256 is accepted as hex (upper or lower case,
/// the scheme Zoho documents for Billing) or as base64 (standard or URL-safe, padded or not);
/// the length tells them apart (64 hex characters, 43–44 base64 ones for 32 bytes). Surrounding
/// whitespace and an optional `sha256=` prefix are ignored. Any malformed header (wrong length,
/// neither encoding, empty) is simply `false`, and so is an empty secret: an unconfigured secret
/// must not make every signature "valid" for whoever guesses it.
pub fn verify_signature(
    secret: &SecretString,
    query_pairs: &[(String, String)],
    content_type: Option<&str>,
    raw_body: &[u8],
    header_value: &str,
) -> bool {
    if secret.expose_secret().is_empty() {
        return false;
    }
    let Some(expected) = decode_mac(header_value) else {
        return false;
    };
    mac(secret, &signing_string(query_pairs, content_type, raw_body))
        .verify_slice(&expected)
        .is_ok()
}

/// The header without whitespace and `sha256=` prefix.
fn strip(header_value: &str) -> &str {
    let header = header_value.trim();
    header
        .strip_prefix("sha256=")
        .or_else(|| header.strip_prefix("SHA256="))
        .unwrap_or(header)
}

/// The 32 MAC bytes a header carries, as hex or base64; `None` when it is neither.
fn decode_mac(header_value: &str) -> Option<Vec<u8>> {
    let value = strip(header_value);
    match SignatureShape::classify(value) {
        SignatureShape::Hex { .. } => hex::decode(value).ok(),
        SignatureShape::Base64 { .. } => decode_base64(value),
        _ => None,
    }
}

fn decode_base64(value: &str) -> Option<Vec<u8>> {
    use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
    use base64::Engine as _;
    [STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD]
        .iter()
        .find_map(|engine| engine.decode(value).ok())
        .filter(|bytes| bytes.len() == 32)
}

/// What a signature header looked like, without its value: safe to log, store and show, and
/// enough to tell a scheme mismatch (base64 where hex was expected, a different digest length)
/// from a wrong secret.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SignatureShape {
    /// No header at all.
    Missing,
    /// 64 hex characters: an HMAC-SHA256 in hex.
    Hex { len: usize },
    /// Base64 of 32 bytes: an HMAC-SHA256 in base64.
    Base64 { len: usize },
    /// Anything else (another digest, another scheme such as `t=…,v=…`, empty).
    Other { len: usize },
}

impl SignatureShape {
    /// The shape of a header value as received (`None` when the header was absent).
    pub fn of(header_value: Option<&str>) -> SignatureShape {
        match header_value {
            None => SignatureShape::Missing,
            Some(v) => SignatureShape::classify(strip(v)),
        }
    }

    fn classify(value: &str) -> SignatureShape {
        let len = value.chars().count();
        if len == 64 && value.bytes().all(|b| b.is_ascii_hexdigit()) {
            SignatureShape::Hex { len }
        } else if (43..=44).contains(&len) && decode_base64(value).is_some() {
            SignatureShape::Base64 { len }
        } else {
            SignatureShape::Other { len }
        }
    }

    /// A short description such as `hex, 64 chars` or `missing`.
    pub fn describe(&self) -> String {
        match self {
            SignatureShape::Missing => "missing".to_owned(),
            SignatureShape::Hex { len } => format!("hex, {len} chars"),
            SignatureShape::Base64 { len } => format!("base64, {len} chars"),
            SignatureShape::Other { len } => format!("unrecognised, {len} chars"),
        }
    }
}

impl std::fmt::Display for SignatureShape {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.describe())
    }
}

fn mac(secret: &SecretString, message: &[u8]) -> HmacSha256 {
    // HMAC takes keys of any length, so this cannot fail.
    let mut mac = HmacSha256::new_from_slice(secret.expose_secret().as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC accepts keys of any length"));
    mac.update(message);
    mac
}

/// Whether the body is `application/x-www-form-urlencoded` (parameters such as charset ignored).
pub(crate) fn is_form(content_type: Option<&str>) -> bool {
    content_type
        .and_then(|ct| ct.split(';').next())
        .is_some_and(|mime| {
            mime.trim()
                .eq_ignore_ascii_case("application/x-www-form-urlencoded")
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(p: &[(&str, &str)]) -> Vec<(String, String)> {
        p.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn secret() -> SecretString {
        SecretString::from("abcDEF123456".to_owned())
    }

    const BODY: &[u8] = br#"{"created_date":"2019-03-06","event_id":"5675"}"#;

    #[test]
    fn zoho_documented_example() {
        let s = signing_string(
            &pairs(&[("subscription_id", "90343"), ("name", "basic")]),
            Some("application/json"),
            BODY,
        );
        assert_eq!(
            String::from_utf8(s).unwrap(),
            r#"namebasicsubscription_id90343{"created_date":"2019-03-06","event_id":"5675"}"#
        );
    }

    #[test]
    fn hmac_sha256_known_vector() {
        // RFC 4231 test case 2.
        let key = SecretString::from("Jefe".to_owned());
        assert_eq!(
            sign(&key, b"what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn form_pairs_are_decoded_sorted_and_replace_the_body() {
        let s = signing_string(
            &pairs(&[("b", "2")]),
            Some("application/x-www-form-urlencoded; charset=UTF-8"),
            b"c=hello+world&a=%7B%22x%22%3A1%7D",
        );
        assert_eq!(String::from_utf8(s).unwrap(), r#"a{"x":1}b2chello world"#);
    }

    #[test]
    fn verifies_good_signatures_in_any_case() {
        let q = pairs(&[("name", "basic")]);
        let sig = sign(
            &secret(),
            &signing_string(&q, Some("application/json"), BODY),
        );
        assert_eq!(sig.len(), 64);
        assert!(sig
            .chars()
            .all(|c| c.is_ascii_digit() || c.is_ascii_lowercase()));
        assert!(verify_signature(
            &secret(),
            &q,
            Some("application/json"),
            BODY,
            &sig
        ));
        assert!(verify_signature(
            &secret(),
            &q,
            Some("application/json"),
            BODY,
            &sig.to_uppercase()
        ));
        assert!(verify_signature(
            &secret(),
            &q,
            None,
            BODY,
            &format!(" sha256={sig} ")
        ));
    }

    #[test]
    fn verifies_base64_signatures_too() {
        use base64::Engine as _;
        let q = pairs(&[("name", "basic")]);
        let raw = mac(&secret(), &signing_string(&q, None, BODY))
            .finalize()
            .into_bytes();
        for engine in [
            base64::engine::general_purpose::STANDARD,
            base64::engine::general_purpose::STANDARD_NO_PAD,
            base64::engine::general_purpose::URL_SAFE_NO_PAD,
        ] {
            let b64 = engine.encode(raw);
            assert!(verify_signature(&secret(), &q, None, BODY, &b64), "{b64}");
            assert!(matches!(
                SignatureShape::of(Some(&b64)),
                SignatureShape::Base64 { .. }
            ));
        }
        let b64 = base64::engine::general_purpose::STANDARD.encode(raw);
        let other = SecretString::from("zyxWVU987654".to_owned());
        assert!(!verify_signature(&other, &q, None, BODY, &b64));
        // Base64 of another length (e.g. a SHA-1 MAC) is not accepted.
        let short = base64::engine::general_purpose::STANDARD.encode(&raw[..20]);
        assert!(!verify_signature(&secret(), &q, None, BODY, &short));
    }

    #[test]
    fn shape_describes_without_the_value() {
        let sig = sign(&secret(), b"x");
        assert_eq!(SignatureShape::of(None), SignatureShape::Missing);
        assert_eq!(
            SignatureShape::of(Some(&sig)),
            SignatureShape::Hex { len: 64 }
        );
        assert_eq!(SignatureShape::of(Some(&sig)).describe(), "hex, 64 chars");
        assert_eq!(
            SignatureShape::of(Some("t=1,v=abc")),
            SignatureShape::Other { len: 9 }
        );
        assert_eq!(
            SignatureShape::of(Some("")).describe(),
            "unrecognised, 0 chars"
        );
        assert!(!SignatureShape::of(Some(&sig))
            .describe()
            .contains(&sig[..8]));
    }

    #[test]
    fn rejects_tampering_and_malformed_headers() {
        let q = pairs(&[("name", "basic")]);
        let sig = sign(&secret(), &signing_string(&q, None, BODY));
        let other = SecretString::from("zyxWVU987654".to_owned());
        assert!(!verify_signature(&other, &q, None, BODY, &sig));
        assert!(!verify_signature(
            &secret(),
            &q,
            None,
            br#"{"created_date":"2019-03-07","event_id":"5675"}"#,
            &sig
        ));
        assert!(!verify_signature(
            &secret(),
            &pairs(&[("name", "pro")]),
            None,
            BODY,
            &sig
        ));
        assert!(!verify_signature(&secret(), &[], None, BODY, &sig));
        let empty = SecretString::from(String::new());
        let empty_sig = sign(&empty, &signing_string(&q, None, BODY));
        assert!(!verify_signature(&empty, &q, None, BODY, &empty_sig));
        for bad in [
            "",
            "zz",
            &sig[..63],
            &sig[..62],
            &format!("{sig}00"),
            "not-hex-at-all",
        ] {
            assert!(!verify_signature(&secret(), &q, None, BODY, bad), "{bad:?}");
        }
    }
}
