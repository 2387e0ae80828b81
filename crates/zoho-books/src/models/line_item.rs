//! Document line items (only detail responses carry them).

use rust_decimal::Decimal;
use serde_json::Value;

use super::lenient;

/// One line of an invoice, bill or purchase order (only detail responses carry them).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct LineItem {
    /// Zoho's id of the line; empty when the payload had none (hand-written webhook templates).
    pub line_item_id: String,
    /// The catalogue item, when the line references one.
    pub item_id: Option<String>,
    pub name: Option<String>,
    pub description: Option<String>,
    pub quantity: Option<Decimal>,
    pub rate: Option<Decimal>,
    /// Line total as Zoho computed it (after discount, before tax unless inclusive).
    pub item_total: Option<Decimal>,
    pub unit: Option<String>,
    /// Display order; Zoho starts at 0 or 1 depending on the module.
    pub item_order: Option<i64>,
}

impl LineItem {
    /// Reads one element of `line_items`; `None` when it is not an object.
    pub(crate) fn from_json(v: &Value) -> Option<LineItem> {
        v.as_object()?;
        Some(LineItem {
            line_item_id: lenient::id(v.get("line_item_id")).unwrap_or_default(),
            item_id: lenient::id(v.get("item_id")),
            name: lenient::text(v.get("name")),
            description: lenient::text(v.get("description")),
            quantity: lenient::decimal(v.get("quantity")),
            rate: lenient::decimal(v.get("rate")),
            item_total: lenient::decimal(v.get("item_total")),
            unit: lenient::text(v.get("unit")),
            item_order: lenient::int(v.get("item_order")),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn line_item_with_numbers_or_strings() {
        let li = LineItem::from_json(&json!({
            "line_item_id": 982000000567021u64, "item_id": "982000000030049", "name": "Hard Drive",
            "rate": "120.00", "quantity": 1.0, "item_total": 120.0, "unit": "pcs", "item_order": 1
        }))
        .unwrap();
        assert_eq!(li.line_item_id, "982000000567021");
        assert_eq!(li.rate, Some(Decimal::new(12000, 2)));
        assert_eq!(li.quantity, Some(Decimal::ONE));
        assert_eq!(li.item_order, Some(1));
        assert_eq!(li.description, None);
        assert!(LineItem::from_json(&json!("x")).is_none());
    }
}
