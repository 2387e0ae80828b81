//! Line items as subitems: one subitem per line, only changed lines written, removed lines
//! deleted, and no duplicates after a write whose answer was lost.

use crate::helpers::*;
use ml_connector::config::LineItemMode;
use sandbox::monday::{Faults, ItemSnapshot, SandboxColumn};
use serde_json::{json, Value};

const ID: &str = "7001";

/// An app whose invoice board shows lines as subitems, with the subitems board in place and
/// both board structures already cached (so request counts cover writes only).
async fn app_with_subitems() -> (TestApp, String) {
    let app = spawn_app_with(Default::default(), |c| {
        let board = c.connections[0]
            .boards
            .get_mut("invoice")
            .expect("invoice board");
        board.line_items = LineItemMode::Subitems;
        board.subitem_columns.quantity = Some("qty".into());
        board.subitem_columns.rate = Some("rate".into());
        board.subitem_columns.amount = Some("amount".into());
        board.subitem_columns.line_item_id = Some("line_id".into());
    })
    .await;
    let board = app.setup.board_id("invoice").to_string();
    let sub = app.setup.monday.add_subitems_board(
        &board,
        &[
            SandboxColumn::new("qty", "Quantity", "numbers"),
            SandboxColumn::new("rate", "Rate", "numbers"),
            SandboxColumn::new("amount", "Amount", "numbers"),
            SandboxColumn::new("line_id", "Zoho line id", "text"),
        ],
    );
    let conn = app.rt.connection("demo").expect("connection");
    app.rt
        .boards
        .schema(&conn.monday, &board)
        .await
        .expect("board schema");
    app.rt
        .boards
        .schema(&conn.monday, &sub)
        .await
        .expect("subitems board schema");
    (app, sub)
}

fn lines(n: usize) -> Vec<Value> {
    (1..=n)
        .map(|i| json!({"line_item_id": format!("{ID}{i:03}"), "name": format!("Widget {i}"), "quantity": i, "rate": "10.00", "item_total": format!("{}.00", i * 10)}))
        .collect()
}

fn invoice_with(lines: Vec<Value>) -> Value {
    let mut doc = invoice(ID, "INV-700", "4650.00", "2026-11-20T10:15:30+0000");
    doc["line_items"] = Value::Array(lines);
    doc
}

fn the_item(app: &TestApp) -> ItemSnapshot {
    let items = app.items("invoice");
    assert_eq!(items.len(), 1, "one item for the document");
    items.into_iter().next().expect("item")
}

async fn resync(app: &TestApp, lines: Vec<Value>) {
    app.setup
        .zoho
        .modify_document(app.org(), "invoice", ID, json!({ "line_items": lines }))
        .expect("document exists");
    let body = app
        .setup
        .zoho
        .webhook_body(app.org(), "invoice", ID)
        .expect("body");
    assert_eq!(app.deliver(&body).await, 200);
    app.settle().await;
}

#[tokio::test]
async fn thirty_lines_become_thirty_subitems_and_only_changed_lines_are_written() {
    let (app, _) = app_with_subitems().await;
    let before = app.setup.monday.stats();
    let body = app.put("invoice", invoice_with(lines(30)));
    assert_eq!(app.deliver(&body).await, 200);
    app.settle().await;
    let after = app.setup.monday.stats();

    let item = the_item(&app);
    assert_eq!(item.subitems.len(), 30);
    let s7 = item
        .subitems
        .iter()
        .find(|s| s.name == "Widget 7")
        .expect("line 7");
    assert_eq!(text(s7, "qty"), "7");
    assert_eq!(text(s7, "amount"), "70.00");
    assert_eq!(text(s7, "line_id"), format!("{ID}007"));
    // The process's one scan of the board's Zoho-id column (before its first create), one
    // create_item, then the 30 subitems as aliased mutations in one request.
    assert!(
        after.requests - before.requests <= 3,
        "scan + create_item + one subitem batch, got {} requests",
        after.requests - before.requests
    );
    assert_eq!(after.creates - before.creates, 31);
    assert!(app
        .rt
        .queue
        .list(Some(ml_connector::queue::JobState::Dead), 10)
        .await
        .expect("list")
        .is_empty());

    // One line renamed: exactly one mutation, the other 29 subitems untouched.
    let mut changed = lines(30);
    changed[6]["name"] = "Widget 7 (blue)".into();
    let before = app.setup.monday.stats();
    resync(&app, changed.clone()).await;
    let after = app.setup.monday.stats();
    assert_eq!(
        after.mutations - before.mutations,
        1,
        "only the changed subitem is written"
    );
    let item2 = the_item(&app);
    assert_eq!(item2.subitems.len(), 30);
    let renamed = item2
        .subitems
        .iter()
        .find(|s| s.id == s7.id)
        .expect("same subitem");
    assert_eq!(renamed.name, "Widget 7 (blue)");
    for (old, new) in item.subitems.iter().zip(&item2.subitems) {
        if old.id != s7.id {
            assert_eq!(old, new, "untouched subitem changed");
        }
    }

    // One line removed: its subitem is deleted, nothing else is written.
    changed.remove(11);
    let before = app.setup.monday.stats();
    resync(&app, changed).await;
    let after = app.setup.monday.stats();
    assert_eq!(after.mutations - before.mutations, 1, "one delete");
    let item3 = the_item(&app);
    assert_eq!(item3.subitems.len(), 29);
    assert!(!item3.subitems.iter().any(|s| s.name == "Widget 12"));
}

#[tokio::test]
async fn a_lost_answer_after_creating_subitems_does_not_duplicate_them() {
    let (app, _) = app_with_subitems().await;
    let body = app.put("invoice", invoice_with(lines(3)));
    assert_eq!(app.deliver(&body).await, 200);
    app.settle().await;
    assert_eq!(the_item(&app).subitems.len(), 3);

    // monday applies the batch that adds two lines, then the connection drops: the connector
    // cannot know the new ids and must find them instead of creating them again.
    app.setup.monday.set_faults(Faults {
        drop_after_write: 1,
        ..Default::default()
    });
    resync(&app, lines(5)).await;
    let item = the_item(&app);
    let mut ids: Vec<String> = item
        .subitems
        .iter()
        .map(|s| text(s, "line_id").to_string())
        .collect();
    ids.sort();
    let expected: Vec<String> = (1..=5).map(|i| format!("{ID}{i:03}")).collect();
    assert_eq!(ids, expected, "each line exactly once");
    assert!(
        app.setup.monday.faults().drop_after_write == 0,
        "the fault fired"
    );
    let done = app
        .rt
        .queue
        .list(Some(ml_connector::queue::JobState::Done), 10)
        .await
        .expect("list");
    assert!(
        done.iter().any(|j| j.attempts >= 2),
        "the sync was retried after the lost answer: {done:?}"
    );
    assert!(app
        .rt
        .queue
        .list(Some(ml_connector::queue::JobState::Dead), 10)
        .await
        .expect("list")
        .is_empty());

    // The rebuilt map is used from now on: an unchanged resend writes nothing.
    let before = app.setup.monday.stats();
    resync(&app, lines(5)).await;
    assert_eq!(app.setup.monday.stats().mutations - before.mutations, 0);
}

#[tokio::test]
async fn without_a_subitems_board_lines_fall_back_to_the_summary_column() {
    let app = spawn_app_with(Default::default(), |c| {
        let board = c.connections[0]
            .boards
            .get_mut("invoice")
            .expect("invoice board");
        board.line_items = LineItemMode::Subitems;
        board.subitem_columns.quantity = Some("qty".into());
    })
    .await;
    let body = app.put(
        "invoice",
        invoice(ID, "INV-700", "250.50", "2026-11-20T10:15:30+0000"),
    );
    assert_eq!(app.deliver(&body).await, 200);
    app.settle().await;
    let item = the_item(&app);
    assert!(item.subitems.is_empty());
    assert!(
        item.values["lines"]["text"]
            .as_str()
            .unwrap_or("")
            .contains("Desk"),
        "{:?}",
        item.values
    );
}

#[tokio::test]
async fn in_the_steady_state_a_new_document_with_lines_costs_two_requests() {
    // Issue 7 §2.2: the board scan happens once per process, so after the first create a new
    // document costs its create_item and one subitem batch, no lookup.
    let (app, _) = app_with_subitems().await;
    let body = app.put("invoice", invoice_with(lines(3)));
    assert_eq!(app.deliver(&body).await, 200);
    app.settle().await;

    let mut second = invoice("7002", "INV-701", "30.00", "2026-11-20T10:15:30+0000");
    second["line_items"] = json!([
        {"line_item_id": "7002001", "name": "Bolt", "quantity": 1, "rate": "10.00", "item_total": "10.00"},
        {"line_item_id": "7002002", "name": "Nut", "quantity": 2, "rate": "10.00", "item_total": "20.00"}
    ]);
    let before = app.setup.monday.stats();
    let body = app.put("invoice", second);
    assert_eq!(app.deliver(&body).await, 200);
    app.settle().await;
    let after = app.setup.monday.stats();
    assert_eq!(after.creates - before.creates, 3, "item + two subitems");
    assert!(
        after.requests - before.requests <= 2,
        "create_item + one subitem batch, got {} requests",
        after.requests - before.requests
    );
    assert_eq!(app.items("invoice").len(), 2);
}
