//! The Books records this crate reads, parsed leniently from Zoho's loosely typed JSON.

mod custom_field;
mod document;
mod kind;
pub(crate) mod lenient;
mod line_item;
mod organization;
mod payment;

#[cfg(test)]
mod document_tests;

pub use custom_field::CustomField;
pub(crate) use document::json_type;
pub use document::{Document, DocumentSummary, Field};
pub use kind::DocumentKind;
pub use lenient::parse_zoho_time;
pub use line_item::LineItem;
pub use organization::Organization;
pub use payment::{CustomerPayment, VendorPayment};
