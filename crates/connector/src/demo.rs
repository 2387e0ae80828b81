//! `ml-connector demo`: the connector on an embedded SQLite file, with the sandbox standing in
//! for Zoho Books and monday. Seeds an organization, announces every document with a signed
//! webhook, then keeps changing documents every few seconds.

use crate::clock::SystemClock;
use crate::config::Config;
use crate::sandboxed::ORG;
pub use crate::sandboxed::{demo_board_toml, demo_columns, SandboxSetup};
use crate::serve::Application;
use rand::{Rng, SeedableRng};
use rust_decimal::Decimal;
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
    let mut config = Config::from_toml_str(&toml)?;
    // The admin page is never open, not even in the demo: a fresh password per run.
    let (admin_password, _) = crate::http::operator::new_operator_password();
    config.server.admin_password = Some(admin_password.clone());
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
    println!(
        "  Connector admin page:  http://127.0.0.1:{port}/admin  (any user name, password {})",
        secrecy::ExposeSecret::expose_secret(&admin_password)
    );
    println!("  Press Ctrl-C to stop.");
    println!();

    // Announce every seeded document, as Zoho's workflow rules would on creation.
    let mut ids = Vec::new();
    for (kind, _) in crate::sandboxed::KINDS.iter() {
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
