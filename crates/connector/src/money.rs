//! Money as people read it: an amount in its currency's minor units (ISO 4217), grouped by
//! thousands — `21,149.00`, `¥1,200`, `1,234.500 KWD` — never a float artefact like `21149.0`
//! or `299.9`. Numbers columns get [`plain`]: a decimal string in minor units, no grouping.
//!
//! Zoho sends amounts as JSON numbers (`21149.0`); they are parsed into `rust_decimal::Decimal`
//! (never `f64`) and only rounded here, half away from zero as invoices are.

use rust_decimal::{Decimal, RoundingStrategy};

/// Digits after the decimal point for a currency (ISO 4217). Unknown or missing codes get 2,
/// the common case.
pub fn minor_units(currency: Option<&str>) -> u32 {
    let code = currency.map(|c| c.trim().to_ascii_uppercase());
    match code.as_deref() {
        Some(
            "BIF" | "CLP" | "DJF" | "GNF" | "ISK" | "JPY" | "KMF" | "KRW" | "PYG" | "RWF" | "UGX"
            | "UYI" | "VND" | "VUV" | "XAF" | "XOF" | "XPF",
        ) => 0,
        Some("BHD" | "IQD" | "JOD" | "KWD" | "LYD" | "OMR" | "TND") => 3,
        Some("CLF" | "UYW") => 4,
        _ => 2,
    }
}

/// The symbol written before an amount, for the currencies whose symbol is unambiguous.
fn symbol(currency: &str) -> Option<&'static str> {
    Some(match currency {
        "USD" => "$",
        "EUR" => "€",
        "GBP" => "£",
        "JPY" => "¥",
        "INR" => "₹",
        "KRW" => "₩",
        "ILS" => "₪",
        "NGN" => "₦",
        "PHP" => "₱",
        "VND" => "₫",
        _ => return None,
    })
}

/// The amount rounded to the currency's minor units.
pub fn round(amount: Decimal, currency: Option<&str>) -> Decimal {
    let mut d = amount.round_dp_with_strategy(
        minor_units(currency),
        RoundingStrategy::MidpointAwayFromZero,
    );
    // `round_dp` never adds digits: 299.9 stays at scale 1. Pad to the full minor units.
    d.rescale(minor_units(currency));
    d
}

/// A plain decimal string in minor units (`21149.00`, `1200`): what a numbers column gets.
pub fn plain(amount: Decimal, currency: Option<&str>) -> String {
    round(amount, currency).to_string()
}

/// Grouped by thousands in minor units, without a currency (`21,149.00`, `1,200`).
pub fn amount(amount: Decimal, currency: Option<&str>) -> String {
    let text = plain(amount, currency);
    let (sign, digits) = match text.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", text.as_str()),
    };
    let (whole, fraction) = match digits.split_once('.') {
        Some((w, f)) => (w, Some(f)),
        None => (digits, None),
    };
    let mut grouped = String::with_capacity(whole.len() + whole.len() / 3);
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    match fraction {
        Some(f) => format!("{sign}{grouped}.{f}"),
        None => format!("{sign}{grouped}"),
    }
}

/// With the currency: its symbol before the amount when unambiguous (`¥1,200`, `-$5.00`),
/// otherwise its code after (`1,234.500 KWD`); just the amount when the currency is unknown.
pub fn with_currency(value: Decimal, currency: Option<&str>) -> String {
    let grouped = amount(value, currency);
    let Some(code) = currency.map(|c| c.trim().to_ascii_uppercase()) else {
        return grouped;
    };
    if code.is_empty() {
        return grouped;
    }
    match symbol(&code) {
        Some(sym) => match grouped.strip_prefix('-') {
            Some(positive) => format!("-{sym}{positive}"),
            None => format!("{sym}{grouped}"),
        },
        None => format!("{grouped} {code}"),
    }
}

/// A quantity without trailing-zero noise: `2`, `1.5`, never `2.0` or `1.500`.
pub fn quantity(q: Decimal) -> String {
    q.normalize().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    #[test]
    fn float_artefacts_become_minor_units() {
        assert_eq!(amount(d("21149.0"), Some("USD")), "21,149.00");
        assert_eq!(amount(d("299.9"), Some("EUR")), "299.90");
        assert_eq!(plain(d("299.9"), Some("EUR")), "299.90");
        assert_eq!(plain(d("21149.0"), None), "21149.00");
    }

    #[test]
    fn each_currency_keeps_its_own_minor_units() {
        assert_eq!(with_currency(d("1200"), Some("JPY")), "¥1,200");
        assert_eq!(with_currency(d("1200.4"), Some("jpy")), "¥1,200");
        assert_eq!(with_currency(d("1234.5"), Some("KWD")), "1,234.500 KWD");
        assert_eq!(
            with_currency(d("1234567.891"), Some("USD")),
            "$1,234,567.89"
        );
        assert_eq!(with_currency(d("10"), Some("CHF")), "10.00 CHF");
        assert_eq!(with_currency(d("10"), None), "10.00");
    }

    #[test]
    fn rounding_is_half_away_from_zero_and_negatives_keep_their_sign() {
        assert_eq!(plain(d("0.125"), Some("USD")), "0.13");
        assert_eq!(plain(d("-0.125"), Some("USD")), "-0.13");
        assert_eq!(with_currency(d("-1005"), Some("USD")), "-$1,005.00");
        assert_eq!(amount(d("-100"), Some("USD")), "-100.00");
        assert_eq!(amount(d("999"), Some("USD")), "999.00");
        assert_eq!(amount(d("1000"), Some("USD")), "1,000.00");
    }

    #[test]
    fn quantities_drop_trailing_zeros() {
        assert_eq!(quantity(d("2.0")), "2");
        assert_eq!(quantity(d("1.500")), "1.5");
        assert_eq!(quantity(d("100")), "100");
    }
}
