//! Customer and vendor payments, read to learn which invoices and bills changed balance.

use reqwest::Method;
use secrecy::SecretString;

use super::documents::{envelope_object, paging, path_segment};
use super::{BooksClient, BooksError, ListPage};
use crate::models::{CustomerPayment, VendorPayment};

/// Keys a customer payment detail may be wrapped in (`payment` is documented).
const CUSTOMER_PAYMENT_KEYS: [&str; 3] = ["payment", "customerpayment", "customer_payment"];
/// Keys a customer payment list may use (`customer_payments` is documented).
const CUSTOMER_PAYMENTS_KEYS: [&str; 3] = ["customer_payments", "customerpayments", "payments"];
/// Keys a vendor payment detail may be wrapped in (`vendorpayment` is documented).
const VENDOR_PAYMENT_KEYS: [&str; 3] = ["vendorpayment", "vendor_payment", "payment"];
/// Keys a vendor payment list may use (`vendorpayments` is documented).
const VENDOR_PAYMENTS_KEYS: [&str; 2] = ["vendorpayments", "vendor_payments"];

impl BooksClient {
    /// `GET /customerpayments/{id}`: includes `invoices[].invoice_id`.
    #[tracing::instrument(level = "debug", skip(self, token), fields(org = %self.organization_id))]
    pub async fn get_customer_payment(
        &self,
        token: &SecretString,
        id: &str,
    ) -> Result<CustomerPayment, BooksError> {
        let path = format!("customerpayments/{}", path_segment(id)?);
        let envelope = self.call(Method::GET, &path, &[], token, None).await?;
        CustomerPayment::from_json(envelope_object(&envelope, &CUSTOMER_PAYMENT_KEYS)?)
    }

    /// `GET /vendorpayments/{id}`: includes `bills[].bill_id`.
    #[tracing::instrument(level = "debug", skip(self, token), fields(org = %self.organization_id))]
    pub async fn get_vendor_payment(
        &self,
        token: &SecretString,
        id: &str,
    ) -> Result<VendorPayment, BooksError> {
        let path = format!("vendorpayments/{}", path_segment(id)?);
        let envelope = self.call(Method::GET, &path, &[], token, None).await?;
        VendorPayment::from_json(envelope_object(&envelope, &VENDOR_PAYMENT_KEYS)?)
    }

    /// One page of customer payments, newest first by `created_time` (customer payments have
    /// no documented modification-time sort). Rows carry no invoice ids: fetch each new
    /// payment with [`get_customer_payment`](Self::get_customer_payment).
    #[tracing::instrument(level = "debug", skip(self, token), fields(org = %self.organization_id))]
    pub async fn list_customer_payments(
        &self,
        token: &SecretString,
        page: u32,
        per_page: u32,
    ) -> Result<ListPage<CustomerPayment>, BooksError> {
        let (page, per_page) = paging(page, per_page);
        let query = list_query("created_time", page, per_page);
        let envelope = self
            .call(Method::GET, "customerpayments", &query, token, None)
            .await?;
        ListPage::from_envelope(
            &envelope,
            &CUSTOMER_PAYMENTS_KEYS,
            page,
            per_page,
            CustomerPayment::from_json,
        )
    }

    /// One page of vendor payments, newest first by `date` (the documented sort columns do
    /// not include a modification time). Rows carry no bill ids: fetch each new payment with
    /// [`get_vendor_payment`](Self::get_vendor_payment).
    #[tracing::instrument(level = "debug", skip(self, token), fields(org = %self.organization_id))]
    pub async fn list_vendor_payments(
        &self,
        token: &SecretString,
        page: u32,
        per_page: u32,
    ) -> Result<ListPage<VendorPayment>, BooksError> {
        let (page, per_page) = paging(page, per_page);
        let query = list_query("date", page, per_page);
        let envelope = self
            .call(Method::GET, "vendorpayments", &query, token, None)
            .await?;
        ListPage::from_envelope(
            &envelope,
            &VENDOR_PAYMENTS_KEYS,
            page,
            per_page,
            VendorPayment::from_json,
        )
    }
}

fn list_query(sort_column: &str, page: u32, per_page: u32) -> [(&'static str, String); 4] {
    [
        ("sort_column", sort_column.to_owned()),
        ("sort_order", "D".to_owned()),
        ("per_page", per_page.to_string()),
        ("page", page.to_string()),
    ]
}
