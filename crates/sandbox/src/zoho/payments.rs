//! Customer and vendor payments (reference §5): recording them against invoices and bills, and
//! the `/customerpayments`, `/vendorpayments` and `/{invoices|bills}/{id}/payments` routes.
//!
//! Recording a payment bumps the invoice's or bill's `last_modified_time`. Whether real Zoho does
//! is unconfirmed; the sandbox picks the reading under which a `last_modified_time` poll sees
//! the new balance, and tests that want the other reading can overwrite the field.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Extension, Path, Query, State as AxumState};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use chrono::Utc;
use rust_decimal::Decimal;
use serde_json::{json, Value};

use super::books::{list_response_projected, not_found, v3};
use super::gate::{error, invalid_org, success, ApiContext};
use super::state::{bump_modified, format_time, money, money_json, DocumentKind, Inner};
use super::State;

type Params = Query<HashMap<String, String>>;
type Ctx = Extension<ApiContext>;
type St = AxumState<Arc<State>>;

/// The two payment ledgers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PaymentKind {
    /// Payments from customers towards invoices.
    Customer,
    /// Payments to vendors towards bills.
    Vendor,
}

impl PaymentKind {
    /// The document kind a payment of this ledger pays.
    fn pays(self) -> DocumentKind {
        match self {
            Self::Customer => DocumentKind::Invoice,
            Self::Vendor => DocumentKind::Bill,
        }
    }

    fn list_key(self) -> &'static str {
        match self {
            Self::Customer => "customer_payments",
            Self::Vendor => "vendorpayments",
        }
    }

    /// The detail response key, also the webhook Default Payload key.
    pub fn singular_key(self) -> &'static str {
        match self {
            Self::Customer => "payment",
            Self::Vendor => "vendorpayment",
        }
    }

    #[rustfmt::skip]
    fn list_fields(self) -> &'static [&'static str] {
        match self {
            // Exactly the documented row (list-customer-payments-response): no invoice ids
            // and no times but the date, although the list sorts by `created_time`.
            Self::Customer => &[
                "payment_id", "payment_number", "invoice_number", "date", "payment_mode",
                "amount", "bcy_amount", "location_id", "location_name",
            ],
            Self::Vendor => &[
                "payment_id", "vendor_id", "vendor_name", "bill_numbers", "payment_mode",
                "payment_number", "description", "date", "reference_number", "exchange_rate",
                "amount", "bcy_amount", "paid_through_account_id", "paid_through_account_name",
                "balance", "bcy_balance", "created_time", "last_modified_time",
            ],
        }
    }
}

/// Applies `amount` to an invoice or bill and stores the payment; returns the payment JSON.
///
/// # Panics
/// When the organization or the document does not exist: only test code calls this.
pub fn record_payment(
    inner: &mut Inner,
    org_id: &str,
    kind: PaymentKind,
    doc_id: &str,
    amount: Decimal,
) -> Value {
    let payment_id = inner.next_id();
    let applied_id = inner.next_id();
    let org = inner.org_mut(org_id);
    let doc_kind = kind.pays();
    let number = match kind {
        PaymentKind::Customer => org.customer_payments.len() + 1,
        PaymentKind::Vendor => org.vendor_payments.len() + 1,
    };
    let Some(doc) = org.docs_mut(doc_kind).get_mut(doc_id) else {
        panic!("Zoho sandbox: no {doc_kind:?} {doc_id} in organization {org_id}");
    };
    let now = Utc::now();
    let (today, created) = (now.format("%Y-%m-%d").to_string(), format_time(now));
    let total = money(doc.get("total")).unwrap_or_default();
    let balance = money(doc.get("balance")).unwrap_or(total);
    let new_balance = (balance - amount).max(Decimal::ZERO);
    let paid_before = money(doc.get("payment_made")).unwrap_or(total - balance);
    doc["balance"] = money_json(new_balance);
    doc["payment_made"] = money_json(paid_before + amount);
    doc["status"] = json!(if new_balance.is_zero() {
        "paid"
    } else {
        "partially_paid"
    });
    let snapshot = doc.clone();
    let text = |field: &str| snapshot.get(field).cloned().unwrap_or(Value::Null);
    let currency = text("currency_code");
    let payment = match kind {
        PaymentKind::Customer => {
            doc["last_payment_date"] = json!(today);
            json!({
                "payment_id": payment_id,
                "payment_number": number.to_string(),
                "payment_mode": "banktransfer",
                "amount": money_json(amount),
                "bcy_amount": money_json(amount),
                "date": today,
                "status": "success",
                "reference_number": text("invoice_number"),
                "invoice_number": text("invoice_number"),
                "customer_id": text("customer_id"),
                "customer_name": text("customer_name"),
                "invoices": [{
                    "invoice_id": doc_id,
                    "invoice_number": text("invoice_number"),
                    "date": text("date"),
                    "invoice_amount": money_json(total),
                    "amount_applied": money_json(amount),
                    "balance_amount": money_json(new_balance),
                }],
                "currency_code": currency,
                "created_time": created,
                "last_modified_time": created,
            })
        }
        PaymentKind::Vendor => {
            let applied = json!({
                "payment_id": payment_id,
                "bill_payment_id": applied_id,
                "payment_mode": "banktransfer",
                "amount": money_json(amount),
                "date": today,
                "paid_through_account_name": "Petty Cash",
            });
            match doc.get_mut("payments").and_then(Value::as_array_mut) {
                Some(list) => list.push(applied),
                None => doc["payments"] = json!([applied]),
            }
            json!({
                "payment_id": payment_id,
                "vendor_id": text("vendor_id"),
                "vendor_name": text("vendor_name"),
                "payment_mode": "banktransfer",
                "payment_number": number,
                "description": "",
                "date": today,
                "reference_number": text("bill_number"),
                "exchange_rate": 1.0,
                "amount": money_json(amount),
                "bcy_amount": money_json(amount),
                "balance": 0,
                "bcy_balance": 0,
                "currency_code": currency,
                "bill_numbers": text("bill_number"),
                "paid_through_account_id": format!("{org_id}358"),
                "paid_through_account_name": "Petty Cash",
                "created_time": created,
                "last_modified_time": created,
                "bills": [{
                    "bill_payment_id": applied_id,
                    "bill_id": doc_id,
                    "bill_number": text("bill_number"),
                    "amount_applied": money_json(amount),
                    "tax_amount_withheld": 0,
                }],
            })
        }
    };
    bump_modified(doc);
    ledger(inner.org_mut(org_id), kind).insert(payment_id, payment.clone());
    payment
}

fn ledger(
    org: &mut super::state::Org,
    kind: PaymentKind,
) -> &mut std::collections::BTreeMap<String, Value> {
    match kind {
        PaymentKind::Customer => &mut org.customer_payments,
        PaymentKind::Vendor => &mut org.vendor_payments,
    }
}

pub fn routes() -> Router<Arc<State>> {
    let mut router = Router::new();
    for (kind, path) in [
        (PaymentKind::Customer, "/customerpayments"),
        (PaymentKind::Vendor, "/vendorpayments"),
    ] {
        router = router
            .route(
                &v3(path),
                get(move |s: St, c: Ctx, q: Params| list_payments(kind, s, c, q)),
            )
            .route(
                &v3(&format!("{path}/{{id}}")),
                get(move |s: St, c: Ctx, p: Path<(String, String)>| get_payment(kind, s, c, p)),
            )
            .route(
                &v3(&format!("/{}/{{id}}/payments", kind.pays().plural_key())),
                get(move |s: St, c: Ctx, p: Path<(String, String)>| {
                    payments_of_document(kind, s, c, p)
                }),
            );
    }
    router
}

/// Lists payments; `customer_id` / `vendor_id` / `bill_id` filter as documented.
async fn list_payments(
    kind: PaymentKind,
    AxumState(state): St,
    Extension(ctx): Ctx,
    Query(q): Params,
) -> Response {
    let rows: Vec<Value> = {
        let mut inner = state.lock();
        let Some(org) = inner.orgs.get_mut(ctx.org()) else {
            return invalid_org();
        };
        org.stats.payment_list_calls += 1;
        ledger(org, kind)
            .values()
            .filter(|p| {
                let eq = |field: &str, param: &str| {
                    q.get(param)
                        .is_none_or(|want| p.get(field).and_then(Value::as_str) == Some(want))
                };
                let pays_bill = q.get("bill_id").is_none_or(|want| {
                    p["bills"]
                        .as_array()
                        .is_some_and(|b| b.iter().any(|x| x["bill_id"] == json!(want)))
                });
                eq("customer_id", "customer_id") && eq("vendor_id", "vendor_id") && pays_bill
            })
            .cloned()
            .collect()
    };
    // Sorted on the full record, then cut down to the documented list row.
    let project = move |p: Value| {
        let mut row = serde_json::Map::new();
        for field in kind.list_fields() {
            if let Some(v) = p.get(*field) {
                row.insert((*field).to_owned(), v.clone());
            }
        }
        Value::Object(row)
    };
    list_response_projected(kind.list_key(), rows, &q, "payment_id", "Payments", project)
}

async fn get_payment(
    kind: PaymentKind,
    AxumState(state): St,
    Extension(ctx): Ctx,
    Path((_dc, id)): Path<(String, String)>,
) -> Response {
    let payment = {
        let mut inner = state.lock();
        let Some(org) = inner.orgs.get_mut(ctx.org()) else {
            return invalid_org();
        };
        org.stats.payment_detail_gets += 1;
        ledger(org, kind).get(&id).cloned()
    };
    match payment {
        Some(p) => success(kind.singular_key(), p),
        None => error(StatusCode::NOT_FOUND, 1002, "Payment does not exist."),
    }
}

/// `GET /invoices/{id}/payments` and `GET /bills/{id}/payments`.
async fn payments_of_document(
    kind: PaymentKind,
    AxumState(state): St,
    Extension(ctx): Ctx,
    Path((_dc, id)): Path<(String, String)>,
) -> Response {
    let mut inner = state.lock();
    let Some(org) = inner.orgs.get_mut(ctx.org()) else {
        return invalid_org();
    };
    if !org.docs(kind.pays()).contains_key(&id) {
        return not_found(kind.pays());
    }
    let id_field = kind.pays().id_field();
    let applied_list = match kind {
        PaymentKind::Customer => "invoices",
        PaymentKind::Vendor => "bills",
    };
    let rows: Vec<Value> = ledger(org, kind)
        .values()
        .filter_map(|p| {
            let applied = p[applied_list]
                .as_array()?
                .iter()
                .find(|a| a[id_field] == json!(id))?;
            Some(json!({
                "payment_id": p["payment_id"],
                "payment_number": p["payment_number"],
                id_field: id,
                "payment_mode": p["payment_mode"],
                "date": p["date"],
                "amount": applied["amount_applied"],
                "reference_number": p["reference_number"],
            }))
        })
        .collect();
    success("payments", Value::Array(rows))
}
