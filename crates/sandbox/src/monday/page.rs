//! Read-only HTML views so a demo user can watch boards fill up (refreshes every 2 seconds).

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use maud::{html, Markup, DOCTYPE};

use super::column_read::{self, relation_display};
use super::state::{Account, Board, Column, Item, ItemState, Shared};

const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:2rem;color:#323338}\
table{border-collapse:collapse;margin-bottom:1.5rem}th,td{border:1px solid #d0d4e4;padding:.3rem .6rem;text-align:left}\
th{background:#f5f6f8}.sub td{background:#fafbfc;font-size:.9em}.archived{color:#9699a6;text-decoration:line-through}\
h2{margin-top:2rem}a{color:#0073ea}";

fn layout(title: &str, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html {
            head {
                meta charset="utf-8";
                meta http-equiv="refresh" content="2";
                title { (title) " · monday sandbox" }
                style { (STYLE) }
            }
            body { (body) }
        }
    }
}

pub(crate) async fn index(State(shared): State<Arc<Shared>>) -> Markup {
    let inner = shared.lock();
    let account = &inner.account;
    layout(
        "Boards",
        html! {
            h1 { "monday sandbox: boards" }
            ul {
                @for board in account.boards.values().filter(|b| b.parent_board.is_none()) {
                    li {
                        a href={ "/boards/" (board.id) } { (board.name) }
                        " (" (account.board_items(board.id).count()) " items)"
                    }
                }
            }
        },
    )
}

pub(crate) async fn board(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
) -> Result<Markup, (StatusCode, String)> {
    let not_found = || (StatusCode::NOT_FOUND, format!("No board with id {id}"));
    let board_id: u64 = id.parse().map_err(|_| not_found())?;
    let inner = shared.lock();
    let account = &inner.account;
    let board = account.boards.get(&board_id).ok_or_else(not_found)?;
    let sub_board = board.subitems_board.and_then(|s| account.boards.get(&s));
    Ok(layout(
        &board.name,
        html! {
            p { a href="/" { "← all boards" } }
            h1 { (board.name) }
            @for group in &board.groups {
                h2 { (group.title) }
                table {
                    tr {
                        th { "Item" }
                        @for col in data_columns(board) { th { (col.title) } }
                    }
                    @for item in account.board_items(board_id).filter(|i| i.group_id == group.id) {
                        (item_row(account, board, item))
                        @if let Some(sub) = sub_board {
                            @for subitem in account.subitems_of(item.id) {
                                (subitem_row(account, sub, subitem, data_columns(board).count()))
                            }
                        }
                    }
                }
            }
        },
    ))
}

fn data_columns(board: &Board) -> impl Iterator<Item = &Column> {
    board
        .columns
        .iter()
        .filter(|c| c.kind != "name" && c.kind != "subtasks")
}

fn item_row(account: &Account, board: &Board, item: &Item) -> Markup {
    let class = if item.state == ItemState::Archived {
        "archived"
    } else {
        ""
    };
    html! {
        tr class=(class) {
            td { (item.name) }
            @for col in data_columns(board) {
                td { (cell_text(account, col, item)) }
            }
        }
    }
}

/// Subitems have their own board's columns, so they span the parent's columns as
/// "Title: text" pairs.
fn subitem_row(account: &Account, sub_board: &Board, item: &Item, span: usize) -> Markup {
    let class = if item.state == ItemState::Archived {
        "sub archived"
    } else {
        "sub"
    };
    let pairs: Vec<String> = data_columns(sub_board)
        .map(|col| format!("{}: {}", col.title, cell_text(account, col, item)))
        .collect();
    html! {
        tr class=(class) {
            td { "↳ " (item.name) }
            td colspan=(span.max(1)) { (pairs.join(" · ")) }
        }
    }
}

fn cell_text(account: &Account, col: &Column, item: &Item) -> String {
    let stored = item.values.get(&col.id);
    column_read::text(col, stored).unwrap_or_else(|| relation_display(account, stored))
}
