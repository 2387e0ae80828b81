//! Read-only HTML views so a demo user can watch boards fill up (refreshes every 2 seconds).

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use maud::{html, Markup, DOCTYPE};

use super::column_read::{self, relation_display};
use super::state::{Account, Board, Item, ItemState, Shared};

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
                        (row(account, board, item, false))
                        @if let Some(sub) = sub_board {
                            @for subitem in account.subitems_of(item.id) {
                                (row(account, sub, subitem, true))
                            }
                        }
                    }
                }
            }
        },
    ))
}

fn data_columns(board: &Board) -> impl Iterator<Item = &super::state::Column> {
    board
        .columns
        .iter()
        .filter(|c| c.kind != "name" && c.kind != "subtasks")
}

fn row(account: &Account, board: &Board, item: &Item, sub: bool) -> Markup {
    let class = match (sub, item.state == ItemState::Archived) {
        (true, true) => "sub archived",
        (true, false) => "sub",
        (false, true) => "archived",
        (false, false) => "",
    };
    html! {
        tr class=(class) {
            td { @if sub { "↳ " } (item.name) }
            @for col in data_columns(board) {
                td {
                    @if sub { small { (col.title) ": " } }
                    (cell_text(account, col, item))
                }
            }
        }
    }
}

fn cell_text(account: &Account, col: &super::state::Column, item: &Item) -> String {
    let stored = item.values.get(&col.id);
    column_read::text(col, stored).unwrap_or_else(|| relation_display(account, stored))
}
