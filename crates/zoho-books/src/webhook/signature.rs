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
/// Accepts upper- or lower-case hex, surrounding whitespace and an optional `sha256=` prefix.
/// Any malformed header (wrong length, not hex, empty) is simply `false`, and so is an empty
/// secret: an unconfigured secret must not make every signature "valid" for whoever guesses it.
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
    let header = header_value.trim();
    let header = header
        .strip_prefix("sha256=")
        .or_else(|| header.strip_prefix("SHA256="))
        .unwrap_or(header);
    let Ok(expected) = hex::decode(header) else {
        return false;
    };
    mac(secret, &signing_string(query_pairs, content_type, raw_body))
        .verify_slice(&expected)
        .is_ok()
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
