//! `ml-connector demo`: the connector on an embedded SQLite file, with the sandbox standing in
//! for Zoho Books and monday. Seeds an organization, announces every document with a signed
//! webhook, then keeps changing documents every few seconds.

use crate::clock::SystemClock;
use crate::config::Config;
use crate::http::Application;
use rand::{Rng, SeedableRng};
use rust_decimal::Decimal;
use sandbox::monday::{MondaySandbox, SandboxColumn};
use sandbox::zoho::{ZohoSandbox, ZohoSandboxConfig};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

pub struct DemoOptions {
    pub listen: SocketAddr,
    pub data_dir: PathBuf,
    pub interval: Duration,
    pub duration: Option<Duration>,
}

const ORG: &str = "20250101";
const CLIENT_ID: &str = "1000.DEMOCLIENT";
const MONDAY_TOKEN: &str = "demo-monday-token";
const KINDS: [(&str, &str); 3] = [
    ("invoice", "Invoices"),
    ("bill", "Bills"),
    ("purchase_order", "Purchase orders"),
];

/// The columns `demo` (and the tests) give each board.
pub fn demo_columns(kind: &str) -> Vec<SandboxColumn> {
    let labels: &[&str] = match kind {
        "invoice" => &[
            "Draft",
            "Sent",
            "Overdue",
            "Paid",
            "Partially paid",
            "Void",
            "Deleted",
        ],
        "bill" => &[
            "Draft",
            "Open",
            "Overdue",
            "Paid",
            "Partially paid",
            "Void",
            "Deleted",
        ],
        _ => &["Draft", "Open", "Billed", "Cancelled", "Deleted"],
    };
    vec![
        SandboxColumn::new("zoho_id", "Zoho ID", "text"),
        SandboxColumn::new("number", "Number", "text"),
        SandboxColumn::new(
            "party",
            if kind == "invoice" {
                "Customer"
            } else {
                "Vendor"
            },
            "text",
        ),
        SandboxColumn::new("total", "Total", "numbers"),
        SandboxColumn::new("balance", "Balance", "numbers"),
        SandboxColumn::new("currency", "Currency", "text"),
        SandboxColumn::new("reference", "Reference", "text"),
        SandboxColumn::new("date", "Date", "date"),
        SandboxColumn::new(
            "due_date",
            if kind == "purchase_order" {
                "Delivery date"
            } else {
                "Due date"
            },
            "date",
        ),
        SandboxColumn::status("status", "Status", labels),
        SandboxColumn::new("link", "Zoho Books", "link"),
        SandboxColumn::new("lines", "Line items", "long_text"),
    ]
}

/// The `[connections.boards.KIND]` TOML for a board made with [`demo_columns`].
pub fn demo_board_toml(kind: &str, board_id: &str) -> String {
    format!(
        r#"
[connections.boards.{kind}]
board_id = "{board_id}"
[connections.boards.{kind}.columns]
zoho_id = "zoho_id"
number = "number"
party = "party"
total = "total"
balance = "balance"
currency = "currency"
reference = "reference"
date = "date"
due_date = "due_date"
status = "status"
link = "link"
line_items = "lines"
"#
    )
}

fn random_alnum(len: usize) -> String {
    rand::thread_rng()
        .sample_iter(&rand::distributions::Alphanumeric)
        .take(len)
        .map(char::from)
        .collect()
}

/// Invoice lines as subitems (what `demo` shows); the tests keep the long-text summary.
const SUBITEMS_TOML: &str = r#"[connections.boards.invoice.subitem_columns]
quantity = "quantity"
rate = "rate"
amount = "amount"
line_item_id = "line_item_id"
"#;

/// Gives the invoice board a subitems board with the columns `SUBITEMS_TOML` maps.
fn add_invoice_subitems(monday: &MondaySandbox, board_id: &str) {
    monday.add_subitems_board(
        board_id,
        &[
            SandboxColumn::new("quantity", "Quantity", "numbers"),
            SandboxColumn::new("rate", "Rate", "numbers"),
            SandboxColumn::new("amount", "Amount", "numbers"),
            SandboxColumn::new("line_item_id", "Zoho line id", "text"),
        ],
    );
}

/// A Zoho organization and three monday boards in the sandbox, wired for one connection
/// named `demo`. Used by `demo` and by the integration tests.
pub struct SandboxSetup {
    pub zoho: ZohoSandbox,
    pub monday: MondaySandbox,
    pub org: String,
    pub client_id: String,
    pub client_secret: String,
    pub refresh_token: String,
    pub monday_token: String,
    pub webhook_token: String,
    pub webhook_secret: String,
    /// Base64 key that encrypts stored refresh tokens.
    pub secrets_key: String,
    /// Whether the invoice board shows lines as subitems (see [`SandboxSetup::with_invoice_subitems`]).
    pub invoice_subitems: bool,
    /// (document kind, board title, board id)
    pub boards: Vec<(&'static str, &'static str, String)>,
}

impl SandboxSetup {
    pub async fn start(zoho_config: ZohoSandboxConfig) -> anyhow::Result<SandboxSetup> {
        let zoho = ZohoSandbox::start(zoho_config).await?;
        let monday = MondaySandbox::start().await?;
        let client_secret = random_alnum(24);
        zoho.add_client(CLIENT_ID, &client_secret);
        zoho.add_organization(ORG, "Demo Trading Ltd", "eu", "PROFESSIONAL");
        let refresh_token = zoho.issue_refresh_token(CLIENT_ID, &[ORG]);
        monday.add_token(MONDAY_TOKEN);
        let mut boards = Vec::new();
        for (kind, title) in KINDS {
            let id = monday.create_board(title, &demo_columns(kind));
            boards.push((kind, title, id));
        }
        Ok(SandboxSetup {
            zoho,
            monday,
            org: ORG.into(),
            client_id: CLIENT_ID.into(),
            client_secret,
            refresh_token,
            monday_token: MONDAY_TOKEN.into(),
            webhook_token: random_alnum(32),
            webhook_secret: random_alnum(32),
            secrets_key: {
                use base64::Engine;
                base64::engine::general_purpose::STANDARD.encode(rand::random::<[u8; 32]>())
            },
            boards,
            invoice_subitems: false,
        })
    }

    /// Invoice lines become subitems on a subitems board, instead of a long-text summary.
    pub fn with_invoice_subitems(mut self) -> Self {
        add_invoice_subitems(&self.monday, self.board_id("invoice"));
        self.invoice_subitems = true;
        self
    }

    pub fn board_id(&self, kind: &str) -> &str {
        self.boards
            .iter()
            .find(|(k, _, _)| *k == kind)
            .map(|(_, _, id)| id.as_str())
            .unwrap_or("")
    }

    /// A complete configuration pointing every data centre and monday at the sandbox.
    pub fn config_toml(&self, listen: SocketAddr, db: &std::path::Path) -> String {
        let mut toml = format!(
            r#"
[server]
listen = "{listen}"
public_url = "http://{listen}/"
[database]
url = "sqlite://{db}"
[zoho]
client_id = "{client_id}"
client_secret = "{client_secret}"
[monday]
api_url = "{monday_url}"
[secrets]
keys = {{ "1" = "{key}" }}
current_key = 1
"#,
            key = self.secrets_key,
            db = db.display(),
            client_id = self.client_id,
            client_secret = self.client_secret,
            monday_url = self.monday.api_url(),
        );
        for dc in zoho_books::DataCentre::ALL {
            toml.push_str(&format!(
                "[zoho.endpoints.{code}]\naccounts_url = \"{a}\"\napi_domain = \"{d}\"\n",
                code = dc.code(),
                a = self.zoho.accounts_url(dc.code()),
                d = self.zoho.api_domain(dc.code()),
            ));
        }
        toml.push_str(&format!(
            r#"
[[connections]]
id = "demo"
webhook_token = "{webhook_token}"
[connections.zoho]
organization_id = "{org}"
data_centre = "eu"
refresh_token = "{refresh}"
webhook_secret = "{webhook_secret}"
[connections.monday]
token = "{monday_token}"
"#,
            webhook_token = self.webhook_token,
            org = self.org,
            refresh = self.refresh_token,
            webhook_secret = self.webhook_secret,
            monday_token = self.monday_token,
        ));
        for (kind, _, id) in &self.boards {
            toml.push_str(&demo_board_toml(kind, id));
            if *kind == "invoice" && self.invoice_subitems {
                // `line_items` belongs to the board table, which must come before its sub-tables.
                let at = toml
                    .rfind("[connections.boards.invoice.columns]")
                    .unwrap_or(toml.len());
                toml.insert_str(at, "line_items = \"subitems\"\n");
                toml.push_str(SUBITEMS_TOML);
            }
        }
        toml
    }

    pub fn webhook_url(&self, port: u16) -> String {
        format!(
            "http://127.0.0.1:{port}/webhooks/zoho/{}",
            self.webhook_token
        )
    }
}

pub async fn run(opts: DemoOptions) -> anyhow::Result<()> {
    std::fs::create_dir_all(&opts.data_dir)?;
    let db = opts.data_dir.join("demo.db");
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
    }
    let setup = SandboxSetup::start(ZohoSandboxConfig::default())
        .await?
        .with_invoice_subitems();
    setup.zoho.seed(ORG, 14, 10, 8, 42);
    let toml = setup.config_toml(opts.listen, &db);
    let (zoho, monday, boards, webhook_secret) = (
        &setup.zoho,
        &setup.monday,
        &setup.boards,
        &setup.webhook_secret,
    );
    let config = Config::from_toml_str(&toml)?;
    let app = Application::build(config, Arc::new(SystemClock)).await?;
    let port = app.port();
    let cancel = CancellationToken::new();
    let server = tokio::spawn(app.run_until_stopped(cancel.clone()));
    let hook = setup.webhook_url(port);

    println!();
    println!("ml-connector demo is running (everything is simulated on this machine).");
    println!("  Watch the boards fill up:");
    for (_, title, id) in boards {
        println!("    {title:<16} {}boards/{id}", monday.base_url());
    }
    println!("  Connector admin page:  http://127.0.0.1:{port}/admin");
    println!("  Press Ctrl-C to stop.");
    println!();

    // Announce every seeded document, as Zoho's workflow rules would on creation.
    let mut ids = Vec::new();
    for (kind, _) in KINDS.iter() {
        for id in document_ids(zoho, kind) {
            if let Some(body) = zoho.webhook_body(ORG, kind, &id) {
                zoho.send_webhook(&hook, Some(webhook_secret), &body)
                    .await?;
            }
            ids.push((kind.to_string(), id));
        }
    }
    println!(
        "announced {} seeded documents; simulating changes every {:?}",
        ids.len(),
        opts.interval
    );

    let started = std::time::Instant::now();
    let mut rng = rand::rngs::StdRng::from_entropy();
    let mut next_number = 900;
    loop {
        tokio::select! {
            _ = tokio::time::sleep(opts.interval) => {}
            _ = tokio::signal::ctrl_c() => break,
        }
        if opts.duration.is_some_and(|d| started.elapsed() >= d) {
            break;
        }
        let change = simulate_change(zoho, &mut rng, &mut ids, &mut next_number);
        if let Some((label, body)) = change {
            match zoho.send_webhook(&hook, Some(webhook_secret), &body).await {
                Ok(status) => println!("zoho: {label} → webhook answered {status}"),
                Err(e) => println!("zoho: {label} → webhook failed: {e}"),
            }
        }
    }
    cancel.cancel();
    let _ = server.await;
    Ok(())
}

fn document_ids(zoho: &ZohoSandbox, kind: &str) -> Vec<String> {
    let id_field = match kind {
        "invoice" => "invoice_id",
        "bill" => "bill_id",
        _ => "purchaseorder_id",
    };
    zoho.documents(ORG, kind)
        .iter()
        .filter_map(|d| d.get(id_field).and_then(|v| v.as_str()).map(str::to_string))
        .collect()
}

/// One simulated change in Zoho; returns a description and the webhook body announcing it.
fn simulate_change(
    zoho: &ZohoSandbox,
    rng: &mut impl Rng,
    ids: &mut Vec<(String, String)>,
    next_number: &mut u32,
) -> Option<(String, serde_json::Value)> {
    match rng.gen_range(0..10) {
        0..=2 => {
            // A new invoice.
            *next_number += 1;
            let id = format!("46000000{next_number:07}");
            let qty = rng.gen_range(1..6);
            let rate = Decimal::new(rng.gen_range(1_000..50_000), 2);
            let total = rate * Decimal::from(qty);
            let today = chrono::Utc::now().date_naive();
            zoho.put_document(
                ORG,
                "invoice",
                serde_json::json!({
                    "invoice_id": id, "invoice_number": format!("INV-{next_number:06}"),
                    "customer_id": "1001", "customer_name": "Walk-in Customer", "status": "sent",
                    "date": today.to_string(), "due_date": (today + chrono::Duration::days(30)).to_string(),
                    "currency_code": "EUR", "total": total, "balance": total,
                    "line_items": [{"line_item_id": format!("{id}1"), "name": "Consulting hour", "quantity": qty, "rate": rate, "item_total": total}]
                }),
            );
            ids.push(("invoice".into(), id.clone()));
            Some((
                format!("new invoice INV-{next_number:06}"),
                zoho.webhook_body(ORG, "invoice", &id)?,
            ))
        }
        3..=4 => {
            // A customer pays an open invoice.
            let open: Vec<_> = ids
                .iter()
                .filter(|(k, _)| k == "invoice")
                .cloned()
                .collect();
            let (_, id) = open.get(rng.gen_range(0..open.len().max(1)))?.clone();
            let doc = zoho.document(ORG, "invoice", &id)?;
            let balance: Decimal = doc
                .get("balance")
                .and_then(|b| b.to_string().trim_matches('"').parse().ok())?;
            if balance <= Decimal::ZERO {
                return None;
            }
            let payment = zoho.record_customer_payment(ORG, &id, balance);
            Some((
                format!("payment received for invoice {id}"),
                serde_json::json!({ "payment": payment }),
            ))
        }
        _ => {
            // An edit: a new reference number on some document.
            let (kind, id) = ids.get(rng.gen_range(0..ids.len().max(1)))?.clone();
            let reference = format!("REF-{}", rng.gen_range(1000..9999));
            zoho.modify_document(
                ORG,
                &kind,
                &id,
                serde_json::json!({ "reference_number": reference }),
            )?;
            Some((
                format!("{kind} {id} edited"),
                zoho.webhook_body(ORG, &kind, &id)?,
            ))
        }
    }
}
