//! Where each Zoho field of one document type goes on its monday board.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Board, group and column mapping for one document type of one connection.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct BoardMapping {
    /// monday board id: `board_id = 7000000001` or `board_id = "7000000001"`.
    #[serde(deserialize_with = "super::lenient::string")]
    pub board_id: String,
    /// Group new items go into; the board's top group when absent.
    #[serde(default)]
    pub group_id: Option<String>,
    /// Item name template: `{number}`, `{party}`, `{status}`, `{reference}` are replaced.
    #[serde(default = "default_item_name")]
    pub item_name: String,
    pub columns: ColumnMap,
    /// Zoho status (as Zoho writes it, e.g. `partially_paid`) → monday status label. Unlisted
    /// statuses use the built-in table, then the Zoho status in title case.
    #[serde(default)]
    pub status_labels: BTreeMap<String, String>,
    /// Let monday create status or dropdown labels that do not exist yet (needs board-structure permission).
    #[serde(default)]
    pub create_labels_if_missing: bool,
    /// How line items are shown.
    #[serde(default)]
    pub line_items: LineItemMode,
    /// Column ids on the subitems board for each line (only with `line_items = "subitems"`).
    #[serde(default)]
    pub subitem_columns: SubitemColumns,
    /// What happens to an item whose document Zoho no longer has.
    #[serde(default)]
    pub on_delete: DeletionPolicy,
}

fn default_item_name() -> String {
    "{number} · {party}".into()
}

/// Zoho field → monday column id. Only `zoho_id` is required: it is how an item is found again
/// when the local map is lost.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ColumnMap {
    /// Text column holding the Zoho document id.
    pub zoho_id: String,
    pub number: Option<String>,
    /// Customer (invoices) or vendor (bills, purchase orders) name.
    pub party: Option<String>,
    pub total: Option<String>,
    pub balance: Option<String>,
    pub currency: Option<String>,
    pub date: Option<String>,
    /// Due date (invoices, bills) or delivery date (purchase orders).
    pub due_date: Option<String>,
    pub status: Option<String>,
    pub reference: Option<String>,
    pub email: Option<String>,
    /// Link column pointing back at the document in Zoho Books.
    pub link: Option<String>,
    /// Long-text column for the line-item summary (used with `line_items = "summary"`, or as the
    /// fallback when the board has no subitems).
    pub line_items: Option<String>,
    /// Zoho custom field label → column id.
    #[serde(default)]
    pub custom_fields: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SubitemColumns {
    pub quantity: Option<String>,
    pub rate: Option<String>,
    pub amount: Option<String>,
    pub description: Option<String>,
    /// Text column holding the Zoho `line_item_id` (lets a lost map be rebuilt).
    pub line_item_id: Option<String>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LineItemMode {
    /// One subitem per line, matched by `line_item_id`.
    Subitems,
    /// A long-text summary in `columns.line_items`.
    #[default]
    Summary,
    /// Line items are not shown.
    None,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DeletionPolicy {
    /// Archive the item (recoverable in monday for 30 days).
    #[default]
    Archive,
    /// Keep the item and set its status column to "Deleted".
    Mark,
    /// Leave the item untouched.
    Ignore,
}

impl BoardMapping {
    /// Returns (key, problem) for the first thing wrong.
    pub(crate) fn validate(&self) -> Result<(), (String, String)> {
        if self.board_id.is_empty() || !self.board_id.chars().all(|c| c.is_ascii_digit()) {
            return Err((
                "board_id".into(),
                format!(
                    "`{}` is not a monday board id (digits only, as in the board URL)",
                    self.board_id
                ),
            ));
        }
        if self.columns.zoho_id.trim().is_empty() {
            return Err((
                "columns.zoho_id".into(),
                "is required: a text column that holds the Zoho id".into(),
            ));
        }
        if self.line_items == LineItemMode::Summary && self.columns.line_items.is_none() {
            // Summary without a column simply shows nothing; allowed but worth a precise message? Keep permissive.
        }
        Ok(())
    }

    pub fn needs_line_items(&self) -> bool {
        match self.line_items {
            LineItemMode::Subitems => true,
            LineItemMode::Summary => self.columns.line_items.is_some(),
            LineItemMode::None => false,
        }
    }
}
