//! Everything the simulated Zoho remembers: clients, organizations, tokens and documents.
//!
//! One `std::sync::Mutex` guards it all; it is never held across an `.await`, so handlers lock,
//! copy out what they need and unlock before sleeping or writing a response.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::{Mutex, MutexGuard};

use chrono::{DateTime, Duration as ChronoDuration, FixedOffset, Utc};
use rust_decimal::prelude::{FromPrimitive, ToPrimitive};
use rust_decimal::Decimal;
use serde_json::{json, Map, Value};
use tokio::time::Instant;
use url::Url;

use super::limits::{OrgLimiter, TokenThrottle};
use super::{AnsweredHosts, ZohoSandboxConfig, ZohoStats};

/// The data centres Zoho Books documents (reference §1); anything else is a 404.
pub const DATA_CENTRES: [&str; 8] = ["us", "eu", "in", "au", "jp", "ca", "cn", "sa"];

/// Zoho's timestamp format, e.g. `2026-11-20T10:15:30+0000` (offset without a colon).
pub const ZOHO_TIME_FORMAT: &str = "%Y-%m-%dT%H:%M:%S%z";

/// Lower-cases a data-centre code and returns it when it is one of the eight documented ones.
pub fn normalize_dc(dc: &str) -> Option<String> {
    let dc = dc.to_ascii_lowercase();
    DATA_CENTRES.contains(&dc.as_str()).then_some(dc)
}

/// The three document types the connector syncs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DocumentKind {
    Invoice,
    Bill,
    PurchaseOrder,
}

impl DocumentKind {
    pub const ALL: [DocumentKind; 3] = [Self::Invoice, Self::Bill, Self::PurchaseOrder];

    /// Accepts the sandbox's names (`invoice`, `bill`, `purchase_order`) and Zoho's entity
    /// name `purchaseorder`.
    pub fn parse(kind: &str) -> Option<Self> {
        match kind.to_ascii_lowercase().as_str() {
            "invoice" | "invoices" => Some(Self::Invoice),
            "bill" | "bills" => Some(Self::Bill),
            "purchase_order" | "purchaseorder" | "purchaseorders" => Some(Self::PurchaseOrder),
            _ => None,
        }
    }

    /// The field that holds the document's id.
    pub fn id_field(self) -> &'static str {
        match self {
            Self::Invoice => "invoice_id",
            Self::Bill => "bill_id",
            Self::PurchaseOrder => "purchaseorder_id",
        }
    }

    /// The key of a detail response and of a webhook's Default Payload (`invoice`, ...).
    pub fn singular_key(self) -> &'static str {
        match self {
            Self::Invoice => "invoice",
            Self::Bill => "bill",
            Self::PurchaseOrder => "purchaseorder",
        }
    }

    /// The key of a list response and the URL segment (`invoices`, ...).
    pub fn plural_key(self) -> &'static str {
        match self {
            Self::Invoice => "invoices",
            Self::Bill => "bills",
            Self::PurchaseOrder => "purchaseorders",
        }
    }

    /// The message of the 404 body (code 1002) for an unknown id.
    pub fn not_found_message(self) -> &'static str {
        match self {
            Self::Invoice => "Invoice does not exist.",
            Self::Bill => "Bill does not exist.",
            Self::PurchaseOrder => "Purchase Order does not exist.",
        }
    }

    /// Fields of a list row, per the OAS list-response schemas; everything else (notably
    /// `line_items`) is only in the detail response.
    #[rustfmt::skip]
    pub fn list_fields(self) -> &'static [&'static str] {
        match self {
            Self::Invoice => &[
                "invoice_id", "ach_payment_initiated", "customer_name", "customer_id", "status",
                "invoice_number", "reference_number", "date", "due_date", "due_days",
                "currency_id", "schedule_time", "currency_code", "is_viewed_by_client",
                "has_attachment", "client_viewed_time", "total", "balance", "created_time",
                "last_modified_time", "is_emailed", "reminders_sent", "last_reminder_sent_date",
                "payment_expected_date", "last_payment_date", "custom_fields", "documents",
                "location_id", "location_name", "salesperson_id", "salesperson_name",
                "shipping_charge", "adjustment", "write_off_amount", "exchange_rate",
            ],
            Self::Bill => &[
                "bill_id", "vendor_id", "vendor_name", "status", "bill_number",
                "reference_number", "date", "due_date", "due_days", "currency_id",
                "currency_code", "price_precision", "exchange_rate", "total", "balance",
                "location_id", "location_name", "created_time", "last_modified_time",
                "attachment_name", "has_attachment", "is_tds_applied", "is_abn_quoted",
            ],
            Self::PurchaseOrder => &[
                "purchaseorder_id", "vendor_id", "vendor_name", "status", "purchaseorder_number",
                "reference_number", "date", "delivery_date", "currency_id", "currency_code",
                "price_precision", "total", "has_attachment", "created_time",
                "last_modified_time", "custom_fields",
            ],
        }
    }

    /// The list row for a stored detail document.
    pub fn list_row(self, doc: &Value) -> Value {
        let mut row = Map::new();
        if let Some(obj) = doc.as_object() {
            for field in self.list_fields() {
                if let Some(v) = obj.get(*field) {
                    row.insert((*field).to_owned(), v.clone());
                }
            }
        }
        Value::Object(row)
    }
}

/// An OAuth client registered in the API console; its secret may differ per data centre.
pub struct Client {
    pub secret: String,
    pub secret_per_dc: HashMap<String, String>,
}

impl Client {
    pub fn secret_for(&self, dc: &str) -> &str {
        self.secret_per_dc.get(dc).unwrap_or(&self.secret)
    }
}

/// A refresh token: who it belongs to, what it grants, and its live access tokens.
pub struct RefreshGrant {
    pub client_id: String,
    pub org_ids: Vec<String>,
    /// The DC whose accounts server issued it; `None` (issued before any of its orgs existed)
    /// lets any DC refresh it.
    pub dc: Option<String>,
    pub revoked: bool,
    /// Oldest first; at most 10 (reference §2, ACCT-LIMITS).
    pub live_access_tokens: VecDeque<String>,
}

pub struct AccessGrant {
    pub refresh_token: String,
    pub dc: String,
    pub expires_at: Instant,
}

pub struct GrantCode {
    pub client_id: String,
    pub org_ids: Vec<String>,
    pub dc: String,
    pub redirect_uri: Option<String>,
    pub expires_at: Instant,
    pub used: bool,
}

/// Injected failures: the next `remaining` API calls answer `status` with this body code.
pub struct Fault {
    pub remaining: u32,
    pub status: u16,
    pub code: i64,
    pub message: String,
}

pub struct Org {
    pub id: String,
    pub name: String,
    pub dc: String,
    pub plan: String,
    pub currency_code: String,
    pub created_date: String,
    pub documents: HashMap<DocumentKind, BTreeMap<String, Value>>,
    pub customer_payments: BTreeMap<String, Value>,
    pub vendor_payments: BTreeMap<String, Value>,
    pub comments: HashMap<(DocumentKind, String), Vec<Value>>,
    pub webhooks: Vec<Value>,
    pub stats: ZohoStats,
    pub faults: VecDeque<Fault>,
    pub limiter: OrgLimiter,
}

impl Org {
    pub fn docs(&self, kind: DocumentKind) -> &BTreeMap<String, Value> {
        static EMPTY: BTreeMap<String, Value> = BTreeMap::new();
        self.documents.get(&kind).unwrap_or(&EMPTY)
    }

    pub fn docs_mut(&mut self, kind: DocumentKind) -> &mut BTreeMap<String, Value> {
        self.documents.entry(kind).or_default()
    }

    /// The organization as `GET /organizations` lists it.
    pub fn to_json(&self, is_default: bool) -> Value {
        json!({
            "organization_id": self.id,
            "name": self.name,
            "contact_name": "Sandbox Owner",
            "email": format!("owner+{}@example.com", self.id),
            "is_default_org": is_default,
            "plan_type": 0,
            "plan_name": self.plan,
            "plan_period": "Monthly",
            "language_code": "en",
            "fiscal_year_start_month": 0,
            "account_created_date": self.created_date,
            "time_zone": "Etc/UTC",
            "is_org_active": true,
            "currency_id": format!("{}000", self.id),
            "currency_code": self.currency_code,
            "currency_symbol": currency_symbol(&self.currency_code),
            "currency_format": "###,##0.00",
            "price_precision": 2,
        })
    }
}

/// The home currency an organization in each data centre gets.
pub fn home_currency(dc: &str) -> &'static str {
    match dc {
        "eu" => "EUR",
        "in" => "INR",
        "au" => "AUD",
        "jp" => "JPY",
        "ca" => "CAD",
        "cn" => "CNY",
        "sa" => "SAR",
        _ => "USD",
    }
}

fn currency_symbol(code: &str) -> &'static str {
    match code {
        "EUR" => "€",
        "GBP" => "£",
        "INR" => "₹",
        "JPY" | "CNY" => "¥",
        "SAR" => "SAR",
        _ => "$",
    }
}

pub struct Inner {
    pub config: ZohoSandboxConfig,
    pub clients: HashMap<String, Client>,
    pub orgs: BTreeMap<String, Org>,
    /// Organizations in the order they were added ("the first org of a DC").
    pub org_order: Vec<String>,
    pub refresh_tokens: HashMap<String, RefreshGrant>,
    pub access_tokens: HashMap<String, AccessGrant>,
    pub grant_codes: HashMap<String, GrantCode>,
    pub token_throttle: TokenThrottle,
    pub token_requests: u64,
    pub refresh_requests: u64,
    /// When set, every token request is answered with this failure (see [`TokenFault`]).
    pub token_fault: Option<super::config::TokenFault>,
    /// When set, the token endpoint answers this `api_domain` instead of the data centre's own
    /// (a hostile or broken accounts server, for allow-list tests).
    pub api_domain_answer: Option<Url>,
    /// When set, the Default Payload of a document webhook carries only these keys (and the
    /// id): Zoho's payload shape is unconfirmed, so tests try a trimmed copy as well as a full one.
    pub webhook_fields: Option<Vec<String>>,
    next_id: u64,
}

impl Inner {
    /// A fresh Zoho-looking numeric id (15 digits), unique within this sandbox.
    pub fn next_id(&mut self) -> String {
        self.next_id += 1;
        format!("{}", 982_000_000_000_000u64 + self.next_id)
    }

    /// The organization, or a panic naming it: only test code reaches this.
    pub fn org_mut(&mut self, org_id: &str) -> &mut Org {
        match self.orgs.get_mut(org_id) {
            Some(org) => org,
            None => panic!("Zoho sandbox: organization {org_id} was never added"),
        }
    }
}

pub struct State {
    pub base_url: Url,
    inner: Mutex<Inner>,
}

impl State {
    pub fn new(base_url: Url, config: ZohoSandboxConfig) -> Self {
        Self {
            base_url,
            inner: Mutex::new(Inner {
                config,
                clients: HashMap::new(),
                orgs: BTreeMap::new(),
                org_order: Vec::new(),
                refresh_tokens: HashMap::new(),
                access_tokens: HashMap::new(),
                grant_codes: HashMap::new(),
                token_throttle: TokenThrottle::default(),
                token_requests: 0,
                refresh_requests: 0,
                token_fault: None,
                api_domain_answer: None,
                webhook_fields: None,
                next_id: 0,
            }),
        }
    }

    /// Locks the state. A panic elsewhere (e.g. a test helper misused) must not wedge the
    /// server, so a poisoned lock is recovered.
    pub fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// `{base}accounts/{dc}`, without a trailing slash like `https://accounts.zoho.eu`.
    pub fn accounts_url(&self, dc: &str) -> Url {
        self.join(&format!("accounts/{}", dc.to_ascii_lowercase()))
    }

    /// `{base}api/{dc}`, without a trailing slash like `https://www.zohoapis.eu`.
    pub fn api_domain(&self, dc: &str) -> Url {
        self.join(&format!("api/{}", dc.to_ascii_lowercase()))
    }

    /// The `api_domain` a token response names for `dc`, per `answered_hosts`.
    pub fn answered_api_domain(&self, dc: &str) -> Url {
        match self.lock().config.answered_hosts {
            AnsweredHosts::Real => {
                real_host(dc, RealHost::Api).unwrap_or_else(|| self.api_domain(dc))
            }
            AnsweredHosts::Override => self.api_domain(dc),
        }
    }

    /// The `accounts-server` a consent redirect names for `dc`, per `answered_hosts`.
    pub fn answered_accounts_server(&self, dc: &str) -> Url {
        match self.lock().config.answered_hosts {
            AnsweredHosts::Real => {
                real_host(dc, RealHost::Accounts).unwrap_or_else(|| self.accounts_url(dc))
            }
            AnsweredHosts::Override => self.accounts_url(dc),
        }
    }

    fn join(&self, path: &str) -> Url {
        let mut url = self.base_url.clone();
        url.set_path(path);
        url
    }
}

#[derive(Clone, Copy)]
enum RealHost {
    Accounts,
    Api,
}

/// Zoho's real hosts per data centre (reference §1), kept here independently of the client.
fn real_host(dc: &str, which: RealHost) -> Option<Url> {
    let (accounts, api) = match dc.to_ascii_lowercase().as_str() {
        "us" => ("https://accounts.zoho.com", "https://www.zohoapis.com"),
        "eu" => ("https://accounts.zoho.eu", "https://www.zohoapis.eu"),
        "in" => ("https://accounts.zoho.in", "https://www.zohoapis.in"),
        "au" => (
            "https://accounts.zoho.com.au",
            "https://www.zohoapis.com.au",
        ),
        "jp" => ("https://accounts.zoho.jp", "https://www.zohoapis.jp"),
        "ca" => ("https://accounts.zohocloud.ca", "https://www.zohoapis.ca"),
        "cn" => (
            "https://accounts.zoho.com.cn",
            "https://www.zohoapis.com.cn",
        ),
        "sa" => ("https://accounts.zoho.sa", "https://www.zohoapis.sa"),
        _ => return None,
    };
    Url::parse(match which {
        RealHost::Accounts => accounts,
        RealHost::Api => api,
    })
    .ok()
}

/// `t` in Zoho's format, always with offset `+0000`.
pub fn format_time(t: DateTime<Utc>) -> String {
    t.format(ZOHO_TIME_FORMAT).to_string()
}

pub fn parse_time(s: &str) -> Option<DateTime<FixedOffset>> {
    DateTime::parse_from_str(s, ZOHO_TIME_FORMAT).ok()
}

/// Sets `last_modified_time` to now, or to one second past its previous value when the
/// clock has not moved on by a whole second, so every change is visible to a watermark.
pub fn bump_modified(doc: &mut Value) {
    let now = Utc::now();
    let previous = doc
        .get("last_modified_time")
        .and_then(Value::as_str)
        .and_then(parse_time)
        .map(|t| t.with_timezone(&Utc));
    let next = match previous {
        Some(prev) if prev + ChronoDuration::seconds(1) > now => prev + ChronoDuration::seconds(1),
        _ => now,
    };
    if let Some(obj) = doc.as_object_mut() {
        obj.insert(
            "last_modified_time".into(),
            Value::String(format_time(next)),
        );
    }
}

/// An amount that may arrive as a JSON number or a string (the OAS types some as strings).
pub fn money(v: Option<&Value>) -> Option<Decimal> {
    match v? {
        Value::Number(n) => n
            .as_i64()
            .map(Decimal::from)
            .or_else(|| n.as_f64().and_then(Decimal::from_f64)),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
    .map(|d: Decimal| d.round_dp(2))
}

/// An amount as a JSON number with at most two decimals.
pub fn money_json(d: Decimal) -> Value {
    json!(d.round_dp(2).to_f64().unwrap_or(0.0))
}
