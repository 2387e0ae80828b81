//! A connector configuration wired to a running sandbox: a Zoho organization and three monday
//! boards, for one connection named `demo`. Used by the `demo` command and by the tests; it
//! depends on the configuration only, so any layer's tests can use it.

use rand::Rng;
use sandbox::monday::{MondaySandbox, SandboxColumn};
use sandbox::zoho::{ZohoSandbox, ZohoSandboxConfig};
use std::net::SocketAddr;

pub const ORG: &str = "20250101";
const CLIENT_ID: &str = "1000.DEMOCLIENT";
const MONDAY_TOKEN: &str = "demo-monday-token";
pub const KINDS: [(&str, &str); 3] = [
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
