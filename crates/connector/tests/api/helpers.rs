use ml_connector::clock::SystemClock;
use ml_connector::config::Config;
use ml_connector::runtime::Runtime;
use ml_connector::sandboxed::SandboxSetup;
use ml_connector::Application;
use sandbox::monday::ItemSnapshot;
use sandbox::zoho::ZohoSandboxConfig;
use secrecy::SecretString;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;

pub struct TestApp {
    pub setup: SandboxSetup,
    pub port: u16,
    pub rt: Arc<Runtime>,
    pub cancel: CancellationToken,
    pub client: reqwest::Client,
    pub _dir: tempfile::TempDir,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.cancel.cancel();
    }
}

/// Test-friendly defaults: fast polling and short backoff.
pub fn fast(config: &mut Config) {
    config.workers.poll_interval_ms = 50;
    config.workers.backoff_base_ms = 50;
    config.workers.backoff_cap_seconds = 2;
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(ZohoSandboxConfig::default(), |_| {}).await
}

pub async fn spawn_app_with(zoho: ZohoSandboxConfig, tweak: impl FnOnce(&mut Config)) -> TestApp {
    let setup = SandboxSetup::start(zoho).await.expect("sandbox");
    let dir = tempfile::tempdir().expect("temp dir");
    let toml = setup.config_toml(
        "127.0.0.1:0".parse().expect("addr"),
        &dir.path().join("test.db"),
    );
    let mut config = Config::from_toml_str(&toml).expect("config");
    fast(&mut config);
    tweak(&mut config);
    let app = Application::build(config, Arc::new(SystemClock))
        .await
        .expect("build app");
    let port = app.port();
    let rt = app.runtime();
    let cancel = CancellationToken::new();
    tokio::spawn(app.run_until_stopped(cancel.clone()));
    TestApp {
        setup,
        port,
        rt,
        cancel,
        client: reqwest::Client::new(),
        _dir: dir,
    }
}

impl TestApp {
    pub fn org(&self) -> &str {
        &self.setup.org
    }

    pub fn webhook_url(&self) -> String {
        self.setup.webhook_url(self.port)
    }

    /// Sends a webhook the way Zoho does (signed by the sandbox); returns the HTTP status.
    pub async fn deliver(&self, body: &serde_json::Value) -> u16 {
        self.setup
            .zoho
            .send_webhook(&self.webhook_url(), Some(&self.setup.webhook_secret), body)
            .await
            .expect("deliver webhook")
    }

    /// Posts raw bytes with an explicit signature header (or none).
    pub async fn post_raw(
        &self,
        body: Vec<u8>,
        content_type: &str,
        signature: Option<String>,
    ) -> reqwest::Response {
        let mut req = self
            .client
            .post(self.webhook_url())
            .header("content-type", content_type)
            .body(body);
        if let Some(sig) = signature {
            req = req.header("X-Zoho-Webhook-Signature", sig);
        }
        req.send().await.expect("post")
    }

    pub fn sign(&self, body: &[u8]) -> String {
        let secret = SecretString::from(self.setup.webhook_secret.clone());
        zoho_books::sign(
            &secret,
            &zoho_books::signing_string(&[], Some("application/json"), body),
        )
    }

    /// Puts a document into the Zoho sandbox and returns the webhook body announcing it.
    pub fn put(&self, kind: &str, doc: serde_json::Value) -> serde_json::Value {
        let id_field = id_field(kind);
        let id = doc[id_field].as_str().expect("id").to_string();
        self.setup.zoho.put_document(self.org(), kind, doc);
        self.setup
            .zoho
            .webhook_body(self.org(), kind, &id)
            .expect("body")
    }

    pub fn items(&self, kind: &str) -> Vec<ItemSnapshot> {
        self.setup.monday.items(self.setup.board_id(kind))
    }

    /// Waits until no job is queued (due) or running.
    pub async fn settle(&self) {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let s = self.rt.queue.stats().await.expect("stats");
            if s.queued == 0 && s.running == 0 {
                return;
            }
            assert!(Instant::now() < deadline, "jobs did not settle: {s:?}");
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }
}

pub fn id_field(kind: &str) -> &'static str {
    match kind {
        "invoice" => "invoice_id",
        "bill" => "bill_id",
        _ => "purchaseorder_id",
    }
}

/// A realistic invoice in Zoho's detail shape.
pub fn invoice(id: &str, number: &str, total: &str, modified: &str) -> serde_json::Value {
    serde_json::json!({
        "invoice_id": id,
        "invoice_number": number,
        "customer_id": "460000000026049",
        "customer_name": "Bowman & Co",
        "status": "sent",
        "date": "2026-11-20",
        "due_date": "2026-12-20",
        "currency_code": "EUR",
        "total": total,
        "balance": total,
        "reference_number": "PO-77",
        "last_modified_time": modified,
        "line_items": [
            {"line_item_id": format!("{id}01"), "name": "Desk", "quantity": 2, "rate": "100.25", "item_total": "200.50"},
            {"line_item_id": format!("{id}02"), "name": "Chair", "quantity": "1", "rate": 50, "item_total": 50}
        ]
    })
}

pub fn text<'a>(item: &'a ItemSnapshot, column: &str) -> &'a str {
    item.texts.get(column).map(String::as_str).unwrap_or("")
}
