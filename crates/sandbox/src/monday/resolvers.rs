//! Read resolvers: the query root and every object type's fields.
//!
//! Objects are small handles ([`Obj`]) into the locked [`Account`]; a field resolves to a leaf,
//! another handle or a list, and `graphql::Exec` renders whatever sub-selection was asked for.

use apollo_compiler::executable::Field;
use chrono::SecondsFormat;
use serde_json::{json, Value};

use super::column_read::{column_value_field, person_name, value_type_name};
use super::graphql::{Args, GqlError, Resolved};
use super::limits::ComplexityInfo;
use super::pages::{self, PageQuery};
use super::state::{Account, Column, Item, ItemState, ITEMS_PER_BOARD, ME_ID, ME_NAME};
use super::versions;

/// Read access for one request's execution.
pub(crate) struct Reader<'a> {
    pub account: &'a Account,
    pub complexity: ComplexityInfo,
    /// The API version this request is served as.
    pub api_version: &'a str,
}

/// A handle to a GraphQL object.
#[derive(Clone, Debug)]
pub(crate) enum Obj {
    Query,
    Board(u64),
    Column {
        board: u64,
        column: String,
    },
    Group {
        board: u64,
        group: String,
    },
    Item(u64),
    ColumnValue {
        item: u64,
        column: String,
    },
    ItemsResponse {
        cursor: Option<String>,
        items: Vec<u64>,
    },
    Complexity,
    Version(&'static str),
    Webhook {
        id: u64,
        board_id: u64,
        event: String,
        config: Option<Value>,
    },
    User(u64),
    Account,
    Update(u64),
    DropdownOption {
        id: i64,
        label: String,
    },
    Country {
        code: String,
        name: String,
    },
    PeopleEntity {
        id: u64,
        kind: String,
    },
    LabelStyle {
        color: String,
        border: String,
    },
}

impl Obj {
    pub fn type_name(&self, reader: &Reader) -> &'static str {
        match self {
            Obj::Query => "Query",
            Obj::Board(_) => "Board",
            Obj::Column { .. } => "Column",
            Obj::Group { .. } => "Group",
            Obj::Item(_) => "Item",
            Obj::ColumnValue { item, column } => value_type_name(
                find_column(reader.account, *item, column).map_or("text", |c| c.kind.as_str()),
            ),
            Obj::ItemsResponse { .. } => "ItemsResponse",
            Obj::Complexity => "Complexity",
            Obj::Version(_) => "Version",
            Obj::Webhook { .. } => "Webhook",
            Obj::User(_) => "User",
            Obj::Account => "Account",
            Obj::Update(_) => "Update",
            Obj::DropdownOption { .. } => "DropdownValueOption",
            Obj::Country { .. } => "Country",
            Obj::PeopleEntity { .. } => "PeopleEntity",
            Obj::LabelStyle { .. } => "StatusLabelStyle",
        }
    }
}

pub(crate) fn find_column<'a>(account: &'a Account, item: u64, column: &str) -> Option<&'a Column> {
    let board = account.items.get(&item)?.board_id;
    account
        .boards
        .get(&board)?
        .columns
        .iter()
        .find(|c| c.id == column)
}

pub(crate) fn missing(what: &str) -> GqlError {
    GqlError::new("ResourceNotFoundException", format!("{what} not found"))
}

pub(crate) fn iso(t: chrono::DateTime<chrono::Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// Resolves one field of `obj`.
pub(crate) fn resolve_field(
    reader: &Reader,
    obj: &Obj,
    field: &Field,
    args: &Args,
) -> Result<Resolved, GqlError> {
    let name = field.name.as_str();
    let account = reader.account;
    match obj {
        Obj::Query => query_field(reader, name, args),
        Obj::Board(id) => board_field(account, *id, name, args),
        Obj::Column { board, column } => {
            let col = account
                .boards
                .get(board)
                .and_then(|b| b.columns.iter().find(|c| c.id == *column))
                .ok_or_else(|| missing("Column"))?;
            Ok(match name {
                "id" => Resolved::leaf(col.id.clone()),
                "title" => Resolved::leaf(col.title.clone()),
                "description" => Resolved::opt(col.description.clone()),
                "type" => Resolved::leaf(col.kind.clone()),
                "archived" => Resolved::leaf(false),
                "settings" => Resolved::leaf(col.settings.clone()),
                "settings_str" => Resolved::leaf(col.settings.to_string()),
                "revision" => {
                    Resolved::leaf(format!("{:x}", fnv(col.settings.to_string().as_bytes())))
                }
                _ => Resolved::Null,
            })
        }
        Obj::Group { board, group } => {
            let g = account
                .boards
                .get(board)
                .and_then(|b| b.groups.iter().find(|g| g.id == *group))
                .ok_or_else(|| missing("Group"))?;
            Ok(match name {
                "id" => Resolved::leaf(g.id.clone()),
                "title" => Resolved::leaf(g.title.clone()),
                "color" => Resolved::leaf(g.color.clone()),
                "position" => Resolved::leaf("65536"),
                "archived" | "deleted" => Resolved::leaf(false),
                "items_page" => {
                    let query = PageQuery::from_args(*board, Some(g.id.clone()), args)?;
                    pages::run(account, query, args)?
                }
                _ => Resolved::Null,
            })
        }
        Obj::Item(id) => {
            let item = account.items.get(id).ok_or_else(|| missing("Item"))?;
            item_field(account, item, name, args)
        }
        Obj::ColumnValue { item, column } => column_value_field(account, *item, column, name),
        Obj::ItemsResponse { cursor, items } => Ok(match name {
            "cursor" => Resolved::opt(cursor.clone()),
            "items" => Resolved::objs(items.iter().map(|i| Obj::Item(*i))),
            _ => Resolved::Null,
        }),
        Obj::Complexity => {
            let c = reader.complexity;
            Ok(match name {
                "before" => Resolved::leaf(c.before),
                "after" => Resolved::leaf(c.after),
                "query" => Resolved::leaf(c.query),
                "reset_in_x_seconds" => Resolved::leaf(c.reset_in_x_seconds),
                _ => Resolved::Null,
            })
        }
        Obj::Version(value) => Ok(match name {
            "value" => Resolved::leaf(*value),
            "display_name" => Resolved::leaf(*value),
            "kind" => Resolved::leaf(versions::kind(value)),
            _ => Resolved::Null,
        }),
        Obj::Webhook {
            id,
            board_id,
            event,
            config,
        } => Ok(match name {
            "id" => Resolved::id(*id),
            "board_id" => Resolved::id(*board_id),
            "event" => Resolved::leaf(event.clone()),
            "config" => Resolved::opt(config.as_ref().map(Value::to_string)),
            _ => Resolved::Null,
        }),
        Obj::User(id) => Ok(match name {
            "id" => Resolved::id(*id),
            "name" => Resolved::leaf(if *id == ME_ID {
                ME_NAME.to_string()
            } else {
                person_name(*id, "person")
            }),
            "email" => Resolved::leaf(format!("user{id}@sandbox.monday.test")),
            "is_admin" => Resolved::leaf(*id == ME_ID),
            "account" => Resolved::Obj(Obj::Account),
            _ => Resolved::Null,
        }),
        Obj::Account => Ok(match name {
            "id" => Resolved::leaf("1"),
            "name" => Resolved::leaf("Sandbox"),
            "slug" => Resolved::leaf("sandbox"),
            _ => Resolved::Null,
        }),
        Obj::Update(id) => {
            let u = account.updates.get(id).ok_or_else(|| missing("Update"))?;
            Ok(match name {
                "id" => Resolved::id(u.id),
                "body" => Resolved::leaf(u.body.clone()),
                "text_body" => Resolved::leaf(strip_tags(&u.body)),
                "item_id" => Resolved::leaf(u.item_id.to_string()),
                "creator_id" => Resolved::leaf(ME_ID.to_string()),
                "created_at" => Resolved::leaf(iso(u.created_at)),
                _ => Resolved::Null,
            })
        }
        Obj::DropdownOption { id, label } => Ok(match name {
            "id" => Resolved::leaf(id.to_string()),
            "label" => Resolved::leaf(label.clone()),
            _ => Resolved::Null,
        }),
        Obj::Country {
            code,
            name: country,
        } => Ok(match name {
            "code" => Resolved::leaf(code.clone()),
            "name" => Resolved::leaf(country.clone()),
            _ => Resolved::Null,
        }),
        Obj::PeopleEntity { id, kind } => Ok(match name {
            "id" => Resolved::id(*id),
            "kind" => Resolved::leaf(kind.clone()),
            _ => Resolved::Null,
        }),
        Obj::LabelStyle { color, border } => Ok(match name {
            "color" => Resolved::leaf(color.clone()),
            "border" => Resolved::leaf(border.clone()),
            _ => Resolved::Null,
        }),
    }
}

fn query_field(reader: &Reader, name: &str, args: &Args) -> Result<Resolved, GqlError> {
    let account = reader.account;
    match name {
        "boards" => {
            let ids = args.ids("ids");
            let limit = args.int("limit").unwrap_or(25).max(1) as usize;
            let page = args.int("page").unwrap_or(1).max(1) as usize;
            let kind = args.str("board_kind");
            let boards = account
                .boards
                .values()
                .filter(|b| ids.as_ref().is_none_or(|ids| ids.contains(&b.id)))
                .filter(|b| kind.is_none_or(|k| b.kind == k))
                .skip((page - 1) * limit)
                .take(limit)
                .map(|b| Obj::Board(b.id));
            Ok(Resolved::objs(boards))
        }
        "items" => {
            let Some(ids) = args.ids("ids") else {
                return Ok(Resolved::List(Vec::new()));
            };
            if ids.len() > 100 {
                return Err(GqlError::new(
                    "InvalidArgumentException",
                    "The items query accepts at most 100 ids",
                )
                .with_data(json!({"ids_count": ids.len()})));
            }
            let exclude_nonactive = args.bool("exclude_nonactive");
            let items = ids
                .iter()
                .filter_map(|id| account.live_item(*id))
                .filter(|i| !exclude_nonactive || i.state == ItemState::Active)
                .map(|i| Obj::Item(i.id));
            Ok(Resolved::objs(items))
        }
        "items_page_by_column_values" => {
            let board = args.id("board_id")?.unwrap_or_default();
            if !account.boards.contains_key(&board) {
                return Err(super::mutations::board_not_found(board));
            }
            match (args.get("columns"), args.str("cursor")) {
                (Some(_), Some(_)) => Err(GqlError::new(
                    "InvalidArgumentException",
                    "items_page_by_column_values accepts either columns or cursor, not both; use next_items_page",
                )),
                (_, Some(cursor)) => pages::run(account, pages::decode_cursor(cursor)?, args),
                (columns, None) => {
                    let query = PageQuery::by_column_values(account, board, columns)?;
                    pages::run(account, query, args)
                }
            }
        }
        "next_items_page" => {
            let cursor = args.str("cursor").unwrap_or_default();
            pages::run(account, pages::decode_cursor(cursor)?, args)
        }
        "complexity" => Ok(Resolved::Obj(Obj::Complexity)),
        "version" => Ok(Resolved::Obj(Obj::Version(versions::canonical(
            reader.api_version,
        )))),
        "versions" => Ok(Resolved::objs(
            versions::ALL.iter().map(|v| Obj::Version(v)),
        )),
        "webhooks" => {
            let board = args.id("board_id")?.unwrap_or_default();
            let hooks = account
                .webhooks
                .values()
                .filter(|w| w.board_id == board)
                .map(|w| Obj::Webhook {
                    id: w.id,
                    board_id: w.board_id,
                    event: w.event.clone(),
                    config: w.config.clone(),
                });
            Ok(Resolved::objs(hooks))
        }
        "me" => Ok(Resolved::Obj(Obj::User(ME_ID))),
        _ => Ok(Resolved::Null),
    }
}

fn board_field(account: &Account, id: u64, name: &str, args: &Args) -> Result<Resolved, GqlError> {
    let board = account.boards.get(&id).ok_or_else(|| missing("Board"))?;
    Ok(match name {
        "id" => Resolved::id(id),
        "name" => Resolved::leaf(board.name.clone()),
        "description" => Resolved::opt(board.description.clone()),
        "board_kind" => Resolved::leaf(board.kind.clone()),
        "state" => Resolved::leaf("active"),
        "type" => Resolved::leaf(if board.parent_board.is_some() {
            "sub_items_board"
        } else {
            "board"
        }),
        "workspace_id" => Resolved::opt(board.workspace_id.clone()),
        "url" => Resolved::leaf(format!("https://sandbox.monday.com/boards/{id}")),
        "items_count" => Resolved::leaf(account.board_items(id).count()),
        "items_limit" => Resolved::leaf(ITEMS_PER_BOARD),
        "permissions" => Resolved::leaf("everyone"),
        "columns" => {
            let ids: Option<Vec<String>> = args.get("ids").and_then(Value::as_array).map(|l| {
                l.iter()
                    .filter_map(|v| v.as_str().map(str::to_string))
                    .collect()
            });
            let types: Option<Vec<String>> = args.get("types").and_then(Value::as_array).map(|l| {
                l.iter()
                    .filter_map(|v| v.as_str().map(str::to_string))
                    .collect()
            });
            let cols = board
                .columns
                .iter()
                .filter(|c| ids.as_ref().is_none_or(|ids| ids.contains(&c.id)))
                .filter(|c| types.as_ref().is_none_or(|t| t.contains(&c.kind)))
                .map(|c| Obj::Column {
                    board: id,
                    column: c.id.clone(),
                });
            Resolved::objs(cols)
        }
        "groups" => {
            let ids: Option<Vec<String>> = args.get("ids").and_then(Value::as_array).map(|l| {
                l.iter()
                    .filter_map(|v| v.as_str().map(str::to_string))
                    .collect()
            });
            let groups = board
                .groups
                .iter()
                .filter(|g| ids.as_ref().is_none_or(|ids| ids.contains(&g.id)))
                .map(|g| Obj::Group {
                    board: id,
                    group: g.id.clone(),
                });
            Resolved::objs(groups)
        }
        "top_group" => match board.groups.first() {
            Some(g) => Resolved::Obj(Obj::Group {
                board: id,
                group: g.id.clone(),
            }),
            None => Resolved::Null,
        },
        "items_page" => pages::run(account, PageQuery::from_args(id, None, args)?, args)?,
        "owners" => Resolved::objs([Obj::User(ME_ID)]),
        _ => Resolved::Null,
    })
}

fn item_field(
    account: &Account,
    item: &Item,
    name: &str,
    args: &Args,
) -> Result<Resolved, GqlError> {
    Ok(match name {
        "id" => Resolved::id(item.id),
        "name" => Resolved::leaf(item.name.clone()),
        "board" => Resolved::Obj(Obj::Board(item.board_id)),
        "group" => Resolved::Obj(Obj::Group {
            board: item.board_id,
            group: item.group_id.clone(),
        }),
        "state" => Resolved::leaf(item.state.as_str()),
        "created_at" => Resolved::leaf(iso(item.created_at)),
        "updated_at" => Resolved::leaf(iso(item.updated_at)),
        "creator_id" => Resolved::leaf(ME_ID.to_string()),
        "url" => Resolved::leaf(format!(
            "https://sandbox.monday.com/boards/{}/pulses/{}",
            item.board_id, item.id
        )),
        "relative_link" => Resolved::leaf(format!("/boards/{}/pulses/{}", item.board_id, item.id)),
        "parent_item" => item
            .parent
            .map_or(Resolved::Null, |p| Resolved::Obj(Obj::Item(p))),
        "subitems" => Resolved::objs(account.subitems_of(item.id).map(|s| Obj::Item(s.id))),
        "column_values" => {
            let ids: Option<Vec<String>> = args.get("ids").and_then(Value::as_array).map(|l| {
                l.iter()
                    .filter_map(|v| v.as_str().map(str::to_string))
                    .collect()
            });
            let types: Option<Vec<String>> = args.get("types").and_then(Value::as_array).map(|l| {
                l.iter()
                    .filter_map(|v| v.as_str().map(str::to_string))
                    .collect()
            });
            let board = account
                .boards
                .get(&item.board_id)
                .ok_or_else(|| missing("Board"))?;
            let values = board
                .columns
                .iter()
                .filter(|c| c.kind != "name")
                .filter(|c| ids.as_ref().is_none_or(|ids| ids.contains(&c.id)))
                .filter(|c| types.as_ref().is_none_or(|t| t.contains(&c.kind)))
                .map(|c| Obj::ColumnValue {
                    item: item.id,
                    column: c.id.clone(),
                });
            Resolved::objs(values)
        }
        "updates" => {
            let limit = args.int("limit").unwrap_or(25).max(1) as usize;
            let updates = account
                .updates
                .values()
                .rev()
                .filter(|u| u.item_id == item.id)
                .take(limit);
            Resolved::objs(updates.map(|u| Obj::Update(u.id)))
        }
        _ => Resolved::Null,
    })
}

fn strip_tags(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out
}

/// A small stable hash for `Column.revision`.
fn fnv(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    })
}
