//! Customer and vendor payments, read only for the documents they settle.
//!
//! Recording a payment may not fire the invoice's or bill's own workflow, so the connector
//! watches payments and re-fetches the invoices (`invoices[].invoice_id`) and bills
//! (`bills[].bill_id`) each one references.

use chrono::{DateTime, FixedOffset, NaiveDate};
use rust_decimal::Decimal;
use serde_json::Value;

use super::document::json_type;
use super::lenient;
use crate::client::BooksError;

/// A payment from a customer towards invoices.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct CustomerPayment {
    pub payment_id: String,
    /// From `invoices[].invoice_id`, or a lone `invoice_id` (webhook templates); de-duplicated,
    /// in payload order. Empty for list rows, which carry only `invoice_number`s.
    pub invoice_ids: Vec<String>,
    /// `last_modified_time` (or `updated_time`); Zoho's documented payment responses often
    /// lack both.
    pub last_modified_time: Option<DateTime<FixedOffset>>,
    /// `created_time`: not in the documented list rows either, but the list sorts by it.
    #[serde(default)]
    pub created_time: Option<DateTime<FixedOffset>>,
    /// The payment date (`yyyy-mm-dd`, the organization's calendar): the one time the
    /// documented list rows always carry.
    #[serde(default)]
    pub date: Option<NaiveDate>,
    pub amount: Option<Decimal>,
}

/// A payment to a vendor towards bills.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct VendorPayment {
    pub payment_id: String,
    /// From `bills[].bill_id`, or a lone `bill_id`; de-duplicated, in payload order. Empty for
    /// list rows, which carry only a `bill_numbers` string.
    pub bill_ids: Vec<String>,
    pub last_modified_time: Option<DateTime<FixedOffset>>,
    #[serde(default)]
    pub created_time: Option<DateTime<FixedOffset>>,
    /// The payment date (`yyyy-mm-dd`), which the vendor payment list is sorted by.
    #[serde(default)]
    pub date: Option<NaiveDate>,
    pub amount: Option<Decimal>,
}

impl CustomerPayment {
    /// Parses a `payment` object (detail response, list row or webhook).
    pub fn from_json(v: &Value) -> Result<CustomerPayment, BooksError> {
        let payment_id = payment_id(v, "customer payment", &["payment_id", "customerpayment_id"])?;
        Ok(CustomerPayment {
            payment_id,
            invoice_ids: referenced_ids(v, "invoices", "invoice_id"),
            last_modified_time: modified(v),
            created_time: lenient::time(v.get("created_time")),
            date: lenient::date(v.get("date")),
            amount: lenient::decimal(v.get("amount")),
        })
    }
}

impl VendorPayment {
    /// Parses a `vendorpayment` object (detail response, list row or webhook).
    pub fn from_json(v: &Value) -> Result<VendorPayment, BooksError> {
        let payment_id = payment_id(v, "vendor payment", &["payment_id", "vendorpayment_id"])?;
        Ok(VendorPayment {
            payment_id,
            bill_ids: referenced_ids(v, "bills", "bill_id"),
            last_modified_time: modified(v),
            created_time: lenient::time(v.get("created_time")),
            date: lenient::date(v.get("date")),
            amount: lenient::decimal(v.get("amount")),
        })
    }
}

fn payment_id(v: &Value, what: &str, keys: &[&str]) -> Result<String, BooksError> {
    if !v.is_object() {
        return Err(BooksError::Decode(format!(
            "expected a {what} object, got {}",
            json_type(v)
        )));
    }
    lenient::id(lenient::first(v, keys))
        .ok_or_else(|| BooksError::Decode(format!("{what} object has no usable payment_id")))
}

/// Ids from `array[].field`, then a top-level `field` (a single id, or several separated by
/// commas as some templates render them).
fn referenced_ids(v: &Value, array: &str, field: &str) -> Vec<String> {
    let mut ids: Vec<String> = Vec::new();
    let nested = lenient::array(v, array)
        .iter()
        .filter_map(|entry| lenient::id(entry.get(field)));
    let top = lenient::id(v.get(field))
        .map(|s| {
            s.split(',')
                .map(str::trim)
                .filter(|p| !p.is_empty())
                .map(str::to_owned)
                .collect::<Vec<_>>()
        })
        .unwrap_or_default();
    for id in nested.chain(top) {
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    ids
}

fn modified(v: &Value) -> Option<DateTime<FixedOffset>> {
    lenient::time(v.get("last_modified_time")).or_else(|| lenient::time(v.get("updated_time")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn customer_payment_from_detail_and_webhook() {
        let p = CustomerPayment::from_json(&json!({
            "payment_id": "9030000079467", "amount": 450,
            "invoices": [{"invoice_id": "90300000079426"}, {"invoice_id": 90300000079427u64}, {"invoice_id": "90300000079426"}]
        }))
        .unwrap();
        assert_eq!(p.invoice_ids, ["90300000079426", "90300000079427"]);
        assert_eq!(p.amount, Some(Decimal::new(450, 0)));
        let p = CustomerPayment::from_json(
            &json!({"payment_id": 1, "invoice_id": "77", "amount": "10.50",
            "last_modified_time": "2016-06-05T02:15:20-0700"}),
        )
        .unwrap();
        assert_eq!(
            (p.payment_id.as_str(), p.invoice_ids.as_slice()),
            ("1", &["77".to_owned()][..])
        );
        assert_eq!(p.amount, Some(Decimal::new(1050, 2)));
        assert!(p.last_modified_time.is_some());
        assert!(CustomerPayment::from_json(&json!({"amount": 1})).is_err());
        // A documented list row: a date, no times, no invoice ids.
        let row = CustomerPayment::from_json(&json!({"payment_id": "9", "payment_number": "2",
            "invoice_number": "INV-384", "date": "2016-06-05", "amount": 450}))
        .unwrap();
        assert_eq!(row.date, NaiveDate::from_ymd_opt(2016, 6, 5));
        assert!(row.invoice_ids.is_empty() && row.created_time.is_none());
    }

    #[test]
    fn vendor_payment_bills() {
        let p = VendorPayment::from_json(&json!({
            "payment_id": "460000000053219", "amount": 500,
            "bills": [{"bill_payment_id": "460000000053221", "bill_id": "460000000053199", "amount_applied": 500}]
        }))
        .unwrap();
        assert_eq!(p.bill_ids, ["460000000053199"]);
        let p = VendorPayment::from_json(&json!({"payment_id": "5", "bill_id": "1, 2"})).unwrap();
        assert_eq!(p.bill_ids, ["1", "2"]);
    }
}
