//! Rebuilding a lost subitem map from what monday shows (after a crash or a lost answer).

use super::{DesiredLine, StoredLine, SubitemMap};
use crate::config::BoardMapping;
use crate::queue::JobError;
use crate::runtime::Connection;
use monday::Subitem;

/// Rebuilds the map from the item's subitems when it is unknown. Subitems are recognised by
/// the `line_item_id` column when it is mapped, else by name (in order, for repeated names).
/// A second subitem for a line already claimed is a duplicate from an interrupted create and is
/// deleted; a subitem that carries a line id no longer on the document is deleted too. Anything
/// else is not ours to touch and stays.
pub(super) async fn recover(
    conn: &Connection,
    mapping: &BoardMapping,
    lines: &[DesiredLine],
    item_id: &str,
) -> Result<(SubitemMap, Vec<String>), JobError> {
    let existing = conn.monday.item_subitems(item_id).await?;
    let by_id_column = mapping.subitem_columns.line_item_id.as_deref();
    let match_value = |s: &Subitem| -> Option<String> {
        match by_id_column {
            Some(col) => s
                .column_values
                .get(col)
                .and_then(|(text, _)| text.clone())
                .filter(|t| !t.is_empty()),
            None => Some(s.name.clone()),
        }
    };
    let line_value = |l: &DesiredLine| {
        if by_id_column.is_some() {
            l.key.clone()
        } else {
            l.name.clone()
        }
    };
    let mut map = SubitemMap::new();
    let mut duplicates = Vec::new();
    for s in existing {
        let Some(value) = match_value(&s) else {
            continue;
        };
        let candidates: Vec<&DesiredLine> =
            lines.iter().filter(|l| line_value(l) == value).collect();
        match candidates.iter().find(|l| !map.contains_key(&l.key)) {
            Some(l) => {
                map.insert(
                    l.key.clone(),
                    StoredLine {
                        id: s.id.clone(),
                        hash: String::new(),
                    },
                );
            }
            None if !candidates.is_empty() || by_id_column.is_some() => {
                duplicates.push(s.id.clone())
            }
            None => {}
        }
    }
    tracing::info!(
        item = item_id,
        adopted = map.len(),
        duplicates = duplicates.len(),
        "rebuilt the subitem map from monday"
    );
    Ok((map, duplicates))
}
