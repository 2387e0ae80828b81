//! The three document kinds the connector syncs, and how Zoho spells each of them.

use std::fmt;
use std::str::FromStr;

/// Which Books module a document belongs to.
///
/// Zoho spells the same module differently in URLs (`purchaseorders`), payload keys
/// (`purchaseorder`) and ids (`purchaseorder_id`); these methods keep that knowledge in one place.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocumentKind {
    /// Sales invoice (`/invoices`), party is a customer.
    Invoice,
    /// Vendor bill (`/bills`), party is a vendor.
    Bill,
    /// Purchase order (`/purchaseorders`), party is a vendor.
    PurchaseOrder,
}

impl DocumentKind {
    /// Every kind, in a stable order.
    pub const ALL: [DocumentKind; 3] = [
        DocumentKind::Invoice,
        DocumentKind::Bill,
        DocumentKind::PurchaseOrder,
    ];

    /// The key wrapping one record in a detail response or webhook: `invoice`, `bill`,
    /// `purchaseorder`.
    pub fn payload_key(self) -> &'static str {
        match self {
            DocumentKind::Invoice => "invoice",
            DocumentKind::Bill => "bill",
            DocumentKind::PurchaseOrder => "purchaseorder",
        }
    }

    /// The URL path segment, which is also the key of the array in list responses.
    pub fn path(self) -> &'static str {
        match self {
            DocumentKind::Invoice => "invoices",
            DocumentKind::Bill => "bills",
            DocumentKind::PurchaseOrder => "purchaseorders",
        }
    }

    /// The field holding the record's id.
    pub fn id_field(self) -> &'static str {
        match self {
            DocumentKind::Invoice => "invoice_id",
            DocumentKind::Bill => "bill_id",
            DocumentKind::PurchaseOrder => "purchaseorder_id",
        }
    }

    /// This crate's own stable name (the serde form), suitable for storage and logs.
    pub fn as_str(self) -> &'static str {
        match self {
            DocumentKind::Invoice => "invoice",
            DocumentKind::Bill => "bill",
            DocumentKind::PurchaseOrder => "purchase_order",
        }
    }

    /// The field holding the human-facing document number.
    pub(crate) fn number_field(self) -> &'static str {
        match self {
            DocumentKind::Invoice => "invoice_number",
            DocumentKind::Bill => "bill_number",
            DocumentKind::PurchaseOrder => "purchaseorder_number",
        }
    }

    /// Whether the counter-party is a customer (invoices) rather than a vendor.
    pub(crate) fn party_is_customer(self) -> bool {
        matches!(self, DocumentKind::Invoice)
    }
}

impl FromStr for DocumentKind {
    type Err = String;

    /// Accepts singular or plural, with or without the underscore, and `po`, in any case,
    /// because config files, URLs and Zoho all name these differently.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let norm = s.trim().to_ascii_lowercase().replace(['-', ' '], "_");
        match norm.as_str() {
            "invoice" | "invoices" => Ok(DocumentKind::Invoice),
            "bill" | "bills" => Ok(DocumentKind::Bill),
            "purchase_order" | "purchase_orders" | "purchaseorder" | "purchaseorders" | "po"
            | "pos" => Ok(DocumentKind::PurchaseOrder),
            _ => Err(format!(
                "unknown document kind {s:?}; expected invoice, bill or purchase_order \
                 (plural forms, \"purchaseorder\" and \"po\" are accepted too)"
            )),
        }
    }
}

impl fmt::Display for DocumentKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spellings() {
        let k = DocumentKind::PurchaseOrder;
        assert_eq!(
            (k.payload_key(), k.path(), k.id_field(), k.as_str()),
            (
                "purchaseorder",
                "purchaseorders",
                "purchaseorder_id",
                "purchase_order"
            )
        );
        assert_eq!(DocumentKind::Invoice.path(), "invoices");
        assert_eq!(DocumentKind::Bill.id_field(), "bill_id");
    }

    #[test]
    fn parses_every_accepted_spelling() {
        for (s, k) in [
            ("invoice", DocumentKind::Invoice),
            ("Invoices", DocumentKind::Invoice),
            ("bill", DocumentKind::Bill),
            ("BILLS", DocumentKind::Bill),
            ("purchase_order", DocumentKind::PurchaseOrder),
            ("purchase_orders", DocumentKind::PurchaseOrder),
            ("purchaseorder", DocumentKind::PurchaseOrder),
            ("purchaseorders", DocumentKind::PurchaseOrder),
            ("purchase-order", DocumentKind::PurchaseOrder),
            ("PO", DocumentKind::PurchaseOrder),
        ] {
            assert_eq!(s.parse::<DocumentKind>(), Ok(k), "{s}");
        }
        let err = "estimate".parse::<DocumentKind>().unwrap_err();
        assert!(
            err.contains("expected invoice, bill or purchase_order"),
            "{err}"
        );
    }

    #[test]
    fn serde_matches_as_str() {
        for k in DocumentKind::ALL {
            assert_eq!(
                serde_json::to_value(k).unwrap(),
                serde_json::json!(k.as_str())
            );
        }
    }
}
