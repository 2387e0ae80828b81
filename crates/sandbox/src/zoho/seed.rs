//! Realistic generated documents, deterministic from a seed and an anchor time: the same seed
//! and anchor on an empty organization give the same invoices, bills and purchase orders.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rust_decimal::Decimal;
use serde_json::{json, Value};
use url::Url;

use super::state::{format_time, money_json, DocumentKind, Inner};

/// (name, region, currency)
const CUSTOMERS: [(&str, &str, &str); 8] = [
    ("Bowman & Co", "NA", "USD"),
    ("Fjord Logistics AS", "EMEA", "EUR"),
    ("Harbour Lane Ltd", "EMEA", "GBP"),
    ("Kestrel Analytics", "NA", "USD"),
    ("Maple Leaf Outfitters", "NA", "USD"),
    ("Rhein Elektro GmbH", "EMEA", "EUR"),
    ("Sakura Trading", "APAC", "USD"),
    ("Thames Digital", "EMEA", "GBP"),
];

/// (name, currency)
const VENDORS: [(&str, &str); 6] = [
    ("Northwind Supplies", "USD"),
    ("Acme Office Furniture", "USD"),
    ("Contoso Hardware BV", "EUR"),
    ("Brightline Print Ltd", "GBP"),
    ("Globex Components", "USD"),
    ("Nordic Paper AB", "EUR"),
];

/// (name, description, rate in cents, unit)
const ITEMS: [(&str, &str, i64, &str); 10] = [
    (
        "Hard Drive",
        "500GB, USB 2.0 interface, protective hard case.",
        12000,
        "pcs",
    ),
    (
        "Office Chair",
        "Ergonomic chair with lumbar support.",
        18950,
        "pcs",
    ),
    (
        "Consulting Hour",
        "Senior consultant, billed per hour.",
        15000,
        "hrs",
    ),
    (
        "Standing Desk",
        "Electric height-adjustable desk.",
        54900,
        "pcs",
    ),
    ("Printer Paper", "A4, 80 gsm, box of 5 reams.", 2999, "box"),
    ("Support Plan", "Monthly premium support.", 49900, "month"),
    ("USB-C Dock", "Dual display docking station.", 22900, "pcs"),
    ("Installation", "On-site installation service.", 9500, "hrs"),
    ("Toner Cartridge", "Black, high yield.", 8900, "pcs"),
    (
        "Network Switch",
        "24-port gigabit managed switch.",
        31900,
        "pcs",
    ),
];

/// Every date is relative to the anchor, so seeded documents look recent in a demo.
struct Gen<'a> {
    rng: StdRng,
    anchor: DateTime<Utc>,
    inner: &'a mut Inner,
    org_id: String,
    base_url: Url,
}

impl Gen<'_> {
    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        *items.choose(&mut self.rng).unwrap_or(&items[0])
    }

    /// A 15-digit id not yet used in this organization for `kind`.
    fn id(&mut self, kind: DocumentKind) -> String {
        loop {
            let id = format!("46000{:010}", self.rng.gen_range(0..10_000_000_000u64));
            let taken = self
                .inner
                .orgs
                .get(&self.org_id)
                .is_some_and(|o| o.docs(kind).contains_key(&id));
            if !taken {
                return id;
            }
        }
    }

    /// (date, created_time, last_modified_time) for a document `age_days` old.
    fn times(&mut self, age_days: i64) -> (NaiveDate, String, String) {
        let created = self.anchor
            - Duration::days(age_days)
            - Duration::seconds(self.rng.gen_range(60..36_000));
        let since = (self.anchor - created).num_seconds().max(61);
        let modified = created + Duration::seconds(self.rng.gen_range(0..since - 60));
        (
            created.date_naive(),
            format_time(created),
            format_time(modified),
        )
    }

    /// 2–6 line items; returns them with the sub total, tax total and taxes.
    fn line_items(&mut self, tax_percent: i64) -> (Vec<Value>, Decimal, Decimal) {
        let count = self.rng.gen_range(2..=6);
        let mut items = Vec::new();
        let (mut sub_total, mut tax_total) = (Decimal::ZERO, Decimal::ZERO);
        for order in 1..=count {
            let index = self.rng.gen_range(0..ITEMS.len());
            let (name, description, cents, unit) = ITEMS[index];
            let quantity = Decimal::from(self.rng.gen_range(1..=20));
            let rate = Decimal::new(cents, 2);
            let item_total = (quantity * rate).round_dp(2);
            sub_total += item_total;
            tax_total += (item_total * Decimal::from(tax_percent) / Decimal::from(100)).round_dp(2);
            items.push(json!({
                "line_item_id": format!("46100{:010}", self.rng.gen_range(0..10_000_000_000u64)),
                "item_id": format!("4600000000300{:02}", index),
                "name": name,
                "description": description,
                "item_order": order,
                "bcy_rate": money_json(rate),
                "rate": money_json(rate),
                "quantity": money_json(quantity),
                "unit": unit,
                "discount": 0,
                "tax_name": if tax_percent == 0 { "" } else { "VAT" },
                "tax_percentage": tax_percent,
                "item_total": money_json(item_total),
            }));
        }
        (items, sub_total, tax_total)
    }

    /// A share of `total` still open for a partially paid document.
    fn partial(&mut self, total: Decimal) -> Decimal {
        (total * Decimal::new(self.rng.gen_range(20..80), 2)).round_dp(2)
    }
}

fn totals(items: Vec<Value>, sub: Decimal, tax: Decimal, tax_percent: i64) -> Value {
    json!({
        "line_items": items,
        "sub_total": money_json(sub),
        "tax_total": money_json(tax),
        "total": money_json(sub + tax),
        "taxes": if tax.is_zero() { json!([]) } else { json!([{"tax_name": format!("VAT ({tax_percent}%)"), "tax_amount": money_json(tax)}]) },
    })
}

fn merge(into: &mut Value, from: Value) {
    if let (Some(into), Value::Object(from)) = (into.as_object_mut(), from) {
        into.extend(from);
    }
}

type Generator = fn(&mut Gen) -> Value;

/// Generates documents into `org_id`. Panics when the organization does not exist.
pub fn seed(
    inner: &mut Inner,
    base_url: &Url,
    org_id: &str,
    counts: (usize, usize, usize),
    seed: u64,
    anchor: DateTime<Utc>,
) {
    inner.org_mut(org_id);
    let mut g = Gen {
        rng: StdRng::seed_from_u64(seed),
        anchor,
        inner,
        org_id: org_id.to_owned(),
        base_url: base_url.clone(),
    };
    let (invoices, bills, purchase_orders) = counts;
    let plan: [(DocumentKind, usize, Generator); 3] = [
        (DocumentKind::Invoice, invoices, invoice),
        (DocumentKind::Bill, bills, bill),
        (DocumentKind::PurchaseOrder, purchase_orders, purchase_order),
    ];
    for (kind, count, generate) in plan {
        for _ in 0..count {
            let doc = generate(&mut g);
            let id = doc[kind.id_field()].as_str().unwrap_or_default().to_owned();
            g.inner.org_mut(org_id).docs_mut(kind).insert(id, doc);
        }
    }
}

/// The next document number of `kind` in the organization (1-based).
fn next_number(g: &Gen, kind: DocumentKind) -> usize {
    g.inner
        .orgs
        .get(&g.org_id)
        .map_or(0, |o| o.docs(kind).len())
        + 1
}

fn invoice(g: &mut Gen) -> Value {
    let id = g.id(DocumentKind::Invoice);
    let number = next_number(g, DocumentKind::Invoice);
    let customer = g.rng.gen_range(0..CUSTOMERS.len());
    let (customer_name, region, currency) = CUSTOMERS[customer];
    let status = g.pick(&[
        "draft",
        "sent",
        "sent",
        "overdue",
        "paid",
        "paid",
        "partially_paid",
        "void",
    ]);
    let terms = g.pick(&[15i64, 30, 45]);
    let age = match status {
        "overdue" => g.rng.gen_range(terms + 1..terms + 90),
        "draft" | "sent" => g.rng.gen_range(0..terms),
        _ => g.rng.gen_range(1..120),
    };
    let (date, created, modified) = g.times(age);
    let tax_percent = g.pick(&[0i64, 10, 20]);
    let (items, sub, tax) = g.line_items(tax_percent);
    let total = sub + tax;
    let balance = match status {
        "paid" | "void" => Decimal::ZERO,
        "partially_paid" => g.partial(total),
        _ => total,
    };
    let paid = if status == "void" {
        Decimal::ZERO
    } else {
        total - balance
    };
    let invoice_url = g
        .base_url
        .join(&format!("portal/{}/invoices/{id}", g.org_id))
        .map(String::from)
        .unwrap_or_default();
    let mut doc = json!({
        "invoice_id": id,
        "invoice_number": format!("INV-{number:06}"),
        "date": date.to_string(),
        "due_date": (date + Duration::days(terms)).to_string(),
        "status": status,
        "payment_terms": terms,
        "payment_terms_label": format!("Net {terms}"),
        "reference_number": format!("PO-{}", g.rng.gen_range(1000..9999)),
        "customer_id": format!("4600000000100{customer:02}"),
        "customer_name": customer_name,
        "currency_id": format!("46000000000{:04}", currency_index(currency)),
        "currency_code": currency,
        "exchange_rate": 1.0,
        "discount": 0,
        "is_discount_before_tax": true,
        "discount_type": "item_level",
        "is_inclusive_tax": false,
        "shipping_charge": 0,
        "adjustment": 0,
        "payment_made": money_json(paid),
        "credits_applied": 0,
        "write_off_amount": 0,
        "balance": money_json(balance),
        "price_precision": 2,
        "custom_fields": [{"customfield_id": "460000000012845", "index": 1, "label": "Region", "api_name": "cf_region", "value": region}],
        "salesperson_name": g.pick(&["", "Ada Park", "Luis Romero"]),
        "notes": "Looking forward for your business.",
        "terms": "Terms & Conditions apply",
        "is_emailed": status != "draft",
        "has_attachment": false,
        "created_time": created,
        "last_modified_time": modified,
        "invoice_url": invoice_url,
    });
    merge(&mut doc, totals(items, sub, tax, tax_percent));
    doc
}

fn bill(g: &mut Gen) -> Value {
    let id = g.id(DocumentKind::Bill);
    let number = next_number(g, DocumentKind::Bill);
    let vendor = g.rng.gen_range(0..VENDORS.len());
    let (vendor_name, currency) = VENDORS[vendor];
    let status = g.pick(&[
        "open",
        "open",
        "overdue",
        "paid",
        "paid",
        "partially_paid",
        "void",
        "draft",
    ]);
    let terms = g.pick(&[15i64, 30]);
    let age = match status {
        "overdue" => g.rng.gen_range(terms + 1..terms + 60),
        "open" | "draft" => g.rng.gen_range(0..terms),
        _ => g.rng.gen_range(1..120),
    };
    let (date, created, modified) = g.times(age);
    let tax_percent = g.pick(&[0i64, 10]);
    let (mut items, sub, tax) = g.line_items(tax_percent);
    let account = g.pick(&[
        "Office Supplies",
        "Cost of Goods Sold",
        "IT and Internet Expenses",
    ]);
    for item in &mut items {
        item["account_name"] = json!(account);
    }
    let total = sub + tax;
    let balance = match status {
        "paid" | "void" => Decimal::ZERO,
        "partially_paid" => g.partial(total),
        _ => total,
    };
    let paid = if status == "void" {
        Decimal::ZERO
    } else {
        total - balance
    };
    let mut doc = json!({
        "bill_id": id,
        "bill_number": format!("BILL-{number:05}"),
        "reference_number": format!("VINV-{}", g.rng.gen_range(10_000..99_999)),
        "purchaseorder_ids": [],
        "vendor_id": format!("4600000000200{vendor:02}"),
        "vendor_name": vendor_name,
        "status": status,
        "date": date.to_string(),
        "due_date": (date + Duration::days(terms)).to_string(),
        "payment_terms": terms,
        "payment_terms_label": format!("Net {terms}"),
        "currency_id": format!("46000000000{:04}", currency_index(currency)),
        "currency_code": currency,
        "exchange_rate": 1.0,
        "is_inclusive_tax": false,
        "payment_made": money_json(paid),
        "vendor_credits_applied": 0,
        "balance": money_json(balance),
        "price_precision": 2,
        "payments": [],
        "custom_fields": [{"custom_field_id": "460000000012846", "index": 1, "label": "Cost centre", "value": g.pick(&["Ops", "Sales", "R&D"])}],
        "notes": "Thanks for your business.",
        "terms": "Terms and conditions apply.",
        "has_attachment": false,
        "created_time": created,
        "last_modified_time": modified,
    });
    merge(&mut doc, totals(items, sub, tax, tax_percent));
    doc
}

fn purchase_order(g: &mut Gen) -> Value {
    let id = g.id(DocumentKind::PurchaseOrder);
    let number = next_number(g, DocumentKind::PurchaseOrder);
    let vendor = g.rng.gen_range(0..VENDORS.len());
    let (vendor_name, currency) = VENDORS[vendor];
    let status = g.pick(&["draft", "open", "open", "billed", "cancelled"]);
    let (date, created, modified) = {
        let age = g.rng.gen_range(0..90);
        g.times(age)
    };
    let lead = g.rng.gen_range(7..30);
    let delivery = (date + Duration::days(lead)).to_string();
    let (items, sub, tax) = g.line_items(0);
    let mut doc = json!({
        "purchaseorder_id": id,
        "purchaseorder_number": format!("PO-{number:05}"),
        "reference_number": format!("ER/{:04}", g.rng.gen_range(1..9999)),
        "date": date.to_string(),
        "delivery_date": delivery,
        "expected_delivery_date": delivery,
        "status": status,
        "vendor_id": format!("4600000000200{vendor:02}"),
        "vendor_name": vendor_name,
        "currency_id": format!("46000000000{:04}", currency_index(currency)),
        "currency_code": currency,
        "exchange_rate": 1.0,
        "is_inclusive_tax": false,
        "price_precision": 2,
        "delivery_address": {"address": "Warehouse 3", "city": "Pleasanton", "country": "U.S.A"},
        "custom_fields": [{"customfield_id": "460000000012847", "index": 1, "label": "Project", "value": g.pick(&["Fit-out", "Refresh 2026", "Warehouse"])}],
        "notes": "Please deliver as soon as possible.",
        "terms": "Thanks for your business.",
        "has_attachment": false,
        "created_time": created,
        "last_modified_time": modified,
    });
    merge(&mut doc, totals(items, sub, tax, 0));
    doc
}

fn currency_index(code: &str) -> usize {
    ["USD", "EUR", "GBP"]
        .iter()
        .position(|c| *c == code)
        .unwrap_or(0)
        + 190
}
