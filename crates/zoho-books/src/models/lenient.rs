//! Lenient readers for Zoho's loosely typed JSON.
//!
//! Zoho's OpenAPI declares ids as strings but shows them as numbers, types amounts as strings
//! while the API sends numbers, and sends `""` for "no value". Reading through these helpers
//! means one odd field degrades to `None` instead of failing a whole sync page.

use std::str::FromStr;

use chrono::{DateTime, FixedOffset, NaiveDate};
use rust_decimal::Decimal;
use serde_json::Value;

/// An identifier given as a string or a number; `None` for empty, null or other types.
///
/// Numbers are printed in full (`982000000567114`), never in exponent form, because they are
/// ids, not quantities.
pub(crate) fn id(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) => non_empty(s),
        Value::Number(n) => {
            if let Some(i) = n.as_u64() {
                Some(i.to_string())
            } else if let Some(i) = n.as_i64() {
                Some(i.to_string())
            } else {
                decimal_from_number(n).map(|d| d.normalize().to_string())
            }
        }
        _ => None,
    }
}

/// Free text: a non-empty string, or a number/bool printed as text (Zoho is inconsistent,
/// e.g. `payment_number`).
pub(crate) fn text(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) => non_empty(s),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// A money amount or quantity from a number or a numeric string, kept exact as a `Decimal`.
pub(crate) fn decimal(v: Option<&Value>) -> Option<Decimal> {
    match v? {
        Value::Number(n) => decimal_from_number(n),
        Value::String(s) => decimal_from_str(s.trim()),
        _ => None,
    }
}

fn decimal_from_number(n: &serde_json::Number) -> Option<Decimal> {
    // serde_json prints floats in their shortest round-trip form ("40.6"), so going through the
    // text avoids the binary-float error a direct f64 conversion would carry.
    decimal_from_str(&n.to_string())
}

fn decimal_from_str(s: &str) -> Option<Decimal> {
    if s.is_empty() {
        return None;
    }
    Decimal::from_str(s)
        .or_else(|_| Decimal::from_scientific(s))
        .ok()
}

/// A whole number from a number or a numeric string.
pub(crate) fn int(v: Option<&Value>) -> Option<i64> {
    match v? {
        Value::Number(n) => n.as_i64().or_else(|| {
            n.as_f64()
                .filter(|f| f.fract() == 0.0 && f.abs() < 9.0e15)
                .map(|f| f as i64)
        }),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// A flag from a bool, `"true"`/`"false"` or `1`/`0`.
pub(crate) fn boolean(v: Option<&Value>) -> Option<bool> {
    match v? {
        Value::Bool(b) => Some(*b),
        Value::String(s) => match s.trim().to_ascii_lowercase().as_str() {
            "true" | "1" | "yes" => Some(true),
            "false" | "0" | "no" => Some(false),
            _ => None,
        },
        Value::Number(n) => n.as_i64().map(|i| i != 0),
        _ => None,
    }
}

/// A calendar date in Zoho's `yyyy-mm-dd` form (a trailing time part is ignored).
pub(crate) fn date(v: Option<&Value>) -> Option<NaiveDate> {
    let s = v?.as_str()?.trim();
    let day = s.get(..10).unwrap_or(s);
    NaiveDate::parse_from_str(day, "%Y-%m-%d").ok()
}

/// A timestamp field, see [`parse_zoho_time`].
pub(crate) fn time(v: Option<&Value>) -> Option<DateTime<FixedOffset>> {
    parse_zoho_time(v?.as_str()?)
}

/// Parses Zoho's timestamps, keeping their offset.
///
/// Zoho writes `2013-11-18T02:02:51-0800` (offset without a colon), but RFC 3339 with a colon
/// offset or `Z`, and fractional seconds, are accepted too because webhook templates and other
/// Zoho products format them that way. Returns `None` for anything else, including `""`.
pub fn parse_zoho_time(s: &str) -> Option<DateTime<FixedOffset>> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    [
        "%Y-%m-%dT%H:%M:%S%z",
        "%Y-%m-%dT%H:%M:%S%.f%z",
        "%Y-%m-%d %H:%M:%S%z",
    ]
    .iter()
    .find_map(|fmt| DateTime::parse_from_str(s, fmt).ok())
    .or_else(|| DateTime::parse_from_rfc3339(s).ok())
}

/// The JSON array under `key`, or an empty slice when it is missing or not an array.
pub(crate) fn array<'a>(obj: &'a Value, key: &str) -> &'a [Value] {
    obj.get(key)
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[])
}

/// The first of `keys` that is present and not null.
pub(crate) fn first<'a>(obj: &'a Value, keys: &[&str]) -> Option<&'a Value> {
    keys.iter()
        .filter_map(|k| obj.get(*k))
        .find(|v| !v.is_null())
}

fn non_empty(s: &str) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn ids_from_strings_and_numbers() {
        assert_eq!(
            id(Some(&json!("982000000567114"))).as_deref(),
            Some("982000000567114")
        );
        assert_eq!(
            id(Some(&json!(982000000567114u64))).as_deref(),
            Some("982000000567114")
        );
        assert_eq!(id(Some(&json!(""))), None);
        assert_eq!(id(Some(&json!(null))), None);
        assert_eq!(id(None), None);
    }

    #[test]
    fn decimals_are_exact() {
        assert_eq!(decimal(Some(&json!(40.6))), Some(Decimal::new(406, 1)));
        assert_eq!(
            decimal(Some(&json!("135.00"))),
            Some(Decimal::new(13500, 2))
        );
        assert_eq!(decimal(Some(&json!(450))), Some(Decimal::new(450, 0)));
        assert_eq!(decimal(Some(&json!("1e2"))), Some(Decimal::new(100, 0)));
        assert_eq!(decimal(Some(&json!(""))), None);
        assert_eq!(decimal(Some(&json!("n/a"))), None);
        assert_eq!(decimal(Some(&json!(true))), None);
    }

    #[test]
    fn zoho_times_with_and_without_colon() {
        let a = parse_zoho_time("2013-11-18T02:02:51-0800").unwrap();
        let b = parse_zoho_time("2013-11-18T02:02:51-08:00").unwrap();
        let c = parse_zoho_time("2013-11-18T10:02:51Z").unwrap();
        let d = parse_zoho_time("2013-11-18T02:02:51.000-0800").unwrap();
        assert_eq!(a, b);
        assert_eq!(a, c);
        assert_eq!(a, d);
        assert_eq!(a.offset().local_minus_utc(), -8 * 3600);
        assert_eq!(
            parse_zoho_time("2013-09-11T17:18:32+0530")
                .unwrap()
                .to_rfc3339(),
            "2013-09-11T17:18:32+05:30"
        );
        assert_eq!(parse_zoho_time(""), None);
        assert_eq!(parse_zoho_time("19 Jan 2017"), None);
    }

    #[test]
    fn dates_flags_and_ints() {
        assert_eq!(
            date(Some(&json!("2013-12-03"))),
            NaiveDate::from_ymd_opt(2013, 12, 3)
        );
        assert_eq!(
            date(Some(&json!("2013-12-03T00:00:00+0000"))),
            NaiveDate::from_ymd_opt(2013, 12, 3)
        );
        assert_eq!(date(Some(&json!(""))), None);
        assert_eq!(boolean(Some(&json!("true"))), Some(true));
        assert_eq!(boolean(Some(&json!(0))), Some(false));
        assert_eq!(int(Some(&json!("7"))), Some(7));
        assert_eq!(int(Some(&json!(1.0))), Some(1));
    }
}
