//! Every GraphQL document the client sends, in one place so a contract test
//! can validate each against monday's published schema for [`crate::API_VERSION`].
//!
//! All values travel as variables (never spliced into the text), so names
//! and column values with quotes or newlines cannot break a document. Each
//! document also asks for `complexity`, which costs nothing extra and keeps
//! the client's [`crate::LimitSnapshot`] current.

use std::fmt::Write as _;

/// Read a board's structure.
pub const BOARD: &str = "query Board($board: ID!) { complexity { before after query reset_in_x_seconds } boards(ids: [$board]) { id name columns { id title type settings } groups { id title } } }";

/// Create an item. `$values` is the JSON *string* of column values.
pub const CREATE_ITEM: &str = "mutation CreateItem($board: ID!, $group: String, $name: String!, $values: JSON, $createLabels: Boolean) { complexity { before after query reset_in_x_seconds } create_item(board_id: $board, group_id: $group, item_name: $name, column_values: $values, create_labels_if_missing: $createLabels) { id } }";

/// Change several columns of one item (also the item name, via key `name`).
pub const CHANGE_COLUMN_VALUES: &str = "mutation ChangeColumnValues($board: ID!, $item: ID!, $values: JSON!, $createLabels: Boolean) { complexity { before after query reset_in_x_seconds } change_multiple_column_values(board_id: $board, item_id: $item, column_values: $values, create_labels_if_missing: $createLabels) { id } }";

/// First page of items whose column equals a value exactly.
pub const FIND_ITEMS_BY_COLUMN_VALUE: &str = "query FindItems($board: ID!, $column: String!, $value: String!, $limit: Int!) { complexity { before after query reset_in_x_seconds } items_page_by_column_values(board_id: $board, limit: $limit, columns: [{ column_id: $column, column_values: [$value] }]) { cursor items { id } } }";

/// Later pages of a lookup (`columns` and `cursor` cannot be combined).
pub const NEXT_ITEMS_PAGE: &str = "query NextItems($cursor: String!, $limit: Int!) { complexity { before after query reset_in_x_seconds } next_items_page(cursor: $cursor, limit: $limit) { cursor items { id } } }";

/// First page of a board's items with one column's text (a scan of the Zoho-id column).
pub const SCAN_COLUMN: &str = "query ScanColumn($board: ID!, $column: String!, $limit: Int!) { complexity { before after query reset_in_x_seconds } boards(ids: [$board]) { items_page(limit: $limit) { cursor items { id column_values(ids: [$column]) { id text } } } } }";

/// Later pages of a column scan.
pub const SCAN_COLUMN_NEXT: &str = "query ScanColumnNext($cursor: String!, $column: String!, $limit: Int!) { complexity { before after query reset_in_x_seconds } next_items_page(cursor: $cursor, limit: $limit) { cursor items { id column_values(ids: [$column]) { id text } } } }";

/// An item's subitems with their raw values.
pub const ITEM_SUBITEMS: &str = "query ItemSubitems($item: ID!) { complexity { before after query reset_in_x_seconds } items(ids: [$item]) { id subitems { id name column_values { id text value } } } }";

pub const ARCHIVE_ITEM: &str = "mutation ArchiveItem($item: ID!) { complexity { before after query reset_in_x_seconds } archive_item(item_id: $item) { id } }";

pub const DELETE_ITEM: &str = "mutation DeleteItem($item: ID!) { complexity { before after query reset_in_x_seconds } delete_item(item_id: $item) { id } }";

pub const CREATE_UPDATE: &str = "mutation CreateUpdate($item: ID!, $body: String!) { complexity { before after query reset_in_x_seconds } create_update(item_id: $item, body: $body) { id } }";

/// `empty: true` so monday does not add its sample items to a board we own.
pub const CREATE_BOARD: &str = "mutation CreateBoard($name: String!, $kind: BoardKind!, $workspace: ID) { complexity { before after query reset_in_x_seconds } create_board(board_name: $name, board_kind: $kind, workspace_id: $workspace, empty: true) { id } }";

pub const CREATE_COLUMN: &str = "mutation CreateColumn($board: ID!, $title: String!, $type: ColumnType!, $id: String, $defaults: JSON) { complexity { before after query reset_in_x_seconds } create_column(board_id: $board, title: $title, column_type: $type, id: $id, defaults: $defaults) { id title type settings } }";

pub const CREATE_STATUS_COLUMN: &str = "mutation CreateStatusColumn($board: ID!, $title: String!, $id: String, $defaults: CreateStatusColumnSettingsInput) { complexity { before after query reset_in_x_seconds } create_status_column(board_id: $board, title: $title, id: $id, defaults: $defaults) { id title type settings } }";

pub const CREATE_GROUP: &str = "mutation CreateGroup($board: ID!, $name: String!) { complexity { before after query reset_in_x_seconds } create_group(board_id: $board, group_name: $name) { id } }";

pub const CREATE_WEBHOOK: &str = "mutation CreateWebhook($board: ID!, $url: String!, $event: WebhookEventType!, $config: JSON) { complexity { before after query reset_in_x_seconds } create_webhook(board_id: $board, url: $url, event: $event, config: $config) { id board_id } }";

pub const WEBHOOKS: &str = "query Webhooks($board: ID!) { complexity { before after query reset_in_x_seconds } webhooks(board_id: $board) { id board_id event config } }";

/// One operation of a subitem batch, as far as the document is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BatchOpKind {
    Create,
    Update,
    Delete,
}

/// The alias of operation `i` in a batch; errors come back with it as `path[0]`.
pub fn batch_alias(i: usize) -> String {
    format!("op{i}")
}

/// Build one mutation that runs several subitem operations under aliases
/// `op0`, `op1`, …. Variables: `$parent` (parent item, when creating),
/// `$board` (subitems board, when updating), `$createLabels`, and per
/// operation `$n{i}` (name), `$v{i}` (column values JSON string), `$i{i}`
/// (item id). Only variables that are used are declared, as GraphQL requires.
pub fn subitem_batch(kinds: &[BatchOpKind]) -> String {
    let mut vars: Vec<String> = Vec::new();
    let mut body = String::from("complexity { before after query reset_in_x_seconds }");
    if kinds.contains(&BatchOpKind::Create) {
        vars.push("$parent: ID!".to_owned());
    }
    if kinds.contains(&BatchOpKind::Update) {
        vars.push("$board: ID!".to_owned());
    }
    if kinds.iter().any(|k| *k != BatchOpKind::Delete) {
        vars.push("$createLabels: Boolean".to_owned());
    }
    for (i, kind) in kinds.iter().enumerate() {
        let alias = batch_alias(i);
        // Writing to a String cannot fail.
        let _ = match kind {
            BatchOpKind::Create => {
                vars.push(format!("$n{i}: String!"));
                vars.push(format!("$v{i}: JSON"));
                write!(body, " {alias}: create_subitem(parent_item_id: $parent, item_name: $n{i}, column_values: $v{i}, create_labels_if_missing: $createLabels) {{ id }}")
            }
            BatchOpKind::Update => {
                vars.push(format!("$i{i}: ID!"));
                vars.push(format!("$v{i}: JSON!"));
                write!(body, " {alias}: change_multiple_column_values(board_id: $board, item_id: $i{i}, column_values: $v{i}, create_labels_if_missing: $createLabels) {{ id }}")
            }
            BatchOpKind::Delete => {
                vars.push(format!("$i{i}: ID!"));
                write!(body, " {alias}: delete_item(item_id: $i{i}) {{ id }}")
            }
        };
    }
    if vars.is_empty() {
        format!("mutation SubitemOps {{ {body} }}")
    } else {
        format!("mutation SubitemOps({}) {{ {body} }}", vars.join(", "))
    }
}

/// Every document the client can send, by name, for the contract test.
pub fn all_documents() -> Vec<(&'static str, String)> {
    vec![
        ("BOARD", BOARD.to_owned()),
        ("CREATE_ITEM", CREATE_ITEM.to_owned()),
        ("CHANGE_COLUMN_VALUES", CHANGE_COLUMN_VALUES.to_owned()),
        (
            "FIND_ITEMS_BY_COLUMN_VALUE",
            FIND_ITEMS_BY_COLUMN_VALUE.to_owned(),
        ),
        ("NEXT_ITEMS_PAGE", NEXT_ITEMS_PAGE.to_owned()),
        ("SCAN_COLUMN", SCAN_COLUMN.to_owned()),
        ("SCAN_COLUMN_NEXT", SCAN_COLUMN_NEXT.to_owned()),
        ("ITEM_SUBITEMS", ITEM_SUBITEMS.to_owned()),
        ("ARCHIVE_ITEM", ARCHIVE_ITEM.to_owned()),
        ("DELETE_ITEM", DELETE_ITEM.to_owned()),
        ("CREATE_UPDATE", CREATE_UPDATE.to_owned()),
        ("CREATE_BOARD", CREATE_BOARD.to_owned()),
        ("CREATE_COLUMN", CREATE_COLUMN.to_owned()),
        ("CREATE_STATUS_COLUMN", CREATE_STATUS_COLUMN.to_owned()),
        ("CREATE_GROUP", CREATE_GROUP.to_owned()),
        ("CREATE_WEBHOOK", CREATE_WEBHOOK.to_owned()),
        ("WEBHOOKS", WEBHOOKS.to_owned()),
        (
            "SUBITEM_BATCH (create, update, delete)",
            subitem_batch(&[
                BatchOpKind::Create,
                BatchOpKind::Update,
                BatchOpKind::Delete,
            ]),
        ),
        (
            "SUBITEM_BATCH (create only)",
            subitem_batch(&[BatchOpKind::Create, BatchOpKind::Create]),
        ),
        (
            "SUBITEM_BATCH (update only)",
            subitem_batch(&[BatchOpKind::Update]),
        ),
        (
            "SUBITEM_BATCH (delete only)",
            subitem_batch(&[BatchOpKind::Delete]),
        ),
    ]
}
