//! Simulated Zoho Books: the accounts servers (OAuth2) and the Books v3 API of all eight data
//! centres on one loopback port, following the Zoho Books API contract digest.
//!
//! URL layout, per data centre code `dc` (`us`, `eu`, `in`, `au`, `jp`, `ca`, `cn`, `sa`):
//! - accounts server: `{base}accounts/{dc}` (token: `…/oauth/v2/token`, consent: `…/oauth/v2/auth`)
//! - API domain: `{base}api/{dc}`, so the Books base is `{base}api/{dc}/books/v3`
//! - a stand-in web UI for document links: `{base}portal/{org_id}/{invoices|bills|purchaseorders}/{id}`
//!
//! Both URLs come without a trailing slash, like `https://accounts.zoho.eu`; append paths with
//! a `/`. Tokens and organizations are local to their data centre.

mod books;
mod config;
mod gate;
mod limits;
mod oauth;
mod pages;
mod payments;
mod seed;
mod state;
mod webhooks;

#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;

use anyhow::Context as _;
use axum::middleware::from_fn_with_state;
use axum::Router;
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde_json::Value;
use tokio::task::JoinHandle;
use url::Url;

pub use config::{
    AnsweredHosts, ListSorting, SignatureEncoding, TokenFault, WebhookPayloadShape,
    ZohoSandboxConfig, ZohoStats,
};
pub use payments::PaymentKind;
pub use state::DocumentKind;
pub use webhooks::{
    encoded_signature as encoded_webhook_signature, signature as webhook_signature,
    signing_string as webhook_signing_string, SIGNATURE_HEADER,
};

use state::{bump_modified, format_time, home_currency, normalize_dc, Client, Org, State};

/// A running simulated Zoho on `127.0.0.1:{port}`; the server stops when this is dropped.
pub struct ZohoSandbox {
    state: Arc<State>,
    addr: SocketAddr,
    server: JoinHandle<()>,
}

impl Drop for ZohoSandbox {
    fn drop(&mut self) {
        self.server.abort();
    }
}

fn router(state: Arc<State>) -> Router {
    let api = books::routes()
        .merge(payments::routes())
        .merge(webhooks::routes())
        .route_layer(from_fn_with_state(state.clone(), gate::gate));
    api.merge(oauth::routes())
        .merge(pages::routes())
        .with_state(state)
}

fn kind_or_panic(kind: &str) -> DocumentKind {
    DocumentKind::parse(kind).unwrap_or_else(|| {
        panic!("Zoho sandbox: unknown document kind {kind:?} (use invoice, bill or purchase_order)")
    })
}

impl ZohoSandbox {
    /// Binds `127.0.0.1:0` and serves until dropped.
    pub async fn start(config: ZohoSandboxConfig) -> anyhow::Result<ZohoSandbox> {
        let listener = tokio::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .await
            .context("binding the Zoho sandbox to 127.0.0.1:0")?;
        let addr = listener
            .local_addr()
            .context("reading the Zoho sandbox's address")?;
        let base_url =
            Url::parse(&format!("http://{addr}/")).context("building the Zoho sandbox URL")?;
        let state = Arc::new(State::new(base_url, config));
        let app = router(state.clone());
        let server = tokio::spawn(async move {
            if let Err(e) = axum::serve(listener, app).await {
                tracing::error!(error = %e, "the Zoho sandbox server stopped");
            }
        });
        tracing::debug!(%addr, "Zoho sandbox listening");
        Ok(ZohoSandbox {
            state,
            addr,
            server,
        })
    }

    /// `http://127.0.0.1:{port}/`.
    pub fn base_url(&self) -> Url {
        self.state.base_url.clone()
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// The accounts server of a data centre, `{base}accounts/{dc}`.
    pub fn accounts_url(&self, dc: &str) -> Url {
        self.state.accounts_url(dc)
    }

    /// The API domain of a data centre, `{base}api/{dc}`; the Books base is `{this}/books/v3`.
    pub fn api_domain(&self, dc: &str) -> Url {
        self.state.api_domain(dc)
    }

    /// The `api_domain` token responses name for `dc` (Zoho's real host by default; see
    /// [`AnsweredHosts`]). Calls must still be sent to [`Self::api_domain`].
    pub fn answered_api_domain(&self, dc: &str) -> Url {
        self.state.answered_api_domain(dc)
    }

    /// The `accounts-server` consent redirects name for `dc` (see [`AnsweredHosts`]).
    pub fn answered_accounts_server(&self, dc: &str) -> Url {
        self.state.answered_accounts_server(dc)
    }

    /// Registers an OAuth client with one secret for every data centre.
    pub fn add_client(&self, client_id: &str, client_secret: &str) {
        self.state.lock().clients.insert(
            client_id.to_owned(),
            Client {
                secret: client_secret.to_owned(),
                secret_per_dc: HashMap::new(),
            },
        );
    }

    /// Gives a registered client a different secret in one data centre (Zoho allows this for
    /// multi-DC clients); the token endpoint of that DC then wants this one.
    pub fn set_client_secret_for_dc(&self, client_id: &str, dc: &str, client_secret: &str) {
        if let Some(client) = self.state.lock().clients.get_mut(client_id) {
            client
                .secret_per_dc
                .insert(dc.to_ascii_lowercase(), client_secret.to_owned());
        }
    }

    /// Creates (or replaces) an organization in data centre `dc`.
    ///
    /// # Panics
    /// When `dc` is not one of the eight documented data centres.
    pub fn add_organization(&self, org_id: &str, name: &str, dc: &str, plan: &str) {
        let dc =
            normalize_dc(dc).unwrap_or_else(|| panic!("Zoho sandbox: unknown data centre {dc:?}"));
        let mut inner = self.state.lock();
        if !inner.org_order.iter().any(|id| id == org_id) {
            inner.org_order.push(org_id.to_owned());
        }
        inner.orgs.insert(
            org_id.to_owned(),
            Org {
                id: org_id.to_owned(),
                name: name.to_owned(),
                currency_code: home_currency(&dc).to_owned(),
                dc,
                plan: plan.to_owned(),
                created_date: Utc::now().format("%Y-%m-%d").to_string(),
                documents: HashMap::new(),
                customer_payments: BTreeMap::new(),
                vendor_payments: BTreeMap::new(),
                comments: HashMap::new(),
                webhooks: Vec::new(),
                stats: ZohoStats::default(),
                faults: VecDeque::new(),
                limiter: Default::default(),
            },
        );
    }

    /// A refresh token of `client_id` granting `org_ids`. It belongs to the data centre of the
    /// first of those organizations (refreshing it at another DC's accounts server answers
    /// `invalid_code`); with no known organization, any DC may refresh it.
    pub fn issue_refresh_token(&self, client_id: &str, org_ids: &[&str]) -> String {
        let mut inner = self.state.lock();
        let dc = org_ids
            .first()
            .and_then(|id| inner.orgs.get(*id))
            .map(|o| o.dc.clone());
        let orgs = org_ids.iter().map(|s| (*s).to_owned()).collect();
        oauth::insert_refresh_token(&mut inner, client_id, orgs, dc)
    }

    /// A single-use grant code (valid 2 minutes) to exchange at `dc`'s accounts server.
    pub fn issue_grant_code(&self, client_id: &str, org_ids: &[&str], dc: &str) -> String {
        let dc = dc.to_ascii_lowercase();
        let orgs = org_ids.iter().map(|s| (*s).to_owned()).collect();
        oauth::insert_grant_code(&mut self.state.lock(), client_id, orgs, &dc, None)
    }

    /// Revokes a refresh token and its access tokens; refreshing then answers `invalid_code`.
    pub fn revoke_refresh_token(&self, token: &str) {
        oauth::revoke_refresh_token(&mut self.state.lock(), token);
    }

    /// Invalidates every access token at once, as if they had all expired.
    pub fn expire_access_tokens(&self) {
        let mut inner = self.state.lock();
        inner.access_tokens.clear();
        for grant in inner.refresh_tokens.values_mut() {
            grant.live_access_tokens.clear();
        }
    }

    /// Inserts or replaces a document (Zoho's detail shape). Sets `last_modified_time` (and
    /// `created_time`) to now unless present, and the id field to a fresh id unless present.
    ///
    /// # Panics
    /// On an unknown kind or organization, or when `doc` is not a JSON object.
    pub fn put_document(&self, org_id: &str, kind: &str, mut doc: Value) {
        let kind = kind_or_panic(kind);
        assert!(
            doc.is_object(),
            "Zoho sandbox: a document must be a JSON object"
        );
        let mut inner = self.state.lock();
        let now = format_time(Utc::now());
        for field in ["created_time", "last_modified_time"] {
            if doc.get(field).is_none_or(Value::is_null) {
                doc[field] = Value::String(now.clone());
            }
        }
        let id = match doc.get(kind.id_field()) {
            Some(Value::String(s)) if !s.is_empty() => s.clone(),
            Some(Value::Number(n)) => n.to_string(),
            _ => inner.next_id(),
        };
        doc[kind.id_field()] = Value::String(id.clone());
        inner.org_mut(org_id).docs_mut(kind).insert(id, doc);
    }

    pub fn document(&self, org_id: &str, kind: &str, id: &str) -> Option<Value> {
        let kind = kind_or_panic(kind);
        self.state
            .lock()
            .orgs
            .get(org_id)?
            .docs(kind)
            .get(id)
            .cloned()
    }

    /// Every stored document of a kind, ordered by id.
    pub fn documents(&self, org_id: &str, kind: &str) -> Vec<Value> {
        let kind = kind_or_panic(kind);
        let inner = self.state.lock();
        inner
            .orgs
            .get(org_id)
            .map(|o| o.docs(kind).values().cloned().collect())
            .unwrap_or_default()
    }

    /// Merges `patch`'s top-level fields into a document and bumps its `last_modified_time` to
    /// at least one second past the previous value; returns the new document.
    pub fn modify_document(
        &self,
        org_id: &str,
        kind: &str,
        id: &str,
        patch: Value,
    ) -> Option<Value> {
        let kind = kind_or_panic(kind);
        let mut inner = self.state.lock();
        let doc = inner.orgs.get_mut(org_id)?.docs_mut(kind).get_mut(id)?;
        if let (Some(doc), Value::Object(patch)) = (doc.as_object_mut(), patch) {
            doc.extend(patch);
        }
        bump_modified(doc);
        Some(doc.clone())
    }

    /// Deletes a document; a GET then answers HTTP 404 code 1002.
    pub fn delete_document(&self, org_id: &str, kind: &str, id: &str) {
        let kind = kind_or_panic(kind);
        if let Some(org) = self.state.lock().orgs.get_mut(org_id) {
            org.docs_mut(kind).remove(id);
        }
    }

    /// Generates documents (2–6 line items each, several customers, vendors, currencies and
    /// statuses), deterministic from `seed` and dated relative to now.
    pub fn seed(
        &self,
        org_id: &str,
        invoices: usize,
        bills: usize,
        purchase_orders: usize,
        seed: u64,
    ) {
        self.seed_at(org_id, invoices, bills, purchase_orders, seed, Utc::now());
    }

    /// [`Self::seed`] with dates relative to `anchor`: fully deterministic.
    pub fn seed_at(
        &self,
        org_id: &str,
        invoices: usize,
        bills: usize,
        purchase_orders: usize,
        seed: u64,
        anchor: DateTime<Utc>,
    ) {
        let counts = (invoices, bills, purchase_orders);
        seed::seed(
            &mut self.state.lock(),
            &self.state.base_url,
            org_id,
            counts,
            seed,
            anchor,
        );
    }

    /// Records a customer payment against an invoice (balance, `payment_made`, status `paid` or
    /// `partially_paid`, `last_modified_time` bump) and returns the payment.
    ///
    /// # Panics
    /// When the organization or invoice does not exist.
    pub fn record_customer_payment(
        &self,
        org_id: &str,
        invoice_id: &str,
        amount: Decimal,
    ) -> Value {
        payments::record_payment(
            &mut self.state.lock(),
            org_id,
            PaymentKind::Customer,
            invoice_id,
            amount,
        )
    }

    /// Records a vendor payment against a bill; see [`Self::record_customer_payment`].
    pub fn record_vendor_payment(&self, org_id: &str, bill_id: &str, amount: Decimal) -> Value {
        payments::record_payment(
            &mut self.state.lock(),
            org_id,
            PaymentKind::Vendor,
            bill_id,
            amount,
        )
    }

    /// Comment descriptions added through the API to one document, oldest first.
    pub fn comments(&self, org_id: &str, kind: &str, id: &str) -> Vec<String> {
        let kind = kind_or_panic(kind);
        let inner = self.state.lock();
        let Some(list) = inner
            .orgs
            .get(org_id)
            .and_then(|o| o.comments.get(&(kind, id.to_owned())))
        else {
            return Vec::new();
        };
        list.iter()
            .filter_map(|c| c["description"].as_str().map(str::to_owned))
            .collect()
    }

    /// Webhooks registered through `POST /settings/webhooks`, secrets included.
    pub fn registered_webhooks(&self, org_id: &str) -> Vec<Value> {
        self.state
            .lock()
            .orgs
            .get(org_id)
            .map(|o| o.webhooks.clone())
            .unwrap_or_default()
    }

    /// POSTs `body` to `url` as JSON, signed with `secret` when given (see [`webhook_signature`];
    /// encoded per [`ZohoSandboxConfig::signature_encoding`]); returns the receiver's status.
    pub async fn send_webhook(
        &self,
        url: &str,
        secret: Option<&str>,
        body: &Value,
    ) -> anyhow::Result<u16> {
        // Read the setting first: a lock guard must not live across the delivery's await.
        let encoding = self.state.lock().config.signature_encoding;
        webhooks::deliver(webhooks::Delivery {
            method: "POST".to_owned(),
            url: url.to_owned(),
            secret: secret.map(str::to_owned),
            headers: Vec::new(),
            body: serde_json::to_vec(body).context("serializing the webhook body")?,
            encoding,
        })
        .await
    }

    /// Delivers a record to every webhook the org registered for its entity, as Zoho's
    /// workflow would: registered method, headers, query parameters, secret and `raw_data`
    /// template (Default Payload when there is none). `kind` as in [`Self::webhook_body`].
    /// Returns each receiver's status.
    pub async fn fire_webhooks(
        &self,
        org_id: &str,
        kind: &str,
        id: &str,
    ) -> anyhow::Result<Vec<u16>> {
        let deliveries = webhooks::deliveries_for(&self.state.lock(), org_id, kind, id);
        let mut statuses = Vec::new();
        for delivery in deliveries {
            statuses.push(webhooks::deliver(delivery).await?);
        }
        Ok(statuses)
    }

    /// The Default Payload for a stored record: `{"invoice": {...}}` etc. `kind` is `invoice`,
    /// `bill`, `purchase_order`, `customer_payment` (key `payment`) or `vendor_payment`.
    pub fn webhook_body(&self, org_id: &str, kind: &str, id: &str) -> Option<Value> {
        webhooks::webhook_body(&self.state.lock(), org_id, kind, id)
    }

    /// Stored customer payments of an organization.
    pub fn customer_payments(&self, org_id: &str) -> Vec<Value> {
        let inner = self.state.lock();
        inner
            .orgs
            .get(org_id)
            .map(|o| o.customer_payments.values().cloned().collect())
            .unwrap_or_default()
    }

    /// Stored vendor payments of an organization.
    pub fn vendor_payments(&self, org_id: &str) -> Vec<Value> {
        let inner = self.state.lock();
        inner
            .orgs
            .get(org_id)
            .map(|o| o.vendor_payments.values().cloned().collect())
            .unwrap_or_default()
    }

    /// Counters of an organization (all zero for an unknown one).
    pub fn stats(&self, org_id: &str) -> ZohoStats {
        self.state
            .lock()
            .orgs
            .get(org_id)
            .map(|o| o.stats.clone())
            .unwrap_or_default()
    }

    /// Zeroes an organization's counters.
    pub fn reset_stats(&self, org_id: &str) {
        if let Some(org) = self.state.lock().orgs.get_mut(org_id) {
            org.stats = ZohoStats::default();
        }
    }

    /// Makes the token endpoint answer `api_domain` (e.g. a host outside Zoho's data centres)
    /// instead of the data centre's own; `None` restores the normal answer.
    pub fn answer_api_domain(&self, api_domain: Option<Url>) {
        self.state.lock().api_domain_answer = api_domain;
    }

    /// Trims document webhooks' Default Payload to the record's id and `fields` (`None`: the
    /// full record, the default). Payment webhooks are not trimmed.
    pub fn set_webhook_fields(&self, fields: Option<&[&str]>) {
        self.state.lock().webhook_fields =
            fields.map(|f| f.iter().map(|s| s.to_string()).collect());
    }

    /// Makes every token request fail with `fault` until it is cleared with `None` (throttling,
    /// an outage, a revoked grant), so tests can count what a client sends meanwhile.
    pub fn set_token_fault(&self, fault: Option<TokenFault>) {
        self.state.lock().token_fault = fault;
    }

    /// Every token-endpoint call, refused ones included.
    pub fn token_requests(&self) -> u64 {
        self.state.lock().token_requests
    }

    /// `grant_type=refresh_token` calls that issued an access token.
    pub fn refresh_requests(&self) -> u64 {
        self.state.lock().refresh_requests
    }

    /// Replaces the configuration; takes effect on the next call.
    pub fn set_config(&self, config: ZohoSandboxConfig) {
        self.state.lock().config = config;
    }

    pub fn config(&self) -> ZohoSandboxConfig {
        self.state.lock().config.clone()
    }

    /// The next `n` API calls naming this organization answer HTTP `status` with a typical
    /// body: 400 → code 2, 401 → code 57, 404 → 1002, 429 → 44, anything else → 1000.
    pub fn fail_next(&self, org_id: &str, n: u32, status: u16) {
        if n > 0 {
            self.state
                .lock()
                .org_mut(org_id)
                .faults
                .push_back(gate::fault_for_status(status, n));
        }
    }

    /// The next `n` API calls naming this organization are served normally; queue it before
    /// [`Self::fail_next`] to fail, say, only the second call.
    pub fn pass_next(&self, org_id: &str, n: u32) {
        self.fail_next_with(org_id, n, 0, 0, "");
    }

    /// Like [`Self::fail_next`] with an explicit body, e.g. `(401, 14, "Invalid OAuth token")`.
    pub fn fail_next_with(&self, org_id: &str, n: u32, status: u16, code: i64, message: &str) {
        if n > 0 {
            let fault = state::Fault {
                remaining: n,
                status,
                code,
                message: message.to_owned(),
            };
            self.state.lock().org_mut(org_id).faults.push_back(fault);
        }
    }
}
