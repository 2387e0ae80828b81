//! `setup` for monday: boards, columns, labels, subitems and the status webhook, created once;
//! a second run changes nothing; the printed mapping works.

use crate::helpers::*;
use ml_connector::clock::SystemClock;
use ml_connector::config::LineItemMode;
use ml_connector::setup::{self, SetupOptions};
use ml_connector::Application;
use secrecy::SecretString;
use serde_json::json;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;

const TOKEN: &str = "setup-hook-token-0123456789abcdef";

fn options(app: &TestApp) -> SetupOptions {
    SetupOptions {
        connection: Some("demo".into()),
        write_config: None,
        public_url: format!("http://127.0.0.1:{}/", app.port)
            .parse()
            .expect("url"),
    }
}

#[tokio::test]
async fn setup_completes_configured_boards_registers_webhooks_and_is_idempotent() {
    let app = spawn_app_with(Default::default(), |c| {
        c.connections[0].monday.webhook_token = Some(SecretString::from(TOKEN));
    })
    .await;
    let first = setup::run(&app.rt, &options(&app)).await.expect("setup");
    let created = &first[0].created;
    assert_eq!(
        created
            .iter()
            .filter(|l| l.contains("registered status webhook"))
            .count(),
        3,
        "{created:?}"
    );
    assert!(
        !created.iter().any(|l| l.contains("created board")),
        "configured boards are completed, not recreated: {created:?}"
    );
    let hooks = app
        .setup
        .monday
        .board_snapshot(app.setup.board_id("invoice"))
        .expect("board")
        .webhooks;
    assert_eq!(hooks.len(), 1);
    assert_eq!(hooks[0].event, "change_status_column_value");
    assert_eq!(
        hooks[0].url,
        format!("http://127.0.0.1:{}/webhooks/monday/{TOKEN}", app.port)
    );
    assert_eq!(hooks[0].config, Some(json!({"columnId": "status"})));
    // The configured mapping comes back with its board ids and columns.
    assert_eq!(
        first[0].boards["invoice"].board_id,
        app.setup.board_id("invoice")
    );
    assert_eq!(
        first[0].boards["invoice"].columns.status.as_deref(),
        Some("status")
    );

    let before = app.setup.monday.stats();
    let second = setup::run(&app.rt, &options(&app))
        .await
        .expect("setup again");
    assert!(second[0].created.is_empty(), "{:?}", second[0].created);
    assert_eq!(
        app.setup.monday.stats().mutations,
        before.mutations,
        "a second run makes no mutation"
    );
}

#[tokio::test]
async fn setup_creates_boards_with_subitems_and_the_mapping_it_prints_syncs_documents() {
    let app = spawn_app_with(Default::default(), |c| {
        c.connections[0].boards.clear();
        c.connections[0].monday.webhook_token = Some(SecretString::from(TOKEN));
    })
    .await;
    let first = setup::run(&app.rt, &options(&app)).await.expect("setup");
    let done = &first[0];
    assert_eq!(done.boards.len(), 3);
    assert_eq!(
        done.created
            .iter()
            .filter(|l| l.contains("created board"))
            .count(),
        3,
        "{:?}",
        done.created
    );
    assert!(done.warnings.is_empty(), "{:?}", done.warnings);

    let inv = &done.boards["invoice"];
    assert_eq!(inv.line_items, LineItemMode::Subitems);
    let board = app
        .setup
        .monday
        .board_snapshot(&inv.board_id)
        .expect("invoice board");
    assert_eq!(board.name, "Invoices (Zoho Books)");
    let col = |id: &str| {
        board
            .columns
            .iter()
            .find(|c| c.id == id)
            .map(|c| c.column_type.clone())
    };
    for (id, kind) in [
        ("zoho_id", "text"),
        ("total", "numbers"),
        ("balance", "numbers"),
        ("date", "date"),
        ("status", "status"),
        ("link", "link"),
        ("lines", "long_text"),
    ] {
        assert_eq!(col(id).as_deref(), Some(kind), "column {id}");
    }
    let status = board
        .columns
        .iter()
        .find(|c| c.id == "status")
        .expect("status column");
    let labels: Vec<&str> = status.settings["labels"]
        .as_array()
        .expect("labels")
        .iter()
        .filter_map(|l| l["label"].as_str())
        .collect();
    assert_eq!(
        labels,
        ["Draft", "Sent", "Overdue", "Partially paid", "Paid", "Void"]
    );
    let sub = app
        .setup
        .monday
        .board_snapshot(board.subitems_board_id.as_deref().expect("subitems board"))
        .expect("subitems board");
    for id in ["quantity", "rate", "amount", "line_item_id"] {
        assert!(
            sub.columns.iter().any(|c| c.id == id),
            "subitem column {id}: {:?}",
            sub.columns
        );
    }
    assert_eq!(board.webhooks.len(), 1);
    let po = app
        .setup
        .monday
        .board_snapshot(&done.boards["purchase_order"].board_id)
        .expect("po board");
    assert!(
        !po.columns.iter().any(|c| c.id == "balance"),
        "purchase orders have no balance"
    );

    // Run again with the same (unwritten) configuration: the boards are found by name.
    let before = app.setup.monday.stats();
    let second = setup::run(&app.rt, &options(&app))
        .await
        .expect("setup again");
    assert!(second[0].created.is_empty(), "{:?}", second[0].created);
    assert_eq!(app.setup.monday.stats().mutations, before.mutations);
    assert_eq!(second[0].boards["invoice"].board_id, inv.board_id);

    // The printed mapping is a valid configuration, and documents sync through it.
    let fragment = setup::mapping_toml(&done.boards).expect("toml");
    let dir = tempfile::tempdir().expect("dir");
    let mut config = app.rt.config.clone();
    config.database.url = format!("sqlite://{}", dir.path().join("after-setup.db").display());
    config.connections[0].boards = toml::from_str::<toml::Table>(&fragment)
        .ok()
        .and_then(|t| t["connections"]["boards"].clone().try_into().ok())
        .expect("mapping parses");
    config
        .validate(None)
        .expect("configuration with the generated mapping is valid");
    let synced = Application::build(config, Arc::new(SystemClock))
        .await
        .expect("app");
    let (port, rt2, cancel) = (synced.port(), synced.runtime(), CancellationToken::new());
    tokio::spawn(synced.run_until_stopped(cancel.clone()));
    let body = app.put(
        "invoice",
        invoice("9501", "INV-950", "250.50", "2026-11-20T10:15:30+0000"),
    );
    let url = format!(
        "http://127.0.0.1:{port}/webhooks/zoho/{}",
        app.setup.webhook_token
    );
    assert_eq!(
        app.setup
            .zoho
            .send_webhook(&url, Some(&app.setup.webhook_secret), &body)
            .await
            .expect("deliver"),
        200
    );
    let deadline = Instant::now() + Duration::from_secs(20);
    let item = loop {
        let s = rt2.queue.stats().await.expect("stats");
        let items = app.setup.monday.items(&inv.board_id);
        if s.queued == 0 && s.running == 0 && !items.is_empty() {
            break items.into_iter().next().expect("item");
        }
        assert!(Instant::now() < deadline, "document did not sync: {s:?}");
        tokio::time::sleep(Duration::from_millis(25)).await;
    };
    cancel.cancel();
    assert_eq!(text(&item, "status"), "Sent");
    assert_eq!(item.subitems.len(), 2, "line items as subitems");
    assert!(item
        .subitems
        .iter()
        .any(|s| s.name == "Desk" && text(s, "quantity") == "2"));
}
