//! Webhook challenge, event parsing of the reference samples, and JWT checks.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use chrono::{DateTime, TimeZone, Utc};
use hmac::{Hmac, Mac};
use monday::webhooks::{challenge_response, parse_event, verify_jwt};
use secrecy::SecretString;
use serde_json::{json, Value};
use sha2::Sha256;

#[test]
fn challenge_is_echoed() {
    let body = br#"{"challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"}"#;
    assert_eq!(
        challenge_response(body),
        Some(json!({"challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"}))
    );
    assert_eq!(challenge_response(br#"{"challenge": 5}"#), None);
    assert_eq!(challenge_response(b"not json"), None);
    assert_eq!(challenge_response(br#"{"event": {}}"#), None);
    let huge = format!(r#"{{"challenge": "{}"}}"#, "a".repeat(5_000));
    assert_eq!(challenge_response(huge.as_bytes()), None);
}

#[test]
fn status_change_sample_is_parsed() {
    let body = br##"{ "event": { "userId": 9603417, "originalTriggerUuid": null, "boardId": 1771812698, "groupId": "topics",
  "pulseId": 1772099344, "pulseName": "Create_item webhook", "columnId": "status", "columnType": "color",
  "columnTitle": "Status",
  "value": { "label": { "index": 3, "text": "Status change wbhook",
             "style": { "color": "#0086c0", "border": "#3DB0DF", "var_name": "blue-links" } }, "post_id": null },
  "previousValue": null, "changedAt": 1633944017.473193, "isTopGroup": true, "app": "monday",
  "type": "update_column_value", "triggerTime": "2021-10-11T09:20:18.022Z", "subscriptionId": 73761176,
  "triggerUuid": "504b2eb76c80f672a18f892c0f700e41" } }"##;
    let e = parse_event(body).expect("parses");
    assert_eq!(e.trigger_uuid, "504b2eb76c80f672a18f892c0f700e41");
    assert_eq!(e.board_id, "1771812698");
    assert_eq!(e.item_id, "1772099344");
    assert_eq!(e.column_id.as_deref(), Some("status"));
    assert_eq!(e.column_type.as_deref(), Some("color"));
    assert_eq!(e.user_id.as_deref(), Some("9603417"));
    assert_eq!(e.subscription_id.as_deref(), Some("73761176"));
    assert_eq!(e.value_label.as_deref(), Some("Status change wbhook"));
    assert_eq!(e.previous_label, None);
    assert_eq!(e.event_type, "update_column_value");
    assert_eq!(e.trigger_time.as_deref(), Some("2021-10-11T09:20:18.022Z"));
    assert_eq!(e.item_name().as_deref(), Some("Create_item webhook"));
    assert!(!e.is_retry());
}

#[test]
fn date_change_and_delete_samples_are_parsed() {
    let date = br#"{ "event": { "userId": 9603417, "originalTriggerUuid": null, "boardId": 1771812698, "groupId": "topics",
  "pulseId": 1771812728, "pulseName": "Crate_item webhook", "columnId": "date4", "columnType": "date",
  "columnTitle": "Date", "value": { "date": "2021-10-11", "icon": null, "time": null }, "previousValue": null,
  "changedAt": 1633943701.9457765, "isTopGroup": true, "app": "monday", "type": "update_column_value",
  "triggerTime": "2021-10-11T09:15:03.429Z", "subscriptionId": 73760484, "triggerUuid": "645fc8d8709d35718f1ae00ceded91e9" } }"#;
    let e = parse_event(date).expect("parses");
    assert_eq!(e.column_id.as_deref(), Some("date4"));
    assert_eq!(e.value_label, None);
    assert_eq!(e.raw["value"]["date"], "2021-10-11");

    // Deletes say itemId, and ids may come as strings.
    let delete = br#"{"event":{"app":"monday","type":"delete_pulse","triggerTime":"2025-02-01T10:00:00Z",
      "subscriptionId":"42","isRetry":true,"userId":1,"originalTriggerUuid":null,"boardId":"18000000001",
      "itemId":"18000000002","itemName":"INV-1","triggerUuid":"abc","parentItemId":77}}"#;
    let e = parse_event(delete).expect("parses");
    assert_eq!(e.item_id, "18000000002");
    assert_eq!(e.board_id, "18000000001");
    assert_eq!(e.event_type, "delete_pulse");
    assert!(e.is_retry());
    assert_eq!(e.parent_item_id().as_deref(), Some("77"));
}

#[test]
fn malformed_events_are_rejected_with_a_reason() {
    assert!(parse_event(b"nope").is_err());
    assert!(parse_event(br#"{"challenge":"x"}"#).is_err());
    let no_uuid = br#"{"event":{"boardId":1,"pulseId":2}}"#;
    assert!(parse_event(no_uuid)
        .expect_err("no uuid")
        .contains("triggerUuid"));
    let float_id = br#"{"event":{"boardId":1.5,"pulseId":2,"triggerUuid":"u"}}"#;
    assert!(parse_event(float_id).is_err());
}

const SECRET: &str = "signing-secret";
const AUD: &str = "https://connector.example/hooks/monday/abc";

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 25, 12, 0, 0)
        .single()
        .expect("time")
}

fn sign(header: &Value, claims: &Value, secret: &str) -> String {
    let h = URL_SAFE_NO_PAD.encode(header.to_string());
    let p = URL_SAFE_NO_PAD.encode(claims.to_string());
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("key");
    mac.update(format!("{h}.{p}").as_bytes());
    let s = URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes());
    format!("{h}.{p}.{s}")
}

fn claims(exp_offset: i64, aud: &str) -> Value {
    json!({"accountId": 1, "userId": 2, "aud": aud, "exp": now().timestamp() + exp_offset,
           "iat": now().timestamp() - 10, "shortLivedToken": "x"})
}

fn hs256() -> Value {
    json!({"alg": "HS256", "typ": "JWT"})
}

fn verify(token: &str) -> Result<Value, String> {
    verify_jwt(token, &SecretString::from(SECRET), AUD, now())
}

#[test]
fn valid_jwt_is_accepted_with_or_without_bearer() {
    let token = sign(&hs256(), &claims(300, AUD), SECRET);
    let c = verify(&token).expect("valid");
    assert_eq!(c["accountId"], 1);
    verify(&format!("Bearer {token}")).expect("valid with Bearer");
    verify(&format!("bearer {token}")).expect("valid with lowercase bearer");
    // Within the leeway.
    verify(&sign(&hs256(), &claims(-30, AUD), SECRET)).expect("within leeway");
    // aud may be a list.
    let mut list = claims(300, AUD);
    list["aud"] = json!(["other", AUD]);
    verify(&sign(&hs256(), &list, SECRET)).expect("aud list");
}

#[test]
fn expired_jwt_is_rejected() {
    let e = verify(&sign(&hs256(), &claims(-3_600, AUD), SECRET)).expect_err("expired");
    assert!(e.contains("expired"), "{e}");
    let mut no_exp = claims(0, AUD);
    no_exp.as_object_mut().expect("obj").remove("exp");
    assert!(verify(&sign(&hs256(), &no_exp, SECRET)).is_err());
}

#[test]
fn wrong_audience_is_rejected() {
    let e = verify(&sign(
        &hs256(),
        &claims(300, "https://evil.example/"),
        SECRET,
    ))
    .expect_err("aud");
    assert!(e.contains("audience"), "{e}");
}

#[test]
fn bad_signatures_and_algorithms_are_rejected() {
    let e = verify(&sign(&hs256(), &claims(300, AUD), "other-secret")).expect_err("wrong secret");
    assert!(e.contains("signature"), "{e}");
    assert!(!e.contains(SECRET));

    // Tampered payload, same signature.
    let token = sign(&hs256(), &claims(300, AUD), SECRET);
    let mut parts: Vec<String> = token.split('.').map(str::to_owned).collect();
    parts[1] = URL_SAFE_NO_PAD.encode(claims(9_999, AUD).to_string());
    assert!(verify(&parts.join(".")).is_err());

    // alg none with an empty signature, and an RS256 header.
    let none = format!(
        "{}.{}.",
        URL_SAFE_NO_PAD.encode(json!({"alg": "none"}).to_string()),
        URL_SAFE_NO_PAD.encode(claims(300, AUD).to_string())
    );
    assert!(verify(&none).expect_err("none").contains("HS256"));
    assert!(verify(&sign(&json!({"alg": "RS256"}), &claims(300, AUD), SECRET)).is_err());

    for junk in [
        "",
        "Bearer ",
        "a.b",
        "a.b.c.d",
        "!!.??.**",
        &"x".repeat(20_000),
    ] {
        assert!(verify(junk).is_err(), "{junk:.20}");
    }
}
